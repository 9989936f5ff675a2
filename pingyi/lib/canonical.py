"""Canonical JSON: one byte string for one value, whatever the dict order."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def to_json_value(value: Any) -> Any:
    """Reduce dates, decimals and UUIDs to plain JSON types, as stored.

    Floats are refused: PostgreSQL's jsonb rewrites some of them (1e20 comes
    back as an integer), which would change a hashed value. Pass a Decimal
    (stored as its exact string) or an integer instead.
    """
    reduced = json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    _refuse_floats(reduced)
    return reduced


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError(f"floats are not stored exactly; pass a Decimal instead of {value!r}")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


def canonical_bytes(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
