"""Every change to units, roles and the evaluator roster: atomic and audited."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from orgs.access import can_manage_units, forget_grants, reaches
from orgs.models import (
    Evaluator,
    EvaluatorStatus,
    Level,
    Prohibition,
    Role,
    RoleMembership,
    Unit,
    User,
)

LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


def check_level_under(level: str, parent: Unit | None) -> None:
    if parent is not None and LEVEL_RANK[level] < LEVEL_RANK[parent.level]:
        raise ValidationError(
            _("A %(level)s unit cannot sit under a %(parent)s unit.")
            % {"level": level, "parent": parent.level}
        )


def check_level_over(level: str, unit: Unit) -> None:
    """Re-levelling a unit may not put it below the highest level among its children."""
    levels = unit.children.order_by().values_list("level", flat=True).distinct()
    highest = min(levels, key=LEVEL_RANK.__getitem__, default=None)
    if highest is not None and LEVEL_RANK[level] > LEVEL_RANK[highest]:
        raise ValidationError(
            _("A %(level)s unit cannot have a %(child)s unit below it.")
            % {"level": level, "child": highest}
        )


def _unit_fields(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "level": unit.level,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
    }


def do_create_unit(*, code, name, level, kind="", parent=None, acting_user) -> Unit:
    if not can_manage_units(acting_user, parent):
        raise PermissionDenied(_("You may not add units here."))
    check_level_under(level, parent)
    unit = Unit(code=code, name=name, level=level, kind=kind, parent=parent)
    unit.path = Unit.path_for(parent, code)
    unit.depth = unit.path.count("/") - 2
    unit.full_clean()
    with transaction.atomic():
        unit.save()
        record_event("unit.created", unit, acting_user=acting_user, data=_unit_fields(unit))
    return unit


def do_update_unit(unit: Unit, *, acting_user, **changes) -> list[str]:
    """Change name, level, kind or parent; moving a unit re-roots its subtree in one UPDATE.

    Returns the changed field names; an update that changes nothing is no event.
    """
    wanted = {k: v for k, v in changes.items() if getattr(unit, k) != v}
    if not wanted:
        return []
    new_parent = wanted.get("parent", unit.parent)
    if not can_manage_units(acting_user, unit) or (
        "parent" in wanted and not can_manage_units(acting_user, new_parent)
    ):
        raise PermissionDenied(_("You may not change this unit."))
    check_level_under(wanted.get("level", unit.level), new_parent)
    if "level" in wanted:
        check_level_over(wanted["level"], unit)
    if "parent" in wanted and new_parent and new_parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot be moved below itself."))
    before = _unit_fields(unit)
    with transaction.atomic():
        for field, value in wanted.items():
            setattr(unit, field, value)
        if "parent" in wanted:
            _move_subtree(unit)
        unit.full_clean()
        unit.save()
        after = _unit_fields(unit)
        record_event(
            "unit.updated",
            unit,
            acting_user=acting_user,
            data={k: [before[k], after[k]] for k in sorted(wanted)},
        )
    return sorted(wanted)


def _move_subtree(unit: Unit) -> None:
    old_path = unit.path
    new_path = Unit.path_for(unit.parent, unit.code)
    depth_shift = new_path.count("/") - old_path.count("/")
    Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_shift,
    )
    unit.path = new_path
    unit.depth = new_path.count("/") - 2


def do_ensure_user(
    username: str,
    *,
    display_name: str,
    password: str | None = None,
    is_staff: bool = False,
    acting_user,
):
    """Create the user if missing; with a password, (re)set it. Returns (user, created)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username, defaults={"display_name": display_name, "is_staff": is_staff}
        )
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        if created:
            record_event(
                "user.created",
                user,
                acting_user=acting_user,
                data={"username": username, "display_name": display_name, "is_staff": is_staff},
            )
    return user, created


def do_grant_role(user, unit: Unit, role: str, *, acting_user) -> RoleMembership:
    if not reaches(acting_user, unit, {Role.ORGANIZER}):
        raise PermissionDenied(_("Only an organizer above this unit may grant roles here."))
    with transaction.atomic():
        membership, created = RoleMembership.objects.get_or_create(user=user, unit=unit, role=role)
        if created:
            record_event(
                "role.granted",
                membership,
                acting_user=acting_user,
                data={"user": user.username, "unit": unit.code, "role": role},
            )
    forget_grants(user)
    return membership


def do_revoke_role(membership: RoleMembership, *, acting_user) -> None:
    if not reaches(acting_user, membership.unit, {Role.ORGANIZER}):
        raise PermissionDenied(_("Only an organizer above this unit may revoke roles here."))
    with transaction.atomic():
        record_event(
            "role.revoked",
            membership,
            acting_user=acting_user,
            data={
                "user": membership.user.username,
                "unit": membership.unit.code,
                "role": membership.role,
            },
        )
        membership.delete()
    forget_grants(membership.user)


def do_add_evaluator(
    *,
    unit: Unit,
    name: str,
    category: str,
    term_start: date,
    term_end: date,
    affiliation: str = "",
    user=None,
    acting_user,
) -> Evaluator:
    if not reaches(acting_user, unit, {Role.ORGANIZER}):
        raise PermissionDenied(_("Only an organizer of this unit may keep its evaluator roster."))
    evaluator = Evaluator(
        unit=unit,
        name=name,
        category=category,
        term_start=term_start,
        term_end=term_end,
        affiliation=affiliation,
        user=user,
    )
    evaluator.full_clean()
    with transaction.atomic():
        evaluator.save()
        record_event(
            "evaluator.added",
            evaluator,
            acting_user=acting_user,
            data={
                "unit": unit.code,
                "name": name,
                "category": category,
                "term": [term_start, term_end],
            },
        )
    return evaluator


def do_disqualify_evaluator(
    evaluator: Evaluator, *, prohibition: str, reason: str, acting_user
) -> Evaluator:
    """A breach of the eight prohibitions removes an evaluator; the reason is required."""
    if not reaches(acting_user, evaluator.unit, {Role.ORGANIZER}):
        raise PermissionDenied(_("Only an organizer of this unit may disqualify its evaluators."))
    if prohibition not in Prohibition.values:
        raise ValidationError({"prohibition": _("Choose one of the eight prohibitions.")})
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required (必须填写取消资格的理由).")})
    with transaction.atomic():
        locked = Evaluator.objects.select_for_update().get(pk=evaluator.pk)
        if locked.status == EvaluatorStatus.DISQUALIFIED:
            raise ValidationError(_("This evaluator is already disqualified."))
        locked.status = EvaluatorStatus.DISQUALIFIED
        locked.disqualified_for = prohibition
        locked.disqualification_reason = reason.strip()
        locked.disqualified_at = timezone.now()
        locked.save()
        record_event(
            "evaluator.disqualified",
            locked,
            acting_user=acting_user,
            data={"prohibition": prohibition, "reason": locked.disqualification_reason},
        )
    return locked
