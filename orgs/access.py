"""Who reaches what: the one place that answers permission questions.

A role held at a unit reaches that unit and everything below it. Each user's
memberships are read once per request (one query) and every check after
that is a prefix test on materialised paths, so checking a whole tree costs
no more queries than checking one unit.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from orgs.models import Role, RoleMembership, Unit

STAFF_ROLES = frozenset({Role.ORGANIZER, Role.LEADER, Role.TALLIER, Role.INSPECTOR, Role.EVALUATOR})
_CACHE_ATTR = "_pingyi_grants"


class _Operator:
    """Whoever runs a console command without --as: unrestricted, recorded as 'system'."""

    pk = None
    username = ""
    is_active = True
    is_authenticated = True
    is_superuser = True


OPERATOR = _Operator()


def stored_user(user):
    """The user to store in a `…_by` column: None for the console operator."""
    return user if getattr(user, "pk", None) else None


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    path: str

    def reaches(self, path: str) -> bool:
        return path.startswith(self.path)


def grants_of(user) -> tuple[Grant, ...]:
    """The user's role memberships, read once and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = RoleMembership.objects.filter(user=user).values_list("role", "unit_id", "unit__path")
        cached = tuple(Grant(role, unit_id, path) for role, unit_id, path in rows)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user) -> None:
    """Drop the cached memberships after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def roles_reaching(user, path: str) -> frozenset[str]:
    """Every role the user holds at `path` or at a unit above it."""
    if is_superuser(user):
        return frozenset(Role.values)
    return frozenset(g.role for g in grants_of(user) if g.reaches(path))


def reaches(user, unit: Unit, roles: Iterable[str] | None = None) -> bool:
    wanted = set(roles) if roles is not None else None
    held = roles_reaching(user, unit.path)
    return bool(held if wanted is None else held & wanted)


def reaches_from_above(user, unit: Unit, roles: Iterable[str]) -> bool:
    """A role held strictly above `unit`: the level that evaluates it."""
    if is_superuser(user):
        return True
    wanted = set(roles)
    return any(
        g.role in wanted and g.reaches(unit.path) and g.path != unit.path for g in grants_of(user)
    )


def subtree_filter(field: str, user, roles: Iterable[str] | None = None) -> Q | None:
    """A Q matching rows whose `field` (a unit path) lies under one of the user's grants.

    None means "everything" (superuser); an empty Q that matches nothing is
    returned as Q(pk__in=[]).
    """
    if is_superuser(user):
        return None
    wanted = set(roles) if roles is not None else None
    query = Q(pk__in=[])
    for grant in grants_of(user):
        if wanted is None or grant.role in wanted:
            query |= Q(**{f"{field}__startswith": grant.path})
    return query


def filter_by_subtree(queryset: QuerySet, field: str, user, roles=None) -> QuerySet:
    query = subtree_filter(field, user, roles)
    return queryset if query is None else queryset.filter(query)


def units_visible_to(user) -> QuerySet[Unit]:
    return filter_by_subtree(Unit.objects.all(), "path", user)


def get_unit_for_user(user, code: str) -> Unit:
    """The unit, if the user holds any role over it; 404 if unknown, 403 if out of reach."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404(_("No unit with code %(code)s.") % {"code": code})
    if not reaches(user, unit):
        raise PermissionDenied(_("You hold no role over this unit."))
    return unit


def can_manage_units(user, unit: Unit | None) -> bool:
    """Organizers manage the tree below their own unit; only a superuser adds roots."""
    if unit is None:
        return is_superuser(user)
    return reaches(user, unit, {Role.ORGANIZER})


def can_read_audit(user) -> bool:
    """The audit trail spans campaigns: superusers and root-level organizers and leaders."""
    if is_superuser(user):
        return True
    return any(
        g.role in (Role.ORGANIZER, Role.LEADER) and g.path.count("/") == 2 for g in grants_of(user)
    )
