"""Scheme validation: every error names its path, all errors at once."""

import copy
import json
from fractions import Fraction

import pytest

from scoring.schemes import SchemeError, parse_scheme

pytestmark = pytest.mark.usefixtures("english")

VALID = {
    "name": "70/30 四等次",
    "precision": 2,
    "min_responses": 30,
    "components": [
        {
            "key": "survey",
            "label": "群众满意度调查",
            "weight": 70,
            "source": "survey",
            "tiers": [
                {"label": "优秀", "value": 0.9},
                {"label": "满意", "value": 0.8},
                {"label": "基本满意", "value": 0.7},
                {"label": "不满意", "value": 0.5},
                {"label": "不了解", "excluded": True},
            ],
            "categories": {"服务对象": 0.6, "人大代表": 0.2, "行风监督员": 0.2},
        },
        {
            "key": "inspection",
            "label": "检查评议",
            "components": [
                {
                    "key": "rectification",
                    "label": "整改落实情况",
                    "weight": 20,
                    "source": "assessor",
                },
                {
                    "key": "self_review",
                    "label": "自查自纠及其他",
                    "weight": 10,
                    "source": "assessor",
                },
            ],
        },
    ],
    "grades": {
        "bands": [
            {"label": "满意", "min": 80},
            {"label": "基本满意", "min": 60},
            {"label": "不满意", "min": 0},
        ]
    },
}


def scheme(**changes) -> dict:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def errors_of(data: dict, **kwargs) -> list[str]:
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data, **kwargs)
    return caught.value.errors


def test_the_design_example_parses_exactly():
    parsed = parse_scheme(VALID)
    survey = parsed.survey_leaf()
    assert [t.value for t in survey.tiers] == [
        Fraction(9, 10),
        Fraction(8, 10),
        Fraction(7, 10),
        Fraction(1, 2),
        None,
    ]
    assert survey.tiers[-1].excluded
    assert survey.categories == (
        ("服务对象", Fraction(3, 5)),
        ("人大代表", Fraction(1, 5)),
        ("行风监督员", Fraction(1, 5)),
    )
    assert parsed.component("inspection").weight == 30  # omitted: the sum of its children
    assert [c.key for c in parsed.assessor_leaves()] == ["rectification", "self_review"]
    assert (parsed.precision, parsed.min_responses, parsed.violation_grade) == (2, 30, "不合格")
    assert [(b.label, b.min) for b in parsed.bands] == [
        ("满意", 80),
        ("基本满意", 60),
        ("不满意", 0),
    ]
    assert parsed.tier_labels() == ["优秀", "满意", "基本满意", "不满意", "不了解"]
    assert parsed.category_labels() == ["服务对象", "人大代表", "行风监督员"]


def test_points_are_hundredths_of_full_marks():
    data = scheme()
    data["components"][0]["tiers"] = [
        {"label": "满意", "points": 100},
        {"label": "基本满意", "points": 70},
        {"label": "不满意", "points": 30},
        {"label": "不了解", "excluded": True},
    ]
    values = [t.value for t in parse_scheme(data).survey_leaf().tiers]
    assert values == [1, Fraction(7, 10), Fraction(3, 10), None]


def test_a_scheme_read_back_from_json_parses_the_same():
    assert parse_scheme(json.loads(json.dumps(VALID))) == parse_scheme(VALID)


def test_a_nested_weight_must_be_positive():
    data = scheme()
    data["components"][1]["components"][0]["weight"] = 0
    assert "components[1].components[0].weight: must be > 0" in errors_of(data)


def test_the_path_prefix_is_prepended():
    data = scheme()
    data["components"][1]["components"][0]["weight"] = -5
    assert "scheme.components[1].components[0].weight: must be > 0" in errors_of(
        data, path="scheme"
    )


def test_leaf_weights_must_sum_to_100():
    data = scheme()
    data["components"][0]["weight"] = 60
    assert errors_of(data) == ["components: leaf weights must sum to 100 (they sum to 90)"]


def test_a_group_weight_must_equal_its_children():
    data = scheme()
    data["components"][1]["weight"] = 40
    assert errors_of(data) == ["components[1].weight: must equal the sum of its components (30)"]


def test_tier_labels_are_unique():
    data = scheme()
    data["components"][0]["tiers"][2]["label"] = "满意"
    assert errors_of(data) == ["components[0].tiers[2].label: duplicate tier 满意"]


def test_category_weights_sum_to_exactly_one():
    data = scheme()
    data["components"][0]["categories"]["服务对象"] = 0.5
    assert errors_of(data) == ["components[0].categories: weights must sum to 1 (they sum to 0.9)"]


def test_category_weights_are_compared_as_decimals_not_floats():
    data = scheme()
    # 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floats, exactly 1 in decimals
    data["components"][0]["categories"] = {"甲": 0.1, "乙": 0.2, "丙": 0.7}
    assert parse_scheme(data).survey_leaf().categories[0] == ("甲", Fraction(1, 10))


def test_grades_need_either_bands_or_by_rank():
    by_rank = {"top": {"count": 3, "label": "优秀"}, "default": "良好"}
    both = scheme(grades={**VALID["grades"], "by_rank": by_rank})
    assert errors_of(both) == ["grades: give either bands or by_rank"]
    assert errors_of(scheme(grades={})) == ["grades: give either bands or by_rank"]


def test_by_rank_grades_parse():
    grades = {
        "by_rank": {
            "top": {"count": 3, "label": "优秀"},
            "bottom": {"count": 2, "label": "一般"},
            "default": "良好",
        }
    }
    parsed = parse_scheme(scheme(grades=grades)).by_rank
    assert (parsed.top.count, parsed.top.label, parsed.bottom.count, parsed.default) == (
        3,
        "优秀",
        2,
        "良好",
    )


def test_by_rank_errors_name_their_paths():
    grades = {"by_rank": {"top": {"count": 0, "label": "优秀"}, "bottom": {"label": "优秀"}}}
    assert errors_of(scheme(grades=grades)) == [
        "grades.by_rank.top.count: must be at least 1",
        "grades.by_rank.bottom.count: is required",
        "grades.by_rank.default: is required",
        "grades.by_rank.bottom.label: duplicate grade 优秀",
    ]


def test_bands_descend_strictly_end_at_zero_and_have_unique_labels():
    grades = {
        "bands": [
            {"label": "满意", "min": 80},
            {"label": "满意", "min": 80},
            {"label": "不满意", "min": 10},
        ]
    }
    assert errors_of(scheme(grades=grades)) == [
        "grades.bands[1].label: duplicate band 满意",
        "grades.bands[1].min: must be below the previous band's min (80)",
        "grades.bands[2].min: the last band's min must be 0",
    ]


def test_unknown_keys_are_named():
    data = scheme(colour="red")
    data["components"][0]["tiers"][0]["weight"] = 1
    errors = errors_of(data)
    assert errors[0].startswith("colour: unknown key; allowed: name, label, seed")
    assert errors[1].startswith("components[0].tiers[0].weight: unknown key")


def test_component_keys_are_unique_in_the_whole_tree_and_well_formed():
    data = scheme()
    data["components"][1]["components"][1]["key"] = "survey"
    data["components"][1]["key"] = "Inspection"
    assert errors_of(data) == [
        "components[1].key: must be lowercase letters, digits and _, starting with a letter",
        "components[1].components[1].key: duplicate key survey",
    ]


def test_a_component_is_either_a_group_or_a_leaf():
    data = scheme()
    data["components"][1]["source"] = "assessor"
    assert errors_of(data) == [
        "components[1]: give either components (a group) or source (a leaf)",
    ]
    data = scheme()
    del data["components"][1]["components"][1]["source"]
    assert errors_of(data) == [
        "components[1].components[1]: give either components (a group) or source (a leaf)",
    ]


def test_a_leaf_needs_a_weight_and_a_known_source():
    data = scheme()
    del data["components"][1]["components"][0]["weight"]
    data["components"][1]["components"][1]["source"] = "vote"
    assert errors_of(data) == [
        "components[1].components[0].weight: is required",
        "components[1].components[1].source: must be one of survey, survey_score, assessor",
    ]


def test_tiers_need_one_value_and_a_counted_tier():
    data = scheme()
    data["components"][0]["tiers"] = [
        {"label": "满意", "value": 0.8, "points": 80},
        {"label": "不满意", "value": 1.5},
        {"label": "不了解"},
    ]
    assert errors_of(data) == [
        "components[0].tiers[0]: give exactly one of value, points or excluded: true",
        "components[0].tiers[1].value: must be between 0 and 1",
        "components[0].tiers[2]: give exactly one of value, points or excluded: true",
    ]
    data["components"][0]["tiers"] = [{"label": "不了解", "excluded": True}]
    assert errors_of(data) == [
        "components[0].tiers: must list at least two tiers",
        "components[0].tiers: needs at least one tier that is not excluded",
    ]


def test_only_survey_components_have_tiers_and_categories():
    data = scheme()
    data["components"][1]["components"][0]["tiers"] = VALID["components"][0]["tiers"]
    assert errors_of(data) == [
        "components[1].components[0].tiers: only a survey component has tiers"
    ]


def test_at_most_one_survey_and_one_survey_score_component():
    data = scheme()
    second = {**VALID["components"][0], "key": "survey2", "weight": 10}
    del second["categories"]
    data["components"][0]["weight"] = 60
    data["components"].append(second)
    data["components"][1]["components"][0]["source"] = "survey_score"
    data["components"][1]["components"][1]["source"] = "survey_score"
    assert errors_of(data) == [
        "components: at most one survey component (found 2)",
        "components: at most one survey_score component (found 2)",
    ]


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"precision": 7}, "precision: must be between 0 and 6"),
        ({"precision": True}, "precision: must be a whole number"),
        ({"min_responses": 0}, "min_responses: must be at least 1"),
        ({"exempt_top_next_year": "yes"}, "exempt_top_next_year: must be true or false"),
        ({"name": ""}, "name: is required"),
        ({"name": " 方案"}, "name: must not begin or end with spaces"),
        ({"violation_grade": 3}, "violation_grade: must be text"),
        ({"components": []}, "components: must list at least one component"),
        ({"components": None}, "components: is required"),
        ({"grades": None}, "grades: is required"),
        ({"seed": 2007}, "seed: must be text, a mapping or a list"),
        ({"seed": {"year": 2007}}, "seed.title: is required"),
    ],
)
def test_top_level_values_are_checked(changes, error):
    assert error in errors_of(scheme(**changes))


def test_numbers_must_be_numbers_not_bools_or_text():
    data = scheme()
    data["components"][0]["weight"] = True
    data["components"][1]["components"][0]["weight"] = "20"
    data["components"][1]["components"][1]["weight"] = float("nan")
    assert errors_of(data) == [
        "components[0].weight: must be a number",
        "components[1].components[0].weight: must be a number",
        "components[1].components[1].weight: must be a number",
    ]


def test_all_errors_are_reported_at_once():
    data = scheme(precision=-1, grades={})
    data["components"][0]["tiers"][1]["label"] = "优秀"
    assert len(errors_of(data)) == 3


def test_a_scheme_must_be_a_mapping():
    assert errors_of([], path="scheme") == ["scheme: must be a mapping"]


def test_a_preset_reference_loads_the_preset():
    parsed = parse_scheme({"preset": "tiered-70-30"})
    assert parsed.name == "tiered-70-30"
    assert parsed.component("inspection").weight == 30


def test_an_unknown_preset_lists_the_known_ones():
    assert errors_of({"preset": "nope"}, path="scheme") == [
        "scheme.preset: unknown preset nope; known presets: "
        "dongguan-2009, henan-2014-stations, tiered-70-30"
    ]


def test_a_preset_reference_stands_alone():
    assert errors_of({"preset": "tiered-70-30", "precision": 3}) == [
        "precision: not allowed beside preset"
    ]
