"""Reading the ledger: a campaign's items (scoped like the pages) and one item in full."""

from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from campaigns.access import get_campaign_for_user
from rectification.access import get_item_for_user, items_for
from rectification.models import ItemStatus
from rectification.queries import filter_ledger

router = Router(tags=["rectification"])


def _username(user) -> str | None:
    return user.username if user else None


class ItemOut(Schema):
    id: int
    campaign: str
    target: str
    unit_name: str
    source: str
    source_ref: str
    problem: str
    plan: str
    responsible_person: str
    goal: str
    deadline: date
    status: str
    overdue: bool
    overdue_since: date | None
    explanation: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    verified_by: str | None
    verified_at: datetime | None
    verification_note: str

    @staticmethod
    def resolve_campaign(obj) -> str:
        return obj.target.campaign.code

    @staticmethod
    def resolve_target(obj) -> str:
        return obj.target.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.target.unit.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_closed_by(obj) -> str | None:
        return _username(obj.closed_by)

    @staticmethod
    def resolve_verified_by(obj) -> str | None:
        return obj.verified_by.username if obj.verified_by else None


class NoteOut(Schema):
    text: str
    author: str | None
    created_at: datetime


class EvidenceOut(Schema):
    id: int
    content_type: str
    size: int
    description: str
    added_by: str | None
    added_at: datetime
    url: str


class VerificationOut(Schema):
    accepted: bool
    note: str
    status_judged: str
    explanation: str
    closed_by: str | None
    closed_at: datetime | None
    verified_by: str | None
    verified_at: datetime


class ItemDetail(ItemOut):
    notes: list[NoteOut]
    evidence: list[EvidenceOut]
    verifications: list[VerificationOut]

    @staticmethod
    def resolve_notes(obj) -> list[NoteOut]:
        return [
            NoteOut(text=n.text, author=_username(n.author), created_at=n.created_at)
            for n in obj.notes.select_related("author")
        ]

    @staticmethod
    def resolve_evidence(obj) -> list[EvidenceOut]:
        return [
            EvidenceOut(
                id=e.pk,
                content_type=e.content_type,
                size=e.size,
                description=e.description,
                added_by=_username(e.added_by),
                added_at=e.added_at,
                url=reverse("rectification:evidence_file", args=[e.pk]),
            )
            for e in obj.evidence.select_related("added_by")
        ]

    @staticmethod
    def resolve_verifications(obj) -> list[VerificationOut]:
        return [
            VerificationOut(
                accepted=v.accepted,
                note=v.note,
                status_judged=v.status_judged,
                explanation=v.explanation,
                closed_by=_username(v.closed_by),
                closed_at=v.closed_at,
                verified_by=_username(v.verified_by),
                verified_at=v.verified_at,
            )
            for v in obj.verifications.select_related("verified_by", "closed_by")
        ]


class LedgerFilters(Schema):
    target: str = ""
    status: ItemStatus | None = None
    overdue: bool = False


@router.get("/{code}/items", response=list[ItemOut])
@paginate(LimitOffsetPagination)
def list_items(request, code: str, filters: Query[LedgerFilters]):
    """The ledger of a campaign: every target for the organizing level, its own for a unit."""
    access = get_campaign_for_user(request.user, code)
    items = filter_ledger(
        items_for(access).select_related("target__campaign"),
        target=filters.target,
        status=filters.status or "",
        overdue=filters.overdue,
    )
    return items.order_by("deadline", "pk")


@router.get("/items/{pk}", response=ItemDetail)
def item_detail(request, pk: int):
    """One item with its progress notes, evidence metadata and verifications."""
    _access, item = get_item_for_user(request.user, pk)
    return item
