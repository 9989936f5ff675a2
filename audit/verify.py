"""Recomputing the chain: the check anyone can run against the database."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from audit.models import GENESIS_HASH, ChainHead, Event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk every event in order; report the first whose link or hash is wrong."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in Event.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            reason = _("event #%(seq)s is missing (next found: #%(next)s)") % {
                "seq": expected_seq,
                "next": event.seq,
            }
            return ChainReport(checked, expected_seq, reason)
        problem = _problem(event, prev_hash)
        if problem:
            return ChainReport(checked, event.seq, problem)
        prev_hash, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    return _check_tail(checked, expected_seq, prev_hash)


def _check_tail(checked: int, expected_seq: int, last_hash: str) -> ChainReport:
    """Deleting the newest events leaves a valid chain; the head row remembers the tip.

    Someone who can also rewrite the head row can hide a truncated tail: the
    published head (seq and hash) is the outside anchor that catches that.
    """
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return ChainReport(checked, expected_seq, _("the chain head row is missing"))
        return ChainReport(checked)
    if head.seq >= expected_seq:
        reason = _("events #%(first)s to #%(last)s are missing") % {
            "first": expected_seq,
            "last": head.seq,
        }
        return ChainReport(checked, expected_seq, reason)
    if head.seq != expected_seq - 1 or head.hash != last_hash:
        reason = _("the chain head does not match the last event")
        return ChainReport(checked, head.seq + 1, reason)
    return ChainReport(checked)


def _problem(event: Event, prev_hash: str) -> str:
    if event.prev_hash != prev_hash:
        return _("its previous hash does not match the event before it")
    if event.compute_hash() != event.hash:
        return _("its content does not match its hash")
    return ""
