"""Canonical JSON: one byte string for one value, whatever the dict order."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def to_json_value(value: Any) -> Any:
    """Reduce dates, decimals and UUIDs to plain JSON types, as stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def canonical_bytes(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
