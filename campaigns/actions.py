"""Every change to campaigns: spec loading and phase transitions, atomic and audited."""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign, Phase, Target, TransitionRequest, TransitionStatus
from campaigns.spec import CampaignSpec, KnownUnit, parse_spec
from orgs.access import OPERATOR, is_superuser, reaches
from orgs.actions import do_create_unit, do_update_unit
from orgs.models import Role, Unit


@dataclass
class LoadReport:
    campaign: Campaign
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _known_unit(code: str) -> KnownUnit | None:
    row = Unit.objects.filter(code=code).values_list("code", "level", "path").first()
    return KnownUnit(*row) if row else None


def do_load_campaign_spec(data: dict, *, acting_user, base_dir: Path | None = None) -> LoadReport:
    """Create or update (by codes) a campaign with its units, targets and phases.

    A bad spec raises SpecError naming every bad field; nothing is written.
    Loading the same spec again changes nothing and writes no event.
    """
    acting_user = acting_user or OPERATOR  # None: the console operator
    spec = parse_spec(data, known_unit=_known_unit, base_dir=base_dir)
    _check_may_load(spec, acting_user)
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
                data={"created": report.created, "updated": report.updated},
            )
    return report


def _check_may_load(spec: CampaignSpec, acting_user) -> None:
    """A named user must organize the campaign's unit; each unit change is checked again."""
    if is_superuser(acting_user):
        return
    organizer = Unit.objects.filter(code=spec.organizer).first()
    existing = Campaign.objects.select_related("organizer").filter(code=spec.code).first()
    # Both the new organizer and, for a campaign that exists, its current one must be reached:
    # otherwise a spec reusing a code would hand another level's campaign over.
    units = [organizer, existing.organizer if existing else None]
    if organizer is None or not all(
        reaches(acting_user, unit, {Role.ORGANIZER}) for unit in units if unit
    ):
        raise PermissionDenied(
            _("Only an organizer of %(unit)s may load this campaign.") % {"unit": spec.organizer}
        )


class _UnitIndex(dict):
    def __init__(self):
        super().__init__()
        self.created: list[str] = []
        self.updated: list[str] = []


def _apply_units(spec: CampaignSpec, acting_user) -> _UnitIndex:
    index = _UnitIndex()
    codes = {u.code for u in spec.units} | {u.parent for u in spec.units if u.parent}
    existing = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    pending = list(spec.units)
    while pending:  # parents before children, whatever the order in the file
        ready = [u for u in pending if not u.parent or u.parent not in {p.code for p in pending}]
        for item in ready:
            parent = index.get(item.parent) or existing.get(item.parent)
            unit = existing.get(item.code)
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
            elif do_update_unit(
                unit,
                name=item.name,
                level=item.level,
                kind=item.kind,
                parent=parent,
                acting_user=acting_user,
            ):
                index.updated.append(item.code)
            index[item.code] = unit
        pending = [u for u in pending if u not in ready]
    return index


def _apply_campaign(spec: CampaignSpec, organizer: Unit) -> LoadReport:
    values = {"name": spec.name, "year": spec.year, "organizer": organizer, "scheme": spec.scheme}
    campaign = Campaign.objects.filter(code=spec.code).first()
    if campaign is None:
        campaign = Campaign.objects.create(code=spec.code, **values)
        return LoadReport(campaign, created=[f"campaign {spec.code}"])
    report = LoadReport(campaign)
    changed = [k for k, v in values.items() if getattr(campaign, k) != v]
    if changed:
        for key in changed:
            setattr(campaign, key, values[key])
        campaign.save()
        report.updated.append(f"campaign {spec.code} ({', '.join(changed)})")
    return report


def _apply_targets(spec: CampaignSpec, report: LoadReport, units: dict) -> None:
    campaign = report.campaign
    existing = {t.unit.code: t for t in campaign.targets.select_related("unit")}
    for item in spec.targets:
        target = existing.pop(item.unit, None)
        if target is None:
            unit = units.get(item.unit) or Unit.objects.get(code=item.unit)
            Target.objects.create(
                campaign=campaign, unit=unit, group=item.group, exempt=item.exempt
            )
            report.created.append(f"target {item.unit}")
        elif (target.group, target.exempt) != (item.group, item.exempt):
            target.group, target.exempt = item.group, item.exempt
            target.save(update_fields=["group", "exempt"])
            report.updated.append(f"target {item.unit}")
    # Targets missing from the spec may already carry evaluation data: kept, and said so.
    report.kept = sorted(existing)


def _apply_phases(spec: CampaignSpec, report: LoadReport) -> None:
    existing = {p.kind: p for p in report.campaign.phases.all()}
    for item in spec.phases:
        phase = existing.get(item.kind)
        values = {"name": item.name, "start": item.start, "end": item.end}
        if phase is None:
            Phase.objects.create(campaign=report.campaign, kind=item.kind, **values)
            report.created.append(f"phase {item.kind}")
        elif any(getattr(phase, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(phase, key, value)
            phase.save()
            report.updated.append(f"phase {item.kind}")


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
