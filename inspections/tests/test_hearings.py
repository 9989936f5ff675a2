from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import Event
from inspections.actions import (
    do_answer_on_site,
    do_ask_question,
    do_give_verdict,
    do_raise_question_rectification,
    do_record_hearing,
    do_reply_in_writing,
)
from inspections.models import (
    AnswerMode,
    AnswerVerdict,
    Hearing,
    HearingQuestion,
    QuestionAnswer,
    QuestionState,
)
from inspections.tests.conftest import HEARING_DAY, as_, ask
from orgs.access import OPERATOR
from orgs.actions import do_add_evaluator, do_disqualify_evaluator
from orgs.models import Evaluator, EvaluatorCategory, Prohibition, Role
from pingyi.testing import make_user
from rectification.models import RectificationItem, Source

pytestmark = pytest.mark.django_db


def _hearing_counts():
    return (
        Hearing.objects.count(),
        HearingQuestion.objects.count(),
        QuestionAnswer.objects.count(),
        AnswerVerdict.objects.count(),
        Event.objects.count(),
    )


def _record_hearing(cast, evaluators, day=HEARING_DAY):
    return do_record_hearing(
        as_(cast, cast.organizer),
        title="面对面评议会",
        date=day,
        place="市局会议室",
        targets=[cast.target("county-a")],
        evaluators=evaluators,
        acting_user=cast.organizer,
    )


def test_the_organizer_records_a_hearing_with_units_and_evaluators(cast, hearing):
    assert {t.unit.code for t in hearing.targets.all()} == {"county-a", "county-b"}
    assert hearing.evaluators.count() == 2
    assert Event.objects.filter(action="hearing.recorded").count() == 1


def test_a_disqualified_evaluator_cannot_be_registered_present(cast, second_evaluator, english):
    do_disqualify_evaluator(
        second_evaluator,
        prohibition=Prohibition.ACCEPT_HOSPITALITY,
        reason="接受宴请",
        acting_user=OPERATOR,
    )
    second_evaluator.refresh_from_db()
    before = _hearing_counts()
    with pytest.raises(ValidationError) as error:
        _record_hearing(cast, [cast.evaluator_entry, second_evaluator])
    assert "王芳 has been disqualified" in " ".join(error.value.message_dict["evaluators"])
    assert _hearing_counts() == before


def test_an_evaluator_out_of_term_on_the_hearing_date_is_refused(cast, second_evaluator):
    # second_evaluator's term ends in 2027
    with pytest.raises(ValidationError):
        _record_hearing(cast, [second_evaluator], day=date(2028, 3, 1))
    assert Hearing.objects.count() == 0


def test_an_evaluator_of_another_roster_is_refused(cast):
    stranger = do_add_evaluator(
        unit=cast.units["county-b"],
        name="县代表",
        category=EvaluatorCategory.OTHER,
        term_start=date(2026, 1, 1),
        term_end=date(2026, 12, 31),
        acting_user=OPERATOR,
    )
    with pytest.raises(ValidationError):
        _record_hearing(cast, [stranger])
    assert Hearing.objects.count() == 0


def test_the_hearing_page_refuses_a_disqualified_evaluator(cast, second_evaluator, login):
    do_disqualify_evaluator(
        second_evaluator, prohibition=Prohibition.BUY_VOTES, reason="拉票", acting_user=OPERATOR
    )
    before = _hearing_counts()
    response = login(cast.organizer).post(
        reverse("inspections:hearing_create", args=[cast.campaign.code]),
        {
            "title": "评议会",
            "date": "2026-08-05",
            "place": "会议室",
            "targets": [cast.target("county-a").pk],
            "evaluators": [cast.evaluator_entry.pk, second_evaluator.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evaluators"]
    assert _hearing_counts() == before


def test_a_liaison_cannot_hold_a_hearing(cast, login):
    client = login(cast.liaison)
    url = reverse("inspections:hearing_create", args=[cast.campaign.code])
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "x"}).status_code == 403
    assert Hearing.objects.count() == 0


def test_a_question_goes_to_an_attending_unit_from_an_evaluator_present(cast, hearing):
    stranger = do_add_evaluator(
        unit=cast.units["city"],
        name="缺席代表",
        category=EvaluatorCategory.OTHER,
        term_start=date(2026, 1, 1),
        term_end=date(2026, 12, 31),
        acting_user=OPERATOR,
    )
    with pytest.raises(ValidationError) as error:
        ask(cast, hearing, unit="county-c")
    assert "target" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        ask(cast, hearing, asked_by=stranger)
    assert "asked_by" in error.value.message_dict
    assert HearingQuestion.objects.count() == 0


def test_a_question_not_answered_on_site_needs_a_reply_date(cast, hearing):
    with pytest.raises(ValidationError) as error:
        ask(cast, hearing, reply_due=None)
    assert "reply_due" in error.value.message_dict
    assert HearingQuestion.objects.count() == 0


def test_a_question_answered_on_site_carries_its_answer(cast, hearing):
    question = ask(cast, hearing, on_site_answer="本月底前公布材料清单")
    answer = question.answers.get()
    assert answer.mode == AnswerMode.ON_SITE and answer.answered_by == cast.organizer
    assert question.reply_due is None
    assert question.state() == QuestionState.AWAITING_VERDICT


def test_only_the_asking_evaluator_gives_the_verdict(cast, hearing):
    question = ask(cast, hearing, on_site_answer="本月底前解决")
    colleague = make_user("colleague", role=Role.EVALUATOR, unit=cast.units["city"])
    do_add_evaluator(
        unit=cast.units["city"],
        name="张同事",
        category=EvaluatorCategory.CPPCC_MEMBER,
        term_start=date(2026, 1, 1),
        term_end=date(2026, 12, 31),
        user=colleague,
        acting_user=OPERATOR,
    )
    before = _hearing_counts()
    for user in (colleague, cast.organizer, cast.liaison, cast.inspector):
        with pytest.raises(PermissionDenied):
            do_give_verdict(as_(cast, user), question, satisfied=True, acting_user=user)
    assert _hearing_counts() == before

    verdict = do_give_verdict(
        as_(cast, cast.evaluator), question, satisfied=True, acting_user=cast.evaluator
    )
    assert verdict.evaluator == cast.evaluator_entry and not verdict.on_behalf
    assert question.state() == QuestionState.SATISFIED


def test_the_organizer_records_the_verdict_of_an_evaluator_without_an_account(
    cast, hearing, second_evaluator
):
    question = ask(cast, hearing, asked_by=second_evaluator, on_site_answer="将整改")
    with pytest.raises(PermissionDenied):  # another evaluator cannot speak for 王芳
        do_give_verdict(
            as_(cast, cast.evaluator), question, satisfied=True, acting_user=cast.evaluator
        )
    verdict = do_give_verdict(
        as_(cast, cast.organizer), question, satisfied=True, acting_user=cast.organizer
    )
    assert verdict.evaluator == second_evaluator and verdict.on_behalf


def test_the_verdict_page_refuses_another_evaluator_and_nothing_changes(cast, hearing, login):
    question = ask(cast, hearing, on_site_answer="将整改")
    colleague = make_user("colleague", role=Role.EVALUATOR, unit=cast.units["city"])
    before = _hearing_counts()
    response = login(colleague).post(
        reverse("inspections:give_verdict", args=[question.pk]), {"satisfied": "yes"}
    )
    assert response.status_code == 403
    assert _hearing_counts() == before
    # the asking evaluator's own page shows the verdict form and records it
    client = login(cast.evaluator)
    page = client.get(reverse("inspections:question", args=[question.pk]))
    assert page.context["can_judge"]
    client.post(reverse("inspections:give_verdict", args=[question.pk]), {"satisfied": "yes"})
    assert AnswerVerdict.objects.get().satisfied is True


def test_an_unsatisfactory_verdict_needs_a_comment(cast, hearing):
    question = ask(cast, hearing, on_site_answer="研究研究")
    with pytest.raises(ValidationError):
        do_give_verdict(
            as_(cast, cast.evaluator), question, satisfied=False, acting_user=cast.evaluator
        )
    assert AnswerVerdict.objects.count() == 0


def test_the_liaison_replies_in_writing_and_may_reply_again_after_an_unsatisfactory_verdict(
    cast, hearing
):
    question = ask(cast, hearing)
    liaison = as_(cast, cast.liaison)
    do_reply_in_writing(liaison, question, text="已拨付八成", acting_user=cast.liaison)
    with pytest.raises(ValidationError):  # waiting for the evaluator's verdict
        do_reply_in_writing(liaison, question, text="再答", acting_user=cast.liaison)

    do_give_verdict(
        as_(cast, cast.evaluator),
        question,
        satisfied=False,
        comment="未说明剩余资金何时拨付",
        acting_user=cast.evaluator,
    )
    assert question.state() == QuestionState.UNSATISFIED
    do_reply_in_writing(liaison, question, text="9月底前全部拨付", acting_user=cast.liaison)
    do_give_verdict(as_(cast, cast.evaluator), question, satisfied=True, acting_user=cast.evaluator)
    with pytest.raises(ValidationError):  # settled
        do_reply_in_writing(liaison, question, text="补充", acting_user=cast.liaison)
    assert question.answers.count() == 2 and AnswerVerdict.objects.count() == 2


def test_staff_record_on_site_answers_only_for_unanswered_questions(cast, hearing):
    question = ask(cast, hearing)
    with pytest.raises(PermissionDenied):
        do_answer_on_site(as_(cast, cast.liaison), question, text="现场", acting_user=cast.liaison)
    do_answer_on_site(as_(cast, cast.organizer), question, text="现场", acting_user=cast.organizer)
    with pytest.raises(ValidationError):
        do_answer_on_site(
            as_(cast, cast.organizer), question, text="再次", acting_user=cast.organizer
        )
    assert question.answers.count() == 1


def test_the_liaison_of_another_county_cannot_reply_and_nothing_changes(cast, hearing, login):
    question = ask(cast, hearing, unit="county-a")
    before = _hearing_counts()
    with pytest.raises(PermissionDenied):
        do_reply_in_writing(
            as_(cast, cast.other_liaison), question, text="代答", acting_user=cast.other_liaison
        )
    client = login(cast.other_liaison)
    assert client.get(reverse("inspections:question", args=[question.pk])).status_code == 404
    response = client.post(
        reverse("inspections:reply_in_writing", args=[question.pk]), {"text": "x"}
    )
    assert response.status_code == 404
    assert _hearing_counts() == before


def test_the_liaison_replies_through_the_question_page(cast, hearing, login):
    question = ask(cast, hearing)
    client = login(cast.liaison)
    assert client.get(reverse("inspections:question", args=[question.pk])).context["can_reply"]
    client.post(reverse("inspections:reply_in_writing", args=[question.pk]), {"text": "书面答复"})
    answer = QuestionAnswer.objects.get()
    assert answer.mode == AnswerMode.WRITTEN and answer.answered_by == cast.liaison


def test_a_liaison_sees_only_its_own_questions_and_not_hearings_it_did_not_attend(
    cast, hearing, login
):
    ask(cast, hearing, unit="county-a")
    question_b = ask(cast, hearing, unit="county-b")
    page = login(cast.liaison).get(reverse("inspections:hearing", args=[hearing.pk]))
    assert page.status_code == 200
    assert [q.target.unit.code for q in page.context["page"]] == ["county-a"]
    assert question_b.pk not in [q.pk for q in page.context["page"]]

    other = _record_hearing(cast, [cast.evaluator_entry])  # county-a only
    assert (
        login(cast.other_liaison).get(reverse("inspections:hearing", args=[other.pk])).status_code
        == 404
    )


def test_an_evaluator_records_only_their_own_questions(cast, hearing, second_evaluator):
    access = as_(cast, cast.evaluator)
    with pytest.raises(PermissionDenied):
        do_ask_question(
            access,
            hearing,
            target=cast.target("county-a"),
            asked_by=second_evaluator,
            text="问题",
            reply_due=date(2026, 8, 19),
            acting_user=cast.evaluator,
        )
    question = do_ask_question(
        access,
        hearing,
        target=cast.target("county-a"),
        asked_by=cast.evaluator_entry,
        text="问题",
        reply_due=date(2026, 8, 19),
        acting_user=cast.evaluator,
    )
    assert question.recorded_by == cast.evaluator


def test_an_unsatisfactory_answer_can_go_on_the_ledger_once(cast, hearing):
    question = ask(cast, hearing, on_site_answer="研究研究")
    organizer = as_(cast, cast.organizer)
    with pytest.raises(ValidationError):  # no verdict yet
        do_raise_question_rectification(
            organizer, question, problem="", deadline=date(2099, 1, 1), acting_user=cast.organizer
        )
    do_give_verdict(
        as_(cast, cast.evaluator),
        question,
        satisfied=False,
        comment="敷衍",
        acting_user=cast.evaluator,
    )
    with pytest.raises(PermissionDenied):
        do_raise_question_rectification(
            as_(cast, cast.liaison),
            question,
            problem="",
            deadline=date(2099, 1, 1),
            acting_user=cast.liaison,
        )
    item = do_raise_question_rectification(
        organizer, question, problem="", deadline=date(2099, 1, 1), acting_user=cast.organizer
    )
    assert item.source == Source.HEARING_QUESTION
    assert item.source_ref == f"inspections.hearingquestion:{question.pk}"
    assert item.problem == question.text and item.target == cast.target("county-a")
    with pytest.raises(ValidationError):
        do_raise_question_rectification(
            organizer, question, problem="", deadline=date(2099, 1, 1), acting_user=cast.organizer
        )
    assert RectificationItem.objects.count() == 1


# ---- evaluators who no longer serve ----------------------------------------------------------


def _disqualify(evaluator):
    do_disqualify_evaluator(
        evaluator,
        prohibition=Prohibition.SEEK_BENEFIT,
        reason="向被评单位索要好处",
        acting_user=OPERATOR,
    )


def test_a_disqualified_evaluator_cannot_ask_a_question_even_through_the_organizer(
    cast, hearing, second_evaluator
):
    _disqualify(cast.evaluator_entry)
    _disqualify(second_evaluator)
    before = _hearing_counts()
    with pytest.raises(PermissionDenied):  # the evaluator's own account
        do_ask_question(
            as_(cast, cast.evaluator),
            hearing,
            target=cast.target("county-a"),
            asked_by=cast.evaluator_entry,
            text="问题",
            reply_due=date(2026, 8, 19),
            acting_user=cast.evaluator,
        )
    for evaluator in (cast.evaluator_entry, second_evaluator):  # organizer on their behalf
        with pytest.raises(PermissionDenied):
            ask(cast, hearing, asked_by=evaluator)
    assert _hearing_counts() == before


def test_an_evaluator_whose_term_has_ended_cannot_ask(cast, hearing, second_evaluator):
    # the roster entry was cut short after the hearing was registered
    Evaluator.objects.filter(pk=second_evaluator.pk).update(term_end=date(2026, 8, 1))
    before = _hearing_counts()
    with pytest.raises(PermissionDenied):
        ask(cast, hearing, asked_by=second_evaluator)
    assert _hearing_counts() == before


def test_the_question_form_does_not_offer_a_disqualified_evaluator(
    cast, hearing, second_evaluator, login
):
    _disqualify(second_evaluator)
    page = login(cast.organizer).get(reverse("inspections:question_create", args=[hearing.pk]))
    assert list(page.context["form"].fields["asked_by"].queryset) == [cast.evaluator_entry]


def test_a_disqualified_evaluator_cannot_give_a_verdict(cast, hearing, login):
    question = ask(cast, hearing, on_site_answer="将整改")
    _disqualify(cast.evaluator_entry)
    before = _hearing_counts()
    with pytest.raises(PermissionDenied):
        do_give_verdict(
            as_(cast, cast.evaluator), question, satisfied=True, acting_user=cast.evaluator
        )
    client = login(cast.evaluator)
    assert not client.get(reverse("inspections:question", args=[question.pk])).context["can_judge"]
    response = client.post(
        reverse("inspections:give_verdict", args=[question.pk]), {"satisfied": "yes"}
    )
    assert response.status_code == 403
    assert _hearing_counts() == before


def test_the_organizer_cannot_record_the_verdict_of_a_disqualified_evaluator(
    cast, hearing, second_evaluator
):
    question = ask(cast, hearing, asked_by=second_evaluator, on_site_answer="将整改")
    _disqualify(second_evaluator)
    before = _hearing_counts()
    with pytest.raises(PermissionDenied):
        do_give_verdict(
            as_(cast, cast.organizer), question, satisfied=True, acting_user=cast.organizer
        )
    assert _hearing_counts() == before


def test_no_verdict_after_the_evaluators_term_has_ended(cast, hearing, second_evaluator):
    question = ask(cast, hearing, asked_by=second_evaluator, on_site_answer="将整改")
    before = _hearing_counts()
    # the term ended on 2027-12-31
    with time_machine.travel("2028-01-02 10:00 +0800", tick=False), pytest.raises(PermissionDenied):
        do_give_verdict(
            as_(cast, cast.organizer), question, satisfied=True, acting_user=cast.organizer
        )
    assert _hearing_counts() == before
    with time_machine.travel("2027-12-31 10:00 +0800", tick=False):  # the last day still counts
        do_give_verdict(
            as_(cast, cast.organizer), question, satisfied=True, acting_user=cast.organizer
        )
    assert AnswerVerdict.objects.count() == 1
