"""Creating invitation batches (one-time tokens) and open links; audited, atomic.

The raw tokens exist only in the return value of `do_create_invitation_batch`:
the caller hands them out at once (CSV, QR cards, API answer) and the
database keeps their hashes.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign, Target
from orgs.access import stored_user
from orgs.models import Role
from surveys.answers import plain_text
from surveys.models import Invitation, InvitationBatch, OpenLink
from surveys.questionnaires import categories_of, current_questionnaire, scheme_of
from surveys.tokens import new_slug, new_token, token_hash

MAX_BATCH = 10_000


def check_organizer(campaign: Campaign, acting_user) -> None:
    if acting_user is None:
        return  # the console operator
    if not CampaignAccess(acting_user, campaign).has(Role.ORGANIZER):
        raise PermissionDenied(_("Only an organizer of the campaign may do this."))


def check_category(campaign: Campaign, category: str) -> str:
    category = plain_text(category)
    if not category:
        return ""
    questionnaire = current_questionnaire(campaign)
    scheme = scheme_of(campaign)
    known = (
        categories_of(questionnaire, scheme) if questionnaire else tuple(scheme.category_labels())
    )
    if category not in known:
        raise ValidationError(
            {
                "category": _(
                    "'%(category)s' is not a respondent category of this survey (%(known)s)."
                )
                % {"category": category[:50], "known": ", ".join(known) or "—"}
            }
        )
    return category


def _check_target(campaign: Campaign, target: Target) -> None:
    if target.campaign_id != campaign.pk:
        raise ValidationError({"target": _("The target is not part of this campaign.")})


def do_create_invitation_batch(
    campaign: Campaign,
    target: Target,
    *,
    size: int,
    category: str = "",
    label: str = "",
    acting_user,
) -> tuple[InvitationBatch, list[tuple[int, str]]]:
    """A batch of `size` one-time tokens; returns the batch and [(card number, token)]."""
    check_organizer(campaign, acting_user)
    _check_target(campaign, target)
    if not isinstance(size, int) or not 1 <= size <= MAX_BATCH:
        raise ValidationError(
            {"size": _("A batch holds from 1 to %(max)s invitations.") % {"max": MAX_BATCH}}
        )
    category = check_category(campaign, category)
    label = plain_text(label)
    if len(label) > 200:
        raise ValidationError({"label": _("This text is too long.")})
    tokens = [(serial, new_token()) for serial in range(1, size + 1)]
    with transaction.atomic():
        # FOR NO KEY UPDATE: an answer's insert (a foreign-key check, FOR KEY SHARE) must not
        # wait on it while holding the questionnaire row this action may need: a deadlock.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        number = (campaign.invitation_batches.aggregate(n=Max("number"))["n"] or 0) + 1
        batch = InvitationBatch.objects.create(
            campaign=campaign,
            number=number,
            target=target,
            category=category,
            label=label.strip(),
            size=size,
            created_by=stored_user(acting_user),
            created_at=timezone.now(),
        )
        Invitation.objects.bulk_create(
            (
                Invitation(batch=batch, serial=serial, token_hash=token_hash(token))
                for serial, token in tokens
            ),
            batch_size=2000,
        )
        record_event(
            "surveys.invitations_created",
            batch,
            acting_user=acting_user,
            data={
                "campaign": campaign.code,
                "number": number,
                "target": target.unit.code,
                "category": category,
                "size": size,
            },
        )
    return batch, tokens


def do_create_open_link(
    campaign: Campaign, target: Target, *, category: str = "", label: str = "", acting_user
) -> OpenLink:
    check_organizer(campaign, acting_user)
    _check_target(campaign, target)
    category = check_category(campaign, category)
    label = plain_text(label)
    if len(label) > 200:
        raise ValidationError({"label": _("This text is too long.")})
    with transaction.atomic():
        link = OpenLink.objects.create(
            campaign=campaign,
            target=target,
            category=category,
            slug=new_slug(),
            label=label.strip(),
            created_by=stored_user(acting_user),
            created_at=timezone.now(),
        )
        record_event(
            "surveys.open_link_created",
            link,
            acting_user=acting_user,
            data={"campaign": campaign.code, "target": target.unit.code, "slug": link.slug},
        )
    return link


def do_close_open_link(link: OpenLink, *, acting_user) -> OpenLink:
    check_organizer(link.campaign, acting_user)
    with transaction.atomic():
        if not OpenLink.objects.filter(pk=link.pk).fill_in(closed_at=timezone.now()):
            raise ValidationError(_("This link is already closed."))
        record_event(
            "surveys.open_link_closed",
            link,
            acting_user=acting_user,
            data={"campaign": link.campaign.code, "slug": link.slug},
        )
    link.refresh_from_db()
    return link
