"""The tally's inputs come from GROUP BY queries, whatever the number of responses."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoring.actions import (
    do_decide_deduction,
    do_record_assessor_score,
    do_record_deduction,
    do_record_violation,
    do_withdraw_violation,
)
from scoring.aggregate import collect
from scoring.queries import live_tally, resolved_scheme
from scoring.schemes import parse_scheme
from scoring.tests.factories import add_votes
from surveys import counters
from surveys.models import Response


def _collect(campaign):
    data = resolved_scheme(campaign.scheme)
    return collect(campaign, parse_scheme(data), data)


def _inputs(campaign) -> dict:
    return {item.target: item for item in _collect(campaign).inputs}


def _query_count(campaign) -> int:
    with CaptureQueriesContext(connection) as queries:
        _collect(campaign)
    return len(queries)


def test_collecting_inputs_costs_the_same_queries_for_ten_or_three_thousand_responses(cast):
    a, b = cast.target("county-a"), cast.target("county-b")
    add_votes(a, {"优秀": 5, "满意": 5})
    few = _query_count(cast.campaign)
    add_votes(a, {"优秀": 1500, "不满意": 500})
    add_votes(b, {"满意": 990, "不了解": 10})
    assert _query_count(cast.campaign) == few
    assert _inputs(cast.campaign)["county-a"].tier_counts[("", "优秀")] == 1505


def test_excluded_responses_are_left_out_by_their_column(cast):
    a = cast.target("county-a")
    add_votes(a, {"优秀": 3, "不满意": 2})
    excluded = Response.objects.filter(tier="不满意")
    assert excluded.fill_in(excluded_at=timezone.now()) == 2
    counters.rebuild(cast.campaign)  # excluded behind the review's back, then recounted
    item = _inputs(cast.campaign)["county-a"]
    assert item.tier_counts == {("", "优秀"): 3}
    assert item.responses == 3
    assert Response.objects.count() == 5


def test_score_sheet_sums_are_exact_to_the_cent(cast):
    a = cast.target("county-a")
    for score in ("0.10", "0.20", "99.99", "33.33"):
        add_votes(a, {"": 1}, category="服务对象", score=Decimal(score))
    assert _inputs(cast.campaign)["county-a"].score_sheets == {"服务对象": (Decimal("133.62"), 4)}


def test_the_latest_score_of_each_assessor_counts(cast):
    a = cast.target("county-a")
    for score in (12, 18):
        do_record_assessor_score(
            a, "rectification", score, assessor="组长", acting_user=cast.organizer
        )
    do_record_assessor_score(a, "rectification", 16, assessor="组员", acting_user=cast.organizer)
    assert _inputs(cast.campaign)["county-a"].assessor["rectification"] == (Decimal(34), 2)


def test_only_approved_deductions_and_standing_violations_count(cast):
    a, b = cast.target("county-a"), cast.target("county-b")
    kept = do_record_deduction(a, "rectification", "2.5", "台账不全", acting_user=cast.inspector)
    refused = do_record_deduction(a, "rectification", 3, "重复扣分", acting_user=cast.inspector)
    do_record_deduction(a, "self_review", 1, "未决", acting_user=cast.inspector)
    do_decide_deduction(kept, approved=True, acting_user=cast.organizer)
    do_decide_deduction(refused, approved=False, acting_user=cast.organizer)
    withdrawn = do_record_violation(b, "buy_votes", "拉票短信截图", acting_user=cast.organizer)
    do_withdraw_violation(withdrawn, "核实为误报", acting_user=cast.organizer)
    do_record_violation(a, "accept_hospitality", "接受宴请", acting_user=cast.organizer)
    inputs = _inputs(cast.campaign)
    assert inputs["county-a"].deductions == {"rectification": Decimal("2.50")}
    assert inputs["county-a"].violation is True
    assert inputs["county-b"].violation is False


def test_equal_data_give_an_equal_digest_and_one_more_vote_changes_it(cast):
    a = cast.target("county-a")
    add_votes(a, {"优秀": 2, "满意": 1})
    first, second = _collect(cast.campaign).digest, _collect(cast.campaign).digest
    assert first == second and len(first) == 64
    add_votes(a, {"满意": 1})
    assert _collect(cast.campaign).digest != first


def test_a_run_keeps_the_preset_content_not_its_name(cast):
    data = resolved_scheme(cast.campaign.scheme)
    assert "preset" not in data
    assert [c["key"] for c in data["components"]][:1] == ["survey"]


@pytest.mark.parametrize("tier", ["不了解"])
def test_excluded_tier_votes_are_counted_as_responses_but_not_validadd_votes(cast, tier):
    a = cast.target("county-a")
    add_votes(a, {"满意": 4, tier: 6})
    result = {r.target: r for r in live_tally(cast.campaign).results}["county-a"]
    assert (result.responses, result.valid_votes) == (10, 4)
