"""Per-target tally inputs, read from the response counters.

A constant number of queries whatever the number of responses: the
counters hold a few rows per target (surveys.counters), kept with every
answer, so a tally never rescans the responses; `recount=True` counts the
responses themselves with GROUP BY instead, the verification path.
Assessor scores, deductions and violations are few (per target and
component) and are read as rows.

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

from django.db.models import Exists, OuterRef, Sum

from campaigns.models import Campaign
from pingyi.lib.canonical import canonical_bytes
from scoring.engine import Scheme, TargetInput
from scoring.models import AssessorScore, Deduction, Violation
from surveys import counters
from surveys.counters import Count as Counted
from surveys.models import Response, ResponseCounter

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
        ResponseCounter.objects.filter(campaign=campaign)
        .values("target__unit__code")
        .annotate(n=Sum("responses"))
        .filter(n__gt=0)
        .values_list("target__unit__code", "n")
    )
    return dict(rows)


def collect(
    campaign: Campaign, scheme: Scheme, scheme_data: dict, *, recount: bool = False
) -> Collected:
    """Every input of the tally and their digest; `recount` reads the responses, not the counters.

    Both ways give equal inputs and an equal digest (surveys.counters.verify).
    """
    targets = list(campaign.targets.select_related("unit").order_by("unit__code"))
    inputs = {
        t.pk: TargetInput(target=t.unit.code, name=t.unit.name, group=t.group, exempt=t.exempt)
        for t in targets
    }
    counts = counters.recount(campaign) if recount else counters.counted(campaign)
    digest_inputs = {
        **_add_counts(counts, inputs),
        "assessor": _add_assessor_scores(campaign, inputs),
        "deductions": _add_deductions(campaign, inputs),
        "violations": _add_violations(campaign, inputs),
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


def _add_counts(counts: list[Counted], inputs) -> dict[str, list]:
    """Tier votes, score-sheet sums and response counts, all from the counted rows."""
    tiers, responses = [], defaultdict(int)
    sheets = defaultdict(lambda: [0, 0])
    for c in counts:
        responses[c.target_id] += c.responses
        if c.tier:
            inputs[c.target_id].tier_counts[(c.category, c.tier)] = c.responses
            tiers.append([_code(inputs, c.target_id), c.category, c.tier, c.responses])
        if c.scored:
            sheet = sheets[(c.target_id, c.category)]
            sheet[0] += c.score_cents
            sheet[1] += c.scored
    described_sheets = []
    for (target_id, category), (total_cents, n) in sheets.items():
        total = (Decimal(total_cents) * CENT).quantize(CENT)
        inputs[target_id].score_sheets[category] = (total, n)
        described_sheets.append([_code(inputs, target_id), category, str(total), n])
    for target_id, n in responses.items():
        inputs[target_id].responses = n
    return {
        "tiers": sorted(tiers),
        "score_sheets": sorted(described_sheets),
        "responses": sorted([_code(inputs, t), n] for t, n in responses.items()),
    }


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
