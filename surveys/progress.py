"""How far the survey has come: response and invitation counts, never what was answered.

The tally is sealed until its run is signed, so these reads count responses
and nothing else: no tier, score or item value, nor any sum of them, leaves
this module. A target is compared with the scheme's `min_responses` on its
counted responses (the engine's low-sample test counts valid votes, which
would need the tiers). Each function runs a fixed number of queries,
whatever the number of targets, responses or batches.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from campaigns.models import Campaign, Target
from scoring.engine import Scheme
from surveys.models import FlagReview, InvitationBatch, Response, ResponseFlag
from surveys.questionnaires import categories_of, current_questionnaire, scheme_of

COUNTED = Q(excluded_at__isnull=True)
EXCLUDED = Q(excluded_at__isnull=False)


def awaiting_review() -> Q:
    """Flagged, not excluded, and not reviewed yet."""
    flagged = Exists(ResponseFlag.objects.filter(response=OuterRef("pk")))
    reviewed = Exists(FlagReview.objects.filter(response=OuterRef("pk")))
    return COUNTED & Q(flagged) & ~Q(reviewed)


def _scheme(campaign: Campaign) -> Scheme | None:
    try:
        return scheme_of(campaign)
    except ValidationError:  # a broken scheme is the tally page's to report
        return None


def _category_order(campaign: Campaign, scheme: Scheme | None) -> list[str]:
    """The categories the current questionnaire offers, in its order."""
    questionnaire = current_questionnaire(campaign)
    if questionnaire is None or scheme is None:
        return list(scheme.category_labels()) if scheme else []
    return list(categories_of(questionnaire, scheme))


def target_progress(campaign: Campaign, targets_qs: QuerySet[Target]) -> list[dict]:
    """Response counts per target of `targets_qs`, with a breakdown per respondent category.

    One dict per target, ordered by peer group and unit code:

    - ``target`` (unit code), ``name`` (unit name), ``group`` (peer group), ``exempt`` (bool);
    - ``counted``: responses the tally counts (not excluded);
    - ``excluded``: responses excluded by a review decision;
    - ``awaiting_review``: flagged responses still counted and not reviewed yet;
    - ``min_responses``: the scheme's minimum (int), or None when it sets none;
    - ``below_minimum``: True when a minimum is set and ``counted`` is below it;
    - ``categories``: a list of dicts ``{"category", "counted", "excluded",
      "awaiting_review"}``, one per category the current questionnaire offers
      (zeros included), then any other category found in the responses
      (imports, older versions); ``""`` stands for responses without a category.
    """
    scheme = _scheme(campaign)
    minimum = scheme.min_responses if scheme else None
    order = _category_order(campaign, scheme)
    targets = list(targets_qs.select_related("unit").order_by("group", "unit__code"))
    rows = (
        Response.objects.filter(campaign=campaign, target__in=[t.pk for t in targets])
        .values("target_id", "category")
        .annotate(
            counted=Count("id", filter=COUNTED),
            excluded=Count("id", filter=EXCLUDED),
            awaiting_review=Count("id", filter=awaiting_review()),
        )
        .order_by()
    )
    found: dict[int, dict[str, dict]] = {}
    for row in rows:
        found.setdefault(row["target_id"], {})[row["category"]] = row
    result = []
    for target in targets:
        per_category = found.get(target.pk, {})
        names = order + sorted(set(per_category) - set(order))
        categories = [_counts(category, per_category.get(category)) for category in names]
        counted = sum(c["counted"] for c in categories)
        result.append(
            {
                "target": target.unit.code,
                "name": target.unit.name,
                "group": target.group,
                "exempt": target.exempt,
                "counted": counted,
                "excluded": sum(c["excluded"] for c in categories),
                "awaiting_review": sum(c["awaiting_review"] for c in categories),
                "min_responses": minimum,
                "below_minimum": minimum is not None and counted < minimum,
                "categories": categories,
            }
        )
    return result


def _counts(category: str, row: dict | None) -> dict:
    row = row or {}
    return {
        "category": category,
        "counted": row.get("counted", 0),
        "excluded": row.get("excluded", 0),
        "awaiting_review": row.get("awaiting_review", 0),
    }


def batch_progress(campaign: Campaign, targets_qs: QuerySet[Target]) -> list[dict]:
    """Invitation batches for the targets of `targets_qs`, by number, with their use.

    One dict per batch:

    - ``number`` (int), ``label`` (str), ``category`` (str, "" when the respondent chooses);
    - ``target`` (unit code), ``name`` (unit name);
    - ``size``: invitations in the batch; ``used``: invitations answered;
    - ``rate``: used / size in percent, a Decimal with one decimal place;
    - ``created_at``: a datetime.

    An answered invitation is one response, so ``used`` is the batch's responses;
    nothing links a response to its batch (ADR 0007), so this is all there is.
    """
    batches = (
        InvitationBatch.objects.filter(campaign=campaign, target__in=targets_qs.values("pk"))
        .select_related("target__unit")
        .annotate(used=Count("invitations", filter=Q(invitations__used=True)))
        .order_by("number")
    )
    return [
        {
            "number": batch.number,
            "label": batch.label,
            "category": batch.category,
            "target": batch.target.unit.code,
            "name": batch.target.unit.name,
            "size": batch.size,
            "used": batch.used,
            "rate": percent(batch.used, batch.size),
            "created_at": batch.created_at,
        }
        for batch in batches
    ]


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
