"""The campaign spec (YAML): parse, validate with field paths, and plan.

Validation collects every error as `path: message` before anything is
written; the loader in actions.py applies a plan only when it is clean.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from campaigns.models import PhaseKind
from orgs.actions import LEVEL_RANK
from orgs.models import CODE_PATTERN, Level

_CODE = re.compile(CODE_PATTERN)
PRESET_PREFIX = "preset:"


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
    units: list[UnitSpec] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    phases: list[PhaseSpec] = field(default_factory=list)


@dataclass(frozen=True)
class KnownUnit:
    """What the validator needs to know of a unit already in the database."""

    code: str
    level: str
    path: str


def read_spec_file(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([f"{path}: {exc}"]) from exc
    except yaml.YAMLError as exc:
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

    def text(self, data: dict, key: str, path: str, *, required=True, default="") -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{path}{key}", _("is required"))
            return default
        if not isinstance(value, str | int):
            self.fail(f"{path}{key}", _("must be text"))
            return default
        return str(value).strip()

    def code(self, data: dict, key: str, path: str, *, required=True) -> str | None:
        value = self.text(data, key, path, required=required)
        if value and not _CODE.match(value):
            self.fail(
                f"{path}{key}",
                _("'%(v)s' is not a valid code (lowercase letters, digits, - and _)")
                % {"v": value},
            )
        return value or None

    def day(self, data: dict, key: str, path: str) -> date | None:
        value = data.get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
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


def parse_spec(
    data: dict,
    *,
    known_unit: Callable[[str], KnownUnit | None],
    base_dir: Path | None = None,
) -> CampaignSpec:
    """Validate a spec mapping; raise SpecError listing every problem with its path."""
    check = _Checker()
    spec = CampaignSpec(
        code=check.code(data, "code", "") or "",
        name=check.text(data, "name", ""),
        year=_year(check, data.get("year")),
        organizer=check.code(data, "organizer", "") or "",
        scheme=_scheme(check, data.get("scheme"), base_dir),
    )
    spec.units = _units(check, data)
    units = _resolve_units(check, spec.units, known_unit)

    def lookup(code: str) -> KnownUnit | None:
        return units.get(code) or known_unit(code)

    organizer = lookup(spec.organizer) if spec.organizer else None
    if spec.organizer and organizer is None:
        check.fail("organizer", _("unknown unit '%(code)s'") % {"code": spec.organizer})
    spec.targets = _targets(check, data, lookup, organizer)
    spec.phases = _phases(check, data)
    if check.errors:
        raise SpecError(check.errors)
    return spec


def _year(check: _Checker, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 2000 <= value <= 2100:
        return value
    check.fail("year", _("must be a year between 2000 and 2100"))
    return 0


def _scheme(check: _Checker, value: Any, base_dir: Path | None) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith(PRESET_PREFIX):
        name = value[len(PRESET_PREFIX) :].strip()
        if not name:
            check.fail("scheme", _("name the preset, as in preset:tiered-70-30"))
        return {"preset": name}
    if isinstance(value, str) and value.strip():
        return _scheme_file(check, Path(value.strip()), base_dir)
    check.fail("scheme", _("give preset:NAME, a file path, or the scheme inline as a mapping"))
    return {}


def _scheme_file(check: _Checker, path: Path, base_dir: Path | None) -> dict:
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        check.fail(
            "scheme", _("cannot read scheme file %(path)s: %(err)s") % {"path": path, "err": exc}
        )
        return {}
    if not isinstance(data, dict):
        check.fail("scheme", _("the scheme file %(path)s must hold a mapping") % {"path": path})
        return {}
    return data


def _units(check: _Checker, data: dict) -> list[UnitSpec]:
    result, seen = [], set()
    for i, item in enumerate(check.items(data, "units")):
        path = f"units[{i}]."
        if not isinstance(item, dict):
            check.fail(f"units[{i}]", _("must be a mapping"))
            continue
        code = check.code(item, "code", path)
        level = check.text(item, "level", path)
        if level and level not in Level.values:
            check.fail(
                f"{path}level",
                _("must be one of %(choices)s") % {"choices": ", ".join(Level.values)},
            )
            level = ""
        if code in seen:
            check.fail(f"{path}code", _("'%(code)s' appears twice") % {"code": code})
        seen.add(code)
        unit = UnitSpec(
            code or "",
            check.text(item, "name", path),
            level,
            check.text(item, "kind", path, required=False),
            check.code(item, "parent", path, required=False),
        )
        if code:
            result.append(unit)
    return result


def _resolve_units(check, specs: list[UnitSpec], known_unit) -> dict[str, KnownUnit]:
    """Work out every spec unit's path from its parent chain; report unknown parents and cycles."""
    by_code = {u.code: (i, u) for i, u in enumerate(specs)}
    resolved: dict[str, KnownUnit] = {}

    def resolve(code: str, trail: tuple[str, ...]) -> KnownUnit | None:
        if code in resolved:
            return resolved[code]
        if code not in by_code:
            found = known_unit(code)
            if found:
                resolved[code] = found
            return found
        i, spec = by_code[code]
        if code in trail:
            check.fail(
                f"units[{i}].parent",
                _("the parent chain loops back to '%(code)s'") % {"code": code},
            )
            return None
        parent = resolve(spec.parent, (*trail, code)) if spec.parent else None
        if spec.parent and parent is None:
            if spec.parent not in trail:
                check.fail(
                    f"units[{i}].parent", _("unknown unit '%(code)s'") % {"code": spec.parent}
                )
            return None
        if (
            parent
            and spec.level
            and parent.level
            and LEVEL_RANK[spec.level] < LEVEL_RANK[parent.level]
        ):
            check.fail(
                f"units[{i}].level",
                _("a %(level)s unit cannot sit under the %(parent)s unit '%(code)s'")
                % {"level": spec.level, "parent": parent.level, "code": parent.code},
            )
        resolved[code] = KnownUnit(code, spec.level, f"{parent.path if parent else '/'}{code}/")
        return resolved[code]

    for spec in specs:
        resolve(spec.code, ())
    return resolved


def _targets(check, data, lookup, organizer: KnownUnit | None) -> list[TargetSpec]:
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
        target = TargetSpec(code or "", check.text(item, "group", path), exempt is True)
        if not code:
            continue
        if code in seen:
            check.fail(f"{path}unit", _("'%(code)s' is a target twice") % {"code": code})
        seen.add(code)
        unit = lookup(code)
        if unit is None:
            check.fail(f"{path}unit", _("unknown unit '%(code)s'") % {"code": code})
        elif organizer and (
            unit.path == organizer.path or not unit.path.startswith(organizer.path)
        ):
            check.fail(
                f"{path}unit",
                _(
                    "'%(code)s' is not below the organizer '%(org)s': a level evaluates the level below it"
                )
                % {"code": code, "org": organizer.code},
            )
        result.append(target)
    return result


def _phases(check, data) -> list[PhaseSpec]:
    result = []
    for i, item in enumerate(check.items(data, "phases")):
        path = f"phases[{i}]."
        if not isinstance(item, dict):
            check.fail(f"phases[{i}]", _("must be a mapping"))
            continue
        kind = check.text(item, "kind", path)
        if kind and kind not in PhaseKind.values:
            check.fail(
                f"{path}kind",
                _("must be one of %(choices)s") % {"choices": ", ".join(PhaseKind.values)},
            )
            continue
        if kind in {p.kind for p in result}:
            check.fail(f"{path}kind", _("'%(kind)s' appears twice") % {"kind": kind})
        start, end = check.day(item, "start", path), check.day(item, "end", path)
        if start and end and end < start:
            check.fail(f"{path}end", _("ends before it starts"))
        if kind and start and end:
            name = check.text(item, "name", path, required=False) or str(PhaseKind(kind).label)
            result.append(PhaseSpec(kind, name, start, end))
    _check_phase_order(check, result)
    return result


def _check_phase_order(check, phases: list[PhaseSpec]) -> None:
    ordered = sorted(phases, key=lambda p: PhaseKind.order_of(p.kind))
    for before, after in pairwise(ordered):
        if after.start <= before.end:
            index = phases.index(after)
            check.fail(
                f"phases[{index}].start",
                _("must come after %(kind)s ends (%(end)s)")
                % {"kind": before.kind, "end": before.end},
            )
