"""Every change to complaints: intake, the status steps, replies and ratings; atomic and audited.

Legal steps (current status → next):

    received → assigned (organizer forwards to the unit concerned)
    received → closed   (organizer, with a reason for the complainant: not accepted, duplicate…)
    assigned → replied  (a liaison of the unit concerned writes the reply)
    replied  → verified (organizer checks the reply; the complainant can now read it)
    replied  → assigned (organizer returns the reply for rework, with a reason)
    verified → closed   (organizer)

"Organizer" is an organizer grant at the campaign's organizer unit itself
(complaints.access.is_organizer_of). Once assigned, a complaint may also be
put on the unit's rectification ledger, once (do_raise_complaint_rectification).

Audit events never carry the complainant's identity; the content is
represented by its SHA-256 so the chain still vouches for it.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign, Target
from complaints.access import ComplaintAccess
from complaints.models import (
    STAFF_CHANNELS,
    Category,
    Channel,
    ComplainantIdentity,
    Complaint,
    ComplaintAttachment,
    ComplaintRating,
    ComplaintReply,
    ComplaintStep,
    Kind,
    Rating,
    Status,
    new_tracking_code,
)
from complaints.notify import notify_unit_of_assignment
from complaints.queries import complaint_rectification_item, rectification_source_ref
from complaints.scrub import scrub
from orgs.models import Role
from pingyi.lib.uploads import check_upload, stored_name
from pingyi.lib.workdays import add_working_days
from rectification.actions import do_open_rectification_item, may_open_item
from rectification.models import RectificationItem, Source

MAX_ATTACHMENTS = 3
MAX_CONTENT_CHARS = 5000
MAX_REPLY_CHARS = 10000
MAX_NOTE_CHARS = 2000


class _Public:
    """The member of the public filing on the web form or reading with a tracking code."""

    pk = None
    username = "public"
    is_active = False
    is_authenticated = False
    is_superuser = False


PUBLIC = _Public()


@dataclass(frozen=True)
class Identity:
    name: str = ""
    phone: str = ""
    address: str = ""

    def cleaned(self) -> "Identity":
        return Identity(self.name.strip(), self.phone.strip(), self.address.strip())


def reply_due_date(received_on: date) -> date:
    return add_working_days(received_on, settings.PINGYI_COMPLAINT_REPLY_DAYS)


def current_status(complaint: Complaint) -> str:
    step = complaint.steps.order_by("-seq").first()
    return step.status if step else Status.RECEIVED


# Intake -----------------------------------------------------------------------------------


def do_file_complaint(
    campaign: Campaign,
    *,
    target: Target,
    kind: str,
    category: str,
    content: str,
    anonymous: bool,
    identity: Identity | None = None,
    attachments=(),
    channel: str = Channel.WEB,
    received_on: date | None = None,
    acting_user=None,
) -> Complaint:
    """Record a complaint from the public web form (no user) or entered by an organizer.

    Raises ValidationError naming the field for anything the sender can fix.
    """
    staff = acting_user is not None and getattr(acting_user, "is_authenticated", False)
    today = timezone.localdate()
    if staff:
        _check_staff_entry(campaign, acting_user, channel)
    elif channel != Channel.WEB:
        raise PermissionDenied(_("Only organizers record complaints from other channels."))
    received_on = received_on if staff and received_on else today
    identity = None if anonymous else (identity or Identity()).cleaned()
    errors = _intake_errors(campaign, target, kind, category, content, identity, received_on, today)
    checked = _checked_attachments(attachments, errors)
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            complaint = _create_complaint(
                campaign,
                target=target,
                channel=channel,
                kind=kind,
                category=category,
                content=content.strip(),
                received_on=received_on,
                anonymous=anonymous,
                entered_by=acting_user if staff and acting_user.pk else None,
            )
            if identity is not None:
                ComplainantIdentity.objects.create(
                    complaint=complaint,
                    name=identity.name,
                    phone=identity.phone,
                    address=identity.address,
                )
            _add_step(complaint, Status.RECEIVED, by=acting_user if staff else None)
            for upload, file_type in checked:
                _store_attachment(complaint, upload, file_type, stored)
            record_event(
                "complaint.filed",
                complaint,
                acting_user=acting_user if staff else PUBLIC,
                data={
                    "campaign": campaign.code,
                    "target": target.unit.code,
                    "channel": channel,
                    "kind": kind,
                    "category": category,
                    "received_on": received_on,
                    "due_date": complaint.due_date,
                    "anonymous": anonymous,
                    "content_sha256": _digest(complaint.content),
                    "attachments": len(checked),
                },
            )
    except BaseException:
        for name in stored:  # the rows are gone with the rollback; so go their files
            default_storage.delete(name)
        raise
    return complaint


def _check_staff_entry(campaign: Campaign, acting_user, channel: str) -> None:
    if not CampaignAccess(acting_user, campaign).has(Role.ORGANIZER):
        raise PermissionDenied(_("Only the organizing level records complaints received by it."))
    if channel not in STAFF_CHANNELS:
        raise ValidationError(
            {"channel": _("Choose how the complaint reached you (hotline, letter, visit…).")}
        )


def _intake_errors(campaign, target, kind, category, content, identity, received_on, today):
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if target is None or target.campaign_id != campaign.pk:
        add("target", _("Choose one of the units evaluated in this campaign."))
    if kind not in Kind.values:
        add("kind", _("Choose whether this is a complaint or an opinion."))
    if category not in Category.values:
        add("category", _("Choose a category."))
    if not content.strip():
        add("content", _("Describe what happened (请填写内容)."))
    elif len(content.strip()) > MAX_CONTENT_CHARS:
        add("content", _("Keep the content under %(n)s characters.") % {"n": MAX_CONTENT_CHARS})
    if received_on > today:
        add("received_on", _("The day of receipt cannot be in the future."))
    if identity is not None:
        limits = {"name": 100, "phone": 50, "address": 300}
        for name, limit in limits.items():
            if len(getattr(identity, name)) > limit:
                add(name, _("Keep this under %(n)s characters.") % {"n": limit})
        if not identity.name:
            add("name", _("Give your name, or choose to file anonymously."))
        if not (identity.phone or identity.address):
            add("phone", _("Give a phone number or an address so the reply can reach you."))
    return errors


def _checked_attachments(attachments, errors) -> list:
    attachments = [a for a in attachments if a]
    if len(attachments) > MAX_ATTACHMENTS:
        errors.setdefault("attachments", []).append(
            _("Attach at most %(n)s files.") % {"n": MAX_ATTACHMENTS}
        )
        return []
    checked = []
    for number, upload in enumerate(attachments, start=1):
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            # By position, not by filename: the name the sender chose is never echoed or kept.
            for message in exc.messages:
                errors.setdefault("attachments", []).append(
                    _("File %(n)s: %(message)s") % {"n": number, "message": message}
                )
    return checked


def _create_complaint(campaign, *, anonymous: bool, **fields) -> Complaint:
    received_on = fields["received_on"]
    for _attempt in range(5):
        try:
            with transaction.atomic():  # a savepoint, so a code collision can be retried
                return Complaint.objects.create(
                    campaign=campaign,
                    tracking_code=new_tracking_code(),
                    due_date=reply_due_date(received_on),
                    created_at=timezone.now(),
                    is_anonymous=anonymous,
                    **fields,
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique tracking code")


def _store_attachment(complaint, upload, file_type, stored: list[str]) -> None:
    upload.seek(0)
    data = scrub(upload.read(), file_type)
    name = default_storage.save(stored_name("complaints", file_type), ContentFile(data))
    stored.append(name)
    ComplaintAttachment.objects.create(
        complaint=complaint,
        file=name,
        content_type=file_type.content_type,
        extension=file_type.extension,
        size=len(data),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Status steps -----------------------------------------------------------------------------


def _add_step(
    complaint: Complaint, status: str, *, by=None, note: str = "", public_note: str = ""
) -> ComplaintStep:
    last = complaint.steps.order_by("-seq").values_list("seq", flat=True).first() or 0
    return ComplaintStep.objects.create(
        complaint=complaint,
        seq=last + 1,
        status=status,
        at=timezone.now(),
        by=by if getattr(by, "pk", None) else None,
        note=note,
        public_note=public_note,
    )


def _lock(complaint: Complaint, allowed_from: tuple[str, ...]) -> str:
    """Lock the complaint, then check that the step may follow its current status."""
    Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    status = current_status(complaint)
    if status not in allowed_from:
        raise ValidationError(
            _("This complaint is %(status)s; that step is not possible now.")
            % {"status": Status(status).label}
        )
    return status


def _clean_note(note: str, *, required: bool, message: str = "", field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({field: message})
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(
            {field: _("Keep the note under %(n)s characters.") % {"n": MAX_NOTE_CHARS}}
        )
    return note


def _require_organizer(access: ComplaintAccess) -> None:
    if not access.is_organizer:
        raise PermissionDenied(_("Only the organizing level may do this."))


def _append(
    access, before, status, *, note, acting_user, action, data=None, public_note=""
) -> ComplaintStep:
    """Inside the caller's transaction, after _lock: append the step and record the event."""
    step = _add_step(access.complaint, status, by=acting_user, note=note, public_note=public_note)
    record_event(
        action,
        access.complaint,
        acting_user=acting_user,
        data={"from": before, "to": status, "note": note, **(data or {})},
    )
    return step


def do_assign_complaint(access: ComplaintAccess, *, note: str = "", acting_user) -> ComplaintStep:
    """Forward the complaint to the unit concerned (转办); its liaisons are told by email."""
    _require_organizer(access)
    note = _clean_note(note, required=False)
    with transaction.atomic():
        before = _lock(access.complaint, (Status.RECEIVED,))
        step = _append(
            access,
            before,
            Status.ASSIGNED,
            note=note,
            acting_user=acting_user,
            action="complaint.assigned",
            data={"target": access.complaint.target.unit.code},
        )
        transaction.on_commit(lambda: notify_unit_of_assignment(access.complaint, step))
    return step


def do_reply_complaint(access: ComplaintAccess, *, text: str, acting_user) -> ComplaintReply:
    """The unit concerned answers in writing (书面答复)."""
    if not access.can_reply:
        raise PermissionDenied(_("Only a liaison of the unit concerned may reply."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the reply (请填写答复内容).")})
    if len(text) > MAX_REPLY_CHARS:
        raise ValidationError(
            {"text": _("Keep the reply under %(n)s characters.") % {"n": MAX_REPLY_CHARS}}
        )
    with transaction.atomic():
        before = _lock(access.complaint, (Status.ASSIGNED,))
        step = _append(
            access,
            before,
            Status.REPLIED,
            note="",
            acting_user=acting_user,
            action="complaint.replied",
            data={"reply_sha256": _digest(text)},
        )
        reply = ComplaintReply.objects.create(
            complaint=access.complaint, step=step, text=text, at=step.at, by=acting_user
        )
    return reply


def do_verify_complaint(access: ComplaintAccess, *, note: str = "", acting_user) -> ComplaintStep:
    """The organizers accept the reply; from now on the complainant can read and rate it."""
    _require_organizer(access)
    note = _clean_note(note, required=False)
    with transaction.atomic():
        before = _lock(access.complaint, (Status.REPLIED,))
        return _append(
            access,
            before,
            Status.VERIFIED,
            note=note,
            acting_user=acting_user,
            action="complaint.verified",
        )


def do_return_reply(access: ComplaintAccess, *, note: str, acting_user) -> ComplaintStep:
    """The organizers send an inadequate reply back to the unit, saying why."""
    _require_organizer(access)
    note = _clean_note(
        note, required=True, message=_("Say why the reply is sent back (退回须说明理由).")
    )
    with transaction.atomic():
        before = _lock(access.complaint, (Status.REPLIED,))
        step = _append(
            access,
            before,
            Status.ASSIGNED,
            note=note,
            acting_user=acting_user,
            action="complaint.reply_returned",
        )
        transaction.on_commit(
            lambda: notify_unit_of_assignment(access.complaint, step, returned=True)
        )
    return step


def do_close_complaint(
    access: ComplaintAccess, *, note: str = "", public_note: str = "", acting_user
) -> ComplaintStep:
    """Close after verification, or close unassigned with a reason (不予受理, duplicate…).

    `note` is for staff; `public_note` is shown to the complainant on the tracking
    page and is required when the complaint is closed without a reply.
    """
    _require_organizer(access)
    note = _clean_note(note, required=False)
    public_note = _clean_note(public_note, required=False, field="public_note")
    with transaction.atomic():
        before = _lock(access.complaint, (Status.RECEIVED, Status.VERIFIED))
        if before == Status.RECEIVED and not public_note:
            raise ValidationError(
                {
                    "public_note": _(
                        "Give the complainant the reason why the complaint is closed without "
                        "a reply (不予受理须向反映人说明理由)."
                    )
                }
            )
        return _append(
            access,
            before,
            Status.CLOSED,
            note=note,
            public_note=public_note,
            acting_user=acting_user,
            action="complaint.closed",
            data={"public_note": public_note},
        )


# The rectification ledger ------------------------------------------------------------------


def may_raise_rectification(access: CampaignAccess, complaint: Complaint) -> bool:
    """Organizers and inspectors of the campaign (the ledger's own rule for opening items)."""
    return access.campaign.pk == complaint.campaign_id and may_open_item(
        access, complaint.target, Source.COMPLAINT
    )


def do_raise_complaint_rectification(
    access: CampaignAccess,
    complaint: Complaint,
    *,
    problem: str,
    deadline: date | None,
    acting_user,
) -> RectificationItem:
    """Put the problem a complaint revealed on the unit's rectification ledger (限期整改), once.

    Only a complaint already assigned to the unit concerned: the ledger is read
    by that unit, which must not learn of a complaint the organizers have not
    forwarded to it.
    """
    if not may_raise_rectification(access, complaint):
        raise PermissionDenied(
            _("Only the campaign's organizers and inspectors open rectification items.")
        )
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": _("Set a deadline that is not in the past.")})
    with transaction.atomic():
        # Locked, so two organizers cannot both put the same complaint on the ledger.
        Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
        if not complaint.steps.filter(status=Status.ASSIGNED).exists():
            raise ValidationError(
                _("Only a complaint assigned to the unit concerned goes on its ledger.")
            )
        if complaint_rectification_item(complaint) is not None:
            raise ValidationError(_("This complaint is already on the rectification ledger."))
        item = do_open_rectification_item(
            access,
            complaint.target,
            source=Source.COMPLAINT,
            source_ref=rectification_source_ref(complaint),
            problem=problem or "",
            deadline=deadline,
            acting_user=acting_user,
        )
        record_event(
            "complaint.rectification_raised",
            complaint,
            acting_user=acting_user,
            data={"item": item.pk, "deadline": deadline, "problem_sha256": _digest(item.problem)},
        )
    return item


# The complainant --------------------------------------------------------------------------


def published_reply(complaint: Complaint) -> ComplaintReply | None:
    """The reply the complainant may read: the newest one, once verified."""
    if current_status(complaint) not in (Status.VERIFIED, Status.CLOSED):
        return None
    return complaint.replies.order_by("-at", "-pk").first()


def do_rate_reply(complaint: Complaint, *, rating: str, comment: str = "") -> ComplaintRating:
    """The holder of the tracking code rates the published reply, once."""
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose how satisfied you are with the reply.")})
    comment = (comment or "").strip()
    if len(comment) > MAX_NOTE_CHARS:
        raise ValidationError(
            {"comment": _("Keep the comment under %(n)s characters.") % {"n": MAX_NOTE_CHARS}}
        )
    with transaction.atomic():
        Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
        reply = published_reply(complaint)
        if reply is None:
            raise ValidationError(_("There is no verified reply to rate yet."))
        if ComplaintRating.objects.filter(complaint=complaint).exists():
            raise ValidationError(_("This reply has already been rated."))
        saved = ComplaintRating.objects.create(
            complaint=complaint, reply=reply, rating=rating, comment=comment, at=timezone.now()
        )
        record_event(
            "complaint.rated",
            complaint,
            acting_user=PUBLIC,
            data={"rating": rating, "comment_sha256": _digest(comment) if comment else ""},
        )
    return saved
