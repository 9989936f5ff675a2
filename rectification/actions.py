"""Every change to the rectification ledger: atomic and audited."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Target
from orgs.access import roles_reaching
from orgs.models import Role
from rectification.models import RectificationItem, Source

STAFF_OPENERS = {Role.ORGANIZER, Role.INSPECTOR}


def may_open_item(access: CampaignAccess, target: Target, source: str) -> bool:
    """Staff open items from any source; the unit itself records its self-inspection findings."""
    if access.has(*STAFF_OPENERS):
        return True
    own = roles_reaching(access.user, target.unit.path) & {Role.LIAISON, Role.ORGANIZER}
    return source == Source.SELF_INSPECTION and bool(own)


def do_open_rectification_item(
    access: CampaignAccess,
    target: Target,
    *,
    source: str,
    problem: str,
    deadline: date,
    source_ref: str = "",
    plan: str = "",
    responsible_person: str = "",
    goal: str = "",
    acting_user,
) -> RectificationItem:
    """Put a problem on the ledger with its deadline (限期整改)."""
    if not may_open_item(access, target, source):
        raise PermissionDenied(_("You may not add items to this unit's ledger."))
    if not problem.strip():
        raise ValidationError({"problem": _("Describe the problem (请填写存在的问题).")})
    item = RectificationItem(
        target=target,
        source=source,
        source_ref=source_ref,
        problem=problem.strip(),
        plan=plan.strip(),
        responsible_person=responsible_person.strip(),
        goal=goal.strip(),
        deadline=deadline,
        created_by=acting_user if acting_user.pk else None,
    )
    item.full_clean(exclude=["created_by"])
    with transaction.atomic():
        item.save()
        record_event(
            "rectification.item_opened",
            item,
            acting_user=acting_user,
            data={
                "target": target.unit.code,
                "source": source,
                "source_ref": source_ref,
                "deadline": deadline,
            },
        )
    return item
