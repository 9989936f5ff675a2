"""Read-only API: inspections with their findings, hearings, and questions with their answers.

Scoped exactly like the pages: the target's side sees its own unit only,
and a covert inspection only once a finding has been issued to it.
"""

from datetime import date, datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from campaigns.access import get_campaign_for_user
from inspections.access import (
    get_inspection_for_user,
    hearings_for,
    inspections_for,
    questions_for,
)
from inspections.models import QuestionAnswer
from inspections.queries import overdue_questions

router = Router(tags=["inspections"])


class FindingOut(Schema):
    id: int
    description: str
    severity: str
    deadline: date
    recorded_at: datetime
    rectification_item: int | None
    evidence_files: int

    @staticmethod
    def resolve_rectification_item(obj) -> int | None:
        return obj.rectification_item_id

    @staticmethod
    def resolve_evidence_files(obj) -> int:
        return len(obj.evidence.all())


class InspectionOut(Schema):
    id: int
    target: str
    target_name: str
    kind: str
    date: date
    place: str
    summary: str
    inspectors: list[str]
    findings: list[FindingOut]

    @staticmethod
    def resolve_target(obj) -> str:
        return obj.target.unit.code

    @staticmethod
    def resolve_target_name(obj) -> str:
        return obj.target.unit.name

    @staticmethod
    def resolve_inspectors(obj) -> list[str]:
        return [str(user) for user in obj.inspectors.all()]

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.all())


class HearingOut(Schema):
    id: int
    title: str
    date: date
    place: str
    targets: list[str]
    evaluators: list[str]

    @staticmethod
    def resolve_targets(obj) -> list[str]:
        return [t.unit.code for t in obj.targets.all()]

    @staticmethod
    def resolve_evaluators(obj) -> list[str]:
        return [e.name for e in obj.evaluators.all()]


class VerdictOut(Schema):
    satisfied: bool
    comment: str
    reply_due: date | None  # the further written reply asked for by an unsatisfactory verdict
    evaluator: str
    recorded_at: datetime

    @staticmethod
    def resolve_evaluator(obj) -> str:
        return obj.evaluator.name


class AnswerOut(Schema):
    id: int
    mode: str
    text: str
    answered_at: datetime
    verdict: VerdictOut | None

    @staticmethod
    def resolve_verdict(obj):
        return obj.verdict_or_none()


class QuestionOut(Schema):
    id: int
    hearing: int
    target: str
    asked_by: str
    text: str
    asked_at: datetime
    reply_due: date | None
    awaited_reply_due: date | None
    state: str
    overdue: bool
    answers: list[AnswerOut]

    @staticmethod
    def resolve_hearing(obj) -> int:
        return obj.hearing_id

    @staticmethod
    def resolve_target(obj) -> str:
        return obj.target.unit.code

    @staticmethod
    def resolve_asked_by(obj) -> str:
        return obj.asked_by.name

    @staticmethod
    def resolve_awaited_reply_due(obj) -> date | None:
        return obj.awaited_reply_due()

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state()

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.answers.all())


def _inspections(request, code: str):
    access = get_campaign_for_user(request.user, code)
    return inspections_for(access).prefetch_related("inspectors", "findings__evidence")


@router.get("/{code}/inspections", response=list[InspectionOut])
@paginate(LimitOffsetPagination)
def list_inspections(request, code: str):
    return _inspections(request, code)


@router.get("/{code}/inspections/{pk}", response=InspectionOut)
def inspection_detail(request, code: str, pk: int):
    access, inspection = get_inspection_for_user(request.user, pk)
    if access.campaign.code != code:
        raise Http404(_("No such inspection."))
    return inspection


@router.get("/{code}/hearings", response=list[HearingOut])
@paginate(LimitOffsetPagination)
def list_hearings(request, code: str):
    access = get_campaign_for_user(request.user, code)
    return hearings_for(access).prefetch_related("targets__unit", "evaluators")


@router.get("/{code}/questions", response=list[QuestionOut])
@paginate(LimitOffsetPagination)
def list_questions(request, code: str, hearing: int | None = None, overdue: bool = False):
    """Questions the user may see, with their answers and verdicts; `overdue=true` narrows."""
    access = get_campaign_for_user(request.user, code)
    questions = questions_for(access).prefetch_related(
        Prefetch("answers", queryset=QuestionAnswer.objects.select_related("verdict__evaluator"))
    )
    if hearing is not None:
        questions = questions.filter(hearing_id=hearing)
    if overdue:
        questions = questions.filter(pk__in=overdue_questions(access).values("pk"))
    return questions
