"""Derived facts about complaints: current status, overdue lists and counts, ledger items."""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from campaigns.access import CampaignAccess
from complaints.access import complaints_for
from complaints.models import AWAITING_REPLY, Complaint, ComplaintStep
from rectification.models import RectificationItem, Source


def with_status(queryset: QuerySet) -> QuerySet:
    """Annotate `current_status`: the status of the newest step."""
    newest = ComplaintStep.objects.filter(complaint=OuterRef("pk")).order_by("-seq")
    return queryset.annotate(current_status=Subquery(newest.values("status")[:1]))


def overdue(queryset: QuerySet, today: date | None = None) -> QuerySet:
    """Not yet replied and past the reply due date (the due date itself is still on time)."""
    today = today or timezone.localdate()
    return with_status(queryset).filter(current_status__in=AWAITING_REPLY, due_date__lt=today)


def overdue_for(access: CampaignAccess, today: date | None = None) -> QuerySet:
    return overdue(complaints_for(access), today).order_by("due_date", "pk")


def overdue_count(access: CampaignAccess, today: date | None = None) -> int:
    """For the campaign dashboard: overdue complaints this user may read (0 for others)."""
    return overdue(complaints_for(access), today).count()


def rectification_source_ref(complaint: Complaint) -> str:
    """How a ledger item names the complaint it came from."""
    return f"complaints.complaint:{complaint.pk}"


def complaint_rectification_item(complaint: Complaint) -> RectificationItem | None:
    """The rectification ledger item raised from this complaint, if any."""
    return RectificationItem.objects.filter(
        source=Source.COMPLAINT, source_ref=rectification_source_ref(complaint)
    ).first()
