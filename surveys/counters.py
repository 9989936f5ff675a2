"""Response counters: what the tally counts, kept with every answer (ADR 0008).

One row per target, respondent category and tier holds the counted
responses, how many of them carry a score-sheet total and those totals in
whole cents. Every path that accepts a response adds to its row in the same
transaction (`count_response`, `count_batch`); an exclusion takes it off
(`uncount_response`). The upsert is one statement, so concurrent answers
never lose an increment.

The responses themselves stay the truth: `recount` computes the same rows
from them with GROUP BY, `verify` names every difference and `rebuild`
writes the counters anew from a recount.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from audit.record import record_event
from campaigns.models import Campaign
from surveys.models import Response, ResponseCounter

COUNTER = ResponseCounter._meta.db_table
RESPONSE = Response._meta.db_table
COLUMNS = "campaign_id, target_id, category, tier, responses, scored, score_cents"
ADD_ON_CONFLICT = f"""
ON CONFLICT (target_id, category, tier) DO UPDATE SET
    responses = {COUNTER}.responses + excluded.responses,
    scored = {COUNTER}.scored + excluded.scored,
    score_cents = {COUNTER}.score_cents + excluded.score_cents
"""
# Cents as the tally sums them: SQLite keeps decimals as floating point, cents are exact.
GROUPED = f"""
SELECT campaign_id, target_id, category, tier, COUNT(*), COUNT(score),
       COALESCE(SUM(CAST(ROUND(score * 100) AS BIGINT)), 0)
FROM {RESPONSE}
WHERE {{where}} AND excluded_at IS NULL
GROUP BY campaign_id, target_id, category, tier
"""
CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Count:
    """Counted responses of one target, category and tier."""

    target_id: int
    category: str
    tier: str
    responses: int
    scored: int
    score_cents: int


def cents(score) -> int:
    return int((Decimal(score) / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def count_response(response: Response, sign: int = 1) -> None:
    """Add one stored response to its counter, in the caller's transaction."""
    _require_transaction()
    scored = response.score is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {COUNTER} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            + ADD_ON_CONFLICT,
            [
                response.campaign_id,
                response.target_id,
                response.category,
                response.tier,
                sign,
                sign if scored else 0,
                sign * cents(response.score) if scored else 0,
            ],
        )


def uncount_response(response: Response) -> None:
    """Take an excluded response off its counter, in the exclusion's transaction."""
    count_response(response, sign=-1)


def count_batch(batch_id: int) -> None:
    """Add every response of an import batch at once: one GROUP BY over the new rows."""
    _require_transaction()
    grouped = GROUPED.format(where="batch_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {COUNTER} ({COLUMNS}) {grouped} {ADD_ON_CONFLICT}",
            [batch_id],
        )


def rebuild(campaign) -> None:
    """Write a campaign's counters anew from its responses (after a bulk load or a repair)."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Under the campaign lock, as imports and tallies take it: no answer is counted twice.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        cursor.execute(f"DELETE FROM {COUNTER} WHERE campaign_id = %s", [campaign.pk])
        grouped = GROUPED.format(where="campaign_id = %s")
        cursor.execute(f"INSERT INTO {COUNTER} ({COLUMNS}) {grouped}", [campaign.pk])


def do_rebuild_counters(campaign, *, acting_user) -> list[tuple[Count | None, Count | None]]:
    """Repair: recount a campaign's counters from its responses; returns what was wrong."""
    with transaction.atomic():
        wrong = verify(campaign)
        rebuild(campaign)
        record_event(
            "surveys.counters_rebuilt",
            campaign,
            acting_user=acting_user,
            data={"campaign": campaign.code, "rows_corrected": len(wrong)},
        )
    return wrong


def counted(campaign) -> list[Count]:
    """The campaign's counters: a few rows per target, whatever the number of responses."""
    rows = (
        ResponseCounter.objects.filter(campaign=campaign, responses__gt=0)
        .values_list("target_id", "category", "tier", "responses", "scored", "score_cents")
        .order_by()
    )
    return sorted(Count(*row) for row in rows)


def recount(campaign) -> list[Count]:
    """The same rows counted from the responses themselves: the verification path."""
    with connection.cursor() as cursor:
        cursor.execute(GROUPED.format(where="campaign_id = %s"), [campaign.pk])
        # PostgreSQL sums bigints as numeric: back to int for comparison and digests.
        return sorted(Count(t, c, tier, *map(int, n)) for _, t, c, tier, *n in cursor.fetchall())


def verify(campaign) -> list[tuple[Count | None, Count | None]]:
    """(counter, recount) for every row where the two disagree; empty when they agree."""
    kept = {(c.target_id, c.category, c.tier): c for c in counted(campaign)}
    fresh = {(c.target_id, c.category, c.tier): c for c in recount(campaign)}
    return [
        (kept.get(key), fresh.get(key))
        for key in sorted(kept.keys() | fresh.keys())
        if kept.get(key) != fresh.get(key)
    ]


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("counters change only inside the transaction that stores the response")
