"""Every change to the rectification ledger: atomic, audited, and only along legal status moves.

planned ──start──▶ in_progress
planned / in_progress ──mark done──▶ done
planned / in_progress ──close with explanation──▶ explained
done / explained ──verification rejected──▶ in_progress
done / explained ──verification accepted──▶ final (verified)

Closing records who closed the item (closed_by); that user may not verify it.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Target
from orgs.access import roles_reaching
from orgs.models import Role
from rectification.access import can_work_on, closed_it_themselves, may_verify_target
from rectification.files import store_upload
from rectification.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Evidence,
    ItemStatus,
    ProgressNote,
    RectificationItem,
    Source,
    Verification,
)

STAFF_OPENERS = {Role.ORGANIZER, Role.INSPECTOR}
PLAN_FIELDS = ("plan", "responsible_person", "goal")


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


def _saved(user):
    return user if getattr(user, "pk", None) else None


def _check_worker(access: CampaignAccess, item: RectificationItem) -> None:
    if not can_work_on(access, item.target):
        raise PermissionDenied(
            _("Only the unit's liaison or the organizers may work on this item.")
        )


def _lock(item: RectificationItem) -> RectificationItem:
    """Re-read the item under a row lock; the caller's checks then see the current status."""
    locked = RectificationItem.objects.select_for_update().get(pk=item.pk)
    locked.target = item.target
    return locked


def _check_not_verified(item: RectificationItem) -> None:
    if item.is_verified():
        raise ValidationError(_("This item has been verified and can no longer change."))


def _check_status(item: RectificationItem, allowed, message: str) -> None:
    _check_not_verified(item)
    if item.status not in allowed:
        raise ValidationError(message % {"status": item.get_status_display()})


def do_update_rectification_plan(
    access: CampaignAccess,
    item: RectificationItem,
    *,
    plan: str,
    responsible_person: str,
    goal: str,
    acting_user,
) -> list[str]:
    """Change the plan, responsible person and goal of an open item; returns what changed."""
    _check_worker(access, item)
    wanted = {
        "plan": plan.strip(),
        "responsible_person": responsible_person.strip(),
        "goal": goal.strip(),
    }
    if len(wanted["responsible_person"]) > 100:
        raise ValidationError(
            {"responsible_person": _("Keep the responsible person under 100 characters.")}
        )
    with transaction.atomic():
        item = _lock(item)
        _check_status(
            item, OPEN_STATUSES, _("The item is %(status)s; reopen it to change the plan.")
        )
        changed = [name for name in PLAN_FIELDS if getattr(item, name) != wanted[name]]
        if not changed:
            return []
        before = {name: getattr(item, name) for name in changed}
        for name in changed:
            setattr(item, name, wanted[name])
        item.save(update_fields=changed)
        record_event(
            "rectification.plan_updated",
            item,
            acting_user=acting_user,
            data={
                "target": item.target.unit.code,
                "before": before,
                "after": {name: wanted[name] for name in changed},
            },
        )
    return changed


def do_start_rectification_item(
    access: CampaignAccess, item: RectificationItem, *, acting_user
) -> RectificationItem:
    """planned → in_progress."""
    _check_worker(access, item)
    with transaction.atomic():
        item = _lock(item)
        _check_status(
            item, (ItemStatus.PLANNED,), _("The item is %(status)s; only a planned item can start.")
        )
        item.status = ItemStatus.IN_PROGRESS
        item.save(update_fields=["status"])
        record_event(
            "rectification.item_started",
            item,
            acting_user=acting_user,
            data={"target": item.target.unit.code, "status": item.status},
        )
    return item


def do_add_progress_note(
    access: CampaignAccess, item: RectificationItem, *, text: str, acting_user
) -> ProgressNote:
    """Append a note on what was done (整改进展); notes are never edited."""
    _check_worker(access, item)
    if not text.strip():
        raise ValidationError({"text": _("Write what was done (请填写整改进展).")})
    with transaction.atomic():
        item = _lock(item)
        _check_not_verified(item)
        note = ProgressNote.objects.create(
            item=item, text=text.strip(), author=_saved(acting_user), created_at=timezone.now()
        )
        record_event(
            "rectification.note_added",
            note,
            acting_user=acting_user,
            data={"item": item.pk, "target": item.target.unit.code, "text": note.text},
        )
    return note


def do_add_evidence(
    access: CampaignAccess,
    item: RectificationItem,
    *,
    upload,
    description: str = "",
    acting_user,
) -> Evidence:
    """Attach a file proving the rectification; it is checked and stored under a random name."""
    _check_worker(access, item)
    description = description.strip()
    if len(description) > 200:
        raise ValidationError({"description": _("Keep the description under 200 characters.")})
    _check_not_verified(item)  # before storing a file that would then be refused
    with store_upload(upload, "rectification/evidence") as stored, transaction.atomic():
        item = _lock(item)
        _check_not_verified(item)
        evidence = Evidence.objects.create(
            item=item,
            file=stored.name,
            content_type=stored.file_type.content_type,
            extension=stored.file_type.extension,
            size=stored.size,
            description=description,
            added_by=_saved(acting_user),
            added_at=timezone.now(),
        )
        record_event(
            "rectification.evidence_added",
            evidence,
            acting_user=acting_user,
            data={
                "item": item.pk,
                "target": item.target.unit.code,
                "content_type": evidence.content_type,
                "size": evidence.size,
                "description": description,
            },
        )
    return evidence


def do_mark_rectification_done(
    access: CampaignAccess, item: RectificationItem, *, note: str = "", acting_user
) -> RectificationItem:
    """The problem is fixed: the item waits for an organizer's verification."""
    _check_worker(access, item)
    with transaction.atomic():
        item = _lock(item)
        _check_status(
            item, OPEN_STATUSES, _("The item is %(status)s; only an open item can be marked done.")
        )
        item.status, item.closed_at = ItemStatus.DONE, timezone.now()
        item.closed_by = _saved(acting_user)
        item.save(update_fields=["status", "closed_at", "closed_by"])
        if note.strip():
            ProgressNote.objects.create(
                item=item, text=note.strip(), author=_saved(acting_user), created_at=item.closed_at
            )
        record_event(
            "rectification.item_done",
            item,
            acting_user=acting_user,
            data={"target": item.target.unit.code, "note": note.strip()},
        )
    return item


def do_explain_rectification_item(
    access: CampaignAccess, item: RectificationItem, *, explanation: str, acting_user
) -> RectificationItem:
    """Close without fixing: 一时难以整改的要作出说明, so the explanation is required."""
    _check_worker(access, item)
    explanation = explanation.strip()
    if not explanation:
        raise ValidationError(
            {
                "explanation": _(
                    "Explain why the problem cannot be fixed for now (一时难以整改的要作出说明)."
                )
            }
        )
    with transaction.atomic():
        item = _lock(item)
        _check_status(
            item, OPEN_STATUSES, _("The item is %(status)s; only an open item can be closed.")
        )
        item.status, item.closed_at = ItemStatus.EXPLAINED, timezone.now()
        item.closed_by = _saved(acting_user)
        item.explanation = explanation
        item.save(update_fields=["status", "closed_at", "closed_by", "explanation"])
        record_event(
            "rectification.item_explained",
            item,
            acting_user=acting_user,
            data={"target": item.target.unit.code, "explanation": explanation},
        )
    return item


def do_verify_rectification_item(
    access: CampaignAccess,
    item: RectificationItem,
    *,
    accept: bool,
    note: str = "",
    acting_user,
) -> Verification:
    """验收 by an organizer who is neither the unit's liaison nor the item's closer.

    The verdict keeps a copy of what it judged (status, explanation, who closed the
    item and when): a rejection reopens the item, and closing it again rewrites those.
    """
    if not may_verify_target(access, item.target):
        raise PermissionDenied(
            _("Only an organizer of the campaign who is not the unit's liaison may verify.")
        )
    _check_not_closer(access, item)
    note = note.strip()
    if not accept and not note:
        raise ValidationError({"note": _("Say why the rectification is not accepted.")})
    with transaction.atomic():
        item = _lock(item)
        _check_status(
            item,
            CLOSED_STATUSES,
            _("The item is %(status)s; only a done or explained item can be verified."),
        )
        _check_not_closer(access, item)  # closed again since the page was read
        now = timezone.now()
        verification = Verification.objects.create(
            item=item,
            accepted=accept,
            note=note,
            status_judged=item.status,
            explanation=item.explanation if item.status == ItemStatus.EXPLAINED else "",
            closed_by_id=item.closed_by_id,
            closed_at=item.closed_at,
            verified_by=_saved(acting_user),
            verified_at=now,
        )
        if accept:
            item.verified_by, item.verified_at, item.verification_note = (
                _saved(acting_user),
                now,
                note,
            )
        else:
            item.status, item.closed_at, item.closed_by = ItemStatus.IN_PROGRESS, None, None
        item.save(
            update_fields=[
                "verified_by",
                "verified_at",
                "verification_note",
                "status",
                "closed_at",
                "closed_by",
            ]
        )
        record_event(
            "rectification.item_verified",
            item,
            acting_user=acting_user,
            data={
                "target": item.target.unit.code,
                "accepted": accept,
                "status_judged": verification.status_judged,
                "explanation": verification.explanation,
                "closed_by": verification.closed_by_id,
                "closed_at": verification.closed_at,
                "note": note,
            },
        )
    return verification


def _check_not_closer(access: CampaignAccess, item: RectificationItem) -> None:
    if closed_it_themselves(access, item):
        raise PermissionDenied(
            _("You closed this item yourself; another organizer of the campaign must verify it.")
        )
