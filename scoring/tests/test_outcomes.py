"""Outcome suggestions from the seeds' rules."""

from dataclasses import replace
from decimal import Decimal as D
from fractions import Fraction

from scoring.engine import Band, ByRank, Component, RankGrade, Scheme, TargetResult, Tier
from scoring.outcomes import suggest_outcomes

SURVEY = Component(
    "survey",
    "满意度",
    Fraction(100),
    "survey",
    (Tier("满意", Fraction(1)), Tier("不满意", Fraction(0))),
)
BANDED = Scheme(
    name="b",
    components=(SURVEY,),
    bands=(Band("满意", Fraction(80)), Band("基本满意", Fraction(60)), Band("不满意", Fraction(0))),
)


def result(target, rank, grade, group="县局", flags=()) -> TargetResult:
    total = None if rank is None and grade is None else D("70.00")
    return TargetResult(target, target, group, 10, 10, {}, total, grade, rank, list(flags))


def kinds(suggestions) -> dict[str, list[str]]:
    return {target: [o.kind for o in found] for target, found in suggestions.items()}


def test_first_is_commended_last_is_criticised_and_below_top_loses_awards():
    results = [
        result("a", 1, "满意"),
        result("b", 2, "基本满意"),
        result("c", 3, "不满意"),
        result("x", 1, "满意", group="区局"),  # alone in its group: not also last
    ]
    assert kinds(suggest_outcomes(BANDED, results, None)) == {
        "a": ["commend"],
        "b": ["no_award"],
        "c": ["criticise", "no_award"],
        "x": ["commend"],
    }


def test_ties_for_first_and_last_share_the_outcome():
    results = [
        result("a", 1, "满意"),
        result("b", 1, "满意"),
        result("c", 3, "满意"),
        result("d", 3, "满意"),
    ]
    assert kinds(suggest_outcomes(BANDED, results, None)) == {
        "a": ["commend"],
        "b": ["commend"],
        "c": ["criticise"],
        "d": ["criticise"],
    }


def test_every_violator_is_criticised_and_held_accountable_even_unranked():
    results = [
        result("a", 1, "满意"),
        result("b", 2, "满意"),
        result("v", 3, "不合格", flags=["violation"]),
        result("w", None, "不合格", flags=["incomplete", "violation"]),
    ]
    suggestions = kinds(suggest_outcomes(BANDED, results, None))
    # Seeds 003/004: a violator is 不合格 and 追究相关责任人的责任 in the same year.
    assert suggestions["v"] == ["criticise", "no_award", "accountability"]
    assert suggestions["w"] == ["criticise", "no_award", "accountability"]
    assert suggestions["b"] == []  # last among the clean, but violators rank after it


def test_a_violator_alone_in_its_group_is_not_commended():
    results = [result("v", 1, "不合格", flags=["violation"])]
    assert kinds(suggest_outcomes(BANDED, results, None)) == {
        "v": ["criticise", "no_award", "accountability"]
    }


def test_exempt_and_incomplete_targets_get_no_suggestion():
    results = [
        result("e", None, None, flags=["exempt"]),
        result("i", None, None, flags=["incomplete"]),
    ]
    assert kinds(suggest_outcomes(BANDED, results, None)) == {"e": [], "i": []}


def test_two_years_at_the_top_recommend_and_two_at_the_bottom_call_for_accountability():
    results = [
        result("a", 1, "满意"),
        result("b", 2, "满意"),
        result("c", 3, "不满意"),
        result("d", 4, "不合格", flags=["violation"]),
        result("n", 5, "不满意"),  # new this year: no previous result
    ]
    previous = {
        "a": result("a", 2, "满意"),
        "b": result("b", 1, "基本满意"),
        "c": result("c", 3, "不合格", flags=["violation"]),
        "d": result("d", 4, "不满意"),
    }
    suggestions = kinds(suggest_outcomes(BANDED, results, previous))
    assert suggestions["a"] == ["commend", "recommend"]
    assert suggestions["b"] == []
    assert suggestions["c"] == ["no_award", "accountability"]
    assert suggestions["d"] == ["criticise", "no_award", "accountability"]
    assert suggestions["n"] == ["criticise", "no_award"]


def test_exempt_next_year_only_where_the_scheme_allows_it():
    results = [result("a", 1, "满意"), result("b", 2, "满意")]
    assert kinds(suggest_outcomes(BANDED, results, None))["a"] == ["commend"]
    allowing = Scheme(**{**BANDED.__dict__, "exempt_top_next_year": True})
    assert kinds(suggest_outcomes(allowing, results, None))["a"] == ["commend", "exempt_next_year"]


def test_by_rank_grades_use_the_top_and_bottom_labels():
    scheme = Scheme(
        name="r",
        components=(SURVEY,),
        by_rank=ByRank(RankGrade("先进", 1), RankGrade("后进", 1), "达标"),
    )
    results = [result("a", 1, "先进"), result("b", 2, "达标"), result("c", 3, "后进")]
    previous = {"a": result("a", 1, "先进"), "c": result("c", 3, "后进")}
    assert kinds(suggest_outcomes(scheme, results, previous)) == {
        "a": ["commend", "recommend"],
        "b": ["no_award"],
        "c": ["criticise", "no_award", "accountability"],
    }


def test_reasons_are_plain_sentences():
    [outcome] = suggest_outcomes(BANDED, [result("a", 1, "满意")], None)["a"]
    assert outcome.reason == "First in group 县局."


def test_a_group_tied_for_first_is_commended_and_not_criticised():
    results = [result("a", 1, "满意"), result("b", 1, "满意")]
    assert kinds(suggest_outcomes(BANDED, results, None)) == {"a": ["commend"], "b": ["commend"]}


def test_first_place_below_the_top_grade_is_commended_but_not_exempted():
    scheme = replace(BANDED, exempt_top_next_year=True)
    results = [result("a", 1, "基本满意"), result("b", 2, "不满意")]
    suggestions = kinds(suggest_outcomes(scheme, results, None))
    assert suggestions["a"] == ["commend", "no_award"]
