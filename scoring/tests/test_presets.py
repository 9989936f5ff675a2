"""The presets shipped from the seeds: they validate, name their seed, and compute the seeds' arithmetic."""

from decimal import Decimal as D
from fractions import Fraction

import pytest

from scoring.engine import TargetInput, tally
from scoring.schemes import SchemeError, load_preset, parse_scheme, preset_names

PRESETS = ["dongguan-2009", "henan-2014-stations", "tiered-70-30"]


def test_the_three_seed_presets_ship():
    assert preset_names() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_validates_and_names_its_seed(name):
    raw = load_preset(name)
    parsed = parse_scheme(raw)
    assert parsed.name == name == raw["name"]
    assert raw["label"] and raw["notes"]
    seeds = raw["seed"] if isinstance(raw["seed"], list) else [raw["seed"]]
    assert all(seed["title"] and seed["file"] for seed in seeds)
    assert sum(leaf.weight for leaf in parsed.leaves()) == 100


def test_tiered_70_30_is_the_labour_and_science_bureau_model_exactly():
    scheme = parse_scheme({"preset": "tiered-70-30"})
    assert [(t.label, t.value, t.excluded) for t in scheme.survey_leaf().tiers] == [
        ("优秀", Fraction(9, 10), False),
        ("满意", Fraction(8, 10), False),
        ("基本满意", Fraction(7, 10), False),
        ("不满意", Fraction(5, 10), False),
        ("不了解", None, True),  # not in the seeds: offered, but never a valid vote
    ]
    weights = {c.key: c.weight for c in scheme.all_components()}
    assert weights == {"survey": 70, "inspection": 30, "rectification": 20, "self_review": 10}
    assert [(b.label, b.min) for b in scheme.bands] == [
        ("满意", 80),
        ("基本满意", 60),
        ("不满意", 0),
    ]
    assert scheme.violation_grade == "不合格"
    assert scheme.exempt_top_next_year  # labour 2007: 可在下一年度列为免评对象
    assert [s["year"] for s in load_preset("tiered-70-30")["seed"] if "year" in s] == [2007]


def test_henan_splits_the_routine_30_into_city_10_and_county_20():
    scheme = parse_scheme({"preset": "henan-2014-stations"})
    weights = {c.key: c.weight for c in scheme.all_components()}
    assert weights == {"survey": 70, "routine": 30, "city_office": 10, "county_office": 20}
    assert load_preset("henan-2014-stations")["seed"]["year"] == 2014
    assert "默认" in load_preset("henan-2014-stations")["label"]


def test_dongguan_grades_the_score_sheet_at_80_and_60():
    scheme = parse_scheme({"preset": "dongguan-2009"})
    [leaf] = scheme.leaves()
    assert (leaf.source, leaf.weight) == ("survey_score", 100)
    assert [(b.label, b.min) for b in scheme.bands] == [
        ("满意", 80),
        ("基本满意", 60),
        ("不满意", 0),
    ]
    assert load_preset("dongguan-2009")["seed"]["year"] == 2009


def test_load_preset_refuses_unknown_names_and_paths():
    for name in ("nope", "../engine", "presets/tiered-70-30"):
        with pytest.raises(SchemeError):
            load_preset(name)


def test_the_documented_worked_example():
    """docs/scoring-schemes.md works this example by hand; keep the two in step."""
    scheme = parse_scheme({"preset": "tiered-70-30"})
    a = TargetInput(
        "county-a",
        "甲县局",
        "县局",
        responses=400,
        tier_counts={
            ("", "优秀"): 130,
            ("", "满意"): 190,
            ("", "基本满意"): 60,
            ("", "不满意"): 20,
        },
        assessor={"rectification": (D(88) + D(92) + D(85), 3), "self_review": (D(90) + D(85), 2)},
    )
    b = TargetInput(
        "county-b",
        "乙县局",
        "县局",
        responses=400,
        tier_counts={
            ("", "优秀"): 50,
            ("", "满意"): 150,
            ("", "基本满意"): 150,
            ("", "不满意"): 50,
        },
        assessor={"rectification": (D(80), 1), "self_review": (D(70), 1)},
    )
    results = tally(scheme, [b, a])
    assert [r.as_dict() for r in results] == [
        {
            "target": "county-a",
            "name": "甲县局",
            "group": "县局",
            "responses": 400,
            "valid_votes": 400,
            "components": {
                "survey": D("56.18"),  # 70 · 321/400 = 56.175
                "inspection": D("26.42"),  # 17.666… + 8.75 = 26.4166…
                "rectification": D("17.67"),  # 20 · 88.333…/100
                "self_review": D("8.75"),  # 10 · 87.5/100
            },
            "total": D("82.59"),  # 82.5916…, though the rounded parts add to 82.60
            "grade": "满意",
            "rank": 1,
            "flags": [],
        },
        {
            "target": "county-b",
            "name": "乙县局",
            "group": "县局",
            "responses": 400,
            "valid_votes": 400,
            "components": {
                "survey": D("51.63"),  # 70 · 295/400 = 51.625
                "inspection": D("23.00"),
                "rectification": D("16.00"),
                "self_review": D("7.00"),
            },
            "total": D("74.63"),  # 74.625 exactly: half-up
            "grade": "基本满意",
            "rank": 2,
            "flags": [],
        },
    ]
