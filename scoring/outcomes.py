"""Outcome suggestions from the seeds' rules; organizers confirm or change them.

Pure like the engine. The kinds are English codes, translated where shown:

- commend: first in the peer group (表彰, science bureau: 排名第一位予以表彰);
- criticise: last in a group of two or more whose members are not all tied, and every
  violator (通报批评);
- no_award: any grade but the top one (取消当年评先评优资格, Dongguan 2009, Henan 2014);
- recommend: the top grade this year and last year (Henan 2014: 连续两年以上满意度高);
- accountability: the bottom grade this year and last year (追究责任, Henan 2014), and
  every violator this year (labour 2007 and science bureau: 被评单位违反“八个严禁”的，
  直接列为不合格单位，同时追究相关责任人的责任);
- exempt_next_year: first in the group with the top grade, where the scheme allows it
  (labour 2007: 群众满意度高、排名靠前的单位可在下一年度列为免评对象).
"""

from collections import defaultdict
from dataclasses import dataclass

from scoring.engine import Scheme, TargetResult

KINDS = ("commend", "exempt_next_year", "recommend", "criticise", "no_award", "accountability")


@dataclass(frozen=True)
class Outcome:
    kind: str
    reason: str


def suggest_outcomes(
    scheme: Scheme, results: list[TargetResult], previous: dict[str, TargetResult] | None
) -> dict[str, list[Outcome]]:
    """Suggestions per target code (an empty list where nothing applies), in KINDS order."""
    previous = previous or {}
    last_rank = _last_rank_per_group(results)
    suggestions = {}
    for result in results:
        found = _suggest(scheme, result, last_rank.get(result.group), previous.get(result.target))
        suggestions[result.target] = sorted(found, key=lambda o: KINDS.index(o.kind))
    return suggestions


def _last_rank_per_group(results: list[TargetResult]) -> dict[str, int]:
    """The last rank of each group with at least two ranked members not all tied first."""
    ranks = defaultdict(list)
    for r in results:
        if r.rank is not None:
            ranks[r.group].append(r.rank)
    return {
        group: max(found) for group, found in ranks.items() if len(found) >= 2 and max(found) > 1
    }


def _suggest(scheme, result, last_rank, before) -> list[Outcome]:
    found = []
    violator = "violation" in result.flags and "exempt" not in result.flags
    top, bottom = scheme.top_grade(), scheme.bottom_grades()
    group = result.group
    if result.rank == 1 and not violator:
        found.append(Outcome("commend", f"First in group {group}."))
        if scheme.exempt_top_next_year and result.grade == scheme.top_grade():
            found.append(
                Outcome("exempt_next_year", f"First in group {group}; the scheme allows 免评.")
            )
    if violator:
        found.append(Outcome("criticise", "Violated the eight prohibitions."))
    elif last_rank is not None and result.rank == last_rank:
        found.append(Outcome("criticise", f"Last in group {group} (rank {last_rank})."))
    if result.grade is not None and (violator or result.grade != top):
        found.append(Outcome("no_award", f"Grade {result.grade} is below the top grade {top}."))
    last_grade = before.grade if before is not None else None
    if not violator and result.grade == top and last_grade == top:
        found.append(Outcome("recommend", f"Top grade {top} this year and last year."))
    if violator:
        found.append(Outcome("accountability", "Violated the eight prohibitions."))
    elif result.grade in bottom and last_grade in bottom:
        found.append(
            Outcome(
                "accountability",
                f"Bottom grade this year ({result.grade}) and last year ({last_grade}).",
            )
        )
    return found
