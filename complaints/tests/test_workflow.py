import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from complaints.access import ComplaintAccess
from complaints.actions import (
    current_status,
    do_assign_complaint,
    do_close_complaint,
    do_rate_reply,
    do_reply_complaint,
    do_return_reply,
    published_reply,
)
from complaints.models import ComplaintRating, ComplaintReply, ComplaintStep, Status
from complaints.tests.conftest import (
    CONTENT,
    IDENTITY_STRINGS,
    REPLY,
    assign,
    file_web,
    reply,
    verify,
)

pytestmark = pytest.mark.django_db


def _snapshot(complaint):
    return (
        list(complaint.steps.values_list("seq", "status")),
        ComplaintReply.objects.count(),
        Event.objects.count(),
    )


def test_the_full_path_received_assigned_replied_verified_closed(cast, complaint):
    assign(cast, complaint, note="请核实")
    reply(cast, complaint)
    assert published_reply(complaint) is None  # not before the organizers checked it
    verify(cast, complaint)
    assert published_reply(complaint).text == REPLY
    do_close_complaint(ComplaintAccess(cast.organizer, complaint), acting_user=cast.organizer)
    assert list(complaint.steps.order_by("seq").values_list("status", flat=True)) == [
        "received",
        "assigned",
        "replied",
        "verified",
        "closed",
    ]
    actions = list(
        Event.objects.filter(object_type="complaints.complaint").values_list("action", flat=True)
    )
    assert actions == [
        "complaint.filed",
        "complaint.assigned",
        "complaint.replied",
        "complaint.verified",
        "complaint.closed",
    ]


def test_assigning_emails_the_units_liaisons_the_content_but_not_the_identity(
    cast, complaint, django_capture_on_commit_callbacks
):
    cast.liaison.email = "liaison@county-a.example"
    cast.liaison.save()
    cast.other_liaison.email = "liaison@county-b.example"
    cast.other_liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        assign(cast, complaint, note="请于限期内答复")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liaison@county-a.example"]
    assert CONTENT in message.body and "请于限期内答复" in message.body
    text = message.subject + message.body
    assert not any(s in text for s in IDENTITY_STRINGS)
    assert complaint.tracking_code not in text


@pytest.mark.parametrize(
    "site_url", ["https://pingyi.example.gov.cn", "https://pingyi.example.gov.cn/"]
)
def test_the_assignment_email_links_to_the_complaint_with_an_absolute_url(
    cast, complaint, settings, site_url, django_capture_on_commit_callbacks
):
    settings.PINGYI_SITE_URL = site_url
    cast.liaison.email = "liaison@county-a.example"
    cast.liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        assign(cast, complaint)
    (message,) = mail.outbox
    assert f"https://pingyi.example.gov.cn/complaints/{complaint.pk}/\n" in message.body


def test_without_a_site_url_the_assignment_email_falls_back_to_the_path(
    cast, complaint, settings, django_capture_on_commit_callbacks
):
    settings.PINGYI_SITE_URL = ""
    cast.liaison.email = "liaison@county-a.example"
    cast.liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        assign(cast, complaint)
    (message,) = mail.outbox
    assert f": /complaints/{complaint.pk}/\n" in message.body


def test_a_failed_step_sends_no_email(cast, complaint, django_capture_on_commit_callbacks):
    cast.liaison.email = "liaison@county-a.example"
    cast.liaison.save()
    assign(cast, complaint)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        assign(cast, complaint)
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["liaison", "other_liaison", "leader", "inspector", "nobody"])
def test_only_the_organizing_level_assigns(cast, complaint, who):
    before = _snapshot(complaint)
    user = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        do_assign_complaint(ComplaintAccess(user, complaint), acting_user=user)
    assert _snapshot(complaint) == before


def test_the_county_level_organizer_cannot_manage_a_city_campaigns_complaint(cast, complaint):
    from orgs.models import Role
    from pingyi.testing import make_user

    county_organizer = make_user("county_org", role=Role.ORGANIZER, unit=cast.units["county-a"])
    before = _snapshot(complaint)
    with pytest.raises(PermissionDenied):
        do_assign_complaint(
            ComplaintAccess(county_organizer, complaint), acting_user=county_organizer
        )
    assert _snapshot(complaint) == before


def test_the_province_organizer_above_the_organizing_unit_does_not_manage_it(cast, complaint):
    before = _snapshot(complaint)
    user = cast.province_organizer
    with pytest.raises(PermissionDenied):
        do_assign_complaint(ComplaintAccess(user, complaint), acting_user=user)
    with pytest.raises(PermissionDenied):
        do_close_complaint(ComplaintAccess(user, complaint), public_note="x", acting_user=user)
    assert _snapshot(complaint) == before


def test_a_liaison_of_another_unit_cannot_reply(cast, assigned):
    before = _snapshot(assigned)
    with pytest.raises(PermissionDenied):
        do_reply_complaint(
            ComplaintAccess(cast.other_liaison, assigned),
            text="不是我们的事",
            acting_user=cast.other_liaison,
        )
    assert _snapshot(assigned) == before


def test_the_liaison_cannot_reply_before_assignment_or_twice(cast, complaint):
    before = _snapshot(complaint)
    with pytest.raises(ValidationError):
        reply(cast, complaint)
    assert _snapshot(complaint) == before
    assign(cast, complaint)
    reply(cast, complaint)
    before = _snapshot(complaint)
    with pytest.raises(ValidationError):
        reply(cast, complaint, text="再答一次")
    assert _snapshot(complaint) == before


def test_an_empty_reply_is_refused(cast, assigned):
    before = _snapshot(assigned)
    with pytest.raises(ValidationError) as caught:
        reply(cast, assigned, text="  ")
    assert "text" in caught.value.message_dict
    assert _snapshot(assigned) == before


def test_verification_needs_a_reply(cast, assigned):
    before = _snapshot(assigned)
    with pytest.raises(ValidationError):
        verify(cast, assigned)
    assert _snapshot(assigned) == before


def test_a_returned_reply_goes_back_to_the_unit_and_a_new_reply_is_a_new_row(cast, assigned):
    reply(cast, assigned, text="第一次答复")
    access = ComplaintAccess(cast.organizer, assigned)
    with pytest.raises(ValidationError) as caught:
        do_return_reply(access, note="", acting_user=cast.organizer)
    assert "note" in caught.value.message_dict
    do_return_reply(access, note="未说明处理结果", acting_user=cast.organizer)
    assert current_status(assigned) == Status.ASSIGNED
    reply(cast, assigned, text="第二次答复")
    verify(cast, assigned)
    assert list(assigned.replies.values_list("text", flat=True)) == ["第一次答复", "第二次答复"]
    assert published_reply(assigned).text == "第二次答复"


def test_closing_without_a_reply_needs_a_reason_and_closed_is_final(cast, complaint):
    access = ComplaintAccess(cast.organizer, complaint)
    with pytest.raises(ValidationError):
        do_close_complaint(access, acting_user=cast.organizer)
    do_close_complaint(access, public_note="重复投诉", acting_user=cast.organizer)
    before = _snapshot(complaint)
    for action in (do_assign_complaint, do_close_complaint):
        with pytest.raises(ValidationError):
            action(access, note="x", acting_user=cast.organizer)
    assert _snapshot(complaint) == before


def test_closing_without_a_reply_needs_a_public_reason_not_just_a_staff_note(cast, complaint):
    access = ComplaintAccess(cast.organizer, complaint)
    before = _snapshot(complaint)
    for public_note in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            do_close_complaint(
                access,
                note="内部：来电人情绪激动",
                public_note=public_note,
                acting_user=cast.organizer,
            )
        assert "public_note" in caught.value.message_dict
        assert "reason" in caught.value.message_dict["public_note"][0]
    assert _snapshot(complaint) == before

    step = do_close_complaint(
        access,
        note="内部：来电人情绪激动",
        public_note="不属于科技系统职责，请向市场监管部门反映。",
        acting_user=cast.organizer,
    )
    step.refresh_from_db()
    assert step.status == Status.CLOSED
    assert step.note == "内部：来电人情绪激动"
    assert step.public_note == "不属于科技系统职责，请向市场监管部门反映。"
    event = Event.objects.get(action="complaint.closed")
    assert event.data["public_note"] == step.public_note


def test_a_public_reason_is_optional_when_closing_after_a_verified_reply(cast, assigned):
    reply(cast, assigned)
    verify(cast, assigned)
    step = do_close_complaint(ComplaintAccess(cast.organizer, assigned), acting_user=cast.organizer)
    assert step.public_note == "" and current_status(assigned) == Status.CLOSED


def test_an_overlong_public_reason_is_refused(cast, complaint):
    before = _snapshot(complaint)
    with pytest.raises(ValidationError) as caught:
        do_close_complaint(
            ComplaintAccess(cast.organizer, complaint),
            public_note="理" * 2001,
            acting_user=cast.organizer,
        )
    assert "public_note" in caught.value.message_dict
    assert _snapshot(complaint) == before


def test_an_assigned_complaint_cannot_be_closed_before_the_reply_is_verified(cast, assigned):
    before = _snapshot(assigned)
    with pytest.raises(ValidationError):
        do_close_complaint(
            ComplaintAccess(cast.organizer, assigned), note="结案", acting_user=cast.organizer
        )
    assert _snapshot(assigned) == before


def test_steps_are_numbered_and_a_duplicate_number_is_refused(cast, assigned):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    assert list(assigned.steps.values_list("seq", flat=True)) == [1, 2]
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplaintStep.objects.create(complaint=assigned, seq=2, status="replied", at=timezone.now())


def test_the_complainant_rates_the_verified_reply_once(cast, assigned):
    reply(cast, assigned)
    with pytest.raises(ValidationError):
        do_rate_reply(assigned, rating="satisfied")  # not verified yet
    verify(cast, assigned)
    do_rate_reply(assigned, rating="basically_satisfied", comment="还算及时")
    with pytest.raises(ValidationError):
        do_rate_reply(assigned, rating="unsatisfied")
    rating = ComplaintRating.objects.get()
    assert rating.rating == "basically_satisfied" and rating.reply == assigned.replies.get()
    assert Event.objects.filter(action="complaint.rated").count() == 1


def test_an_unknown_rating_is_refused(cast, assigned):
    reply(cast, assigned)
    verify(cast, assigned)
    with pytest.raises(ValidationError):
        do_rate_reply(assigned, rating="ecstatic")
    assert not ComplaintRating.objects.exists()


def test_a_liaison_does_not_read_a_complaint_before_it_is_assigned(cast):
    complaint = file_web(cast)
    assert not ComplaintAccess(cast.liaison, complaint).can_read
    assign(cast, complaint)
    assert ComplaintAccess(cast.liaison, complaint).can_read
    assert not ComplaintAccess(cast.other_liaison, complaint).can_read
