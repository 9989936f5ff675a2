"""Marking items whose deadline has passed (逾期) and telling the people who must act."""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.record import record_event
from orgs.access import is_superuser
from orgs.models import Role, RoleMembership
from rectification.models import RectificationItem, overdue_filter


def do_mark_overdue_items(*, today: date | None = None, acting_user) -> list[RectificationItem]:
    """Mark each newly overdue item once, audit it, and mail the unit's liaisons and organizers.

    An item already marked is left alone, so running this twice a day marks and
    notifies nothing twice. Mail goes out only after the transaction commits.
    """
    if not is_superuser(acting_user):
        raise PermissionDenied(_("Only the system marks overdue items."))
    today = today or timezone.localdate()
    with transaction.atomic():
        pks = list(
            RectificationItem.objects.select_for_update()
            .filter(overdue_filter(today), overdue_since__isnull=True)
            .values_list("pk", flat=True)
        )
        RectificationItem.objects.filter(pk__in=pks).update(overdue_since=today)
        items = list(
            RectificationItem.objects.filter(pk__in=pks).select_related(
                "target__unit", "target__campaign__organizer"
            )
        )
        for item in items:
            record_event(
                "rectification.item_overdue",
                item,
                acting_user=acting_user,
                data={
                    "target": item.target.unit.code,
                    "deadline": item.deadline,
                    "overdue_since": today,
                },
            )
        messages = overdue_notices(items)
        if messages:
            transaction.on_commit(lambda: _send(messages), robust=True)
    return items


def _send(messages: list[EmailMessage]) -> None:
    get_connection().send_messages(messages)


def overdue_notices(items: list[RectificationItem]) -> list[EmailMessage]:
    """One message per recipient, listing the newly overdue items that concern them."""
    per_email: dict[str, list[RectificationItem]] = defaultdict(list)
    for item in items:
        for email in _recipients(item):
            per_email[email].append(item)
    with translation.override(settings.LANGUAGE_CODE):
        return [_notice(email, listed) for email, listed in sorted(per_email.items())]


def _recipients(item: RectificationItem) -> set[str]:
    """The target unit's own liaisons and the campaign's organizers, if they have an address."""
    target = item.target
    rows = RoleMembership.objects.filter(user__is_active=True, user__email__gt="").filter(
        Q(role=Role.LIAISON, unit=target.unit)
        | Q(role=Role.ORGANIZER, unit=target.campaign.organizer)
    )
    return set(rows.values_list("user__email", flat=True))


def _notice(email: str, items: list[RectificationItem]) -> EmailMessage:
    subject = _("[Pingyi] %(count)d rectification item(s) overdue") % {"count": len(items)}
    lines = [
        _("The deadline of these rectification items has passed and they are still open:"),
        "",
    ]
    for item in items:
        lines.append(
            _("- %(campaign)s · %(unit)s: %(problem)s (deadline %(deadline)s, item %(pk)d)")
            % {
                "campaign": item.target.campaign.name,
                "unit": item.target.unit.name,
                "problem": item.problem[:80],
                "deadline": item.deadline.isoformat(),
                "pk": item.pk,
            }
        )
    lines += ["", _("Please finish the rectification or explain why it cannot be done yet.")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[email])
