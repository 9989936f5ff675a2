"""Read-only questions other apps ask about inspections and hearings (the dashboard, reports)."""

from datetime import date

from django.db.models import Case, DateField, F, OuterRef, QuerySet, Subquery, When
from django.utils import timezone

from campaigns.access import CampaignAccess
from inspections.access import questions_for
from inspections.models import AnswerVerdict, HearingQuestion, QuestionAnswer
from rectification.models import RectificationItem, Source


def with_due_for_reply(questions: QuerySet[HearingQuestion]) -> QuerySet[HearingQuestion]:
    """Annotate `due_for_reply`: in SQL what HearingQuestion.awaited_reply_due() computes.

    With no answer yet, the question's own reply date; when the newest answer was
    judged unsatisfactory, the further reply date set with that verdict; else NULL.
    """
    newest = QuestionAnswer.objects.filter(question=OuterRef("pk")).order_by("-answered_at", "-pk")
    follow_up = AnswerVerdict.objects.filter(
        answer_id=OuterRef("newest_answer_id"), satisfied=False
    ).values("reply_due")[:1]
    return questions.annotate(newest_answer_id=Subquery(newest.values("pk")[:1])).annotate(
        due_for_reply=Case(
            When(newest_answer_id__isnull=True, then=F("reply_due")),
            default=Subquery(follow_up),
            output_field=DateField(),
        )
    )


def overdue_questions(
    access: CampaignAccess, today: date | None = None
) -> QuerySet[HearingQuestion]:
    """Questions whose awaited written reply was due before today and has not come.

    Either no answer at all after the question's reply date, or no further answer
    after an unsatisfactory verdict's follow-up date.
    """
    today = today or timezone.localdate()
    return (
        with_due_for_reply(questions_for(access))
        .filter(due_for_reply__lt=today)
        .order_by("due_for_reply", "pk")
    )


def overdue_question_count(access: CampaignAccess, today: date | None = None) -> int:
    return overdue_questions(access, today).count()


def question_rectification_item(question: HearingQuestion) -> RectificationItem | None:
    """The ledger item raised from an unsatisfactory answer, if any."""
    return RectificationItem.objects.filter(
        source=Source.HEARING_QUESTION, source_ref=question.source_ref
    ).first()
