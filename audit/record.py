"""Writing events: the one function every action calls inside its transaction."""

from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction

from audit.models import ChainHead, Event
from pingyi.lib.canonical import to_json_value


def record_event(
    action: str,
    obj: models.Model | tuple[str, str],
    *,
    acting_user=None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the chain; must run inside the caller's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    object_type, object_id = _describe(obj)
    head = _locked_head()
    event = Event(
        seq=head.seq + 1,
        # Stored in UTC with microseconds so the hashed text survives a round trip.
        at=datetime.now(UTC),
        actor=acting_user if _is_saved_user(acting_user) else None,
        actor_label=getattr(acting_user, "username", "") or "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=to_json_value(data or {}),
        prev_hash=head.hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    ChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash)
    return event


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _describe(obj) -> tuple[str, str]:
    if isinstance(obj, tuple):
        return obj
    return obj._meta.label_lower, str(obj.pk)


def _is_saved_user(user) -> bool:
    return user is not None and getattr(user, "pk", None) is not None
