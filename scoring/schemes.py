"""Scoring schemes as data: parse and validate a mapping into the engine's dataclasses.

A scheme is stored as JSON on the campaign, either `{"preset": NAME}` or the
mapping itself (DESIGN.md "Scoring semantics"). Validation collects every
error as `path: message` before giving up, so one run shows all of them.
Numbers come from YAML or JSON as int or float and are read through their
decimal text (Decimal(str(x))), so 0.9 is exactly 9/10.
"""

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from scoring import engine

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
# Component keys, tier, category and grade labels end up in columns; keep them short.
KEY_MAX_LENGTH = 50
LABEL_MAX_LENGTH = 100

_KEY = re.compile(KEY_PATTERN)
FULL_MARKS = Fraction(100)

SCHEME_KEYS = (
    "name",
    "label",
    "seed",
    "notes",
    "precision",
    "min_responses",
    "violation_grade",
    "exempt_top_next_year",
    "components",
    "grades",
)
COMPONENT_KEYS = ("key", "label", "weight", "source", "components", "tiers", "categories")
TIER_KEYS = ("label", "value", "points", "excluded")
SEED_KEYS = ("title", "year", "file", "note")
GRADES_KEYS = ("bands", "by_rank")
BAND_KEYS = ("label", "min")
BY_RANK_KEYS = ("top", "bottom", "default")
RANK_GRADE_KEYS = ("count", "label")


class SchemeError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_preset(name: str) -> dict:
    """The preset's raw mapping, as written in scoring/presets/NAME.yaml."""
    if name not in preset_names():  # also keeps names like ../x out of the path
        raise SchemeError([f"preset: {_unknown_preset(name)}"])
    return yaml.safe_load((PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def parse_scheme(data: dict, *, path: str = "") -> engine.Scheme:
    """The engine's Scheme for a stored mapping; SchemeError lists every problem."""
    parser = _Parser()
    scheme = parser.scheme(data, path)
    if parser.errors:
        raise SchemeError(parser.errors)
    return scheme


def _unknown_preset(name: Any) -> str:
    return _("unknown preset %(name)s; known presets: %(names)s") % {
        "name": name,
        "names": ", ".join(preset_names()),
    }


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def show_number(x: Fraction) -> str:
    """90, 0.9 or 1/3: a number as people write it, exact."""
    if x.denominator == 1:
        return str(x.numerator)
    places, rest = 0, x.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
            places += 1
    if rest != 1:
        return f"{x.numerator}/{x.denominator}"
    return str(Decimal(x.numerator * 10**places // x.denominator).scaleb(-places).normalize())


class _Parser:
    def __init__(self):
        self.errors: list[str] = []
        self.keys: set[str] = set()
        # A component too broken to read leaves the leaf weights unknown: no sum check then.
        self.unreadable = False

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # -- the scheme ----------------------------------------------------------

    def scheme(self, data: Any, path: str) -> engine.Scheme | None:
        if isinstance(data, dict) and "preset" in data:
            return self.preset(data, path)
        if not isinstance(data, dict):
            self.fail(path or "scheme", _("must be a mapping"))
            return None
        self.unknown_keys(data, SCHEME_KEYS, path)
        name = self.label(data, "name", path)
        self.label(data, "label", path, required=False)
        self.free_text(data, "notes", path)
        self.seed(data.get("seed"), _join(path, "seed"))
        precision = self.integer(data, "precision", path, low=0, high=6, default=2)
        min_responses = self.integer(data, "min_responses", path, low=1, default=None)
        violation_grade = self.label(data, "violation_grade", path, required=False) or "不合格"
        exempt_top = self.boolean(data, "exempt_top_next_year", path)
        components = self.components(data.get("components"), _join(path, "components"))
        self.check_leaves(components, _join(path, "components"))
        bands, by_rank = self.grades(data.get("grades"), _join(path, "grades"))
        return engine.Scheme(
            name=name,
            label=data.get("label") or "",
            components=tuple(components),
            precision=precision,
            min_responses=min_responses,
            violation_grade=violation_grade,
            bands=bands,
            by_rank=by_rank,
            exempt_top_next_year=exempt_top,
        )

    def preset(self, data: dict, path: str) -> engine.Scheme | None:
        for key in data:
            if key != "preset":
                self.fail(_join(path, key), _("not allowed beside preset"))
        name = data["preset"]
        if not isinstance(name, str) or name not in preset_names():
            self.fail(_join(path, "preset"), _unknown_preset(name))
            return None
        if self.errors:
            return None
        return self.scheme(load_preset(name), path)

    def seed(self, value: Any, path: str) -> None:
        """Where the scheme comes from: text, {title, year, file, note}, or a list of them."""
        if value is None or isinstance(value, str):
            return
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{path}[{i}]" if isinstance(value, list) else path
            if isinstance(item, str):
                continue
            if not isinstance(item, dict):
                self.fail(where, _("must be text, a mapping or a list"))
                continue
            self.unknown_keys(item, SEED_KEYS, where)
            self.free_text(item, "title", where, required=True)
            self.integer(item, "year", where, low=1949, high=2100, default=None)
            self.free_text(item, "file", where)
            self.free_text(item, "note", where)

    def check_leaves(self, components: list[engine.Component], path: str) -> None:
        leaves = [leaf for c in components for leaf in c.leaves()]
        for source in ("survey", "survey_score"):
            found = sum(1 for leaf in leaves if leaf.source == source)
            if found > 1:
                self.fail(
                    path,
                    _("at most one %(source)s component (found %(count)d)")
                    % {"source": source, "count": found},
                )
        weights = [leaf.weight for leaf in leaves]
        if leaves and None not in weights and not self.unreadable and sum(weights) != FULL_MARKS:
            self.fail(
                path,
                _("leaf weights must sum to 100 (they sum to %(sum)s)")
                % {"sum": show_number(sum(weights))},
            )

    # -- components ----------------------------------------------------------

    def components(self, value: Any, path: str) -> list[engine.Component]:
        if value is None:
            self.fail(path, _("is required"))
            return []
        if not isinstance(value, list):
            self.fail(path, _("must be a list"))
            return []
        if not value:
            self.fail(path, _("must list at least one component"))
        found = [self.component(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if None in found:
            self.unreadable = True
        return [c for c in found if c is not None]

    def component(self, data: Any, path: str) -> engine.Component | None:
        """The component; its weight is None where invalid (the errors say why)."""
        if not isinstance(data, dict):
            self.fail(path, _("must be a mapping"))
            return None
        self.unknown_keys(data, COMPONENT_KEYS, path)
        key = self.key(data, path)
        label = self.label(data, "label", path)
        weight = self.weight(data, path) if "weight" in data else None
        is_group, is_leaf = "components" in data, "source" in data
        if is_group == is_leaf:
            self.fail(path, _("give either components (a group) or source (a leaf)"))
            return None
        if is_group:
            return self.group(data, path, key, label, weight)
        if "weight" not in data:
            self.fail(_join(path, "weight"), _("is required"))
        source = data.get("source")
        if source not in engine.SOURCES:
            self.fail(
                _join(path, "source"),
                _("must be one of %(choices)s") % {"choices": ", ".join(engine.SOURCES)},
            )
        tiers, categories = (), ()
        if source == "survey":
            tiers = self.tiers(data.get("tiers"), _join(path, "tiers"))
            if "categories" in data:
                categories = self.categories(data["categories"], _join(path, "categories"))
        else:
            self.survey_only(data, path)
        return engine.Component(key, label, weight, source, tiers=tiers, categories=categories)

    def group(self, data, path, key, label, weight) -> engine.Component:
        self.survey_only(data, path)
        children = self.components(data["components"], _join(path, "components"))
        weights = [c.weight for c in children]
        total = sum(weights) if children and None not in weights else None
        if weight is not None and total is not None and weight != total:
            self.fail(
                _join(path, "weight"),
                _("must equal the sum of its components (%(sum)s)") % {"sum": show_number(total)},
            )
        if "weight" in data and weight is None:
            total = None  # an invalid weight was reported; keep sums from misleading
        return engine.Component(key, label, total, children=tuple(children))

    def survey_only(self, data: dict, path: str) -> None:
        for name in ("tiers", "categories"):
            if name in data:
                self.fail(
                    _join(path, name), _("only a survey component has %(key)s") % {"key": name}
                )

    def key(self, data: dict, path: str) -> str:
        where = _join(path, "key")
        key = data.get("key")
        if key is None:
            self.fail(where, _("is required"))
            return ""
        if not isinstance(key, str) or not _KEY.match(key):
            self.fail(where, _("must be lowercase letters, digits and _, starting with a letter"))
            return ""
        if len(key) > KEY_MAX_LENGTH:
            self.too_long(where, key, KEY_MAX_LENGTH)
        elif key in self.keys:
            self.fail(where, _("duplicate key %(key)s") % {"key": key})
        self.keys.add(key)
        return key

    def weight(self, data: dict, path: str) -> Fraction | None:
        weight = self.number(data["weight"], _join(path, "weight"))
        if weight is not None and weight <= 0:
            self.fail(_join(path, "weight"), _("must be > 0"))
            return None
        return weight

    def tiers(self, value: Any, path: str) -> tuple[engine.Tier, ...]:
        if value is None:
            self.fail(path, _("is required"))
            return ()
        if not isinstance(value, list):
            self.fail(path, _("must be a list"))
            return ()
        if len(value) < 2:
            self.fail(path, _("must list at least two tiers"))
        tiers, seen = [], set()
        for i, item in enumerate(value):
            tier = self.tier(item, f"{path}[{i}]", seen)
            if tier is not None:
                tiers.append(tier)
        if len(tiers) == len(value) and all(t.excluded for t in tiers):
            self.fail(path, _("needs at least one tier that is not excluded"))
        return tuple(tiers)

    def tier(self, data: Any, path: str, seen: set[str]) -> engine.Tier | None:
        if not isinstance(data, dict):
            self.fail(path, _("must be a mapping"))
            return None
        self.unknown_keys(data, TIER_KEYS, path)
        label = self.label(data, "label", path)
        if label in seen:
            self.fail(_join(path, "label"), _("duplicate tier %(label)s") % {"label": label})
        seen.add(label)
        excluded = self.boolean(data, "excluded", path)
        given = [k for k in ("value", "points") if k in data] + (["excluded"] if excluded else [])
        if len(given) != 1:
            self.fail(path, _("give exactly one of value, points or excluded: true"))
            return None
        if excluded:
            return engine.Tier(label, None, excluded=True)
        scale = Fraction(1) if "value" in data else FULL_MARKS
        amount = self.bounded(data[given[0]], _join(path, given[0]), scale)
        return None if amount is None else engine.Tier(label, amount / scale)

    def categories(self, value: Any, path: str) -> tuple[tuple[str, Fraction], ...]:
        if not isinstance(value, dict) or not value:
            self.fail(path, _("must map each category to its weight"))
            return ()
        found = []
        for label, weight in value.items():
            where = _join(path, label)
            if self.check_label(label, where):
                number = self.number(weight, where)
                if number is not None and number <= 0:
                    self.fail(where, _("must be > 0"))
                elif number is not None:
                    found.append((label, number))
        total = sum(w for _, w in found)
        if len(found) == len(value) and total != 1:
            self.fail(
                path,
                _("weights must sum to 1 (they sum to %(sum)s)") % {"sum": show_number(total)},
            )
        return tuple(found)

    # -- grades --------------------------------------------------------------

    def grades(self, value: Any, path: str):
        if value is None:
            self.fail(path, _("is required"))
            return (), None
        if not isinstance(value, dict):
            self.fail(path, _("must be a mapping"))
            return (), None
        self.unknown_keys(value, GRADES_KEYS, path)
        if ("bands" in value) == ("by_rank" in value):
            self.fail(path, _("give either bands or by_rank"))
            return (), None
        if "bands" in value:
            return self.bands(value["bands"], _join(path, "bands")), None
        return (), self.by_rank(value["by_rank"], _join(path, "by_rank"))

    def bands(self, value: Any, path: str) -> tuple[engine.Band, ...]:
        if not isinstance(value, list):
            self.fail(path, _("must be a list"))
            return ()
        if not value:
            self.fail(path, _("must list at least one band"))
            return ()
        bands, seen, previous = [], set(), None
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.fail(where, _("must be a mapping"))
                previous = None
                continue
            self.unknown_keys(item, BAND_KEYS, where)
            label = self.label(item, "label", where)
            if label in seen:
                self.fail(_join(where, "label"), _("duplicate band %(label)s") % {"label": label})
            seen.add(label)
            low = None
            if "min" not in item:
                self.fail(_join(where, "min"), _("is required"))
            else:
                low = self.bounded(item["min"], _join(where, "min"), FULL_MARKS)
            if low is not None and previous is not None and low >= previous:
                self.fail(
                    _join(where, "min"),
                    _("must be below the previous band's min (%(min)s)")
                    % {"min": show_number(previous)},
                )
            if low is not None and i == len(value) - 1 and low != 0:
                self.fail(_join(where, "min"), _("the last band's min must be 0"))
            previous = low
            bands.append(engine.Band(label, low))
        return tuple(bands)

    def by_rank(self, value: Any, path: str) -> engine.ByRank | None:
        if not isinstance(value, dict):
            self.fail(path, _("must be a mapping"))
            return None
        self.unknown_keys(value, BY_RANK_KEYS, path)
        top = self.rank_grade(value.get("top"), _join(path, "top"))
        bottom = None
        if value.get("bottom") is not None:
            bottom = self.rank_grade(value["bottom"], _join(path, "bottom"))
        default = self.label(value, "default", path)
        seen = set()
        for where, label in (
            ("top.label", top and top.label),
            ("bottom.label", bottom and bottom.label),
            ("default", default),
        ):
            if label and label in seen:
                self.fail(_join(path, where), _("duplicate grade %(label)s") % {"label": label})
            seen.add(label)
        return engine.ByRank(top, bottom, default)

    def rank_grade(self, value: Any, path: str) -> engine.RankGrade | None:
        if value is None:
            self.fail(path, _("is required"))
            return None
        if not isinstance(value, dict):
            self.fail(path, _("must be a mapping"))
            return None
        self.unknown_keys(value, RANK_GRADE_KEYS, path)
        if "count" not in value:
            self.fail(_join(path, "count"), _("is required"))
        count = self.integer(value, "count", path, low=1, default=None)
        return engine.RankGrade(self.label(value, "label", path), count)

    # -- values --------------------------------------------------------------

    def unknown_keys(self, data: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(
                    _join(path, key),
                    _("unknown key; allowed: %(keys)s") % {"keys": ", ".join(allowed)},
                )

    def label(self, data: dict, key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.fail(where, _("is required"))
            return ""
        return value if self.check_label(value, where) else ""

    def check_label(self, value: Any, where: str) -> bool:
        if not isinstance(value, str):
            self.fail(where, _("must be text"))
        elif not value.strip():
            self.fail(where, _("is required"))
        elif value != value.strip():
            self.fail(where, _("must not begin or end with spaces"))
        elif len(value) > LABEL_MAX_LENGTH:
            self.too_long(where, value, LABEL_MAX_LENGTH)
        else:
            return True
        return False

    def too_long(self, where: str, value: str, limit: int) -> None:
        self.fail(
            where,
            _("must be at most %(max)d characters (it has %(n)d)")
            % {"max": limit, "n": len(value)},
        )

    def free_text(self, data: dict, key: str, path: str, *, required: bool = False) -> None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(_join(path, key), _("is required"))
        elif not isinstance(value, str):
            self.fail(_join(path, key), _("must be text"))

    def boolean(self, data: dict, key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(_join(path, key), _("must be true or false"))
            return False
        return value

    def integer(self, data: dict, key: str, path: str, *, low: int, high=None, default):
        value = data.get(key)
        if value is None:
            return default
        where = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, _("must be a whole number"))
            return default
        if value < low or (high is not None and value > high):
            message = (
                _("must be between %(low)s and %(high)s") % {"low": low, "high": high}
                if high is not None
                else _("must be at least %(low)s") % {"low": low}
            )
            self.fail(where, message)
            return default
        return value

    def number(self, value: Any, where: str) -> Fraction | None:
        """An int, float or Decimal read exactly through its decimal text; bools are not numbers."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.fail(where, _("must be a number"))
            return None
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        if not exact.is_finite():
            self.fail(where, _("must be a number"))
            return None
        return Fraction(exact)

    def bounded(self, value: Any, where: str, high: Fraction) -> Fraction | None:
        number = self.number(value, where)
        if number is not None and not 0 <= number <= high:
            self.fail(
                where,
                _("must be between %(low)s and %(high)s") % {"low": 0, "high": show_number(high)},
            )
            return None
        return number
