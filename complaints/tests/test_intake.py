from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from complaints.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ComplainantIdentity,
    Complaint,
    ComplaintStep,
    Status,
    normalize_tracking_code,
)
from complaints.tests.conftest import IDENTITY_STRINGS, enter_by_staff, file_web

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_a_web_complaint_is_received_with_a_tracking_code_and_a_due_date(cast, settings):
    settings.PINGYI_COMPLAINT_REPLY_DAYS = 5
    settings.PINGYI_HOLIDAYS = ["2026-07-20"]
    complaint = file_web(cast)
    assert complaint.received_on == date(2026, 7, 15)
    # Thu 16, Fri 17, (Mon 20 is a holiday), Tue 21, Wed 22, Thu 23
    assert complaint.due_date == date(2026, 7, 23)
    assert len(complaint.tracking_code) == CODE_LENGTH
    assert set(complaint.tracking_code) <= set(CODE_ALPHABET)
    assert complaint.channel == "web" and complaint.entered_by is None
    assert list(complaint.steps.values_list("status", flat=True)) == [Status.RECEIVED]


def test_tracking_codes_are_unique_and_random(cast):
    codes = {file_web(cast).tracking_code for _ in range(5)}
    assert len(codes) == 5


def test_the_identity_is_stored_apart_and_the_audit_event_does_not_carry_it(cast):
    complaint = file_web(cast)
    identity = ComplainantIdentity.objects.get(complaint=complaint)
    assert (identity.name, identity.phone, identity.address) == IDENTITY_STRINGS
    assert not hasattr(complaint, "identity")  # no reverse accessor to wander into
    event = Event.objects.get(action="complaint.filed")
    assert event.actor_label == "public"
    assert not any(s in str(event.data) for s in IDENTITY_STRINGS)
    assert "窗口人员" not in str(event.data) and len(event.data["content_sha256"]) == 64


def test_an_anonymous_complaint_has_no_identity_row_even_if_fields_were_filled(cast):
    complaint = file_web(cast, anonymous=True)
    assert complaint.is_anonymous
    assert not ComplainantIdentity.objects.filter(complaint=complaint).exists()


def test_a_named_complaint_needs_a_name_and_a_way_to_reach_the_complainant(cast):
    from complaints.actions import Identity, do_file_complaint

    with pytest.raises(ValidationError) as caught:
        do_file_complaint(
            cast.campaign,
            target=cast.target("county-a"),
            kind="complaint",
            category="attitude",
            content="态度差",
            anonymous=False,
            identity=Identity("", "", ""),
        )
    assert set(caught.value.message_dict) == {"name", "phone"}
    assert not Complaint.objects.exists()


def test_the_unit_concerned_must_be_a_target_of_the_campaign(cast):
    from campaigns.models import Target
    from complaints.actions import do_file_complaint
    from pingyi.testing import make_campaign

    other = make_campaign(code="c-other", name="另一次评议")
    foreign = Target.objects.get(campaign=other, unit__code="county-a")
    with pytest.raises(ValidationError) as caught:
        do_file_complaint(
            cast.campaign,
            target=foreign,
            kind="complaint",
            category="attitude",
            content="态度差",
            anonymous=True,
        )
    assert "target" in caught.value.message_dict
    assert not Complaint.objects.exists()


def test_empty_content_and_unknown_choices_are_refused_by_field(cast):
    from complaints.actions import do_file_complaint

    with pytest.raises(ValidationError) as caught:
        do_file_complaint(
            cast.campaign,
            target=cast.target("county-a"),
            kind="rumour",
            category="gossip",
            content="   ",
            anonymous=True,
        )
    assert set(caught.value.message_dict) == {"kind", "category", "content"}


@time_machine.travel("2026-08-10 10:00 +0800", tick=False)
def test_the_organizer_enters_a_hotline_call_with_the_day_it_was_received(cast):
    complaint = enter_by_staff(cast, received_on=date(2026, 8, 3))
    assert complaint.channel == "hotline" and complaint.entered_by == cast.organizer
    assert complaint.received_on == date(2026, 8, 3)
    assert complaint.due_date == date(2026, 8, 24)  # 15 working days after Mon 3 Aug
    assert ComplaintStep.objects.get(complaint=complaint).by == cast.organizer


@time_machine.travel("2026-08-10 10:00 +0800", tick=False)
def test_a_staff_entry_cannot_be_received_in_the_future_or_by_web(cast):
    with pytest.raises(ValidationError) as caught:
        enter_by_staff(cast, received_on=date(2026, 8, 11))
    assert "received_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        enter_by_staff(cast, channel="web")
    assert "channel" in caught.value.message_dict
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("who", ["liaison", "leader", "evaluator", "nobody"])
def test_only_organizers_enter_complaints_from_other_channels(cast, who):
    with pytest.raises(PermissionDenied):
        enter_by_staff(cast, acting_user=getattr(cast, who))
    assert (
        not Complaint.objects.exists()
        and not Event.objects.filter(action="complaint.filed").exists()
    )


def test_the_public_cannot_claim_a_staff_channel(cast):
    from complaints.actions import do_file_complaint

    with pytest.raises(PermissionDenied):
        do_file_complaint(
            cast.campaign,
            target=cast.target("county-a"),
            kind="complaint",
            category="attitude",
            content="态度差",
            anonymous=True,
            channel="hotline",
        )
    assert not Complaint.objects.exists()


def test_complaints_are_never_updated_in_place(cast):
    complaint = file_web(cast)
    complaint.content = "改过的内容"
    with pytest.raises(RuntimeError):
        complaint.save()
    assert Complaint.objects.get().content != "改过的内容"


def test_tracking_codes_are_read_forgivingly():
    assert normalize_tracking_code(" abcd-efgh jkmn ") == "ABCDEFGHJKMN"
