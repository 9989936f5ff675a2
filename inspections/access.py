"""Who sees and does what with inspections and hearings.

Staff (any role reaching the campaign's organizer unit) see everything in
the campaign. The target side (its liaisons and its own level's staff) sees
its own target's items only, and a covert inspection only once a finding has
been issued to it: a covert visit known in advance is worthless.

Anything a user may not see answers 404, the same as an id that does not
exist, so ids tell nobody what was recorded for another unit. An evaluator
asks and judges only while their roster entry serves (not disqualified, in
term).
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.access import CampaignAccess, get_campaign_for_user
from campaigns.models import Campaign, Target
from inspections.models import (
    Finding,
    FindingEvidence,
    Hearing,
    HearingQuestion,
    Inspection,
    InspectionKind,
)
from orgs.access import roles_reaching
from orgs.models import Evaluator, Role, User

INSPECTION_STAFF = (Role.ORGANIZER, Role.INSPECTOR)


# ---- permission predicates -------------------------------------------------------------------


def can_record_inspection(access: CampaignAccess) -> bool:
    return access.has(*INSPECTION_STAFF)


def can_record_hearing(access: CampaignAccess) -> bool:
    return access.has(Role.ORGANIZER)


def can_record_question(access: CampaignAccess) -> bool:
    """Staff record any evaluator's question; an evaluator records their own."""
    return access.has(*INSPECTION_STAFF) or bool(own_evaluator_entries(access))


def can_answer_on_site(access: CampaignAccess) -> bool:
    """On-site answers are spoken at the meeting and entered by the organizing staff."""
    return access.has(*INSPECTION_STAFF)


def can_reply_in_writing(access: CampaignAccess, target: Target) -> bool:
    return Role.LIAISON in roles_reaching(access.user, target.unit.path)


def can_give_verdict(
    access: CampaignAccess, question: HearingQuestion, day: date | None = None
) -> bool:
    """The evaluator who asked, while still serving; an organizer only for one with no account."""
    asker = question.asked_by
    if not asker.serves_on(day or timezone.localdate()):
        return False
    if asker.user_id is not None:
        return asker.user_id == access.user.pk
    return access.has(Role.ORGANIZER)


def may_ask(evaluator: Evaluator, hearing: Hearing) -> bool:
    """A question is the evaluator's only while their roster entry serves on the hearing day."""
    return evaluator.serves_on(hearing.date)


def can_raise_rectification(access: CampaignAccess) -> bool:
    return access.has(*INSPECTION_STAFF)


def own_evaluator_entries(access: CampaignAccess) -> list[Evaluator]:
    if access.user.pk is None:
        return []
    return [e for e in eligible_evaluators(access.campaign) if e.user_id == access.user.pk]


# ---- choices offered by the forms -----------------------------------------------------------


def _organizer_and_above(campaign: Campaign) -> list[str]:
    codes = [c for c in campaign.organizer.path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def eligible_inspectors(campaign: Campaign) -> QuerySet[User]:
    """Users holding the inspector or organizer role at the organizer unit or above."""
    return (
        User.objects.filter(
            memberships__role__in=INSPECTION_STAFF,
            memberships__unit__path__in=_organizer_and_above(campaign),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def eligible_evaluators(campaign: Campaign) -> QuerySet[Evaluator]:
    """Roster entries kept by the organizer unit or a unit above it."""
    return Evaluator.objects.filter(unit__path__in=_organizer_and_above(campaign)).select_related(
        "unit"
    )


# ---- inspections ----------------------------------------------------------------------------


def inspections_for(access: CampaignAccess) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(target__campaign=access.campaign).select_related("target__unit")
    if access.sees_all_targets:
        return qs
    issued = Exists(Finding.objects.filter(inspection=OuterRef("pk")))
    return qs.filter(target__in=access.targets()).filter(~Q(kind=InspectionKind.COVERT) | issued)


def may_see_inspection(access: CampaignAccess, inspection: Inspection) -> bool:
    return inspections_for(access).filter(pk=inspection.pk).exists()


def _campaign_or_404(user, code: str, message: str) -> CampaignAccess:
    """The campaign as the user sees it; no role in it is answered like a missing row."""
    try:
        return get_campaign_for_user(user, code)
    except PermissionDenied:
        raise Http404(message) from None


# Anything the user may not see is answered 404, exactly like an id that does not
# exist, so another county cannot learn what was recorded (a covert visit above all).


def get_inspection_for_user(user, pk: int) -> tuple[CampaignAccess, Inspection]:
    missing = _("No such inspection.")
    inspection = (
        Inspection.objects.select_related("target__unit", "target__campaign__organizer")
        .filter(pk=pk)
        .first()
    )
    if inspection is None:
        raise Http404(missing)
    access = _campaign_or_404(user, inspection.target.campaign.code, missing)
    if not may_see_inspection(access, inspection):
        raise Http404(missing)
    return access, inspection


def get_evidence_for_user(user, pk: int) -> FindingEvidence:
    evidence = FindingEvidence.objects.select_related("finding").filter(pk=pk).first()
    if evidence is None:
        raise Http404(_("No such file."))
    try:
        get_inspection_for_user(user, evidence.finding.inspection_id)
    except Http404:
        raise Http404(_("No such file.")) from None
    return evidence


# ---- hearings -------------------------------------------------------------------------------


def hearings_for(access: CampaignAccess) -> QuerySet[Hearing]:
    qs = Hearing.objects.filter(campaign=access.campaign)
    if access.sees_all_targets:
        return qs
    return qs.filter(targets__in=access.targets()).distinct()


def get_hearing_for_user(user, pk: int) -> tuple[CampaignAccess, Hearing]:
    missing = _("No such hearing.")
    hearing = Hearing.objects.select_related("campaign__organizer").filter(pk=pk).first()
    if hearing is None:
        raise Http404(missing)
    access = _campaign_or_404(user, hearing.campaign.code, missing)
    if not hearings_for(access).filter(pk=hearing.pk).exists():
        raise Http404(missing)
    return access, hearing


def questions_for(access: CampaignAccess) -> QuerySet[HearingQuestion]:
    qs = HearingQuestion.objects.filter(hearing__campaign=access.campaign).select_related(
        "hearing", "target__unit", "asked_by"
    )
    if access.sees_all_targets:
        return qs
    return qs.filter(target__in=access.targets())


def get_question_for_user(user, pk: int) -> tuple[CampaignAccess, HearingQuestion]:
    question = (
        HearingQuestion.objects.select_related(
            "hearing__campaign__organizer", "target__unit", "asked_by"
        )
        .filter(pk=pk)
        .first()
    )
    missing = _("No such question.")
    if question is None:
        raise Http404(missing)
    access = _campaign_or_404(user, question.hearing.campaign.code, missing)
    if not access.can_see_target(question.target):
        raise Http404(missing)
    return access, question
