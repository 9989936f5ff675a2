"""Read-only questions other apps ask about inspections and hearings (the dashboard, reports)."""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.access import CampaignAccess
from inspections.access import questions_for
from inspections.models import HearingQuestion
from rectification.models import RectificationItem, Source


def overdue_questions(
    access: CampaignAccess, today: date | None = None
) -> QuerySet[HearingQuestion]:
    """Questions with no answer at all whose written reply was due before today."""
    today = today or timezone.localdate()
    return (
        questions_for(access)
        .filter(reply_due__lt=today, answers__isnull=True)
        .order_by("reply_due", "pk")
    )


def overdue_question_count(access: CampaignAccess, today: date | None = None) -> int:
    return overdue_questions(access, today).count()


def question_rectification_item(question: HearingQuestion) -> RectificationItem | None:
    """The ledger item raised from an unsatisfactory answer, if any."""
    return RectificationItem.objects.filter(
        source=Source.HEARING_QUESTION, source_ref=question.source_ref
    ).first()
