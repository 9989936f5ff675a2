"""The guessing throttle: at most 100 wrong tokens per client network and hour.

Counted in the database, so every gunicorn worker shares the count, and by a
keyed hash of the network, so the table holds no address. Staff logins are
not involved.
"""

import hashlib
import hmac
import ipaddress
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from surveys.models import FailedTokenTry


def limit() -> int:
    return settings.PINGYI_TOKEN_TRIES_PER_HOUR


def network_of(ip: str) -> str:
    """The client's network: /24 for IPv4, /48 for IPv6 (one household or office)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def keyed_hash(purpose: str, text: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{purpose}\0{text}".encode(), hashlib.sha256).hexdigest()


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def is_blocked(ip: str) -> bool:
    row = FailedTokenTry.objects.filter(
        network_hash=keyed_hash("network", network_of(ip)), hour=_hour(timezone.now())
    ).first()
    return row is not None and row.count >= limit()


def record_failure(ip: str) -> None:
    """Count one wrong token; its own transaction, so a refused answer cannot roll it back."""
    network_hash = keyed_hash("network", network_of(ip))
    hour = _hour(timezone.now())
    with transaction.atomic():
        updated = FailedTokenTry.objects.filter(network_hash=network_hash, hour=hour).update(
            count=F("count") + 1
        )
        if updated:
            return
        try:
            with transaction.atomic():
                FailedTokenTry.objects.create(network_hash=network_hash, hour=hour, count=1)
        except IntegrityError:  # another worker created the row first
            FailedTokenTry.objects.filter(network_hash=network_hash, hour=hour).update(
                count=F("count") + 1
            )
