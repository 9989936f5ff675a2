"""Who may read which complaint, and the one audited door to the complainant's identity.

- Organizers and leaders whose role reaches the campaign's organizer unit read
  every complaint of the campaign (content, never the identity by default).
- Liaisons of the unit concerned read that unit's complaints once the
  organizers have assigned them (转办): until then a complaint is screened at the
  organizing level only.
- Only organizers of the campaign's organizer unit itself (a grant held at that
  unit, not above it) handle complaints and may see who complained, one
  complaint at a time, and every look is written to the audit log.

Anyone else gets 404 for a complaint, so ids do not tell what exists.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess, get_campaign_for_user
from campaigns.models import Campaign
from complaints.models import (
    ComplainantIdentity,
    Complaint,
    ComplaintStep,
    Status,
    normalize_tracking_code,
)
from orgs.access import grants_of, is_superuser, roles_reaching
from orgs.models import Role

READ_ALL_ROLES = (Role.ORGANIZER, Role.LEADER)


def is_organizer_of(user, campaign: Campaign) -> bool:
    """An organizer grant at the campaign's organizer unit itself, not at a unit above it."""
    if is_superuser(user):
        return True
    return any(
        g.role == Role.ORGANIZER and g.unit_id == campaign.organizer_id for g in grants_of(user)
    )


def _forwarded_ids():
    return ComplaintStep.objects.filter(status=Status.ASSIGNED).values("complaint_id")


def visibility_filter(user) -> Q | None:
    """Rows the user may read, across campaigns; None means all (superuser)."""
    if is_superuser(user):
        return None
    query = Q(pk__in=[])
    for grant in grants_of(user):
        if grant.role in READ_ALL_ROLES:
            query |= Q(campaign__organizer__path__startswith=grant.path)
        if grant.role == Role.LIAISON:
            query |= Q(target__unit__path__startswith=grant.path, pk__in=_forwarded_ids())
    return query


def visible_complaints(user, queryset: QuerySet | None = None) -> QuerySet[Complaint]:
    queryset = Complaint.objects.all() if queryset is None else queryset
    query = visibility_filter(user)
    return queryset if query is None else queryset.filter(query)


def may_list(access: CampaignAccess) -> bool:
    """Complaint pages of a campaign open to its reading levels and to target liaisons."""
    if access.has(*READ_ALL_ROLES):
        return True
    return any(g.role == Role.LIAISON for g in grants_of(access.user)) and (
        access.targets().exists()
    )


def complaints_for(access: CampaignAccess) -> QuerySet[Complaint]:
    """The campaign's complaints this user may read (none for roles without access)."""
    queryset = access.campaign.complaints.select_related("target__unit", "campaign")
    return visible_complaints(access.user, queryset)


def get_campaign_complaints_for_user(user, code: str) -> CampaignAccess:
    access = get_campaign_for_user(user, code)
    if not may_list(access):
        raise PermissionDenied(_("You may not read this campaign's complaints."))
    return access


@dataclass
class ComplaintAccess:
    user: object
    complaint: Complaint

    @cached_property
    def campaign(self) -> CampaignAccess:
        return CampaignAccess(self.user, self.complaint.campaign)

    @cached_property
    def is_organizer(self) -> bool:
        """Organizer of the campaign's organizing level: manages it and may see identity.

        Only a grant held at the organizer unit itself counts (or a superuser):
        an organizer of a level above reads the complaints like a leader but
        neither handles them nor learns who complained.
        """
        return is_organizer_of(self.user, self.complaint.campaign)

    @property
    def sees_all(self) -> bool:
        return self.campaign.has(*READ_ALL_ROLES)

    @cached_property
    def is_unit_liaison(self) -> bool:
        return Role.LIAISON in roles_reaching(self.user, self.complaint.target.unit.path)

    @cached_property
    def forwarded(self) -> bool:
        return self.complaint.steps.filter(status=Status.ASSIGNED).exists()

    @property
    def can_read(self) -> bool:
        return self.sees_all or (self.is_unit_liaison and self.forwarded)

    @property
    def can_reply(self) -> bool:
        return self.is_unit_liaison

    @property
    def can_view_identity(self) -> bool:
        return self.is_organizer and not self.complaint.is_anonymous


def get_complaint_for_user(user, pk: int) -> ComplaintAccess:
    complaint = (
        Complaint.objects.select_related("campaign__organizer", "target__unit")
        .filter(pk=pk)
        .first()
    )
    access = ComplaintAccess(user, complaint) if complaint else None
    if access is None or not access.can_read:
        raise Http404(_("No such complaint."))
    return access


def get_complaint_by_tracking_code(code: str) -> Complaint:
    """The public's door: the code is the only key; a miss says nothing about other rows."""
    normalized = normalize_tracking_code(code)
    complaint = (
        Complaint.objects.select_related("target__unit", "campaign").filter(
            tracking_code=normalized
        )
        if normalized
        else Complaint.objects.none()
    ).first()
    if complaint is None:
        raise Http404(_("No complaint matches this tracking code."))
    return complaint


def campaign_for_public(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404(_("No campaign with code %(code)s.") % {"code": code})
    return campaign


def get_complainant_identity(user, complaint: Complaint, *, via: str = "page"):
    """The identity, for an organizer at the campaign's organizer unit; each call is audited."""
    access = ComplaintAccess(user, complaint)
    if not access.is_organizer:
        raise PermissionDenied(_("Only the organizing level may see who complained."))
    with transaction.atomic():
        identity = ComplainantIdentity.objects.filter(complaint=complaint).first()
        if identity is None:
            raise Http404(_("This complaint was filed anonymously."))
        record_event(
            "complaint.identity_viewed",
            complaint,
            acting_user=user,
            data={"campaign": complaint.campaign.code, "via": via},
        )
    return identity
