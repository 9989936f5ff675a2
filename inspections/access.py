"""Who sees and does what with inspections and hearings.

Staff (any role reaching the campaign's organizer unit) see everything in
the campaign. The target side (its liaisons and its own level's staff) sees
its own target's items only, and a covert inspection only once a finding has
been issued to it: a covert visit known in advance is worthless.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
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


def can_give_verdict(access: CampaignAccess, question: HearingQuestion) -> bool:
    """The evaluator who asked; an organizer only for an evaluator with no account."""
    asker = question.asked_by
    if asker.user_id is not None:
        return asker.user_id == access.user.pk
    return access.has(Role.ORGANIZER)


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


def get_inspection_for_user(user, pk: int) -> tuple[CampaignAccess, Inspection]:
    inspection = (
        Inspection.objects.select_related("target__unit", "target__campaign__organizer")
        .filter(pk=pk)
        .first()
    )
    if inspection is None:
        raise Http404(_("No such inspection."))
    access = get_campaign_for_user(user, inspection.target.campaign.code)
    if not access.can_see_target(inspection.target):
        raise PermissionDenied(_("You may only open your own unit's pages."))
    if not may_see_inspection(access, inspection):
        # A covert visit not yet issued: the target's side must not learn it exists.
        raise Http404(_("No such inspection."))
    return access, inspection


def get_evidence_for_user(user, pk: int) -> FindingEvidence:
    evidence = FindingEvidence.objects.select_related("finding").filter(pk=pk).first()
    if evidence is None:
        raise Http404(_("No such file."))
    get_inspection_for_user(user, evidence.finding.inspection_id)
    return evidence


# ---- hearings -------------------------------------------------------------------------------


def hearings_for(access: CampaignAccess) -> QuerySet[Hearing]:
    qs = Hearing.objects.filter(campaign=access.campaign)
    if access.sees_all_targets:
        return qs
    return qs.filter(targets__in=access.targets()).distinct()


def get_hearing_for_user(user, pk: int) -> tuple[CampaignAccess, Hearing]:
    hearing = Hearing.objects.select_related("campaign__organizer").filter(pk=pk).first()
    if hearing is None:
        raise Http404(_("No such hearing."))
    access = get_campaign_for_user(user, hearing.campaign.code)
    if not hearings_for(access).filter(pk=hearing.pk).exists():
        raise PermissionDenied(_("Your unit did not attend this hearing."))
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
    if question is None:
        raise Http404(_("No such question."))
    access = get_campaign_for_user(user, question.hearing.campaign.code)
    if not access.can_see_target(question.target):
        raise PermissionDenied(_("You may only open your own unit's pages."))
    return access, question
