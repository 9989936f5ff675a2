"""Hand-computed examples of the seeds' arithmetic; the engine must agree to the cent."""

import subprocess
import sys
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import pytest

from scoring.engine import (
    Band,
    ByRank,
    Component,
    RankGrade,
    Scheme,
    TargetInput,
    Tier,
    round_half_up,
    tally,
)

TIERS = (
    Tier("优秀", Fraction(9, 10)),
    Tier("满意", Fraction(8, 10)),
    Tier("基本满意", Fraction(7, 10)),
    Tier("不满意", Fraction(5, 10)),
)
BANDS = (Band("满意", Fraction(80)), Band("基本满意", Fraction(60)), Band("不满意", Fraction(0)))


def scheme_70_30(categories=(), **options) -> Scheme:
    """The labour 2007 / science bureau model: survey 70, inspection 30 = 20 + 10."""
    return Scheme(
        name="70/30",
        components=(
            Component("survey", "群众满意度调查", Fraction(70), "survey", TIERS, categories),
            Component(
                "inspection",
                "检查评议",
                Fraction(30),
                children=(
                    Component("rectification", "整改落实", Fraction(20), "assessor"),
                    Component("self_review", "自查自纠及其他", Fraction(10), "assessor"),
                ),
            ),
        ),
        bands=BANDS,
        **options,
    )


def unit(code, votes, rectification, self_review, group="县局", **extra) -> TargetInput:
    """One target: votes {tier: n} without category, one assessor per inspection leaf."""
    assessor = {}
    if rectification is not None:
        assessor["rectification"] = (D(rectification), 1)
    if self_review is not None:
        assessor["self_review"] = (D(self_review), 1)
    return TargetInput(
        target=code,
        name=f"{code}局",
        group=group,
        responses=sum(votes.values()),
        tier_counts={("", tier): n for tier, n in votes.items()},
        assessor=assessor,
        **extra,
    )


def by_target(results):
    return {r.target: r for r in results}


def test_the_engine_imports_no_django():
    code = "import sys, scoring.engine, scoring.outcomes; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_70_30_example_with_a_tie_and_only_dissatisfied_votes():
    results = tally(
        scheme_70_30(),
        [
            # a: f = (10·0.9 + 10·0.8) / 20 = 0.85 → survey 70·0.85 = 59.5;
            #    rectification 20·90/100 = 18, self-review 10·80/100 = 8 → total 85.5
            unit("a", {"优秀": 10, "满意": 10}, 90, 80),
            # b: f = 0.8 → 56; rectification 20, self-review 9.5 → 85.5, tied with a
            unit("b", {"满意": 20}, 100, 95),
            # c: only 不满意: survey 70·0.5 = 35; 20·0.5 = 10, 10·0.5 = 5 → 50
            unit("c", {"不满意": 5}, 50, 50),
            # d: f = 0.7 → 49; 16 + 7 → 72
            unit("d", {"基本满意": 8}, 80, 70),
        ],
    )
    assert [(r.target, r.total, r.rank, r.grade) for r in results] == [
        ("a", D("85.50"), 1, "满意"),
        ("b", D("85.50"), 1, "满意"),
        ("d", D("72.00"), 3, "基本满意"),
        ("c", D("50.00"), 4, "不满意"),
    ]
    c = by_target(results)["c"]
    assert c.components == {
        "survey": D("35.00"),
        "inspection": D("15.00"),
        "rectification": D("10.00"),
        "self_review": D("5.00"),
    }
    assert c.valid_votes == 5 and c.flags == []


def test_70_30_example_with_category_weights_renormalised_over_categories_with_votes():
    categories = (
        ("服务对象", Fraction(6, 10)),
        ("人大代表", Fraction(2, 10)),
        ("行风监督员", Fraction(2, 10)),
    )
    item = TargetInput(
        target="a",
        name="甲",
        group="县局",
        responses=6,
        tier_counts={("服务对象", "优秀"): 3, ("服务对象", "满意"): 1, ("人大代表", "基本满意"): 2},
        assessor={"rectification": (D("180"), 2), "self_review": (D("85"), 1)},
    )
    [result] = tally(scheme_70_30(categories), [item])
    # 服务对象 f = (3·0.9 + 0.8) / 4 = 0.875; 人大代表 f = 0.7; 行风监督员 has no votes,
    # so its 0.2 drops out: f = (0.6·0.875 + 0.2·0.7) / 0.8 = 0.665 / 0.8 = 0.83125
    # survey 70·0.83125 = 58.1875 → 58.19; rectification mean 90 → 18, self-review 8.5
    # total 58.1875 + 26.5 = 84.6875 → 84.69
    assert result.components["survey"] == D("58.19")
    assert result.components["inspection"] == D("26.50")
    assert result.total == D("84.69")
    assert result.grade == "满意"
    assert result.valid_votes == 6


def test_70_30_example_in_thirds_rounds_only_what_it_reports():
    results = tally(
        scheme_70_30(),
        [
            # a: f = (0.9 + 0.8 + 0.5) / 3 = 2.2/3 → survey 70·2.2/3 = 51.333… → 51.33;
            #    20 + 8.5 → total 79.8333… → 79.83: 基本满意, not 满意
            unit("a", {"优秀": 1, "满意": 1, "不满意": 1}, 100, 85),
            # b: f = (2·0.9 + 0.7) / 3 = 2.5/3 → survey 58.333… → 58.33;
            #    rectification by two assessors (73 + 74) / 2 = 73.5 → 14.7; self-review 7
            #    total 80.0333… → 80.03: 满意
            TargetInput(
                "b",
                "乙",
                "县局",
                tier_counts={("", "优秀"): 2, ("", "基本满意"): 1},
                assessor={"rectification": (D(147), 2), "self_review": (D(70), 1)},
            ),
        ],
    )
    assert [(r.target, r.components["survey"], r.total, r.grade, r.rank) for r in results] == [
        ("b", D("58.33"), D("80.03"), "满意", 1),
        ("a", D("51.33"), D("79.83"), "基本满意", 2),
    ]
    assert by_target(results)["b"].components["inspection"] == D("21.70")


def points_scheme() -> Scheme:
    """100/70/30 points with 不了解 excluded; grades by rank within each group."""
    tiers = (
        Tier("满意", Fraction(1)),
        Tier("基本满意", Fraction(7, 10)),
        Tier("不满意", Fraction(3, 10)),
        Tier("不了解", None, excluded=True),
    )
    return Scheme(
        name="百分制",
        components=(Component("survey", "满意度", Fraction(100), "survey", tiers),),
        by_rank=ByRank(RankGrade("先进", 1), RankGrade("后进", 1), "达标"),
    )


def test_points_scheme_with_dont_know_excluded_and_grades_by_rank_per_group():
    def votes(code, group, **counts):
        return TargetInput(
            target=code,
            name=code,
            group=group,
            responses=sum(counts.values()),
            tier_counts={("", tier): n for tier, n in counts.items()},
        )

    results = tally(
        points_scheme(),
        [
            # x: 8 满意 + 2 基本满意 (5 不了解 left out) = (800 + 140) / 10 = 94
            votes("x", "县局", 满意=8, 基本满意=2, 不了解=5),
            # y: (5·100 + 5·70) / 10 = 85
            votes("y", "县局", 满意=5, 基本满意=5),
            # z: (2·100 + 2·30) / 4 = 65 (10 不了解 left out)
            votes("z", "县局", 满意=2, 不满意=2, 不了解=10),
            # p: 100; q: (3·70 + 30) / 4 = 60
            votes("p", "区局", 满意=1),
            votes("q", "区局", 基本满意=3, 不满意=1),
        ],
    )
    assert [(r.group, r.target, r.total, r.rank, r.grade) for r in results] == [
        ("区局", "p", D("100.00"), 1, "先进"),
        ("区局", "q", D("60.00"), 2, "后进"),
        ("县局", "x", D("94.00"), 1, "先进"),
        ("县局", "y", D("85.00"), 2, "达标"),
        ("县局", "z", D("65.00"), 3, "后进"),
    ]
    x = by_target(results)["x"]
    assert (x.responses, x.valid_votes) == (15, 10)


def test_by_rank_top_wins_over_bottom_and_ties_share_the_grade():
    scheme = Scheme(
        name="r",
        components=points_scheme().components,
        by_rank=ByRank(RankGrade("先进", 2), RankGrade("后进", 2), "达标"),
    )
    inputs = [
        TargetInput(code, code, "g", tier_counts={("", "满意"): a, ("", "不满意"): b})
        for code, a, b in (("a", 3, 0), ("b", 3, 0), ("c", 1, 1))
    ]
    # three ranked members: a and b share rank 1 (top), c is rank 3 > 3 − 2 (bottom)
    grades = {r.target: (r.rank, r.grade) for r in tally(scheme, inputs)}
    assert grades == {"a": (1, "先进"), "b": (1, "先进"), "c": (3, "后进")}
    # two members: rank 2 is both ≤ top count and > 2 − 2: top wins
    two = {r.target: r.grade for r in tally(scheme, inputs[1:])}
    assert two == {"b": "先进", "c": "先进"}


@pytest.mark.parametrize(
    "value, precision, expected",
    [
        (Fraction(8825, 1000), 2, D("8.83")),  # half-even would give 8.82
        (Fraction(8835, 1000), 2, D("8.84")),
        (Fraction(88249, 10000), 2, D("8.82")),
        (D("2.345"), 2, D("2.35")),
        (Fraction(5, 2), 0, D("3")),
        (Fraction(-5, 2), 0, D("-3")),
        (Fraction(1, 3), 4, D("0.3333")),
        (Fraction(0), 2, D("0.00")),
    ],
)
def test_rounding_is_half_up(value, precision, expected):
    rounded = round_half_up(value, precision)
    assert rounded == expected and str(rounded) == str(expected)


def test_a_total_exactly_on_a_half_cent_rounds_up_and_reaches_the_band():
    # survey 70·0.8 = 56; rectification mean 159.825 / 2 = 79.9125 → 20·0.799125 = 15.9825;
    # self-review 10·0.80125 = 8.0125; exact total 56 + 15.9825 + 8.0125 = 79.995 → 80.00
    [result] = tally(
        scheme_70_30(),
        [
            TargetInput(
                "a",
                "甲",
                "g",
                tier_counts={("", "满意"): 4},
                assessor={"rectification": (D("159.825"), 2), "self_review": (D("80.125"), 1)},
            )
        ],
    )
    assert result.components["rectification"] == D("15.98")  # 15.9825
    assert result.components["self_review"] == D("8.01")  # 8.0125
    assert result.total == D("80.00")  # 79.995 exact, half-up; rounded parts would give 79.99
    assert result.grade == "满意"


def test_deductions_come_off_the_leaf_and_never_below_zero():
    [result] = tally(
        scheme_70_30(),
        [
            unit(
                "a",
                {"满意": 10},
                90,
                20,
                deductions={"rectification": D("1.5"), "self_review": D("5")},
            )
        ],
    )
    # rectification 18 − 1.5 = 16.5; self-review 2 − 5 → 0, not −3; total 56 + 16.5 = 72.5
    assert result.components["rectification"] == D("16.50")
    assert result.components["self_review"] == D("0.00")
    assert result.components["inspection"] == D("16.50")
    assert result.total == D("72.50")


def test_a_missing_assessor_score_makes_the_target_incomplete_and_unranked():
    results = by_target(
        tally(
            scheme_70_30(),
            [unit("a", {"满意": 10}, 90, None), unit("b", {"不满意": 10}, 50, 50)],
        )
    )
    a = results["a"]
    assert (a.total, a.grade, a.rank, a.flags) == (None, None, None, ["incomplete"])
    assert a.components["survey"] == D("56.00")
    assert a.components["self_review"] is None and a.components["inspection"] is None
    assert results["b"].rank == 1


def test_no_valid_votes_makes_the_survey_incomplete():
    [result] = tally(scheme_70_30(), [unit("a", {}, 90, 90)])
    assert result.components["survey"] is None
    assert (result.total, result.valid_votes, result.flags) == (None, 0, ["incomplete"])


def test_a_violation_forces_the_violation_grade_and_the_last_rank():
    results = tally(
        scheme_70_30(),
        [
            unit("best", {"优秀": 10}, 100, 100, violation=True),  # 93: would be first
            unit("also", {"优秀": 10}, 100, 100, violation=True),  # tied violators share
            unit("good", {"满意": 10}, 90, 90),  # 83
            unit("poor", {"不满意": 10}, 50, 50),  # 50
            unit("gone", {"优秀": 10}, None, 100, violation=True),  # incomplete violator
        ],
    )
    assert [(r.target, r.total, r.rank, r.grade, r.flags) for r in results] == [
        ("good", D("83.00"), 1, "满意", []),
        ("poor", D("50.00"), 2, "不满意", []),
        ("also", D("93.00"), 3, "不合格", ["violation"]),
        ("best", D("93.00"), 3, "不合格", ["violation"]),
        ("gone", None, 5, "不合格", ["incomplete", "violation"]),  # still last
    ]


def test_low_sample_is_flagged_below_min_responses():
    results = by_target(
        tally(
            scheme_70_30(min_responses=30),
            [unit("few", {"满意": 29, "优秀": 0}, 90, 90), unit("enough", {"满意": 30}, 90, 90)],
        )
    )
    assert results["few"].flags == ["low_sample"]
    assert results["few"].total == D("83.00") and results["few"].rank == 1
    assert results["enough"].flags == []


def test_exempt_targets_are_computed_but_neither_totalled_graded_nor_ranked():
    results = by_target(
        tally(
            scheme_70_30(),
            [
                unit("a", {"优秀": 10}, 100, 100, exempt=True),
                unit("b", {"满意": 10}, 90, 90),
                unit("c", {"不满意": 10}, 50, 50),
            ],
        )
    )
    a = results["a"]
    assert a.components["survey"] == D("63.00")
    assert (a.total, a.grade, a.rank, a.flags) == (None, None, None, ["exempt"])
    assert (results["b"].rank, results["c"].rank) == (1, 2)


def test_ranks_are_per_group_and_results_sorted_by_group_rank_target():
    results = tally(
        scheme_70_30(),
        [
            unit("z", {"满意": 1}, 90, 90, group="B"),
            unit("y", {"满意": 1}, 90, 90, group="A"),
            unit("x", {"优秀": 1}, 90, 90, group="B"),
            unit("w", {}, 90, 90, group="A"),
        ],
    )
    assert [(r.group, r.target, r.rank) for r in results] == [
        ("A", "y", 1),
        ("A", "w", None),
        ("B", "x", 1),
        ("B", "z", 2),
    ]


def test_as_dict_has_the_design_shape():
    [result] = tally(scheme_70_30(), [unit("a", {"满意": 10}, 90, 80)])
    assert result.as_dict() == {
        "target": "a",
        "name": "a局",
        "group": "县局",
        "responses": 10,
        "valid_votes": 10,
        "components": {
            "survey": D("56.00"),
            "inspection": D("26.00"),
            "rectification": D("18.00"),
            "self_review": D("8.00"),
        },
        "total": D("82.00"),
        "grade": "满意",
        "rank": 1,
        "flags": [],
    }


def test_components_are_listed_in_scheme_order_groups_before_children():
    [result] = tally(scheme_70_30(), [unit("a", {"满意": 10}, 90, 80)])
    assert list(result.components) == ["survey", "inspection", "rectification", "self_review"]


def test_score_sheets_give_the_mean_over_categories_pooled():
    scheme = Scheme(
        name="评分表",
        components=(Component("sheet", "评分表", Fraction(100), "survey_score"),),
        bands=BANDS,
        precision=1,
    )
    item = TargetInput("a", "甲", "g", score_sheets={"": (D("160"), 2), "服务对象": (D("79.5"), 1)})
    [result] = tally(scheme, [item])
    # (160 + 79.5) / 3 = 79.8333… → 79.8 at precision 1: 基本满意
    assert (result.total, result.grade, result.valid_votes) == (D("79.8"), "基本满意", 3)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tier_counts": {("", "很好"): 1}}, "tier '很好' is not in the scheme"),
        ({"assessor": {"survey": (D(80), 1)}}, "'survey' is not an assessor component"),
        ({"assessor": {"rectification": (D(101), 1)}}, "outside 0..100"),
        ({"deductions": {"inspection": D(1)}}, "not a leaf component"),
        ({"deductions": {"survey": D(-1)}}, "negative"),
        ({"tier_counts": {("", "满意"): -1}}, "not a count"),
    ],
)
def test_inputs_the_importer_should_have_refused_raise(change, message):
    item = unit("a", {"满意": 1}, 90, 90)
    for name, value in change.items():
        setattr(item, name, value)
    with pytest.raises(ValueError, match=message):
        tally(scheme_70_30(), [item])


def test_with_scheme_categories_an_unknown_category_raises():
    scheme = scheme_70_30((("服务对象", Fraction(1)),))
    item = TargetInput("a", "甲", "g", tier_counts={("", "满意"): 1})
    with pytest.raises(ValueError, match="category '' is not in the scheme"):
        tally(scheme, [item])


def test_a_target_twice_in_the_inputs_raises():
    with pytest.raises(ValueError, match="twice"):
        tally(scheme_70_30(), [unit("a", {}, 1, 1), unit("a", {}, 1, 1)])
