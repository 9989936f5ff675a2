"""Permission-scoped reads of campaigns and targets.

A role reaching the campaign's organizer unit opens the whole campaign (the
organizing level and above); a role reaching a target unit opens that
target only (the evaluated unit and its own parents' staff).
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Target, TransitionRequest, TransitionStatus
from orgs.access import (
    STAFF_ROLES,
    grants_of,
    is_superuser,
    reaches_from_above,
    roles_reaching,
    subtree_filter,
)
from orgs.models import Role


@dataclass
class CampaignAccess:
    user: object
    campaign: Campaign

    @cached_property
    def roles(self) -> frozenset[str]:
        """Roles held at the organizer unit or above it."""
        return roles_reaching(self.user, self.campaign.organizer.path)

    @property
    def sees_all_targets(self) -> bool:
        """Staff of the organizing level; a liaison there speaks for its own unit only."""
        return bool(self.roles & STAFF_ROLES)

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def targets(self) -> QuerySet[Target]:
        qs = self.campaign.targets.select_related("unit")
        if self.sees_all_targets:
            return qs
        query = subtree_filter("unit__path", self.user)
        return qs if query is None else qs.filter(query)

    def can_see_target(self, target: Target) -> bool:
        return self.sees_all_targets or bool(roles_reaching(self.user, target.unit.path))

    def can_request_transition(self, target: Target) -> bool:
        """The unit asks for itself: a liaison or organizer held at the target unit."""
        if is_superuser(self.user):
            return True
        return any(
            g.unit_id == target.unit_id and g.role in (Role.LIAISON, Role.ORGANIZER)
            for g in grants_of(self.user)
        )

    def can_decide_transition(self, target: Target) -> bool:
        """An organizer of the campaign, at a level strictly above the target."""
        return self.has(Role.ORGANIZER) and reaches_from_above(
            self.user, target.unit, {Role.ORGANIZER}
        )

    def can_decide(self, request: TransitionRequest) -> bool:
        """As can_decide_transition, and never one's own request."""
        own = request.requested_by_id == getattr(self.user, "pk", None)
        return self.can_decide_transition(request.target) and (not own or is_superuser(self.user))

    def pending_requests(self) -> QuerySet[TransitionRequest]:
        return (
            TransitionRequest.objects.filter(
                target__in=self.targets(), status=TransitionStatus.PENDING
            )
            .select_related("target__unit", "requested_by")
            .order_by("requested_at")
        )


def campaigns_for_user(user) -> QuerySet[Campaign]:
    """Campaigns the user may open: organizer reached, or one of its targets reached."""
    qs = Campaign.objects.select_related("organizer")
    if is_superuser(user):
        return qs
    paths = [g.path for g in grants_of(user)]
    if not paths:
        return qs.none()
    query = Q()
    for path in paths:
        query |= Q(organizer__path__startswith=path) | Q(targets__unit__path__startswith=path)
    return qs.filter(pk__in=Campaign.objects.filter(query).values("pk"))


def get_campaign_for_user(user, code: str) -> CampaignAccess:
    campaign = Campaign.objects.select_related("organizer").filter(code=code).first()
    if campaign is None:
        raise Http404(_("No campaign with code %(code)s.") % {"code": code})
    access = CampaignAccess(user, campaign)
    if not access.sees_all_targets and not access.targets().exists():
        raise PermissionDenied(_("You hold no role in this campaign."))
    return access


def get_target_for_user(user, campaign_code: str, unit_code: str) -> tuple[CampaignAccess, Target]:
    access = get_campaign_for_user(user, campaign_code)
    target = access.campaign.targets.select_related("unit").filter(unit__code=unit_code).first()
    if target is None:
        raise Http404(_("%(unit)s is not a target of this campaign.") % {"unit": unit_code})
    if not access.can_see_target(target):
        raise PermissionDenied(_("You may only open your own unit's pages."))
    return access, target


def get_transition_request_for_user(user, pk: int) -> tuple[CampaignAccess, TransitionRequest]:
    request = (
        TransitionRequest.objects.select_related("target__campaign", "target__unit")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404(_("No such transition request."))
    access = get_campaign_for_user(user, request.target.campaign.code)
    if not access.can_see_target(request.target):
        raise PermissionDenied(_("You may not see this request."))
    return access, request
