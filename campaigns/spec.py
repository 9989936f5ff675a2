"""The campaign spec (YAML): parse, validate with field paths, and plan.

Validation collects every error as `path: message` before anything is
written; the loader in actions.py applies a plan only when it is clean.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Phase, PhaseKind, Target
from orgs.actions import LEVEL_RANK
from orgs.models import CODE_PATTERN, Level, Unit
from scoring.schemes import SchemeError, parse_scheme

_CODE = re.compile(CODE_PATTERN)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
PRESET_PREFIX = "preset:"


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


CODE_LENGTH = _max_length(Unit, "code")
UNIT_NAME_LENGTH = _max_length(Unit, "name")
UNIT_KIND_LENGTH = _max_length(Unit, "kind")
CAMPAIGN_NAME_LENGTH = _max_length(Campaign, "name")
GROUP_LENGTH = _max_length(Target, "group")
PHASE_NAME_LENGTH = _max_length(Phase, "name")
SERIES_LENGTH = _max_length(Campaign, "series")
# Values checked against a fixed list afterwards; the bound only keeps messages short.
CHOICE_LENGTH = 20


class SpecError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class UnitSpec:
    code: str
    name: str
    level: str
    kind: str
    # An existing unit listed without a `parent` key keeps its parent: it is filled in here.
    parent: str | None


@dataclass
class TargetSpec:
    unit: str
    group: str
    exempt: bool


@dataclass
class PhaseSpec:
    kind: str
    name: str
    start: date
    end: date


@dataclass
class CampaignSpec:
    code: str
    name: str
    year: int
    organizer: str
    scheme: dict
    series: str = ""
    units: list[UnitSpec] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    phases: list[PhaseSpec] = field(default_factory=list)


@dataclass(frozen=True)
class KnownUnit:
    """What the validator needs to know of a unit already in the database."""

    code: str
    level: str
    path: str

    def parent_code(self) -> str | None:
        codes = self.path.strip("/").split("/")
        return codes[-2] if len(codes) > 1 else None


@dataclass(frozen=True)
class KnownCampaign:
    """What a reloaded spec leaves out but the campaign keeps: its other targets and phases."""

    targets: list[str] = field(default_factory=list)
    phases: list[PhaseSpec] = field(default_factory=list)
    # The stored scheme, when evaluation data (responses, scores, tally runs) was counted under it.
    scheme_in_use: dict | None = None


class _SpecLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys and leaves dates as text.

    PyYAML would turn `2026-02-30` into a ValueError with no field path, and
    `2026-03-01 10:00` into a datetime; as text, `_Checker.day` judges them.
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` followed by overrides is how merges are meant
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Raised by PyYAML for text it cannot read; ValueError comes from explicit tags
# such as `!!timestamp 2026-02-30`, RecursionError from absurd nesting.
YAML_ERRORS = (yaml.YAMLError, ValueError, RecursionError)


def load_yaml(text: str) -> Any:
    loader = _SpecLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_spec_file(path: Path) -> dict:
    try:
        data = load_yaml(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([f"{path}: {exc}"]) from exc
    except YAML_ERRORS as exc:
        raise SpecError(
            [_("%(path)s: not valid YAML: %(err)s") % {"path": path, "err": exc}]
        ) from exc
    if not isinstance(data, dict):
        raise SpecError([_("%(path)s: the spec must be a mapping") % {"path": path}])
    return data


class _Checker:
    def __init__(self):
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def text(
        self, data: dict, key: str, path: str, *, max_length: int, required=True, default=""
    ) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{path}{key}", _("is required"))
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(f"{path}{key}", _("must be text"))
            return default
        text = str(value).strip()
        if "\x00" in text:
            self.fail(f"{path}{key}", _("must not contain NUL characters"))
            return default
        if len(text) > max_length:
            self.fail(
                f"{path}{key}",
                _("must be at most %(max)d characters (it has %(n)d)")
                % {"max": max_length, "n": len(text)},
            )
            return default
        return text

    def code(self, data: dict, key: str, path: str, *, required=True) -> str | None:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads `code: 0123` as the number 83: the code the author meant is lost.
            self.fail(
                f"{path}{key}", _("must be text, not a number: put it in quotes, as in '0123'")
            )
            return None
        value = self.text(data, key, path, required=required, max_length=CODE_LENGTH)
        if value and not _CODE.match(value):
            self.fail(
                f"{path}{key}",
                _("'%(v)s' is not a valid code (lowercase letters, digits, - and _)")
                % {"v": value},
            )
        return value or None

    def day(self, data: dict, key: str, path: str) -> date | None:
        value = data.get(key)
        if type(value) is date:  # a datetime is a date too, and is refused
            return value
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                self.fail(f"{path}{key}", _("'%(v)s' is not a valid date") % {"v": value.strip()})
                return None
        self.fail(f"{path}{key}", _("must be a date like 2026-06-22"))
        return None

    def items(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, _("must be a list"))
            return []
        return value


SPEC_KEYS = frozenset(
    {"code", "name", "year", "organizer", "scheme", "series", "units", "targets", "phases"}
)


def scheme_in_use_message() -> str:
    return _(
        "cannot change once responses, scores or tally runs exist: they were "
        "counted under the present scheme; start a new campaign instead"
    )


def parse_spec(
    data: dict,
    *,
    known_unit: Callable[[str], KnownUnit | None],
    known_children: Callable[[str], list[KnownUnit]],
    known_campaign: Callable[[str], KnownCampaign],
    base_dir: Path | None = None,
) -> CampaignSpec:
    """Validate a spec mapping; raise SpecError listing every problem with its path.

    The lookups tell what the database holds: a unit by code, a unit's
    children, and a campaign's targets and phases (empty for a new campaign).
    """
    check = _Checker()
    for key in sorted(set(data) - SPEC_KEYS, key=str):
        check.fail(
            str(key),
            _("unknown field; the spec has %(keys)s") % {"keys": ", ".join(sorted(SPEC_KEYS))},
        )
    known_unit = cache(known_unit)
    spec = CampaignSpec(
        code=check.code(data, "code", "") or "",
        name=check.text(data, "name", "", max_length=CAMPAIGN_NAME_LENGTH),
        year=_year(check, data.get("year")),
        organizer=check.code(data, "organizer", "") or "",
        scheme=_scheme(check, data.get("scheme"), base_dir),
        series=check.text(data, "series", "", max_length=SERIES_LENGTH, required=False),
    )
    spec.units = _units(check, data, known_unit)
    tree = _Tree(check, spec.units, known_unit, known_children)
    for unit in spec.units:
        tree.place(unit.code)
    organizer = tree.place(spec.organizer) if spec.organizer else None
    if spec.organizer and organizer is None and not tree.exists(spec.organizer):
        check.fail("organizer", _("unknown unit '%(code)s'") % {"code": spec.organizer})
    kept = known_campaign(spec.code) if spec.code else KnownCampaign()
    if kept.scheme_in_use is not None and spec.scheme and spec.scheme != kept.scheme_in_use:
        check.fail("scheme", scheme_in_use_message())
    spec.targets = _targets(check, data, tree, organizer)
    _check_kept_targets(check, spec.targets, kept.targets, tree, organizer)
    spec.phases = _phases(check, data, kept.phases)
    if check.errors:
        raise SpecError(check.errors)
    return spec


def _year(check: _Checker, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 2000 <= value <= 2100:
        return value
    check.fail("year", _("must be a year between 2000 and 2100"))
    return 0


def _scheme(check: _Checker, value: Any, base_dir: Path | None) -> dict:
    scheme = _scheme_mapping(check, value, base_dir)
    if scheme:
        try:
            parse_scheme(scheme, path="scheme")
        except SchemeError as exc:
            check.errors.extend(exc.errors)
    return scheme


def _scheme_mapping(check: _Checker, value: Any, base_dir: Path | None) -> dict:
    if isinstance(value, dict) and not value:
        check.fail("scheme", _("must not be empty"))
        return {}
    if isinstance(value, dict):
        return _storable(check, value)
    if isinstance(value, str) and value.startswith(PRESET_PREFIX):
        name = value[len(PRESET_PREFIX) :].strip()
        if not name:
            check.fail("scheme", _("name the preset, as in preset:tiered-70-30"))
            return {}
        return {"preset": name}
    if isinstance(value, str) and value.strip():
        return _storable(check, _scheme_file(check, Path(value.strip()), base_dir))
    check.fail("scheme", _("give preset:NAME, a file path, or the scheme inline as a mapping"))
    return {}


def _storable(check: _Checker, scheme: dict) -> dict:
    """The scheme as the JSON column will hold it, so that a reload compares equal."""
    try:
        stored = json.loads(json.dumps(scheme, allow_nan=False))
    except (TypeError, ValueError) as exc:
        check.fail(
            "scheme",
            _("must hold only text, numbers, true/false, lists and mappings (%(err)s)")
            % {"err": exc},
        )
        return {}
    if _holds_nul(stored):  # PostgreSQL's jsonb refuses \u0000
        check.fail("scheme", _("must not contain NUL characters"))
        return {}
    return stored


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _scheme_file(check: _Checker, path: Path, base_dir: Path | None) -> dict:
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        data = load_yaml(path.read_text(encoding="utf-8-sig"))
    except (OSError, *YAML_ERRORS) as exc:
        check.fail(
            "scheme", _("cannot read scheme file %(path)s: %(err)s") % {"path": path, "err": exc}
        )
        return {}
    if not isinstance(data, dict):
        check.fail("scheme", _("the scheme file %(path)s must hold a mapping") % {"path": path})
        return {}
    return data


def _units(check: _Checker, data: dict, known_unit) -> list[UnitSpec]:
    result, seen = [], set()
    for i, item in enumerate(check.items(data, "units")):
        path = f"units[{i}]."
        if not isinstance(item, dict):
            check.fail(f"units[{i}]", _("must be a mapping"))
            continue
        code = check.code(item, "code", path)
        level = check.text(item, "level", path, max_length=CHOICE_LENGTH)
        if level and level not in Level.values:
            check.fail(
                f"{path}level",
                _("must be one of %(choices)s") % {"choices": ", ".join(Level.values)},
            )
            level = ""
        if code in seen:
            check.fail(f"{path}code", _("'%(code)s' appears twice") % {"code": code})
        seen.add(code)
        if "parent" in item:  # `parent: null` moves the unit to the root
            parent = check.code(item, "parent", path, required=False)
        else:
            stored = known_unit(code) if code else None
            parent = stored.parent_code() if stored else None
        unit = UnitSpec(
            code or "",
            check.text(item, "name", path, max_length=UNIT_NAME_LENGTH),
            level,
            check.text(item, "kind", path, required=False, max_length=UNIT_KIND_LENGTH),
            parent,
        )
        if code:
            result.append(unit)
    return result


class _Tree:
    """The unit tree as it will be once the spec is applied: the spec's units over the database's.

    A unit's place is its level and its path after the load, so a unit below a
    moved one (listed or not) is judged where it will end up.
    """

    def __init__(self, check: _Checker, specs: list[UnitSpec], known_unit, known_children):
        self.check = check
        self.listed = {u.code: (i, u) for i, u in enumerate(specs)}
        self.known_unit = known_unit
        self.known_children = known_children
        self.placed: dict[str, KnownUnit | None] = {}

    def exists(self, code: str) -> bool:
        return code in self.listed or self.known_unit(code) is not None

    def place(self, code: str, trail: tuple[str, ...] = ()) -> KnownUnit | None:
        """None for an unknown unit or one whose parent chain is broken (reported once)."""
        if code in self.placed:
            return self.placed[code]
        if code in trail:
            self._report_loop(trail[trail.index(code) :])
            return None
        trail = (*trail, code)
        if code in self.listed:
            self.placed[code] = self._place_listed(code, trail)
        else:
            self.placed[code] = self._place_stored(code, trail)
        return self.placed[code]

    def _place_listed(self, code: str, trail: tuple[str, ...]) -> KnownUnit | None:
        i, unit = self.listed[code]
        parent = None
        if unit.parent:
            parent = self.place(unit.parent, trail)
            if parent is None:
                if not self.exists(unit.parent):
                    self.check.fail(
                        f"units[{i}].parent", _("unknown unit '%(code)s'") % {"code": unit.parent}
                    )
                return None
        if unit.level:
            self._check_level(i, unit, parent)
        return KnownUnit(code, unit.level, f"{parent.path if parent else '/'}{code}/")

    def _place_stored(self, code: str, trail: tuple[str, ...]) -> KnownUnit | None:
        stored = self.known_unit(code)
        if stored is None:
            return None
        codes = stored.path.strip("/").split("/")
        for depth in range(len(codes) - 2, -1, -1):  # the nearest listed ancestor moves it
            if codes[depth] in self.listed:
                anchor = self.place(codes[depth], trail)
                if anchor is None:
                    return None
                return KnownUnit(
                    code, stored.level, f"{anchor.path}{'/'.join(codes[depth + 1 :])}/"
                )
        return stored

    def _report_loop(self, loop: tuple[str, ...]) -> None:
        # Stored units alone form no loop, so one of a loop's units is listed.
        code = next(c for c in loop if c in self.listed)
        self.check.fail(
            f"units[{self.listed[code][0]}].parent",
            _("the parent chain loops back to '%(code)s'") % {"code": code},
        )

    def _check_level(self, i: int, unit: UnitSpec, parent: KnownUnit | None) -> None:
        if parent and parent.level and LEVEL_RANK[unit.level] < LEVEL_RANK[parent.level]:
            self.check.fail(
                f"units[{i}].level",
                _("a %(level)s unit cannot sit under the %(parent)s unit '%(code)s'")
                % {"level": unit.level, "parent": parent.level, "code": parent.code},
            )
        if self.known_unit(unit.code) is None:
            return
        # Children listed in the spec are checked from their side, against this level.
        children = [c for c in self.known_children(unit.code) if c.code not in self.listed]
        highest = min(children, key=lambda c: LEVEL_RANK[c.level], default=None)
        if highest and LEVEL_RANK[highest.level] < LEVEL_RANK[unit.level]:
            self.check.fail(
                f"units[{i}].level",
                _("a %(level)s unit cannot sit above the %(child)s unit '%(code)s'")
                % {"level": unit.level, "child": highest.level, "code": highest.code},
            )


def _below(unit: KnownUnit, organizer: KnownUnit) -> bool:
    return unit.path != organizer.path and unit.path.startswith(organizer.path)


def _targets(check, data, tree: _Tree, organizer: KnownUnit | None) -> list[TargetSpec]:
    result, seen = [], set()
    for i, item in enumerate(check.items(data, "targets")):
        path = f"targets[{i}]."
        if not isinstance(item, dict):
            check.fail(f"targets[{i}]", _("must be a mapping"))
            continue
        code = check.code(item, "unit", path)
        exempt = item.get("exempt", False)
        if not isinstance(exempt, bool):
            check.fail(f"{path}exempt", _("must be true or false"))
        group = check.text(item, "group", path, max_length=GROUP_LENGTH)
        target = TargetSpec(code or "", group, exempt is True)
        if not code:
            continue
        if code in seen:
            check.fail(f"{path}unit", _("'%(code)s' is a target twice") % {"code": code})
        seen.add(code)
        unit = tree.place(code)
        if unit is None:
            check.fail(f"{path}unit", _("unknown unit '%(code)s'") % {"code": code})
        elif organizer and not _below(unit, organizer):
            check.fail(
                f"{path}unit",
                _(
                    "'%(code)s' is not below the organizer '%(org)s': a level evaluates the level below it"
                )
                % {"code": code, "org": organizer.code},
            )
        result.append(target)
    return result


def _check_kept_targets(check, targets, stored: list[str], tree: _Tree, organizer) -> None:
    """Targets a reload leaves out stay in the campaign, so they too must stay below it."""
    listed = {t.unit for t in targets}
    for code in stored:
        if code in listed or organizer is None:
            continue
        unit = tree.place(code)
        if unit and not _below(unit, organizer):
            check.fail(
                "targets",
                _(
                    "'%(code)s' stays a target though the spec leaves it out, and would not be below the organizer '%(org)s'"
                )
                % {"code": code, "org": organizer.code},
            )


def _phases(check, data, stored: list[PhaseSpec]) -> list[PhaseSpec]:
    listed: list[tuple[int, PhaseSpec]] = []
    kinds = set()
    for i, item in enumerate(check.items(data, "phases")):
        path = f"phases[{i}]."
        if not isinstance(item, dict):
            check.fail(f"phases[{i}]", _("must be a mapping"))
            continue
        kind = check.text(item, "kind", path, max_length=CHOICE_LENGTH)
        if kind and kind not in PhaseKind.values:
            check.fail(
                f"{path}kind",
                _("must be one of %(choices)s") % {"choices": ", ".join(PhaseKind.values)},
            )
            continue
        if kind in kinds:
            check.fail(f"{path}kind", _("'%(kind)s' appears twice") % {"kind": kind})
        kinds.add(kind)
        start, end = check.day(item, "start", path), check.day(item, "end", path)
        if start and end and end < start:
            check.fail(f"{path}end", _("ends before it starts"))
        name = check.text(item, "name", path, required=False, max_length=PHASE_NAME_LENGTH)
        if kind and start and end:
            name = name or str(PhaseKind(kind).label)
            listed.append((i, PhaseSpec(kind, name, start, end)))
    # Phases a reload leaves out are kept (see the loader), so the order includes them.
    kept = [p for p in stored if p.kind not in kinds]
    _check_phase_order(check, listed, kept)
    return [phase for _i, phase in listed]


def _check_phase_order(check, listed: list[tuple[int, PhaseSpec]], kept: list[PhaseSpec]) -> None:
    rows = sorted(
        [*listed, *((None, p) for p in kept)], key=lambda row: PhaseKind.order_of(row[1].kind)
    )
    for (i, before), (j, after) in pairwise(rows):
        if after.start > before.end:
            continue
        if j is not None and i is not None:
            check.fail(
                f"phases[{j}].start",
                _("must come after %(kind)s ends (%(end)s)")
                % {"kind": before.kind, "end": before.end},
            )
        elif j is not None:
            check.fail(
                f"phases[{j}].start",
                _(
                    "must come after %(kind)s ends (%(end)s), a phase the campaign keeps though the spec leaves it out"
                )
                % {"kind": before.kind, "end": before.end},
            )
        elif i is not None:
            check.fail(
                f"phases[{i}].end",
                _(
                    "must end before %(kind)s starts (%(start)s), a phase the campaign keeps though the spec leaves it out"
                )
                % {"kind": after.kind, "start": after.start},
            )
