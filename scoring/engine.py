"""The tally engine: per-target aggregates and a scheme in, graded and ranked results out.

Pure on purpose (no Django import): anyone holding the aggregates can rerun
it and get the same numbers. Arithmetic is exact (Fraction); numbers are
rounded half-up only when reported, and grades and ranks use the rounded
total, as DESIGN.md "Scoring semantics" requires.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor

SOURCES = ("survey", "survey_score", "assessor")
FULL_MARKS = 100

EXEMPT = "exempt"
INCOMPLETE = "incomplete"
LOW_SAMPLE = "low_sample"
VIOLATION = "violation"


@dataclass(frozen=True)
class Tier:
    label: str
    value: Fraction | None  # share of full marks in [0, 1]; None for an excluded tier
    excluded: bool = False


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    weight: Fraction
    source: str | None = None  # None for groups
    tiers: tuple[Tier, ...] = ()
    categories: tuple[tuple[str, Fraction], ...] = ()
    children: tuple["Component", ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> list["Component"]:
        if self.is_leaf:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def preorder(self) -> list["Component"]:
        return [self, *(c for child in self.children for c in child.preorder())]


@dataclass(frozen=True)
class Band:
    label: str
    min: Fraction


@dataclass(frozen=True)
class RankGrade:
    label: str
    count: int


@dataclass(frozen=True)
class ByRank:
    top: RankGrade
    bottom: RankGrade | None
    default: str


@dataclass(frozen=True)
class Scheme:
    name: str
    components: tuple[Component, ...]
    precision: int = 2
    min_responses: int | None = None
    violation_grade: str = "不合格"
    bands: tuple[Band, ...] = ()
    by_rank: ByRank | None = None
    label: str = ""
    exempt_top_next_year: bool = False

    def leaves(self) -> list[Component]:
        return [leaf for c in self.components for leaf in c.leaves()]

    def all_components(self) -> list[Component]:
        """Every component, groups before their children, in scheme order."""
        return [c for top in self.components for c in top.preorder()]

    def component(self, key: str) -> Component:
        for c in self.all_components():
            if c.key == key:
                return c
        raise KeyError(key)

    def _leaf_of(self, source: str) -> Component | None:
        return next((leaf for leaf in self.leaves() if leaf.source == source), None)

    def survey_leaf(self) -> Component | None:
        return self._leaf_of("survey")

    def survey_score_leaf(self) -> Component | None:
        return self._leaf_of("survey_score")

    def assessor_leaves(self) -> list[Component]:
        return [leaf for leaf in self.leaves() if leaf.source == "assessor"]

    def tier_labels(self) -> list[str]:
        leaf = self.survey_leaf()
        return [t.label for t in leaf.tiers] if leaf else []

    def category_labels(self) -> list[str]:
        leaf = self.survey_leaf()
        return [label for label, _ in leaf.categories] if leaf else []

    def top_grade(self) -> str:
        return self.by_rank.top.label if self.by_rank else self.bands[0].label

    def bottom_grades(self) -> set[str]:
        """The lowest grade of the scale, and the violation grade."""
        if self.by_rank:
            lowest = {self.by_rank.bottom.label} if self.by_rank.bottom else set()
        else:
            lowest = {self.bands[-1].label}
        return lowest | {self.violation_grade}


@dataclass
class TargetInput:
    target: str
    name: str
    group: str
    exempt: bool = False
    responses: int = 0  # counted (not excluded) responses, any kind
    # (category or "", tier label) -> number of votes
    tier_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    # category or "" -> (sum of score-sheet totals, number of sheets)
    score_sheets: dict[str, tuple[Decimal, int]] = field(default_factory=dict)
    # assessor leaf key -> (sum of raw scores, number of assessors)
    assessor: dict[str, tuple[Decimal, int]] = field(default_factory=dict)
    # leaf key -> approved deduction points
    deductions: dict[str, Decimal] = field(default_factory=dict)
    violation: bool = False


@dataclass
class TargetResult:
    target: str
    name: str
    group: str
    responses: int
    valid_votes: int
    components: dict[str, Decimal | None]  # every component key, rounded
    total: Decimal | None
    grade: str | None
    rank: int | None
    flags: list[str]

    def as_dict(self) -> dict:
        """The result shape of DESIGN.md's tally output, numbers as Decimal."""
        return {
            "target": self.target,
            "name": self.name,
            "group": self.group,
            "responses": self.responses,
            "valid_votes": self.valid_votes,
            "components": dict(self.components),
            "total": self.total,
            "grade": self.grade,
            "rank": self.rank,
            "flags": list(self.flags),
        }


def round_half_up(x: Fraction | Decimal | int, precision: int) -> Decimal:
    """Exact half-up rounding (halves away from zero) to `precision` decimals."""
    exact = Fraction(x)
    scaled = abs(exact) * 10**precision
    digits = floor(scaled + Fraction(1, 2))
    sign = 1 if exact < 0 and digits else 0
    return Decimal((sign, tuple(int(d) for d in str(digits)), -precision))


def tally(scheme: Scheme, inputs: Iterable[TargetInput]) -> list[TargetResult]:
    """Score, grade and rank every target; sorted by group, rank (unranked last), target."""
    inputs = list(inputs)
    _check_unique_targets(inputs)
    scored = [_score(scheme, item) for item in inputs]
    by_group: dict[str, list[_Scored]] = defaultdict(list)
    for s in scored:
        by_group[s.input.group].append(s)
    results = []
    for members in by_group.values():
        ranks = _rank(members)
        ranked = sum(1 for r in ranks.values() if r is not None)
        for s in members:
            rank = ranks[s.input.target]
            results.append(_result(scheme, s, rank, _grade(scheme, s, rank, ranked)))
    results.sort(key=lambda r: (r.group, r.rank is None, r.rank or 0, r.target))
    return results


@dataclass
class _Scored:
    input: TargetInput
    valid_votes: int
    points: dict[str, Fraction | None]  # exact, every component key
    total: Decimal | None  # rounded; None when incomplete or exempt
    flags: list[str]

    @property
    def violation(self) -> bool:
        return self.input.violation and not self.input.exempt


def _check_unique_targets(inputs: list[TargetInput]) -> None:
    seen = set()
    for item in inputs:
        if item.target in seen:
            raise ValueError(f"target {item.target!r} appears twice in the inputs")
        seen.add(item.target)


def _score(scheme: Scheme, item: TargetInput) -> _Scored:
    _check_input(scheme, item)
    points: dict[str, Fraction | None] = {}
    for top in scheme.components:
        _component_points(scheme, top, item, points)
    leaves = [points[leaf.key] for leaf in scheme.leaves()]
    complete = all(p is not None for p in leaves)
    flags = set()
    if not complete:
        flags.add(INCOMPLETE)
    if item.exempt:
        flags.add(EXEMPT)
    if item.violation:
        flags.add(VIOLATION)
    valid_votes = _valid_votes(scheme, item)
    if scheme.min_responses is not None and valid_votes < scheme.min_responses:
        flags.add(LOW_SAMPLE)
    total = None
    if complete and not item.exempt:
        total = round_half_up(sum(leaves, Fraction(0)), scheme.precision)
    return _Scored(item, valid_votes, points, total, sorted(flags))


def _component_points(scheme, component, item, points) -> Fraction | None:
    if component.is_leaf:
        share = _leaf_share(scheme, component, item)
        value = None
        if share is not None:
            deduction = Fraction(item.deductions.get(component.key, 0))
            value = max(Fraction(0), component.weight * share - deduction)
    else:
        children = [_component_points(scheme, c, item, points) for c in component.children]
        value = None if None in children else sum(children, Fraction(0))
    points[component.key] = value
    return value


def _leaf_share(scheme: Scheme, leaf: Component, item: TargetInput) -> Fraction | None:
    """The leaf's fraction of full marks, f in [0, 1]; None when nothing to compute it from."""
    if leaf.source == "survey":
        return _survey_share(leaf, item)
    if leaf.source == "survey_score":
        return _mean_share(item.score_sheets.values())
    return _mean_share([item.assessor[leaf.key]] if leaf.key in item.assessor else [])


def _survey_share(leaf: Component, item: TargetInput) -> Fraction | None:
    values = {t.label: t.value for t in leaf.tiers if not t.excluded}
    sums: dict[str, Fraction] = defaultdict(Fraction)
    counts: dict[str, int] = defaultdict(int)
    for (category, tier), count in item.tier_counts.items():
        if tier in values and count:
            pool = category if leaf.categories else ""
            sums[pool] += values[tier] * count
            counts[pool] += count
    if not leaf.categories:
        return sums[""] / counts[""] if counts[""] else None
    # Categories without valid votes drop out; the others' weights are renormalised.
    weighted = [(w, sums[c] / counts[c]) for c, w in leaf.categories if counts[c]]
    if not weighted:
        return None
    return sum(w * f for w, f in weighted) / sum(w for w, _ in weighted)


def _mean_share(pairs: Iterable[tuple[Decimal, int]]) -> Fraction | None:
    total, count = Fraction(0), 0
    for amount, n in pairs:
        total += Fraction(amount)
        count += n
    return total / count / FULL_MARKS if count else None


def _valid_votes(scheme: Scheme, item: TargetInput) -> int:
    leaf = scheme.survey_leaf()
    if leaf is not None:
        counted = {t.label for t in leaf.tiers if not t.excluded}
        return sum(n for (_, tier), n in item.tier_counts.items() if tier in counted)
    if scheme.survey_score_leaf() is not None:
        return sum(n for _, n in item.score_sheets.values())
    return 0


def _check_input(scheme: Scheme, item: TargetInput) -> None:
    """Data the importer should have refused: fail loudly rather than score it."""
    where = f"target {item.target!r}"
    categories = set(scheme.category_labels())
    survey = scheme.survey_leaf()
    if survey is not None:
        tiers = set(scheme.tier_labels())
        for (category, tier), count in item.tier_counts.items():
            _check_count(count, f"{where}: votes for {tier!r}")
            if tier not in tiers:
                raise ValueError(f"{where}: tier {tier!r} is not in the scheme")
            if categories and category not in categories:
                raise ValueError(f"{where}: category {category!r} is not in the scheme")
    if scheme.survey_score_leaf() is not None:
        for category, (amount, count) in item.score_sheets.items():
            _check_count(count, f"{where}: score sheets")
            if categories and category not in categories:
                raise ValueError(f"{where}: category {category!r} is not in the scheme")
            _check_sum(amount, count, f"{where}: score-sheet totals")
    assessor_keys = {leaf.key for leaf in scheme.assessor_leaves()}
    for key, (amount, count) in item.assessor.items():
        if key not in assessor_keys:
            raise ValueError(f"{where}: {key!r} is not an assessor component")
        _check_count(count, f"{where}: assessors of {key!r}")
        _check_sum(amount, count, f"{where}: assessor scores of {key!r}")
    leaf_keys = {leaf.key for leaf in scheme.leaves()}
    for key, amount in item.deductions.items():
        if key not in leaf_keys:
            raise ValueError(f"{where}: deduction on {key!r}, which is not a leaf component")
        if Fraction(amount) < 0:
            raise ValueError(f"{where}: deduction on {key!r} is negative")


def _check_count(count, what: str) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"{what}: {count!r} is not a count")


def _check_sum(amount, count: int, what: str) -> None:
    if not 0 <= Fraction(amount) <= FULL_MARKS * count:
        raise ValueError(f"{what}: {amount} is outside 0..{FULL_MARKS} per score")


def _rank(members: list[_Scored]) -> dict[str, int | None]:
    """Rank by rounded total within the group, 1,2,2,4-style; violators after everyone else."""
    ranks: dict[str, int | None] = {s.input.target: None for s in members}
    clean = [s for s in members if s.total is not None and not s.violation]
    violators = [s for s in members if s.total is not None and s.violation]
    for block, offset in ((clean, 0), (violators, len(clean))):
        # 1 + the number strictly better: the position where each total first appears.
        first: dict[Decimal, int] = {}
        for position, total in enumerate(sorted((s.total for s in block), reverse=True)):
            first.setdefault(total, position)
        for s in block:
            ranks[s.input.target] = offset + first[s.total] + 1
    # A violator still ranks last when its total cannot be computed.
    unscored = [s for s in members if s.total is None and s.violation]
    for s in unscored:
        ranks[s.input.target] = len(clean) + len(violators) + 1
    return ranks


def _grade(scheme: Scheme, s: _Scored, rank: int | None, ranked: int) -> str | None:
    if s.violation:
        return scheme.violation_grade
    if s.total is None:
        return None
    if scheme.by_rank is not None:
        top, bottom = scheme.by_rank.top, scheme.by_rank.bottom
        if rank <= top.count:
            return top.label
        if bottom is not None and rank > ranked - bottom.count:
            return bottom.label
        return scheme.by_rank.default
    return next((band.label for band in scheme.bands if s.total >= band.min), None)


def _rounded(value: Fraction | None, precision: int) -> Decimal | None:
    return None if value is None else round_half_up(value, precision)


def _result(scheme: Scheme, s: _Scored, rank: int | None, grade: str | None) -> TargetResult:
    precision = scheme.precision
    return TargetResult(
        target=s.input.target,
        name=s.input.name,
        group=s.input.group,
        responses=s.input.responses,
        valid_votes=s.valid_votes,
        components={c.key: _rounded(s.points[c.key], precision) for c in scheme.all_components()},
        total=s.total,
        grade=grade,
        rank=rank,
        flags=s.flags,
    )
