"""Fraud signals raised on a new web response: flags for review, never silent drops.

- repeat_device: the same device (salted hash of address and user agent) answered
  this target through an open link before;
- burst: more than `burst_count` answers to the target through open links within
  `burst_minutes` (counted per minute in ArrivalCount, a table linked to no response);
- speeder: page to submit in under `min_seconds`;
- straight_line: three or more score-sheet items all given the same share of their maximum;
- duplicate_text: the same normalised free text in another response of the campaign.
"""

import hashlib
import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from surveys.models import ArrivalCount, FlagKind, Questionnaire, Response, ResponseFlag
from surveys.throttle import keyed_hash

# Short common remarks (服务很好) repeat honestly; a pasted paragraph does not.
MIN_TEXT_FOR_DUPLICATE = 15
STRAIGHT_LINE_ITEMS = 3
_SPACE_AND_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def device_hash(campaign_code: str, ip: str, user_agent: str) -> str:
    """Keyed per campaign, so the same phone cannot be followed across campaigns."""
    return keyed_hash(f"device:{campaign_code}", f"{ip}\0{user_agent[:500]}")


def text_digest(problems: str, suggestions: str) -> str:
    """Of the free text with spacing and punctuation removed; blank when too short to tell."""
    text = _SPACE_AND_PUNCTUATION.sub("", f"{problems}{suggestions}").lower()
    if len(text) < MIN_TEXT_FOR_DUPLICATE:
        return ""
    return hashlib.sha256(text.encode()).hexdigest()


def count_arrival(target_id: int, now: datetime, questionnaire: Questionnaire) -> int:
    """Add this answer to its minute; returns the answers in the burst window, this one included."""
    minute = now.replace(second=0, microsecond=0)
    updated = ArrivalCount.objects.filter(target_id=target_id, minute=minute).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                ArrivalCount.objects.create(target_id=target_id, minute=minute, count=1)
        except IntegrityError:
            ArrivalCount.objects.filter(target_id=target_id, minute=minute).update(
                count=F("count") + 1
            )
    since = minute - timedelta(minutes=questionnaire.burst_minutes - 1)
    # Minutes before the window are not needed and are not kept, for any target of the
    # campaign: a quiet target's last minute would otherwise stay, pointing at a visitor.
    ArrivalCount.objects.filter(
        target__campaign_id=questionnaire.campaign_id, minute__lt=since
    ).delete()
    total = ArrivalCount.objects.filter(target_id=target_id, minute__gte=since).aggregate(
        n=Sum("count")
    )["n"]
    return total or 0


def raise_flags(
    response: Response, questionnaire: Questionnaire, *, items_max: dict, elapsed: int | None
) -> list[str]:
    """Flag the new response; returns the kinds raised.

    A flag carries the response's coarse time, not the moment it was raised,
    so flags add nothing to match answers with a log.
    """
    now = timezone.now()
    found: list[tuple[str, str]] = []
    if response.open_link_id:
        if response.device_hash:
            before = (
                Response.objects.filter(
                    target_id=response.target_id, device_hash=response.device_hash
                )
                .exclude(pk=response.pk)
                .count()
            )
            if before:
                found.append((FlagKind.REPEAT_DEVICE, f"{before + 1}"))
        arrivals = count_arrival(response.target_id, now, questionnaire)
        if arrivals > questionnaire.burst_count:
            found.append((FlagKind.BURST, f"{arrivals}/{questionnaire.burst_minutes}min"))
            _flag_burst_before(response, questionnaire)
    if elapsed is not None and elapsed < questionnaire.min_seconds:
        found.append((FlagKind.SPEEDER, f"<{questionnaire.min_seconds}s" if elapsed >= 0 else "?"))
    if _straight_lined(response.items or {}, items_max):
        found.append((FlagKind.STRAIGHT_LINE, ""))
    if response.text_digest and (
        Response.objects.filter(campaign_id=response.campaign_id, text_digest=response.text_digest)
        .exclude(pk=response.pk)
        .exists()
    ):
        found.append((FlagKind.DUPLICATE_TEXT, ""))
    ResponseFlag.objects.bulk_create(
        ResponseFlag(response=response, kind=kind, detail=detail, created_at=response.submitted_at)
        for kind, detail in found
    )
    return [kind for kind, _ in found]


def _flag_burst_before(response: Response, questionnaire: Questionnaire) -> None:
    """Flag the open-link answers to the target just before the burst was noticed too.

    Which of them fell in the window is not kept (no exact times), so the
    last `burst_count` are flagged for review; a review keeps the honest ones.
    """
    earlier = (
        Response.objects.filter(target_id=response.target_id, open_link__isnull=False)
        .exclude(pk=response.pk)
        .order_by("-pk")
        .values_list("pk", "submitted_at")[: questionnaire.burst_count]
    )
    ResponseFlag.objects.bulk_create(
        (
            ResponseFlag(response_id=pk, kind=FlagKind.BURST, detail="", created_at=at)
            for pk, at in earlier
        ),
        ignore_conflicts=True,
    )


def _straight_lined(items: dict[str, str], items_max: dict[str, Decimal]) -> bool:
    if len(items) < STRAIGHT_LINE_ITEMS:
        return False
    shares = {Decimal(value) / items_max[key] for key, value in items.items() if items_max.get(key)}
    return len(shares) == 1
