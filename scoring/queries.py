"""Reads over tally runs: results as the engine's shape, differences between runs,
outcome suggestions, and the live (unsealed) tally the CLI prints."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from campaigns.models import Campaign
from scoring.aggregate import Collected, collect
from scoring.engine import Scheme, TargetResult, tally
from scoring.models import OutcomeDecision, TallyResult, TallyRun
from scoring.outcomes import suggest_outcomes
from scoring.schemes import load_preset, parse_scheme


def resolved_scheme(data: dict) -> dict:
    """The scheme mapping itself: a preset reference replaced by the preset's content.

    A run keeps this copy, so a later change to a preset file cannot change
    what an old run computed or its digest.
    """
    if set(data) == {"preset"}:
        data = load_preset(data["preset"])
    return json.loads(json.dumps(data, ensure_ascii=False))


@dataclass
class LiveTally:
    scheme: Scheme
    scheme_data: dict
    collected: Collected
    results: list[TargetResult]


def live_tally(campaign: Campaign) -> LiveTally:
    """The tally over the data as it stands (the CLI's view; the web shows sealed runs)."""
    scheme_data = resolved_scheme(campaign.scheme)
    scheme = parse_scheme(scheme_data)
    collected = collect(campaign, scheme, scheme_data)
    return LiveTally(scheme, scheme_data, collected, tally(scheme, collected.inputs))


def run_results(run: TallyRun) -> list[TallyResult]:
    return list(
        run.results.select_related("target__unit").order_by("group", "rank", "target__unit__code")
    )


def as_engine_result(row: TallyResult, precision: int) -> TargetResult:
    return TargetResult(
        target=row.target.unit.code,
        name=row.target.unit.name,
        group=row.group,
        responses=row.responses,
        valid_votes=row.valid_votes,
        components={k: None if v is None else Decimal(v) for k, v in row.components.items()},
        total=None if row.total is None else _rounded(row.total, precision),
        grade=row.grade or None,
        rank=row.rank,
        flags=list(row.flags),
    )


def _rounded(value: Decimal, precision: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-precision))


@dataclass
class Change:
    target: str
    name: str
    responses: tuple[int | None, int | None]
    total: tuple[Decimal | None, Decimal | None] | None = None
    grade: tuple[str, str] | None = None
    rank: tuple[int | None, int | None] | None = None


def compare_runs(old: TallyRun, new: TallyRun, *, with_scores: bool) -> list[Change]:
    """What changed from one run to the next: counts always, scores when both may be read."""
    before = {r.target.unit.code: r for r in run_results(old)}
    changes = []
    for row in run_results(new):
        code = row.target.unit.code
        prev = before.pop(code, None)
        change = Change(code, row.target.unit.name, (prev and prev.responses, row.responses))
        if with_scores:
            change.total = (prev and prev.total, row.total)
            change.grade = (prev.grade if prev else "", row.grade)
            change.rank = (prev and prev.rank, row.rank)
        moved = change.responses[0] != change.responses[1] or (
            with_scores and (change.total[0] != change.total[1] or change.rank[0] != change.rank[1])
        )
        if moved:
            changes.append(change)
    changes.extend(
        Change(code, r.target.unit.name, (r.responses, None)) for code, r in before.items()
    )
    return changes


def previous_year_run(campaign: Campaign) -> TallyRun | None:
    """Last year's signed run of the same organizer and series, the published one first."""
    if not campaign.series:
        return None
    runs = TallyRun.objects.filter(
        campaign__organizer=campaign.organizer,
        campaign__series=campaign.series,
        campaign__year=campaign.year - 1,
        signed_at__isnull=False,
    )
    # NULLS LAST: PostgreSQL would otherwise put unpublished runs first.
    return runs.order_by(F("published_at").desc(nulls_last=True), "-number").first()


def outcome_suggestions(run: TallyRun) -> dict[str, list]:
    """Suggested outcomes per target code, from this run and last year's of the series."""
    scheme = parse_scheme(run.scheme)
    results = [as_engine_result(r, scheme.precision) for r in run_results(run)]
    previous_run = previous_year_run(run.campaign)
    previous = None
    if previous_run is not None:
        precision = parse_scheme(previous_run.scheme).precision
        previous = {
            r.target.unit.code: as_engine_result(r, precision) for r in run_results(previous_run)
        }
    return suggest_outcomes(scheme, results, previous)


def outcome_decisions(run: TallyRun) -> dict[str, OutcomeDecision]:
    """The latest decision per target code."""
    latest = {}
    for decision in run.outcome_decisions.select_related("target__unit", "decided_by").order_by(
        "id"
    ):
        latest[decision.target.unit.code] = decision
    return latest
