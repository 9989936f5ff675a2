"""Properties of the tally that must hold for any data (hypothesis)."""

import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    Band,
    ByRank,
    Component,
    RankGrade,
    Scheme,
    TargetInput,
    Tier,
    tally,
)

TIERS = (
    Tier("优秀", Fraction(9, 10)),
    Tier("满意", Fraction(8, 10)),
    Tier("基本满意", Fraction(7, 10)),
    Tier("不满意", Fraction(5, 10)),
    Tier("不了解", None, excluded=True),
)
CATEGORIES = (
    ("服务对象", Fraction(6, 10)),
    ("人大代表", Fraction(2, 10)),
    ("行风监督员", Fraction(2, 10)),
)
INSPECTION = Component(
    "inspection",
    "检查评议",
    Fraction(30),
    children=(
        Component("rectification", "整改落实", Fraction(20), "assessor"),
        Component("self_review", "自查自纠", Fraction(10), "assessor"),
    ),
)


def make_scheme(categorised: bool, banded: bool) -> Scheme:
    survey = Component(
        "survey", "满意度", Fraction(70), "survey", TIERS, CATEGORIES if categorised else ()
    )
    grades = (
        {
            "bands": (
                Band("满意", Fraction(80)),
                Band("基本满意", Fraction(60)),
                Band("不满意", Fraction(0)),
            )
        }
        if banded
        else {"by_rank": ByRank(RankGrade("先进", 1), RankGrade("后进", 1), "达标")}
    )
    return Scheme(name="p", components=(survey, INSPECTION), min_responses=5, **grades)


schemes = st.builds(make_scheme, st.booleans(), st.booleans())
scores = st.decimals(min_value=0, max_value=100, places=2)
category_names = st.sampled_from([c for c, _ in CATEGORIES])
tier_names = st.sampled_from([t.label for t in TIERS])


@st.composite
def target_inputs(draw, code: str, violations: bool = True) -> TargetInput:
    votes = draw(
        st.dictionaries(st.tuples(category_names, tier_names), st.integers(0, 40), max_size=8)
    )
    assessor = {}
    for key in ("rectification", "self_review"):
        n = draw(st.integers(0 if violations else 1, 3))
        assessor[key] = (sum((draw(scores) for _ in range(n)), Decimal(0)), n)
    deductions = draw(
        st.dictionaries(
            st.sampled_from(["survey", "rectification", "self_review"]),
            st.decimals(min_value=0, max_value=30, places=1),
            max_size=2,
        )
    )
    return TargetInput(
        target=code,
        name=code,
        group=draw(st.sampled_from(["县局", "区局"])),
        exempt=draw(st.booleans()) if violations else False,
        responses=sum(votes.values()),
        tier_counts=votes,
        assessor={k: v for k, v in assessor.items() if v[1]},
        deductions=deductions,
        violation=draw(st.booleans()) if violations else False,
    )


@st.composite
def cohorts(draw, violations: bool = True) -> list[TargetInput]:
    n = draw(st.integers(1, 8))
    return [draw(target_inputs(f"t{i}", violations)) for i in range(n)]


@given(schemes, cohorts())
def test_totals_stay_between_0_and_100(scheme, inputs):
    for result in tally(scheme, inputs):
        assert result.total is None or 0 <= result.total <= 100
        for value in result.components.values():
            assert value is None or 0 <= value <= 100


@given(schemes, target_inputs("a"), st.data())
def test_a_better_vote_never_lowers_the_total(scheme, item, data):
    counted = [t for t in TIERS if not t.excluded]
    worse = data.draw(st.sampled_from(counted[1:]))
    better = data.draw(st.sampled_from([t for t in counted if t.value > worse.value]))
    category = data.draw(category_names)
    item.exempt = False
    item.tier_counts[(category, worse.label)] = item.tier_counts.get((category, worse.label), 0) + 1
    [before] = tally(scheme, [item])
    item.tier_counts[(category, worse.label)] -= 1
    item.tier_counts[(category, better.label)] = (
        item.tier_counts.get((category, better.label), 0) + 1
    )
    [after] = tally(scheme, [item])
    if before.total is not None:
        assert after.total >= before.total


@given(schemes, cohorts(), st.data())
def test_equal_data_gets_an_equal_rank(scheme, inputs, data):
    original = data.draw(st.sampled_from(inputs))
    twin = TargetInput(**{**original.__dict__, "target": "twin", "name": "twin"})
    results = {r.target: r for r in tally(scheme, [*inputs, twin])}
    assert results["twin"].rank == results[original.target].rank
    assert results["twin"].total == results[original.target].total
    assert results["twin"].grade == results[original.target].grade


@given(schemes, cohorts(), st.randoms(use_true_random=False))
def test_input_order_changes_nothing(scheme, inputs, rnd: random.Random):
    shuffled = list(inputs)
    rnd.shuffle(shuffled)
    assert tally(scheme, shuffled) == tally(scheme, inputs)


@given(schemes, cohorts(violations=False))
def test_rank_is_one_plus_the_number_strictly_better_in_the_group(scheme, inputs):
    results = tally(scheme, inputs)
    for r in results:
        if r.total is None:
            assert r.rank is None
            continue
        peers = [o for o in results if o.group == r.group and o.total is not None]
        assert r.rank == 1 + sum(1 for o in peers if o.total > r.total)


@settings(max_examples=50)
@given(schemes, cohorts())
def test_violators_rank_after_every_other_ranked_member_of_their_group(scheme, inputs):
    results = tally(scheme, inputs)
    for r in results:
        if "violation" in r.flags and "exempt" not in r.flags:
            assert r.grade == scheme.violation_grade
            others = [
                o.rank
                for o in results
                if o.group == r.group and o.rank is not None and "violation" not in o.flags
            ]
            assert r.rank is None or all(rank < r.rank for rank in others)
