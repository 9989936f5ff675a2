"""Complaint API: public intake and tracking, scoped staff reads, audited identity.

No schema here has an identity field except IdentityOut, returned only by
the audited identity endpoint; no staff schema has the tracking code.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Respond

from complaints.access import (
    campaign_for_public,
    complaints_for,
    get_campaign_complaints_for_user,
    get_complainant_identity,
    get_complaint_by_tracking_code,
    get_complaint_for_user,
)
from complaints.actions import (
    Identity,
    current_status,
    do_file_complaint,
    do_rate_reply,
    published_reply,
)
from complaints.models import Category, Kind, Rating, Status, format_tracking_code
from complaints.queries import with_status

router = Router(tags=["complaints"])


class IntakeIn(Schema):
    campaign: str
    target: str = Field(description="unit code of the unit concerned")
    kind: Kind
    category: Category
    content: str
    anonymous: bool = False
    name: str = ""
    phone: str = ""
    address: str = ""


class IntakeOut(Schema):
    tracking_code: str
    due_date: date


class StepOut(Schema):
    status: Status
    at: datetime
    public_note: str = Field(description="what the organizers tell the complainant, if anything")


class ReplyOut(Schema):
    text: str
    at: datetime


class TrackingOut(Schema):
    tracking_code: str
    status: Status
    kind: Kind
    category: Category
    unit: str
    content: str
    received_on: date
    due_date: date
    steps: list[StepOut]
    reply: ReplyOut | None
    rating: Rating | None
    closing_reason: str | None = Field(
        description="why the complaint was closed, when the organizers gave a reason"
    )


class TrackIn(Schema):
    code: str = Field(description="the tracking code; spaces, dashes and case do not matter")


class RatingIn(TrackIn):
    rating: Rating
    comment: str = ""


class ComplaintOut(Schema):
    id: int
    number: str
    campaign: str
    unit: str
    unit_name: str
    channel: str
    kind: Kind
    category: Category
    content: str
    received_on: date
    due_date: date
    status: Status

    @staticmethod
    def resolve_campaign(obj) -> str:
        return obj.campaign.code

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.target.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.target.unit.name

    @staticmethod
    def resolve_status(obj) -> str:
        return getattr(obj, "current_status", None) or current_status(obj)


class StaffStepOut(Schema):
    seq: int
    status: Status
    at: datetime
    by: str | None
    note: str
    public_note: str


class StaffReplyOut(Schema):
    text: str
    at: datetime
    by: str


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    url: str


class ComplaintDetailOut(ComplaintOut):
    steps: list[StaffStepOut]
    replies: list[StaffReplyOut]
    attachments: list[AttachmentOut]
    rating: Rating | None

    @staticmethod
    def resolve_steps(obj) -> list[dict]:
        return [
            {
                "seq": s.seq,
                "status": s.status,
                "at": s.at,
                "by": s.by and s.by.username,
                "note": s.note,
                "public_note": s.public_note,
            }
            for s in obj.steps.select_related("by").order_by("seq")
        ]

    @staticmethod
    def resolve_replies(obj) -> list[dict]:
        return [
            {"text": r.text, "at": r.at, "by": r.by.username}
            for r in obj.replies.select_related("by").order_by("at", "pk")
        ]

    @staticmethod
    def resolve_attachments(obj, context) -> list[dict]:
        request = context["request"]
        return [
            {
                "id": a.pk,
                "content_type": a.content_type,
                "size": a.size,
                "url": request.build_absolute_uri(reverse("complaints:attachment", args=[a.pk])),
            }
            for a in obj.attachments.all()
        ]

    @staticmethod
    def resolve_rating(obj) -> str | None:
        rating = getattr(obj, "rating", None)
        return rating.rating if rating else None


class IdentityOut(Schema):
    complaint: int
    name: str
    phone: str
    address: str


def _field_errors(exc: ValidationError) -> NinjaValidationError:
    """An action's ValidationError as a 422 naming each field, like ninja's own errors."""
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    return NinjaValidationError(
        [
            {"loc": ["body", field] if field else ["body"], "msg": m}
            for field, ms in items
            for m in ms
        ]
    )


@router.post("/intake", auth=None, response={201: IntakeOut})
def intake(request, payload: IntakeIn):
    """File a complaint from the public (JSON; attachments go through the web form)."""
    campaign = campaign_for_public(payload.campaign)
    target = campaign.targets.select_related("unit").filter(unit__code=payload.target).first()
    try:
        complaint = do_file_complaint(
            campaign,
            target=target,
            kind=payload.kind,
            category=payload.category,
            content=payload.content,
            anonymous=payload.anonymous,
            identity=Identity(payload.name, payload.phone, payload.address),
        )
    except ValidationError as exc:
        raise _field_errors(exc) from exc
    return Respond(
        201,
        {
            "tracking_code": format_tracking_code(complaint.tracking_code),
            "due_date": complaint.due_date,
        },
    )


def _tracking(complaint) -> dict:
    reply = published_reply(complaint)
    rating = getattr(complaint, "rating", None) if reply else None
    steps = list(complaint.steps.order_by("seq"))
    closed = [s for s in steps if s.status == Status.CLOSED]
    return {
        "tracking_code": format_tracking_code(complaint.tracking_code),
        "status": current_status(complaint),
        "kind": complaint.kind,
        "category": complaint.category,
        "unit": complaint.target.unit.name,
        "content": complaint.content,
        "received_on": complaint.received_on,
        "due_date": complaint.due_date,
        # Statuses, times and public notes only: staff notes are for the unit and the organizers.
        "steps": [{"status": s.status, "at": s.at, "public_note": s.public_note} for s in steps],
        "reply": {"text": reply.text, "at": reply.at} if reply else None,
        "rating": rating.rating if rating else None,
        "closing_reason": (closed[-1].public_note or None) if closed else None,
    }


# The tracking code goes in the body, never in the path: request lines end up in access logs.
@router.post("/track", auth=None, response=TrackingOut)
def track(request, payload: TrackIn):
    """Progress and the verified reply, for whoever holds the tracking code."""
    return _tracking(get_complaint_by_tracking_code(payload.code))


@router.post("/track/rating", auth=None, response={201: TrackingOut})
def rate(request, payload: RatingIn):
    """Rate the verified reply, once, with the tracking code."""
    complaint = get_complaint_by_tracking_code(payload.code)
    try:
        do_rate_reply(complaint, rating=payload.rating, comment=payload.comment)
    except ValidationError as exc:
        raise _field_errors(exc) from exc
    return Respond(201, _tracking(get_complaint_by_tracking_code(payload.code)))


@router.get("/campaigns/{code}", response=list[ComplaintOut])
@paginate(LimitOffsetPagination)
def list_complaints(request, code: str, status: Status | None = None):
    """The campaign's complaints the caller may read (a liaison: its unit's, once assigned)."""
    access = get_campaign_complaints_for_user(request.user, code)
    queryset = with_status(complaints_for(access)).order_by("-received_on", "-pk")
    return queryset.filter(current_status=status) if status else queryset


@router.get("/{int:complaint_id}", response=ComplaintDetailOut)
def complaint_detail(request, complaint_id: int):
    """One complaint with its steps (and staff notes), replies, rating and attachments."""
    return get_complaint_for_user(request.user, complaint_id).complaint


@router.get("/{int:complaint_id}/identity", response=IdentityOut)
def complaint_identity(request, complaint_id: int):
    """Who complained: organizers of the campaign's level only; every call is audited."""
    complaint = get_complaint_for_user(request.user, complaint_id).complaint
    identity = get_complainant_identity(request.user, complaint, via="api")
    return {
        "complaint": complaint.pk,
        "name": identity.name,
        "phone": identity.phone,
        "address": identity.address,
    }
