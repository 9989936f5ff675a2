"""Per-target tally inputs, computed by the database with GROUP BY.

A constant number of queries whatever the number of responses: individual
responses never travel into Python. Assessor scores, deductions and
violations are few (per target and component) and are read as rows.

The digest is SHA-256 over a canonical serialisation of the scheme and of
every counted input at the granularity the tally counts it: tier votes per
target, category and tier; score-sheet count and sum per target and
category; responses per target; each counted assessor score; each approved
deduction; each standing violation. Equal data give an equal digest, and
any change that can change a result (including its response count)
changes the digest.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Sum
from django.db.models.functions import Cast, Round

from campaigns.models import Campaign
from pingyi.lib.canonical import canonical_bytes
from scoring.engine import Scheme, TargetInput
from scoring.models import AssessorScore, Deduction, Violation
from surveys.models import Response

CENT = Decimal("0.01")


@dataclass
class Collected:
    inputs: list[TargetInput]
    digest: str
    # Tier votes per target code (label -> count), all categories pooled, for the ranking sheet.
    votes: dict[str, dict[str, int]]


def counted_responses(campaign: Campaign):
    return Response.objects.filter(campaign=campaign, excluded_at__isnull=True)


def response_counts(campaign: Campaign) -> dict[str, int]:
    """Counted responses per target unit code: the progress figure shown before signing."""
    rows = (
        counted_responses(campaign)
        .values("target__unit__code")
        .annotate(n=Count("id"))
        .values_list("target__unit__code", "n")
    )
    return dict(rows)


def collect(campaign: Campaign, scheme: Scheme, scheme_data: dict) -> Collected:
    targets = list(campaign.targets.select_related("unit").order_by("unit__code"))
    inputs = {
        t.pk: TargetInput(target=t.unit.code, name=t.unit.name, group=t.group, exempt=t.exempt)
        for t in targets
    }
    digest_inputs = {
        "tiers": _add_tier_votes(campaign, inputs),
        "score_sheets": _add_score_sheets(campaign, inputs),
        "assessor": _add_assessor_scores(campaign, inputs),
        "deductions": _add_deductions(campaign, inputs),
        "violations": _add_violations(campaign, inputs),
        "responses": _add_response_counts(campaign, inputs),
    }
    votes = defaultdict(dict)
    for item in inputs.values():
        for (_category, tier), n in item.tier_counts.items():
            votes[item.target][tier] = votes[item.target].get(tier, 0) + n
    payload = {"scheme": scheme_data, "targets": [_describe(t) for t in targets], **digest_inputs}
    digest = hashlib.sha256(canonical_bytes(payload)).hexdigest()
    return Collected(inputs=list(inputs.values()), digest=digest, votes=dict(votes))


def _describe(target) -> list:
    return [target.unit.code, target.group, target.exempt]


def _code(inputs: dict, target_id: int) -> str:
    return inputs[target_id].target


def _add_tier_votes(campaign, inputs) -> list:
    rows = (
        counted_responses(campaign)
        .exclude(tier="")
        .values("target_id", "category", "tier")
        .annotate(n=Count("id"))
        .values_list("target_id", "category", "tier", "n")
    )
    described = []
    for target_id, category, tier, n in rows:
        inputs[target_id].tier_counts[(category, tier)] = n
        described.append([_code(inputs, target_id), category, tier, n])
    return sorted(described)


def _add_score_sheets(campaign, inputs) -> list:
    # Summed as whole cents: SQLite keeps decimals as floating point, cents are exact.
    cents = Cast(Round(F("score") * 100), BigIntegerField())
    rows = (
        counted_responses(campaign)
        .filter(score__isnull=False)
        .values("target_id", "category")
        .annotate(cents=Sum(cents), n=Count("id"))
        .values_list("target_id", "category", "cents", "n")
    )
    described = []
    for target_id, category, total_cents, n in rows:
        total = (Decimal(total_cents) * CENT).quantize(CENT)
        inputs[target_id].score_sheets[category] = (total, n)
        described.append([_code(inputs, target_id), category, str(total), n])
    return sorted(described)


def _add_assessor_scores(campaign, inputs) -> list:
    """The latest score of each assessor on each component counts (a correction is a new row)."""
    newer = AssessorScore.objects.filter(
        target=OuterRef("target"),
        component=OuterRef("component"),
        assessor=OuterRef("assessor"),
        pk__gt=OuterRef("pk"),
    )
    rows = (
        AssessorScore.objects.filter(campaign=campaign)
        .exclude(Exists(newer))
        .values_list("target_id", "component", "assessor", "score")
    )
    sums: dict[tuple[int, str], list] = {}
    described = []
    for target_id, component, assessor, score in rows:
        score = Decimal(score).quantize(CENT)
        entry = sums.setdefault((target_id, component), [Decimal(0), 0])
        entry[0] += score
        entry[1] += 1
        described.append([_code(inputs, target_id), component, assessor, str(score)])
    for (target_id, component), (total, n) in sums.items():
        inputs[target_id].assessor[component] = (total, n)
    return sorted(described)


def _add_deductions(campaign, inputs) -> list:
    rows = Deduction.objects.filter(target__campaign=campaign, decision__approved=True).values_list(
        "pk", "target_id", "component", "points"
    )
    described = []
    for pk, target_id, component, points in rows:
        points = Decimal(points).quantize(CENT)
        deductions = inputs[target_id].deductions
        deductions[component] = deductions.get(component, Decimal(0)) + points
        described.append([pk, _code(inputs, target_id), component, str(points)])
    return sorted(described)


def _add_violations(campaign, inputs) -> list:
    rows = Violation.objects.filter(target__campaign=campaign, withdrawal__isnull=True).values_list(
        "pk", "target_id", "rule"
    )
    described = []
    for pk, target_id, rule in rows:
        inputs[target_id].violation = True
        described.append([pk, _code(inputs, target_id), rule])
    return sorted(described)


def _add_response_counts(campaign, inputs) -> list:
    rows = counted_responses(campaign).values("target_id").annotate(n=Count("id"))
    described = []
    for target_id, n in rows.values_list("target_id", "n"):
        inputs[target_id].responses = n
        described.append([_code(inputs, target_id), n])
    return sorted(described)
