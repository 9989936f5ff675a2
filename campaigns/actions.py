"""Every change to campaigns: spec loading and phase transitions, atomic and audited."""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import (
    Campaign,
    Phase,
    PhaseKind,
    Target,
    TransitionRequest,
    TransitionStatus,
)
from campaigns.spec import (
    CampaignSpec,
    KnownCampaign,
    KnownUnit,
    PhaseSpec,
    SpecError,
    UnitSpec,
    parse_spec,
    scheme_in_use_message,
)
from orgs.access import is_superuser, reaches
from orgs.actions import check_level_over, do_create_unit, do_update_unit
from orgs.models import Role, Unit
from scoring.models import Deduction, Violation


@dataclass
class LoadReport:
    campaign: Campaign
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # targets the spec leaves out
    kept_phases: list[str] = field(default_factory=list)
    # What changed, as [before, after] per field (before is None for what was created).
    changes: dict[str, dict] = field(
        default_factory=lambda: {"campaign": {}, "targets": {}, "phases": {}}
    )

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _known_unit(code: str) -> KnownUnit | None:
    row = Unit.objects.filter(code=code).values_list("code", "level", "path").first()
    return KnownUnit(*row) if row else None


def _known_children(code: str) -> list[KnownUnit]:
    rows = Unit.objects.filter(parent__code=code).values_list("code", "level", "path")
    return [KnownUnit(*row) for row in rows]


def _known_campaign(code: str) -> KnownCampaign:
    targets = Target.objects.filter(campaign__code=code).values_list("unit__code", flat=True)
    phases = Phase.objects.filter(campaign__code=code).values_list("kind", "name", "start", "end")
    campaign = Campaign.objects.filter(code=code).first()
    in_use = campaign is not None and _holds_evaluation_data(campaign)
    return KnownCampaign(
        list(targets),
        [PhaseSpec(*row) for row in phases],
        scheme_in_use=campaign.scheme if in_use else None,
    )


def _holds_evaluation_data(campaign: Campaign) -> bool:
    """Data counted under the campaign's scheme, which then may no longer change."""
    return (
        campaign.responses.exists()
        or campaign.assessor_scores.exists()
        or campaign.tally_runs.exists()
        or Deduction.objects.filter(target__campaign=campaign).exists()
        or Violation.objects.filter(target__campaign=campaign).exists()
    )


def do_load_campaign_spec(data: dict, *, acting_user, base_dir: Path | None = None) -> LoadReport:
    """Create or update (by codes) a campaign with its units, targets and phases.

    A bad spec raises SpecError naming every bad field; nothing is written.
    Loading the same spec again changes nothing and writes no event. The
    console operator passes orgs.access.OPERATOR: None is refused, so that
    a forgotten user never loads unrestricted.
    """
    if acting_user is None:
        raise TypeError("acting_user is required; pass orgs.access.OPERATOR for the console")
    _check_may_load(data, acting_user)
    spec = parse_spec(
        data,
        known_unit=_known_unit,
        known_children=_known_children,
        known_campaign=_known_campaign,
        base_dir=base_dir,
    )
    with transaction.atomic():
        units = _apply_units(spec, acting_user)
        organizer = units.get(spec.organizer) or Unit.objects.get(code=spec.organizer)
        report = _apply_campaign(spec, organizer)
        _apply_targets(spec, report, units)
        _apply_phases(spec, report)
        report.created[:0] = [f"unit {c}" for c in units.created]
        report.updated[:0] = [f"unit {c}" for c in units.updated]
        if report.changed:
            record_event(
                "campaign.spec_loaded",
                report.campaign,
                acting_user=acting_user,
                data={
                    "created": report.created,
                    "updated": report.updated,
                    "changes": {k: v for k, v in report.changes.items() if v},
                },
            )
    return report


def _check_may_load(data: dict, acting_user) -> None:
    """A named user must organize the campaign's unit; each unit change is checked again.

    Checked before the spec is validated, whose messages would tell an outsider
    what the database holds (units, another campaign's targets).
    """
    if is_superuser(acting_user):
        return
    code, organizer_code = (_raw_text(data.get(key)) for key in ("code", "organizer"))
    organizer = Unit.objects.filter(code=organizer_code).first()
    existing = Campaign.objects.select_related("organizer").filter(code=code).first()
    # Both the new organizer and, for a campaign that exists, its current one must be reached:
    # otherwise a spec reusing a code would hand another level's campaign over.
    units = [organizer, existing.organizer if existing else None]
    if organizer is None or not all(
        reaches(acting_user, unit, {Role.ORGANIZER}) for unit in units if unit
    ):
        raise PermissionDenied(
            _("Only an organizer of %(unit)s may load this campaign.") % {"unit": organizer_code}
        )


def _raw_text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


class _UnitIndex(dict):
    def __init__(self):
        super().__init__()
        self.created: list[str] = []
        self.updated: list[str] = []

    def mark_updated(self, code: str) -> None:
        if code not in self.created and code not in self.updated:
            self.updated.append(code)


def _apply_units(spec: CampaignSpec, acting_user) -> _UnitIndex:
    """Parents first; a unit dropping below its children's present level waits for them."""
    index, waiting = _UnitIndex(), []
    for item in _parents_first(spec.units):
        with _at(spec, item):
            # Read afresh: moving a unit above rewrites the paths below it.
            parent = Unit.objects.get(code=item.parent) if item.parent else None
            unit = Unit.objects.filter(code=item.code).first()
            if unit is None:
                unit = do_create_unit(
                    code=item.code,
                    name=item.name,
                    level=item.level,
                    kind=item.kind,
                    parent=parent,
                    acting_user=acting_user,
                )
                index.created.append(item.code)
            else:
                level = _level_now(unit, item.level)
                if level != item.level:
                    waiting.append(item)
                changes = {"name": item.name, "level": level, "kind": item.kind, "parent": parent}
                if do_update_unit(unit, acting_user=acting_user, **changes):
                    index.mark_updated(item.code)
            index[item.code] = unit
    for item in sorted(waiting, key=lambda u: -index[u.code].depth):  # deepest first
        with _at(spec, item):
            unit = Unit.objects.get(code=item.code)
            if do_update_unit(unit, level=item.level, acting_user=acting_user):
                index.mark_updated(item.code)
            index[item.code] = unit
    return index


def _parents_first(units: list[UnitSpec]) -> list[UnitSpec]:
    ordered, pending = [], list(units)
    while pending:  # the spec was checked for loops, so each round places some
        codes = {u.code for u in pending}
        ready = [u for u in pending if not u.parent or u.parent not in codes]
        ordered += ready
        pending = [u for u in pending if u not in ready]
    return ordered


def _level_now(unit: Unit, level: str) -> str:
    try:
        check_level_over(level, unit)
    except ValidationError:
        return unit.level  # its children are lowered first; see _apply_units
    return level


@contextmanager
def _at(spec: CampaignSpec, item: UnitSpec):
    """A unit action refusing a checked spec still names the spec's field."""
    try:
        yield
    except ValidationError as exc:
        path = f"units[{spec.units.index(item)}]"
        raise SpecError(
            [
                f"{path}.{name}: {message}" if name != NON_FIELD_ERRORS else f"{path}: {message}"
                for name, messages in _by_field(exc).items()
                for message in messages
            ]
        ) from exc


def _by_field(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}


def _apply_campaign(spec: CampaignSpec, organizer: Unit) -> LoadReport:
    values = {
        "name": spec.name,
        "year": spec.year,
        "organizer": organizer,
        "scheme": spec.scheme,
        "series": spec.series,
    }
    campaign = Campaign.objects.filter(code=spec.code).first()
    if campaign is None:
        campaign = Campaign.objects.create(code=spec.code, **values)
        report = LoadReport(campaign, created=[f"campaign {spec.code}"])
        report.changes["campaign"] = {k: [None, _audited(v)] for k, v in values.items()}
        return report
    report = LoadReport(campaign)
    changed = [k for k, v in values.items() if getattr(campaign, k) != v]
    if "scheme" in changed:
        # Checked again under the lock imports and tallies take: the check in
        # parse_spec ran before the transaction, and an import may have landed since.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if _holds_evaluation_data(campaign):
            raise SpecError([f"scheme: {scheme_in_use_message()}"])
    if changed:
        report.changes["campaign"] = {
            k: [_audited(getattr(campaign, k)), _audited(values[k])] for k in changed
        }
        for key in changed:
            setattr(campaign, key, values[key])
        campaign.save()
        report.updated.append(f"campaign {spec.code} ({', '.join(changed)})")
    return report


def _audited(value):
    """Units by code; a scheme as JSON text, since audit data refuses floats."""
    if isinstance(value, Unit):
        return value.code
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _apply_targets(spec: CampaignSpec, report: LoadReport, units: dict) -> None:
    campaign = report.campaign
    existing = {t.unit.code: t for t in campaign.targets.select_related("unit")}
    for item in spec.targets:
        target = existing.pop(item.unit, None)
        values = {"group": item.group, "exempt": item.exempt}
        if target is None:
            unit = units.get(item.unit) or Unit.objects.get(code=item.unit)
            Target.objects.create(campaign=campaign, unit=unit, **values)
            report.created.append(f"target {item.unit}")
            report.changes["targets"][item.unit] = {k: [None, v] for k, v in values.items()}
            continue
        changed = _changed(target, values)
        if changed:
            report.changes["targets"][item.unit] = changed
            target.group, target.exempt = item.group, item.exempt
            target.save(update_fields=["group", "exempt"])
            report.updated.append(f"target {item.unit}")
    # Targets missing from the spec may already carry evaluation data: kept, and said so.
    report.kept = sorted(existing)


def _apply_phases(spec: CampaignSpec, report: LoadReport) -> None:
    existing = {p.kind: p for p in report.campaign.phases.all()}
    for item in spec.phases:
        phase = existing.pop(item.kind, None)
        values = {"name": item.name, "start": item.start, "end": item.end}
        if phase is None:
            Phase.objects.create(campaign=report.campaign, kind=item.kind, **values)
            report.created.append(f"phase {item.kind}")
            report.changes["phases"][item.kind] = {k: [None, v] for k, v in values.items()}
            continue
        changed = _changed(phase, values)
        if changed:
            report.changes["phases"][item.kind] = changed
            for key, value in values.items():
                setattr(phase, key, value)
            phase.save()
            report.updated.append(f"phase {item.kind}")
    # Like targets: a phase the spec leaves out stays (its dates were checked with the spec's).
    report.kept_phases = sorted(existing, key=PhaseKind.order_of)


def _changed(obj, values: dict) -> dict[str, list]:
    return {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}


def do_request_transition(
    access: CampaignAccess, target: Target, *, note: str = "", acting_user
) -> TransitionRequest:
    """A target asks to be cleared from its current phase into the next one."""
    if not access.can_request_transition(target):
        raise PermissionDenied(_("Only the unit's liaison or organizer may ask to move on."))
    with transaction.atomic():
        target = Target.objects.select_for_update().get(pk=target.pk)
        to_stage = target.next_stage()
        if to_stage is None:
            raise ValidationError(_("This target is already in the last phase."))
        try:
            with transaction.atomic():
                request = TransitionRequest.objects.create(
                    target=target,
                    from_stage=target.stage,
                    to_stage=to_stage,
                    note=note.strip(),
                    requested_by=acting_user,
                    requested_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("A request for this unit is already waiting for a decision.")
            ) from exc
        record_event(
            "transition.requested",
            request,
            acting_user=acting_user,
            data={
                "campaign": access.campaign.code,
                "target": target.unit.code,
                "from": request.from_stage,
                "to": to_stage,
                "note": request.note,
            },
        )
    return request


def do_decide_transition(
    access: CampaignAccess, request: TransitionRequest, *, approve: bool, comment: str, acting_user
) -> TransitionRequest:
    """An organizer of the level above approves or rejects; a rejection needs a comment."""
    if not access.can_decide_transition(request.target):
        raise PermissionDenied(_("Only an organizer of the level above may decide."))
    if request.requested_by_id == acting_user.pk and not is_superuser(acting_user):
        raise PermissionDenied(_("You may not decide your own request."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is rejected (驳回须说明理由).")})
    with transaction.atomic():
        request = TransitionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != TransitionStatus.PENDING:
            raise ValidationError(_("This request has already been decided."))
        request.status = TransitionStatus.APPROVED if approve else TransitionStatus.REJECTED
        request.decided_by, request.decided_at = acting_user, timezone.now()
        request.comment = comment.strip()
        request.save()
        if approve:
            Target.objects.filter(pk=request.target_id).update(stage=request.to_stage)
        record_event(
            "transition.decided",
            request,
            acting_user=acting_user,
            data={
                "status": request.status,
                "comment": request.comment,
                "target": request.target.unit.code,
                "to": request.to_stage,
            },
        )
    return request
