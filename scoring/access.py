"""Who may do what with tallies, and who may read a run's scores.

Scores of a run are sealed until both signatures: before that nobody reads
them, only counts. After signing the organizing level's organizers, leaders
and talliers read them; after publication everyone does.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import CampaignAccess, get_campaign_for_user
from campaigns.models import Campaign
from orgs.access import grants_of, is_superuser
from orgs.models import Role
from scoring.models import SignerRole, TallyRun

RESULT_READERS = (Role.ORGANIZER, Role.LEADER, Role.TALLIER)


def can_manage_tally(access: CampaignAccess) -> bool:
    """Start runs, record violations and decide deductions and outcomes."""
    return is_superuser(access.user) or access.has(Role.ORGANIZER)


def can_record_deduction(access: CampaignAccess) -> bool:
    return can_manage_tally(access) or access.has(Role.INSPECTOR)


def _roles_at_organizer(access: CampaignAccess) -> set[str]:
    """Roles granted at the organizing unit itself: the seeds tally 会同本级统计部门,
    so a level above neither co-signs nor publishes, and an administrator's rights
    are no role at all."""
    organizer = access.campaign.organizer_id
    return {g.role for g in grants_of(access.user) if g.unit_id == organizer}


def signer_roles(access: CampaignAccess) -> list[str]:
    """The signing roles this user holds at the organizing unit."""
    held = _roles_at_organizer(access)
    return [role for role in SignerRole.values if role in held]


def can_publish(access: CampaignAccess) -> bool:
    """A leader at the organizing unit approves publication."""
    return Role.LEADER in _roles_at_organizer(access)


def can_read_scores(access: CampaignAccess | None, run: TallyRun) -> bool:
    if run.is_published:
        return True
    if not run.is_signed or access is None:
        return False
    return is_superuser(access.user) or access.has(*RESULT_READERS)


def get_tally_access(user, code: str) -> CampaignAccess:
    """The organizing level follows the tally; a unit's liaison does not."""
    access = get_campaign_for_user(user, code)
    if not access.sees_all_targets and not is_superuser(user):
        raise PermissionDenied(_("Only the organizing level follows the tally."))
    return access


def get_run_for_user(user, code: str, number: int) -> tuple[CampaignAccess, TallyRun]:
    access = get_tally_access(user, code)
    run = access.campaign.tally_runs.filter(number=number).first()
    if run is None:
        raise Http404(_("No tally run #%(number)s.") % {"number": number})
    return access, run


def published_run(campaign: Campaign) -> TallyRun | None:
    """The run whose results the public sees: the latest published one."""
    return campaign.tally_runs.filter(published_at__isnull=False).order_by("-number").first()


def get_published_campaign(code: str) -> tuple[Campaign, TallyRun]:
    campaign = Campaign.objects.filter(code=code).first()
    run = published_run(campaign) if campaign else None
    if run is None:
        raise Http404(_("No published results for %(code)s.") % {"code": code})
    return campaign, run
