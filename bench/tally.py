"""Tally benchmark: `pingyi tally` against the same aggregation as one bare SQL statement.

The synthetic province grows step by step (100k → 1M → 10M responses at full
scale); at each size the bare GROUP BY over every response, the product's
`pingyi tally` (a whole process: start-up, counters, engine, JSON) and the
tally inside one process (counters, and the full recount the counters are
checked against) are timed on the same database in the same run.
"""

import itertools
import json
import statistics
import time

from bench.common import Context, connect, log, measure, placeholder

SEED = 2026
REPEAT = 3
# What a tally needs from the responses, as one statement: the recount path's GROUP BY.
BARE_SQL = """
SELECT target_id, category, tier, COUNT(*), COUNT(score),
       SUM(CAST(ROUND(score * 100) AS BIGINT))
FROM surveys_response
WHERE campaign_id = {p} AND excluded_at IS NULL
GROUP BY target_id, category, tier
"""


def run(ctx: Context) -> dict:
    sizes = ctx.sizes["tally"]
    targets = ctx.sizes.get("targets", 3000)
    steps, have = [], 0
    startup = _median(
        measure(ctx, ["pingyi", "shell", "-c", "pass"]).seconds for _ in range(REPEAT)
    )
    for i, size in enumerate(sizes):
        log(f"{ctx.db}: province at {size:,} responses")
        rate = _grow(ctx, targets, size - have, i)
        have = size
        _analyze(ctx)
        steps.append({"responses": size, "generate_rows_per_s": round(rate), **_step(ctx)})
    verified = measure(ctx, ["pingyi", "counters", "verify", ctx.campaign])
    return {
        "campaign": ctx.campaign,
        "targets": targets,
        "process_startup_s": round(startup, 3),
        "steps": steps,
        "growth": _growth(steps),
        "counters_verify_s": round(verified.seconds, 3),
        "counters_agree": "agree" in verified.stdout,
    }


def _grow(ctx: Context, targets: int, count: int, step: int) -> float:
    """Generate the province (first step) or add responses; rows/s."""
    if not ctx.campaign:
        argv = ["generate", "--targets", str(targets), "--responses", str(count)]
        done = measure(ctx, ["python", "-m", "bench.province", *argv, "--seed", str(SEED)])
        ctx.campaign = done.stdout.strip().splitlines()[-1]
    else:
        argv = ["grow", ctx.campaign, "--responses", str(count), "--seed", str(SEED + step)]
        done = measure(ctx, ["python", "-m", "bench.province", *argv])
    return count / done.seconds


def _step(ctx: Context) -> dict:
    bare = _median(_bare_seconds(ctx) for _ in range(REPEAT))
    output = ctx.workdir / "tally.json"
    argv = ["pingyi", "tally", ctx.campaign, "--output", str(output)]
    runs = [measure(ctx, argv) for _ in range(REPEAT)]
    product = _median(r.seconds for r in runs)
    inside = _in_process(ctx)
    return {
        "bare_sql_s": round(bare, 4),
        "pingyi_tally_s": round(product, 4),
        "pingyi_tally_peak_rss_mb": round(max(r.peak_rss_bytes for r in runs) / 2**20, 1),
        "ratio_product_to_bare": round(product / bare, 3),
        "in_process_counters_s": round(inside["counters_seconds"], 4),
        "in_process_recount_s": round(inside["recount_seconds"], 4),
        "ratio_in_process_to_bare": round(inside["counters_seconds"] / bare, 4),
        "digests_agree": inside["digests_agree"],
    }


def _in_process(ctx: Context) -> dict:
    runs = [
        json.loads(measure(ctx, ["python", "-m", "bench.province", "tally", ctx.campaign]).stdout)
        for _ in range(REPEAT)
    ]
    return {
        "counters_seconds": _median(r["counters_seconds"] for r in runs),
        "recount_seconds": _median(r["recount_seconds"] for r in runs),
        "digests_agree": all(r["digests_agree"] for r in runs),
    }


def _bare_seconds(ctx: Context) -> float:
    db = connect(ctx)
    try:
        cursor = db.cursor()
        p = placeholder(ctx)
        cursor.execute(f"SELECT id FROM campaigns_campaign WHERE code = {p}", [ctx.campaign])  # noqa: S608
        (campaign_id,) = cursor.fetchone()
        start = time.perf_counter()
        cursor.execute(BARE_SQL.format(p=p), [campaign_id])
        cursor.fetchall()
        return time.perf_counter() - start
    finally:
        db.close()


def _analyze(ctx: Context) -> None:
    """Fresh statistics (and, on PostgreSQL, a visibility map) after a bulk load, as autovacuum would."""
    db = connect(ctx)
    try:
        db.cursor().execute(
            "VACUUM ANALYZE surveys_response" if ctx.db == "postgres" else "ANALYZE"
        )
    finally:
        db.close()


def _growth(steps: list[dict]) -> list[dict]:
    """How each time grows from one size to the next (10× responses between steps)."""
    out = []
    for before, after in itertools.pairwise(steps):
        out.append(
            {
                "from": before["responses"],
                "to": after["responses"],
                "bare_sql_x": round(after["bare_sql_s"] / before["bare_sql_s"], 2),
                "pingyi_tally_x": round(after["pingyi_tally_s"] / before["pingyi_tally_s"], 2),
                "in_process_counters_x": round(
                    after["in_process_counters_s"] / before["in_process_counters_s"], 2
                ),
            }
        )
    return out


def _median(values) -> float:
    return statistics.median(list(values))
