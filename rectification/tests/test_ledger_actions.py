from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Event
from orgs.access import OPERATOR
from orgs.actions import do_grant_role
from orgs.models import Role
from rectification.actions import (
    do_add_progress_note,
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_open_rectification_item,
    do_start_rectification_item,
    do_update_rectification_plan,
    do_verify_rectification_item,
)
from rectification.models import ItemStatus, RectificationItem, Source
from rectification.tests.conftest import access_of, snapshot

pytestmark = pytest.mark.django_db


def _plan(cast, item, user, **values):
    fields = {"plan": "实行午间轮班", "responsible_person": "张伟", "goal": "窗口不断档"}
    return do_update_rectification_plan(
        access_of(cast, user), item, **(fields | values), acting_user=user
    )


def test_the_liaison_updates_the_plan_and_the_audit_keeps_before_and_after(cast, open_item):
    item = open_item(plan="旧措施")
    changed = _plan(cast, item, cast.liaison)
    item.refresh_from_db()
    assert sorted(changed) == ["goal", "plan", "responsible_person"]
    assert (item.plan, item.responsible_person) == ("实行午间轮班", "张伟")
    event = Event.objects.filter(action="rectification.plan_updated").get()
    assert event.data["before"]["plan"] == "旧措施"
    assert event.data["after"]["plan"] == "实行午间轮班"
    assert event.actor == cast.liaison


def test_saving_the_same_plan_again_writes_no_event(cast, open_item):
    item = open_item()
    _plan(cast, item, cast.liaison)
    events = Event.objects.count()
    assert _plan(cast, item, cast.liaison) == []
    assert Event.objects.count() == events


def test_the_liaison_of_another_county_can_change_nothing(cast, open_item, login):
    item = open_item()
    before = snapshot(item)
    client = login(cast.other_liaison)
    pages = [
        "item",
        "item_update_plan",
        "item_start",
        "item_add_note",
        "item_add_evidence",
        "item_mark_done",
        "item_explain",
        "item_verify",
        "item_reject",
    ]
    data = {"text": "x", "plan": "x", "explanation": "x", "note": "x"}
    for name in pages:
        url = reverse(f"rectification:{name}", args=[item.pk])
        if name == "item_add_evidence":
            data["file"] = SimpleUploadedFile("a.txt", b"x")
        response = client.get(url) if name == "item" else client.post(url, data)
        assert response.status_code == 403, name
    with pytest.raises(PermissionDenied):
        do_start_rectification_item(
            access_of(cast, cast.other_liaison), item, acting_user=cast.other_liaison
        )
    assert snapshot(item) == before


def test_an_item_moves_from_planned_through_in_progress_to_done(cast, open_item):
    item = open_item()
    access = access_of(cast, cast.liaison)
    item = do_start_rectification_item(access, item, acting_user=cast.liaison)
    assert item.status == ItemStatus.IN_PROGRESS
    item = do_mark_rectification_done(access, item, note="已执行", acting_user=cast.liaison)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.closed_at is not None
    assert item.notes.get().text == "已执行"
    assert list(
        Event.objects.filter(action__startswith="rectification.").values_list("action", flat=True)
    ) == ["rectification.item_opened", "rectification.item_started", "rectification.item_done"]


def test_illegal_status_moves_are_refused_and_change_nothing(cast, open_item, english):
    item = open_item()
    liaison, organizer = access_of(cast, cast.liaison), access_of(cast, cast.organizer)
    do_start_rectification_item(liaison, item, acting_user=cast.liaison)
    before = snapshot(item)
    with pytest.raises(ValidationError, match="only a planned item can start"):
        do_start_rectification_item(liaison, item, acting_user=cast.liaison)
    with pytest.raises(ValidationError, match="only a done or explained item"):
        do_verify_rectification_item(organizer, item, accept=True, acting_user=cast.organizer)
    assert snapshot(item) == before
    do_mark_rectification_done(liaison, item, acting_user=cast.liaison)
    with pytest.raises(ValidationError, match="only an open item"):
        do_mark_rectification_done(liaison, item, acting_user=cast.liaison)
    with pytest.raises(ValidationError, match="only an open item"):
        do_explain_rectification_item(liaison, item, explanation="原因", acting_user=cast.liaison)
    with pytest.raises(ValidationError, match="reopen it"):
        _plan(cast, item, cast.liaison)


def test_closing_without_fixing_requires_an_explanation(cast, open_item):
    item = open_item()
    access = access_of(cast, cast.liaison)
    before = snapshot(item)
    for blank in ["", "   \n "]:
        with pytest.raises(ValidationError) as excinfo:
            do_explain_rectification_item(access, item, explanation=blank, acting_user=cast.liaison)
        assert "explanation" in excinfo.value.message_dict
    assert snapshot(item) == before

    do_explain_rectification_item(
        access, item, explanation="需纳入明年预算，今年先行试点。", acting_user=cast.liaison
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.EXPLAINED
    assert item.explanation == "需纳入明年预算，今年先行试点。"


def test_closing_without_an_explanation_on_the_page_shows_the_message(cast, open_item, login):
    item = open_item()
    response = login(cast.liaison).post(
        reverse("rectification:item_explain", args=[item.pk]), {"explanation": " "}, follow=True
    )
    assert "一时难以整改的要作出说明" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED


def _done(cast, item):
    return do_mark_rectification_done(access_of(cast, cast.liaison), item, acting_user=cast.liaison)


def test_an_organizer_verifies_a_done_item(cast, open_item):
    item = _done(cast, open_item())
    do_verify_rectification_item(
        access_of(cast, cast.organizer),
        item,
        accept=True,
        note="回访属实",
        acting_user=cast.organizer,
    )
    item.refresh_from_db()
    assert item.verified_by == cast.organizer and item.verified_at is not None
    assert item.verification_note == "回访属实" and item.status == ItemStatus.DONE
    event = Event.objects.get(action="rectification.item_verified")
    assert event.data["accepted"] is True and event.actor == cast.organizer


def test_the_units_liaison_cannot_verify(cast, open_item):
    item = _done(cast, open_item())
    before = snapshot(item)
    with pytest.raises(PermissionDenied):
        do_verify_rectification_item(
            access_of(cast, cast.liaison), item, accept=True, acting_user=cast.liaison
        )
    assert snapshot(item) == before


def test_an_organizer_who_is_also_the_units_liaison_cannot_verify(cast, open_item, login):
    item = _done(cast, open_item())
    do_grant_role(cast.organizer, cast.units["county-a"], Role.LIAISON, acting_user=OPERATOR)
    before = snapshot(item)
    with pytest.raises(PermissionDenied):
        do_verify_rectification_item(
            access_of(cast, cast.organizer), item, accept=True, acting_user=cast.organizer
        )
    response = login(cast.organizer).post(reverse("rectification:item_verify", args=[item.pk]))
    assert response.status_code == 403
    assert snapshot(item) == before
    # ...but the same organizer verifies another county's items
    other = _done_by(cast, open_item("county-b"), cast.other_liaison)
    do_verify_rectification_item(
        access_of(cast, cast.organizer), other, accept=True, acting_user=cast.organizer
    )


def _done_by(cast, item, user):
    return do_mark_rectification_done(access_of(cast, user), item, acting_user=user)


def test_inspectors_and_leaders_cannot_verify(cast, open_item):
    item = _done(cast, open_item())
    for user in (cast.inspector, cast.leader):
        with pytest.raises(PermissionDenied):
            do_verify_rectification_item(access_of(cast, user), item, accept=True, acting_user=user)


def test_a_rejected_verification_needs_a_note_and_reopens_the_item(cast, open_item):
    item = do_explain_rectification_item(
        access_of(cast, cast.liaison),
        open_item(),
        explanation="条件不成熟",
        acting_user=cast.liaison,
    )
    organizer = access_of(cast, cast.organizer)
    before = snapshot(item)
    with pytest.raises(ValidationError):
        do_verify_rectification_item(
            organizer, item, accept=False, note=" ", acting_user=cast.organizer
        )
    assert snapshot(item) == before

    verification = do_verify_rectification_item(
        organizer, item, accept=False, note="理由不充分，请继续整改", acting_user=cast.organizer
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.closed_at is None
    assert item.verified_at is None
    assert (verification.accepted, verification.status_judged) == (False, ItemStatus.EXPLAINED)
    # the unit works on and closes it again
    _done(cast, item)
    item.refresh_from_db()
    assert item.awaits_verification()


def test_a_verified_item_is_final(cast, open_item, english):
    item = _done(cast, open_item())
    do_verify_rectification_item(
        access_of(cast, cast.organizer), item, accept=True, acting_user=cast.organizer
    )
    before = snapshot(item)
    with pytest.raises(ValidationError, match="verified"):
        do_add_progress_note(
            access_of(cast, cast.liaison), item, text="补充", acting_user=cast.liaison
        )
    with pytest.raises(ValidationError, match="verified"):
        do_verify_rectification_item(
            access_of(cast, cast.organizer),
            item,
            accept=False,
            note="再查",
            acting_user=cast.organizer,
        )
    assert snapshot(item) == before


def test_progress_notes_are_appended_with_author_and_time(cast, open_item):
    item = open_item()
    access = access_of(cast, cast.liaison)
    do_add_progress_note(access, item, text="第一次", acting_user=cast.liaison)
    do_add_progress_note(access, item, text="第二次", acting_user=cast.liaison)
    with pytest.raises(ValidationError):
        do_add_progress_note(access, item, text="  ", acting_user=cast.liaison)
    notes = list(item.notes.all())
    assert [n.text for n in notes] == ["第一次", "第二次"]
    assert {n.author for n in notes} == {cast.liaison}
    assert Event.objects.filter(action="rectification.note_added").count() == 2


def test_a_liaison_adds_only_self_inspection_items_to_its_own_ledger(cast):
    access = access_of(cast, cast.liaison)
    kwargs = {"problem": "专家库信息过期", "deadline": "2026-09-01", "acting_user": cast.liaison}
    item = do_open_rectification_item(
        access, cast.target("county-a"), source=Source.SELF_INSPECTION, **kwargs
    )
    assert item.created_by == cast.liaison
    with pytest.raises(PermissionDenied):
        do_open_rectification_item(access, cast.target("county-a"), source=Source.FINDING, **kwargs)
    with pytest.raises(PermissionDenied):
        do_open_rectification_item(
            access, cast.target("county-b"), source=Source.SELF_INSPECTION, **kwargs
        )
    assert RectificationItem.objects.count() == 1


def test_closing_records_who_closed_the_item(cast, open_item):
    done = _done(cast, open_item())
    explained = do_explain_rectification_item(
        access_of(cast, cast.organizer),
        open_item(),
        explanation="需上级统筹",
        acting_user=cast.organizer,
    )
    done.refresh_from_db()
    explained.refresh_from_db()
    assert (done.closed_by, explained.closed_by) == (cast.liaison, cast.organizer)


def test_an_organizer_cannot_verify_an_item_they_closed_themselves(cast, open_item, login):
    item = _done_by(cast, open_item(), cast.organizer)
    before = snapshot(item)
    with pytest.raises(PermissionDenied):
        do_verify_rectification_item(
            access_of(cast, cast.organizer), item, accept=True, acting_user=cast.organizer
        )
    client = login(cast.organizer)
    assert client.post(reverse("rectification:item_verify", args=[item.pk])).status_code == 403
    detail = client.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert reverse("rectification:item_verify", args=[item.pk]) not in detail
    assert snapshot(item) == before
    # another organizer of the campaign verifies it
    do_verify_rectification_item(
        access_of(cast, cast.province_organizer),
        item,
        accept=True,
        acting_user=cast.province_organizer,
    )
    item.refresh_from_db()
    assert item.verified_by == cast.province_organizer


def test_a_rejection_reopens_and_clears_the_closer(cast, open_item):
    item = _done_by(cast, open_item(), cast.organizer)
    do_verify_rectification_item(
        access_of(cast, cast.province_organizer),
        item,
        accept=False,
        note="未见佐证",
        acting_user=cast.province_organizer,
    )
    item.refresh_from_db()
    assert item.closed_by is None and item.closed_at is None
    # closed again by the liaison, the first organizer may now verify
    _done(cast, item)
    do_verify_rectification_item(
        access_of(cast, cast.organizer), item, accept=True, acting_user=cast.organizer
    )


def test_a_rejected_explanation_survives_on_its_verification(cast, open_item, login, english):
    item = open_item()
    with time_machine.travel("2026-07-15 10:00 +0800", tick=False):
        do_explain_rectification_item(
            access_of(cast, cast.liaison), item, explanation="条件不成熟", acting_user=cast.liaison
        )
    with time_machine.travel("2026-07-16 10:00 +0800", tick=False):
        rejected = do_verify_rectification_item(
            access_of(cast, cast.organizer),
            item,
            accept=False,
            note="理由不充分",
            acting_user=cast.organizer,
        )
    with time_machine.travel("2026-07-20 10:00 +0800", tick=False):
        do_explain_rectification_item(
            access_of(cast, cast.liaison),
            item,
            explanation="已申请专项资金，明年上半年完成",
            acting_user=cast.liaison,
        )
    rejected.refresh_from_db()
    assert rejected.explanation == "条件不成熟"
    assert rejected.status_judged == ItemStatus.EXPLAINED
    assert rejected.closed_by == cast.liaison
    assert rejected.closed_at == datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
    item.refresh_from_db()
    assert item.explanation == "已申请专项资金，明年上半年完成"
    accepted = do_verify_rectification_item(
        access_of(cast, cast.organizer), item, accept=True, acting_user=cast.organizer
    )
    assert (accepted.explanation, accepted.closed_by) == (item.explanation, cast.liaison)
    client = login(cast.organizer)
    detail = client.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert "条件不成熟" in detail and "已申请专项资金" in detail
    api = client.get(f"/api/v1/rectification/items/{item.pk}").json()
    first = api["verifications"][0]
    assert (first["explanation"], first["closed_by"]) == ("条件不成熟", "liaison")
    assert first["closed_at"].startswith("2026-07-15")
