"""Reviewing flagged responses: keep or exclude, each with a reason, audited.

A fraud signal never drops a response by itself; an organizer decides. An
exclusion fills `Response.excluded_at` once (the row stays, the tally leaves
it out) and is final; a "keep" may later be followed by an "exclude" when
more comes to light. The campaign row is locked as the tally's actions lock
it, so a decision cannot interleave with the start or signing of a run.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign
from orgs.models import Role
from surveys import counters
from surveys.answers import plain_text
from surveys.models import FlagKind, FlagReview, Response, ResponseFlag, ReviewDecision

MAX_REASON = 2000


class ReviewState:
    AWAITING = "awaiting"
    KEPT = "kept"
    EXCLUDED = "excluded"
    ALL = (AWAITING, KEPT, EXCLUDED)


def check_may_review(campaign: Campaign, acting_user) -> None:
    # A decision names who took it (FlagReview.decided_by), so the console operator cannot.
    if getattr(acting_user, "pk", None) is None or not CampaignAccess(acting_user, campaign).has(
        Role.ORGANIZER
    ):
        raise PermissionDenied(_("Only an organizer of the campaign reviews flagged responses."))


def do_review_response(
    response: Response, *, decision: str, reason: str, acting_user
) -> FlagReview:
    """Record an organizer's keep/exclude decision on a flagged response.

    Raises PermissionDenied for anyone but an organizer of the campaign and
    ValidationError({field: [message]}) for a bad decision, a missing reason,
    an unflagged response or one already excluded.
    """
    campaign = response.campaign
    check_may_review(campaign, acting_user)
    reason = plain_text(reason)
    errors = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = [_("Choose keep or exclude.")]
    if not reason:
        errors["reason"] = [_("Please give the reason for this decision.")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [
            _("Please keep the reason to %(limit)s characters.") % {"limit": MAX_REASON}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # FOR NO KEY UPDATE: an answer's insert (a foreign-key check, FOR KEY SHARE) must not
        # wait on it while holding the questionnaire row this action may need: a deadlock.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        response = Response.objects.select_for_update().get(pk=response.pk)
        flags = sorted(response.flags.values_list("kind", flat=True))
        if not flags:
            raise ValidationError(_("Only flagged responses are reviewed."))
        if response.excluded_at is not None:
            raise ValidationError(_("This response is already excluded; an exclusion is final."))
        now = timezone.now()
        review = FlagReview.objects.create(
            response=response,
            decision=decision,
            reason=reason,
            decided_by=acting_user,
            decided_at=now,
        )
        if decision == ReviewDecision.EXCLUDE:
            Response.objects.filter(pk=response.pk).fill_in(excluded_at=now)
            counters.uncount_response(response)
        record_event(
            "surveys.response_reviewed",
            response,
            acting_user=acting_user,
            data={
                "campaign": campaign.code,
                "response": response.pk,
                "decision": decision,
                "reason": reason,
                "flags": flags,
            },
        )
    return review


def do_flag_response(response: Response, *, reason: str, acting_user) -> ResponseFlag:
    """An organizer raises a flag by hand (a stack of paper forms in one hand, a tip-off),
    so the response can be reviewed like any flagged one; the reason is kept and audited."""
    campaign = response.campaign
    check_may_review(campaign, acting_user)
    reason = plain_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Please give the reason for this decision.")]})
    if len(reason) > 200:
        raise ValidationError(
            {"reason": [_("Please keep the reason to %(limit)s characters.") % {"limit": 200}]}
        )
    with transaction.atomic():
        # FOR NO KEY UPDATE: an answer's insert (a foreign-key check, FOR KEY SHARE) must not
        # wait on it while holding the questionnaire row this action may need: a deadlock.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        if response.flags.filter(kind=FlagKind.MANUAL).exists():
            raise ValidationError(_("This response is flagged for review already."))
        flag = ResponseFlag.objects.create(
            response=response,
            kind=FlagKind.MANUAL,
            detail=reason,
            created_at=response.submitted_at,  # the coarse time: see ADR 0007
        )
        record_event(
            "surveys.response_flagged",
            response,
            acting_user=acting_user,
            data={"campaign": campaign.code, "response": response.pk, "reason": reason},
        )
    return flag


def flagged_responses(campaign: Campaign, state: str) -> QuerySet[Response]:
    """Flagged responses in a review state, oldest first, loaded without what was answered.

    `state`: awaiting (no decision yet), kept (latest decision keep) or excluded.
    Tier, score and items are left out of the query: the tally is sealed.
    """
    reviewed = Exists(FlagReview.objects.filter(response=OuterRef("pk")))
    flagged = Exists(ResponseFlag.objects.filter(response=OuterRef("pk")))
    queryset = Response.objects.filter(flagged, campaign=campaign)
    if state == ReviewState.EXCLUDED:
        queryset = queryset.filter(excluded_at__isnull=False)
    elif state == ReviewState.KEPT:
        queryset = queryset.filter(reviewed, excluded_at__isnull=True)
    else:
        queryset = queryset.filter(~Q(reviewed), excluded_at__isnull=True)
    return (
        queryset.only(
            "id",
            "target",
            "channel",
            "origin",
            "category",
            "problems",
            "suggestions",
            "submitted_at",
            "excluded_at",
        )
        .select_related("target__unit")
        .prefetch_related("flags", "reviews__decided_by")
        .order_by("id")
    )


def review_counts(campaign: Campaign) -> dict[str, int]:
    """Flagged responses per review state."""
    return {state: flagged_responses(campaign, state).count() for state in ReviewState.ALL}
