"""The reader's fast path accepts exactly what the reference accepts, with the same values."""

import random
from datetime import date

import pytest

from campaigns.models import Campaign
from pingyi.lib.tables import TableError
from surveys.importing import ResponseReader, campaign_scheme
from surveys.tests.test_import_responses import CATEGORY_SCHEME, SCORE_SHEET_SCHEME

CELLS = {
    "target": ["county-a", "county-b", "county-c", "", "county-x", "COUNTY-A"],
    "tier": ["", "满意", "优秀", "不满意", "不了解", "很好"],
    "category": ["", "服务对象", "人大代表", "游客", "企业", "x" * 50, "x" * 51],
    "score": ["", "80", "80.5", "85.50", "100", "0", "-0", "+7.25", "100.01", "1e2", "8o", "-1"],
    "item.a": ["", "", "30", "45.5", "60", "-3", "abc", "50.00", "0.125"],
    "item.b": ["", "", "40", "55", "70.25", "1,5"],
    "problems": ["", "窗口排队久", "问" * 2000, "问" * 2001],
    "suggestions": ["", "多开窗口", "议" * 2001],
    "channel": ["", "电话", "c" * 50, "c" * 51],
    "submitted_at": [
        "",
        "2026-09-03",
        "2026-09-04 15:42",
        "2026-09-04T15:42:10",
        "2026-02-30",
        "2026-12-02",
        "9/3/2026",
        "2026-9-3",
    ],
}
SCHEMES = {"categories": CATEGORY_SCHEME, "score sheet": SCORE_SHEET_SCHEME, "preset": None}


def outcome(check, *args):
    try:
        return check(*args)
    except TableError as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_fast_path_agrees_with_the_reference_cell_for_cell(cast, scheme):
    if SCHEMES[scheme] is not None:
        Campaign.objects.filter(pk=cast.campaign.pk).update(scheme=SCHEMES[scheme])
        cast.campaign.refresh_from_db()
    reader = ResponseReader(cast.campaign, campaign_scheme(cast.campaign), today=date(2026, 12, 1))
    rng = random.Random(scheme)  # noqa: S311 (test data)
    agreed = refused = 0
    for _header in range(40):
        names = ["target", *rng.sample(sorted(CELLS.keys() - {"target"}), rng.randint(1, 9))]
        rng.shuffle(names)
        names += [None] * rng.randint(0, 1)  # a trailing column without a name
        fast = reader._fast_record(names)
        for row in range(2, 300):
            values = [rng.choice(CELLS[name]) if name else "" for name in names]
            expected = outcome(reader._reference, row, names, list(values))
            got = outcome(fast, row, list(values))
            assert got == expected, (names, values)
            agreed += 1
            refused += expected[0] == "refused"
    # Both sides of the comparison were exercised.
    assert 0 < refused < agreed
