"""Small factories for scoring tests: responses and assessor scores written directly.

The importers (surveys.actions, scoring.import_actions) are tested on their own;
here the tally only needs rows as they would stand after an import.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from scoring.models import AssessorScore
from surveys import counters
from surveys.models import Channel, Response

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the evaluate phase of the cast's campaign (2026-09-01..09-15): the tally is open.
EVALUATE_DAY = datetime(2026, 9, 5, 10, tzinfo=SHANGHAI)
# The 70/30 preset (tiered-70-30.yaml): every component, groups before their children.
COMPONENT_KEYS = ["survey", "inspection", "rectification", "self_review"]
# Its tiers as the sheets list them (不了解 is excluded: counted, but not a valid vote).
TIERS = ["优秀", "满意", "基本满意", "不满意", "不了解"]


def during_evaluation():
    return time_machine.travel(EVALUATE_DAY, tick=False)


def add_votes(target, tiers: dict[str, int], *, category: str = "", score=None) -> None:
    """Imported tier votes, e.g. add_votes(target, {"优秀": 3, "不满意": 1}).

    A tier of "" with a score gives score-sheet answers.
    """
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            campaign=target.campaign,
            target=target,
            channel=Channel.IMPORT,
            category=category,
            tier=tier,
            score=score,
            submitted_at=now,
        )
        for tier, n in tiers.items()
        for _ in range(n)
    )
    # Written directly, as a bulk load would be: the counters are recounted after it.
    counters.rebuild(target.campaign)


def add_assessor(target, component: str, score, *, assessor: str = "") -> AssessorScore:
    return AssessorScore.objects.create(
        campaign=target.campaign,
        target=target,
        component=component,
        score=Decimal(str(score)),
        assessor=assessor,
        recorded_at=timezone.now(),
    )


def complete_data(cast) -> None:
    """County A ahead of county B; county C is exempt and gets no data.

    A: survey 70 × (3×0.9 + 1×0.5)/4 = 56, rectification 18, self review 9 → 83.00 满意
    B: survey 70 × (1×0.8 + 1×0.5)/2 = 45.50, rectification 15, self review 8 → 68.50 基本满意
    """
    a, b = cast.target("county-a"), cast.target("county-b")
    add_votes(a, {"优秀": 3, "不满意": 1})
    add_votes(b, {"满意": 1, "不满意": 1})
    add_assessor(a, "rectification", 90)
    add_assessor(a, "self_review", 90)
    add_assessor(b, "rectification", 75)
    add_assessor(b, "self_review", 80)
