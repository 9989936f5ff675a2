"""The demo tally: questionnaire answers and assessor scores for the 12 county
bureaus, brought in through the importers, then a run started, signed by the
organizer and the statistics bureau, and published by the leader.

Loading is idempotent: nothing is added once the campaign has imported responses.
"""

import csv
import random
import tempfile
from datetime import date
from pathlib import Path

from campaigns.models import Campaign
from scoring.actions import (
    do_decide_deduction,
    do_publish_tally_run,
    do_record_deduction,
    do_sign_tally_run,
    do_start_tally_run,
    tally_open,
)
from scoring.import_actions import do_import_scores
from scoring.models import SignerRole
from scoring.queries import resolved_scheme
from scoring.schemes import parse_scheme
from surveys.actions import do_import_responses

# Share of 优秀/满意/基本满意/不满意/不了解 votes per county, so the ranking has a spread.
MOODS = [
    (40, 40, 15, 3, 2),
    (30, 45, 20, 3, 2),
    (25, 45, 22, 6, 2),
    (35, 40, 18, 5, 2),
    (20, 45, 25, 8, 2),
    (30, 40, 22, 6, 2),
    (15, 40, 30, 12, 3),
    (30, 45, 20, 3, 2),
    (25, 40, 25, 8, 2),
    (20, 35, 30, 12, 3),
    (28, 42, 22, 6, 2),
    (10, 35, 35, 17, 3),
]


def load_demo(campaign: Campaign, users: dict) -> None:
    if campaign.import_batches.exists():
        return
    scheme = parse_scheme(resolved_scheme(campaign.scheme))
    targets = list(campaign.targets.select_related("unit").order_by("unit__path"))
    rng = random.Random(campaign.year)  # noqa: S311 - repeatable demo data, not a secret
    organizer = users["organizer"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        _write_responses(folder / "问卷录入.csv", targets, scheme, rng, campaign.year)
        do_import_responses(campaign, folder / "问卷录入.csv", acting_user=organizer)
        _write_scores(folder / "检查评议分.csv", targets, scheme, rng)
        do_import_scores(campaign, folder / "检查评议分.csv", acting_user=organizer)
    leaves = [leaf.key for leaf in scheme.assessor_leaves()]
    if leaves:
        deduction = do_record_deduction(
            targets[-1],
            leaves[0],
            2,
            "暗访发现窗口服务态度生硬，已通报",
            acting_user=users["inspector"],
        )
        do_decide_deduction(deduction, approved=True, acting_user=organizer)
    if not tally_open(campaign):
        return
    run = do_start_tally_run(campaign, acting_user=organizer)
    do_sign_tally_run(run, SignerRole.TALLIER, acting_user=users["tallier"])
    do_sign_tally_run(run, SignerRole.ORGANIZER, acting_user=organizer)
    do_publish_tally_run(run, acting_user=users["leader"])


def _write_responses(path: Path, targets, scheme, rng: random.Random, year: int) -> None:
    tiers = scheme.tier_labels()
    categories = scheme.category_labels() or [""]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["target", "category", "tier", "channel", "submitted_at", "problems"])
        for i, target in enumerate(targets):
            weights = MOODS[i % len(MOODS)][: len(tiers)]
            for _ in range(rng.randint(60, 110)):
                tier = rng.choices(tiers, weights=weights)[0]
                day = date(year, 9, rng.randint(1, 10)).isoformat()
                problem = "办事指南更新不及时" if tier == tiers[-2] and rng.random() < 0.3 else ""
                writer.writerow(
                    [target.unit.code, rng.choice(categories), tier, "纸质", day, problem]
                )


def _write_scores(path: Path, targets, scheme, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["target", "component", "score", "assessor"])
        for target in targets:
            for leaf in scheme.assessor_leaves():
                for assessor in ("评议组组长", "评议组成员"):
                    writer.writerow([target.unit.code, leaf.key, rng.randint(70, 98), assessor])
