"""Paper forms: two independent keyings, resolution by a third person, only then a response."""

import threading
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from audit.models import Event
from orgs.models import Role
from pingyi.testing import make_user
from scoring.aggregate import response_counts
from scoring.queries import live_tally
from surveys.models import (
    Channel,
    PaperBatch,
    PaperEntry,
    PaperForm,
    PaperResolution,
    Questionnaire,
    Response,
)
from surveys.paper import (
    FormStatus,
    batch_progress,
    do_create_paper_batch,
    do_enter_paper_form,
    do_resolve_paper_form,
    mismatches,
)
from surveys.tests.factories import SHEET, answers, open_questionnaire

SHEET_ANSWERS = {"item_attitude": "35", "item_efficiency": "25", "item_integrity": "28"}


@pytest.fixture
def third(cast):
    """A second tallier at the organizing unit: the third person who resolves."""
    return make_user("third_keyer", role=Role.TALLIER, unit=cast.units["city"])


def new_batch(cast, *, size=3, items=SHEET, category=""):
    open_questionnaire(cast.campaign, items=items)
    return do_create_paper_batch(
        cast.campaign,
        cast.target("county-a"),
        size=size,
        category=category,
        acting_user=cast.organizer,
    )


def form_no(batch, serial):
    form = PaperForm.objects.select_related("batch__campaign", "batch__target").get(
        batch=batch, serial=serial
    )
    return form


def tally_responses(campaign, unit="county-a"):
    results = {r.target: r for r in live_tally(campaign).results}
    return results[unit].responses


def test_creating_a_batch_numbers_its_forms_and_freezes_the_questionnaire(cast):
    first = new_batch(cast, size=3)
    second = do_create_paper_batch(
        cast.campaign,
        cast.target("county-b"),
        size=2,
        label="乙县 大厅",
        acting_user=cast.organizer,
    )

    assert (first.number, second.number) == (1, 2)
    assert list(first.forms.values_list("serial", flat=True)) == [1, 2, 3]
    assert second.questionnaire == first.questionnaire
    assert Questionnaire.objects.get().is_frozen
    event = Event.objects.filter(action="surveys.paper_batch_created").last()
    assert event.data["number"] == 2 and event.data["size"] == 2


def test_a_batch_needs_a_questionnaire(cast, english):
    with pytest.raises(ValidationError) as caught:
        do_create_paper_batch(
            cast.campaign, cast.target("county-a"), size=3, acting_user=cast.organizer
        )
    assert "questionnaire first" in caught.value.messages[0]
    assert not PaperBatch.objects.exists()


def test_only_an_organizer_creates_a_batch(cast):
    open_questionnaire(cast.campaign)
    for user in (cast.tallier, cast.liaison, cast.nobody):
        with pytest.raises(PermissionDenied):
            do_create_paper_batch(cast.campaign, cast.target("county-a"), size=3, acting_user=user)
    assert not PaperBatch.objects.exists()
    assert not PaperForm.objects.exists()


def test_a_batch_size_out_of_range_is_refused(cast, english):
    open_questionnaire(cast.campaign)
    for size in (0, 5001):
        with pytest.raises(ValidationError) as caught:
            do_create_paper_batch(
                cast.campaign, cast.target("county-a"), size=size, acting_user=cast.organizer
            )
        assert "1 to 5000 forms" in caught.value.message_dict["size"][0]
    assert not PaperBatch.objects.exists()


def test_differing_entries_count_only_after_a_third_person_resolves_them(cast, third):
    # given: a batch of paper forms about county-a
    batch = new_batch(cast)
    form = form_no(batch, 1)
    counts_before = response_counts(cast.campaign)

    # when: two different people key the same form differently
    first = do_enter_paper_form(
        form,
        answers(tier="满意", **SHEET_ANSWERS, problems="窗口排队久"),
        acting_user=cast.organizer,
    )
    second = do_enter_paper_form(
        form,
        answers(tier="优秀", **{**SHEET_ANSWERS, "item_integrity": "23"}, problems="窗口排队久"),
        acting_user=cast.tallier,
    )

    # then: the form does not count, and the differences are listed
    assert (first.status, second.status) == (FormStatus.AWAITING_SECOND, FormStatus.MISMATCH)
    assert second.response is None
    assert response_counts(cast.campaign) == counts_before
    assert tally_responses(cast.campaign) == 0
    assert not Response.objects.exists()
    assert mismatches(form) == [("tier", "满意", "优秀"), ("item_integrity", "28", "23")]

    # when: a third person reads the paper and resolves
    do_resolve_paper_form(
        form, answers(tier="满意", **SHEET_ANSWERS, problems="窗口排队久"), acting_user=third
    )

    # then: exactly one paper response counts, with the resolved values
    response = Response.objects.get()
    assert (response.channel, response.origin, response.tier) == (Channel.PAPER, "paper", "满意")
    assert str(response.score) == "88.00"
    assert response.target == cast.target("county-a")
    assert response.receipt
    assert PaperForm.objects.get(pk=form.pk).response == response
    assert PaperResolution.objects.get().resolved_by == third
    assert response_counts(cast.campaign) == {"county-a": 1}
    assert tally_responses(cast.campaign) == 1
    event = Event.objects.get(action="surveys.paper_form_resolved")
    assert event.data["fields"] == ["tier", "item_integrity"]
    assert event.actor == third
    assert "满意" not in str(event.data) and "优秀" not in str(event.data)


def test_equal_entries_reconcile_at_once(cast):
    batch = new_batch(cast)
    form = form_no(batch, 2)

    do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)
    assert not Response.objects.exists()
    keyed = do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.tallier)

    assert keyed.status == FormStatus.RECONCILED
    assert Response.objects.get() == keyed.response
    assert keyed.response.channel == Channel.PAPER
    assert PaperForm.objects.get(pk=form.pk).response == keyed.response
    assert mismatches(form) == []
    actions = list(Event.objects.values_list("action", flat=True))
    assert actions.count("surveys.paper_form_entered") == 2
    assert "surveys.paper_form_reconciled" in actions


def test_the_same_score_written_differently_is_the_same_reading(cast):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(
        form, answers(**{**SHEET_ANSWERS, "item_attitude": "35.5"}), acting_user=cast.organizer
    )
    keyed = do_enter_paper_form(
        form, answers(**{**SHEET_ANSWERS, "item_attitude": "35.50"}), acting_user=cast.tallier
    )
    assert keyed.status == FormStatus.RECONCILED


def test_the_same_person_cannot_key_a_form_twice(cast, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)

    with pytest.raises(ValidationError) as caught:
        do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)

    assert "different person" in caught.value.messages[0]
    assert PaperEntry.objects.count() == 1
    assert not Response.objects.exists()


def test_a_keyer_cannot_resolve_and_a_third_entry_is_refused(cast, third, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(tier="满意", **SHEET_ANSWERS), acting_user=cast.organizer)
    do_enter_paper_form(form, answers(tier="优秀", **SHEET_ANSWERS), acting_user=cast.tallier)

    for keyer in (cast.organizer, cast.tallier):
        with pytest.raises(ValidationError) as caught:
            do_resolve_paper_form(form, answers(tier="满意", **SHEET_ANSWERS), acting_user=keyer)
        assert "third person" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        do_enter_paper_form(form, answers(tier="满意", **SHEET_ANSWERS), acting_user=third)

    assert "keyed twice already" in caught.value.messages[0]
    assert PaperEntry.objects.count() == 2
    assert not PaperResolution.objects.exists()
    assert not Response.objects.exists()


def test_a_reconciled_form_takes_no_more_entries_nor_a_resolution(cast, third, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)
    do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.tallier)

    with pytest.raises(ValidationError, match="reconciled already"):
        do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=third)
    with pytest.raises(ValidationError, match="reconciled already"):
        do_resolve_paper_form(form, answers(**SHEET_ANSWERS), acting_user=third)
    assert Response.objects.count() == 1
    assert PaperEntry.objects.count() == 2


def test_a_form_with_fewer_than_two_entries_needs_no_resolution(cast, third, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)

    with pytest.raises(ValidationError, match="differing entries"):
        do_resolve_paper_form(form, answers(**SHEET_ANSWERS), acting_user=third)
    assert not PaperResolution.objects.exists()


def test_bad_keying_gets_clear_messages_and_stores_nothing(cast, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    bad = answers(tier="", **{**SHEET_ANSWERS, "item_attitude": "41"})

    with pytest.raises(ValidationError) as caught:
        do_enter_paper_form(form, bad, acting_user=cast.organizer)

    errors = caught.value.message_dict
    assert errors["tier"] == ["Please choose an overall rating."]
    assert errors["item_attitude"] == ["“服务态度” takes a score from 0 to 40."]
    assert not PaperEntry.objects.exists()
    assert not Event.objects.filter(action__startswith="surveys.paper_form").exists()


def test_a_bad_resolution_stores_nothing(cast, third, english):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(tier="满意", **SHEET_ANSWERS), acting_user=cast.organizer)
    do_enter_paper_form(form, answers(tier="优秀", **SHEET_ANSWERS), acting_user=cast.tallier)

    with pytest.raises(ValidationError) as caught:
        do_resolve_paper_form(form, answers(tier="", **SHEET_ANSWERS), acting_user=third)

    assert "tier" in caught.value.message_dict
    assert not PaperResolution.objects.exists()
    assert not Response.objects.exists()


def test_a_fixed_category_is_taken_from_the_batch(cast):
    batch = new_batch(cast, category="人大代表")
    form = form_no(batch, 1)
    for keyer in (cast.organizer, cast.tallier):
        keyed = do_enter_paper_form(form, {"tier": "满意", **SHEET_ANSWERS}, acting_user=keyer)
    assert keyed.response.category == "人大代表"


def test_keying_follows_the_questionnaire_the_paper_was_printed_from(cast):
    batch = new_batch(cast, items=SHEET)
    # a later version drops the score sheet; the printed forms still carry it
    open_questionnaire(cast.campaign, items=[], title="第二版")
    assert cast.campaign.questionnaires.count() == 2
    form = form_no(batch, 1)
    for keyer in (cast.organizer, cast.tallier):
        keyed = do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=keyer)
    assert keyed.response.questionnaire == batch.questionnaire
    assert keyed.response.items == {"attitude": "35", "efficiency": "25", "integrity": "28"}


@pytest.mark.parametrize("who", ["liaison", "other_liaison", "leader", "inspector", "nobody"])
def test_only_organizers_and_talliers_key_paper(cast, who):
    batch = new_batch(cast)
    form = form_no(batch, 1)
    with pytest.raises(PermissionDenied):
        do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=getattr(cast, who))
    assert not PaperEntry.objects.exists()


def test_the_console_operator_cannot_key_paper(cast):
    batch = new_batch(cast)
    with pytest.raises(PermissionDenied):
        do_enter_paper_form(form_no(batch, 1), answers(**SHEET_ANSWERS), acting_user=None)
    assert not PaperEntry.objects.exists()


def test_batch_progress_counts_each_stage(cast, third):
    batch = new_batch(cast, size=5)
    same, differ = answers(**SHEET_ANSWERS), answers(tier="优秀", **SHEET_ANSWERS)
    do_enter_paper_form(form_no(batch, 1), same, acting_user=cast.organizer)  # keyed once
    for serial in (2, 3):  # keyed twice, equal: reconciled
        do_enter_paper_form(form_no(batch, serial), same, acting_user=cast.organizer)
        do_enter_paper_form(form_no(batch, serial), same, acting_user=cast.tallier)
    do_enter_paper_form(form_no(batch, 4), same, acting_user=cast.organizer)  # differing
    do_enter_paper_form(form_no(batch, 4), differ, acting_user=cast.tallier)

    [row] = batch_progress(cast.campaign)

    assert row["batch"] == batch
    assert {k: v for k, v in row.items() if k != "batch"} == {
        "forms": 5,
        "awaiting_first": 1,
        "keyed_once": 1,
        "keyed_twice": 3,
        "mismatched": 1,
        "reconciled": 2,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
def test_of_many_concurrent_second_keyings_exactly_one_is_stored(cast):
    rounds, keyers = (
        5,
        [make_user(f"keyer{n}", role=Role.TALLIER, unit=cast.units["city"]) for n in range(12)],
    )
    batch = new_batch(cast, size=rounds)
    for serial in range(1, rounds + 1):
        # given: a form keyed once, and twelve other keyers ready to key it at the same moment
        form = form_no(batch, serial)
        do_enter_paper_form(form, answers(**SHEET_ANSWERS), acting_user=cast.organizer)

        # when: they all key it at once, each reading it a little differently
        outcomes = _race(form, keyers)

        # then: one second entry, the others refused, and the form awaits resolution
        assert outcomes == {FormStatus.MISMATCH: 1, "refused": len(keyers) - 1}
        assert PaperEntry.objects.filter(form=form).count() == 2


def _race(form, keyers) -> Counter:
    barrier = threading.Barrier(len(keyers))
    outcomes, lock = Counter(), threading.Lock()

    def key(n, keyer):
        from django.db import connection as thread_connection

        try:
            thread_connection.ensure_connection()  # connect first, so they start together
            barrier.wait(timeout=30)
            data = answers(**SHEET_ANSWERS, problems=f"读法 {n}")
            # A new thread speaks the site's default language; the check reads English.
            with translation.override("en"):
                outcome = do_enter_paper_form(form, data, acting_user=keyer).status
        except ValidationError as exc:
            outcome = "refused" if "keyed twice" in str(exc) else f"error:{exc}"
        except Exception as exc:  # anything else is a failure the test must show
            outcome = f"error:{type(exc).__name__}:{exc}"
        finally:
            thread_connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=key, args=item) for item in enumerate(keyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a keying hung"
    return outcomes
