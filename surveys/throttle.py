"""The guessing throttle: at most 100 wrong tokens per client address, and per network, an hour.

An address over the limit is refused every code, right ones too, so it
cannot go on testing codes; a network over the limit is refused wrong codes
only, so one guesser cannot shut a whole office or mobile network out.

Counted in the database, so every gunicorn worker shares the count, and by a
keyed hash of the network, so the table holds no address. Staff logins are
not involved.
"""

import hashlib
import hmac
import ipaddress
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
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


def _keys(ip: str) -> tuple[str, str]:
    """The counters a wrong code adds to: the client's own address, and its network."""
    return keyed_hash("address", (ip or "").strip()), keyed_hash("network", network_of(ip))


def _over_limit(key: str) -> QuerySet:
    hour = _hour(timezone.now())
    return FailedTokenTry.objects.filter(network_hash=key, hour=hour, count__gte=limit())


def address_over_limit_sql(ip: str) -> tuple[str, list]:
    """`address_blocked` as an SQL expression and its parameters, for the query that looks
    the token up (surveys.submission) to ask in the same round trip."""
    quote = connection.ops.quote_name
    column = {f.name: quote(f.column) for f in FailedTokenTry._meta.concrete_fields}
    sql = (
        f"EXISTS (SELECT 1 FROM {quote(FailedTokenTry._meta.db_table)} "  # noqa: S608 - our table
        f"WHERE {column['network_hash']} = %s AND {column['hour']} = %s "
        f"AND {column['count']} >= %s)"
    )
    hour = connection.ops.adapt_datetimefield_value(_hour(timezone.now()))
    return sql, [_keys(ip)[0], hour, limit()]


def address_blocked(ip: str) -> bool:
    """This address guessed too often: refuse every code from it, right ones too."""
    return _over_limit(_keys(ip)[0]).exists()


def network_blocked(ip: str) -> bool:
    """Its network guessed too often: refuse wrong codes, so neighbours still get in."""
    return _over_limit(_keys(ip)[1]).exists()


def record_failure(ip: str) -> None:
    """Count one wrong token; its own transaction, so a refused answer cannot roll it back."""
    hour = _hour(timezone.now())
    for key in _keys(ip):
        with transaction.atomic():
            _count(key, hour)


def _count(key: str, hour: datetime) -> None:
    if FailedTokenTry.objects.filter(network_hash=key, hour=hour).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            FailedTokenTry.objects.create(network_hash=key, hour=hour, count=1)
    except IntegrityError:  # another worker created the row first
        FailedTokenTry.objects.filter(network_hash=key, hour=hour).update(count=F("count") + 1)
