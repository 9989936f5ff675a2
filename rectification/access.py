"""Who may read and change the ledger and the reports: scoped getters and permission tests.

Reading follows campaigns.access: the organizing level sees every target of
the campaign, a unit sees its own. Keeping the ledger is the unit's own work
(its liaison or organizer) and the campaign organizers'; verifying it is the
organizers' alone, never by a liaison of the unit being verified, nor by
whoever closed the item.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import CampaignAccess, get_campaign_for_user
from campaigns.models import Campaign, Target
from orgs.access import get_unit_for_user, grants_of, roles_reaching
from orgs.models import Role, Unit
from rectification.models import Evidence, RectificationItem, ReportSubmission

UNIT_WORKERS = frozenset({Role.LIAISON, Role.ORGANIZER})
COMPILERS = frozenset({Role.ORGANIZER, Role.LIAISON})


def can_work_on(access: CampaignAccess, target: Target) -> bool:
    """Update the plan, record progress and evidence, close an item."""
    if access.has(Role.ORGANIZER):
        return True
    return bool(roles_reaching(access.user, target.unit.path) & UNIT_WORKERS)


def is_liaison_of_target(access: CampaignAccess, target: Target) -> bool:
    """A liaison grant over the target held below the organizing level.

    Checked on real grants (a superuser holds none), and a liaison role held at
    the organizer unit itself (its liaison towards the level above) does not count.
    """
    organizer_path = access.campaign.organizer.path
    return any(
        g.role == Role.LIAISON and g.reaches(target.unit.path) and not g.reaches(organizer_path)
        for g in grants_of(access.user)
    )


def may_verify_target(access: CampaignAccess, target: Target) -> bool:
    """验收 of the target's items: an organizer of the campaign who is not the unit's liaison."""
    return access.has(Role.ORGANIZER) and not is_liaison_of_target(access, target)


def closed_it_themselves(access: CampaignAccess, item: RectificationItem) -> bool:
    """Whoever marked the item done or explained does not verify their own work."""
    return item.closed_by_id is not None and item.closed_by_id == getattr(access.user, "pk", None)


def can_verify(access: CampaignAccess, item: RectificationItem) -> bool:
    return may_verify_target(access, item.target) and not closed_it_themselves(access, item)


def can_set_dues(access: CampaignAccess) -> bool:
    return access.has(Role.ORGANIZER)


def can_submit_report(access: CampaignAccess, target: Target) -> bool:
    """Reports are the unit's own: its liaisons submit them."""
    return Role.LIAISON in roles_reaching(access.user, target.unit.path)


def items_for(access: CampaignAccess) -> QuerySet[RectificationItem]:
    """The ledger items of every target the user may see in the campaign."""
    qs = RectificationItem.objects.filter(target__campaign=access.campaign).select_related(
        "target__unit", "verified_by", "closed_by"
    )
    if access.sees_all_targets:
        return qs
    return qs.filter(target__in=access.targets())


def get_item_for_user(user, pk: int) -> tuple[CampaignAccess, RectificationItem]:
    item = (
        RectificationItem.objects.select_related(
            "target__unit", "target__campaign", "verified_by", "closed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404(_("No such rectification item."))
    access = get_campaign_for_user(user, item.target.campaign.code)
    if not access.can_see_target(item.target):
        raise PermissionDenied(_("You may only open your own unit's ledger."))
    return access, item


def get_evidence_for_user(user, pk: int) -> tuple[CampaignAccess, Evidence]:
    evidence = Evidence.objects.filter(pk=pk).first()
    if evidence is None:
        raise Http404(_("No such file."))
    access, item = get_item_for_user(user, evidence.item_id)
    evidence.item = item
    return access, evidence


def get_submission_for_user(user, pk: int) -> tuple[CampaignAccess, ReportSubmission]:
    submission = (
        ReportSubmission.objects.select_related("due__target__unit", "due__target__campaign")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise Http404(_("No such report submission."))
    target = submission.due.target
    access = get_campaign_for_user(user, target.campaign.code)
    if not access.can_see_target(target):
        raise PermissionDenied(_("You may only open your own unit's reports."))
    return access, submission


def get_unit_for_export(access: CampaignAccess, unit_code: str) -> Unit:
    """A unit whose subtree the user reaches (any role): its whole part of the ledger."""
    return get_unit_for_user(access.user, unit_code)


def get_unit_for_compiling(access: CampaignAccess, unit_code: str) -> Unit:
    """逐级汇总: the unit's organizer or liaison compiles what the targets below it submitted."""
    unit = get_unit_for_user(access.user, unit_code)
    if not roles_reaching(access.user, unit.path) & COMPILERS:
        raise PermissionDenied(_("Only the unit's organizer or liaison may compile its reports."))
    return unit


def units_to_compile(access: CampaignAccess) -> list[Unit]:
    """The units whose reports the user compiles in this campaign (逐级汇总).

    The organizer unit, when the user's organizer or liaison role reaches it; and each
    unit below it where the user holds such a role and the campaign has targets below
    it (a city's liaison in a province campaign compiles its counties).
    """
    organizer = access.campaign.organizer
    units = [organizer] if roles_reaching(access.user, organizer.path) & COMPILERS else []
    own = {
        g.unit_id
        for g in grants_of(access.user)
        if g.role in COMPILERS and not g.reaches(organizer.path)
    }
    for unit in Unit.objects.filter(pk__in=own).order_by("path") if own else []:
        below = access.campaign.targets.filter(unit__path__startswith=unit.path).exclude(unit=unit)
        if below.exists():
            units.append(unit)
    return units


def targets_below(campaign: Campaign, unit: Unit) -> list[Target]:
    """The campaign's targets directly below `unit`: the nearest ones on each branch.

    A unit that is not itself a target (an office, a section) is looked through,
    so a city bureau's counties count as directly below it.
    """
    candidates = list(
        campaign.targets.filter(unit__path__startswith=unit.path)
        .exclude(unit=unit)
        .select_related("unit")
        .order_by("unit__path")
    )
    paths = [t.unit.path for t in candidates]
    return [
        t
        for t in candidates
        if not any(t.unit.path != p and t.unit.path.startswith(p) for p in paths)
    ]
