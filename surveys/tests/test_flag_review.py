from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from scoring.actions import do_record_assessor_score
from scoring.queries import live_tally
from surveys.models import FlagKind, FlagReview, Response
from surveys.review import do_review_response
from surveys.submission import Client, do_submit_by_token, do_submit_open_link
from surveys.tests.factories import (
    PHONE,
    SHEET,
    answers,
    invitations,
    open_link,
    open_questionnaire,
)

CODE = "c-2026"


def phone(n: int) -> Client:
    return Client(ip=f"198.51.100.{n}", user_agent=f"Mozilla/5.0 phone {n}")


def flags_url(state=""):
    url = reverse("surveys:flags", args=[CODE])
    return f"{url}?state={state}" if state else url


def exclude_url(response):
    return reverse("surveys:exclude_response", args=[CODE, response.pk])


def keep_url(response):
    return reverse("surveys:keep_response", args=[CODE, response.pk])


def county_a(campaign):
    return next(r for r in live_tally(campaign).results if r.target == "county-a")


def speeder(cast, unit="county-a", **more):
    """A response through an open link answered in no time: flagged as a speeder."""
    link = open_link(cast.target(unit))
    submitted = do_submit_open_link(
        link.slug, answers(**more), client=PHONE, started_at=timezone.now()
    )
    return submitted.response


def unchanged(response):
    response.refresh_from_db()
    return (
        response.excluded_at is None
        and not FlagReview.objects.exists()
        and not Event.objects.filter(action="surveys.response_reviewed").exists()
    )


def test_an_open_link_burst_is_flagged_reviewed_excluded_and_leaves_the_tally(cast, login):
    # given a questionnaire that calls more than 3 answers in 10 minutes a burst,
    # and county A's inspection scores, so the tally has a total
    open_questionnaire(cast.campaign, burst_count=3, burst_minutes=10)
    a = cast.target("county-a")
    do_record_assessor_score(a, "rectification", 90, acting_user=cast.organizer)
    do_record_assessor_score(a, "self_review", 90, acting_user=cast.organizer)
    link = open_link(a)

    # when six phones answer through the poster's link, the last three rating 不满意
    submitted = [
        do_submit_open_link(
            link.slug, answers(tier="优秀" if n < 3 else "不满意"), client=phone(n)
        ).response
        for n in range(6)
    ]

    # then every answer in the burst is flagged (which fell in the window is not kept),
    # and all six count so far
    assert all(r.flags.filter(kind=FlagKind.BURST).exists() for r in submitted)
    before = county_a(cast.campaign)
    # survey 70 × (3×0.9 + 3×0.5)/6 = 49, inspection 18 + 9 = 27
    assert (before.responses, before.valid_votes, before.total) == (6, 6, Decimal("76.00"))

    # when the organizer keeps the first three and excludes the rest on the flags page
    client = login(cast.organizer)
    page = client.get(flags_url())
    assert sorted(r.pk for r in page.context["page"]) == [r.pk for r in submitted]
    kept, flagged = submitted[:3], submitted[3:]
    for response in kept:
        reply = client.post(keep_url(response), {"reason": "高峰前正常作答"})
        assert reply.status_code == 302
    for response in flagged:
        reply = client.post(exclude_url(response), {"reason": "同一时段集中提交，疑似组织刷票"})
        assert reply.status_code == 302

    # then the tally leaves them out: survey 70 × 0.9 = 63, total 90
    after = county_a(cast.campaign)
    assert (after.responses, after.valid_votes, after.total) == (3, 3, Decimal("90.00"))
    assert Response.objects.filter(excluded_at__isnull=False).count() == 3
    assert Response.objects.count() == 6  # excluded, never deleted
    events = Event.objects.filter(
        action="surveys.response_reviewed", data__decision="exclude"
    ).order_by("seq")
    assert [e.data for e in events] == [
        {
            "campaign": CODE,
            "response": r.pk,
            "decision": "exclude",
            "reason": "同一时段集中提交，疑似组织刷票",
            "flags": ["burst"],
        }
        for r in flagged
    ]
    assert {e.actor for e in events} == {cast.organizer}
    assert not client.get(flags_url()).context["page"].object_list
    assert len(client.get(flags_url("excluded")).context["page"].object_list) == 3


def test_a_decision_needs_a_reason(cast, login):
    open_questionnaire(cast.campaign)
    response = speeder(cast)

    page = login(cast.organizer).post(exclude_url(response), {"reason": "   "})

    assert page.status_code == 302
    assert unchanged(response)
    with pytest.raises(ValidationError) as caught:
        do_review_response(response, decision="exclude", reason="", acting_user=cast.organizer)
    assert list(caught.value.message_dict) == ["reason"]
    assert unchanged(response)


def test_the_missing_reason_message_is_clear(cast, login, english):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    page = login(cast.organizer).post(keep_url(response), {"reason": ""}, follow=True)
    assert "Please give the reason for this decision." in page.content.decode()
    assert unchanged(response)


@pytest.mark.parametrize("persona", ["leader", "tallier", "inspector", "liaison", "nobody"])
def test_only_an_organizer_sees_and_reviews_flagged_responses(cast, login, persona):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    client = login(getattr(cast, persona))

    assert client.get(flags_url()).status_code == 403
    assert client.post(exclude_url(response), {"reason": "想排除"}).status_code == 403
    assert client.post(keep_url(response), {"reason": "想保留"}).status_code == 403

    assert unchanged(response)
    with pytest.raises(PermissionDenied):
        do_review_response(
            response, decision="exclude", reason="想排除", acting_user=getattr(cast, persona)
        )
    assert unchanged(response)


def test_the_flags_page_shows_signals_and_free_text_but_never_the_rating_or_score(
    cast, login, english
):
    open_questionnaire(cast.campaign, items=SHEET)
    sheet = {"item_attitude": "37.5", "item_efficiency": "25.5", "item_integrity": "19.5"}
    speeder(cast, tier="优秀", problems="窗口人员态度生硬", **sheet)

    page = login(cast.organizer).get(flags_url())

    text = page.content.decode()
    assert "Answered too fast" in text
    assert "窗口人员态度生硬" in text
    assert "甲县局" in text and "服务对象" in text
    for sealed in ("优秀", "满意", "37.5", "25.5", "19.5", "82.5"):
        assert sealed not in text


def test_a_kept_response_may_later_be_excluded_but_an_exclusion_is_final(cast, login, english):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    client = login(cast.organizer)

    client.post(keep_url(response), {"reason": "电话回访确认为本人填写"})
    assert [r.pk for r in client.get(flags_url("kept")).context["page"]] == [response.pk]
    assert not client.get(flags_url()).context["page"].object_list
    response.refresh_from_db()
    assert response.excluded_at is None

    client.post(exclude_url(response), {"reason": "后查实为代填"})
    response.refresh_from_db()
    excluded_at = response.excluded_at
    assert excluded_at is not None

    page = client.post(exclude_url(response), {"reason": "再次排除"}, follow=True)
    assert "already excluded" in page.content.decode()
    page = client.post(keep_url(response), {"reason": "恢复"}, follow=True)
    assert "already excluded" in page.content.decode()
    response.refresh_from_db()
    assert response.excluded_at == excluded_at
    assert list(response.reviews.values_list("decision", flat=True)) == ["keep", "exclude"]
    assert Event.objects.filter(action="surveys.response_reviewed").count() == 2


def test_a_response_without_flags_is_not_reviewed(cast, english):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    response = do_submit_by_token(token, answers(), client=PHONE).response
    assert not response.flags.exists()
    with pytest.raises(ValidationError) as caught:
        do_review_response(
            response, decision="exclude", reason="看着可疑", acting_user=cast.organizer
        )
    assert "Only flagged responses" in caught.value.messages[0]
    assert unchanged(response)


def test_an_unknown_decision_is_refused(cast, english):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    with pytest.raises(ValidationError) as caught:
        do_review_response(response, decision="delete", reason="理由", acting_user=cast.organizer)
    assert list(caught.value.message_dict) == ["decision"]
    assert unchanged(response)


def test_a_response_of_another_campaign_is_not_found(cast, login):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    url = reverse("surveys:exclude_response", args=["other-2026", response.pk])
    assert login(cast.organizer).post(url, {"reason": "x"}).status_code == 404
    url = reverse("surveys:exclude_response", args=[CODE, response.pk + 1000])
    assert login(cast.organizer).post(url, {"reason": "x"}).status_code == 404
    assert unchanged(response)


def test_the_flags_page_is_paginated_by_25(cast, login):
    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-b"))
    for n in range(27):
        do_submit_open_link(link.slug, answers(), client=phone(n), started_at=timezone.now())
    client = login(cast.organizer)
    assert len(client.get(flags_url()).context["page"].object_list) == 25
    assert len(client.get(flags_url() + "?page=2").context["page"].object_list) == 2


def test_a_reason_with_a_nul_byte_is_stored_without_it(cast):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    do_review_response(response, decision="keep", reason="正常\x00作答", acting_user=cast.organizer)
    assert response.reviews.get().reason == "正常作答"


def test_an_organizer_flags_a_paper_answer_by_hand_and_can_then_exclude_it(cast, login):
    from surveys.paper import do_create_paper_batch, do_enter_paper_form

    open_questionnaire(cast.campaign)
    batch = do_create_paper_batch(
        cast.campaign, cast.target("county-a"), size=1, acting_user=cast.organizer
    )
    form = batch.forms.get()
    for keyer in (cast.organizer, cast.tallier):
        do_enter_paper_form(form, answers(), acting_user=keyer)
    form.refresh_from_db()
    client = login(cast.organizer)
    page = client.get(reverse("surveys:paper_form", args=[CODE, batch.number, form.serial]))
    flag_url = reverse("surveys:flag_response", args=[CODE, form.response_id])
    assert flag_url in page.content.decode()

    reply = client.post(flag_url, {"reason": "同一笔迹填写整叠问卷"})
    client.post(exclude_url(form.response), {"reason": "核实为代填"})

    assert reply.status_code == 302
    assert form.response.flags.get().kind == FlagKind.MANUAL
    assert Response.objects.get(pk=form.response_id).excluded_at is not None
    assert Event.objects.filter(action="surveys.response_flagged").count() == 1


def test_only_an_organizer_flags_by_hand_and_a_reason_is_needed(cast, login):
    open_questionnaire(cast.campaign)
    response = speeder(cast)
    url = reverse("surveys:flag_response", args=[CODE, response.pk])
    assert login(cast.tallier).post(url, {"reason": "x"}).status_code == 403
    login(cast.organizer).post(url, {"reason": "  "})
    assert not response.flags.filter(kind=FlagKind.MANUAL).exists()
