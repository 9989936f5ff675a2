"""Invitation tokens, receipts and link codes: random, typable, kept only as hashes.

A token is 130 bits from `secrets` written in lowercase base32 without
padding (26 characters, no 0/1/8 look-alikes to confuse); people may type it
with dashes, spaces or capitals, which `normalise` removes. Only its SHA-256
is stored, and nothing else is derived from it.
"""

import hashlib
import re
import secrets

TOKEN_BYTES = 17  # 136 bits of which the first 130 are written: 26 base32 characters
TOKEN_LENGTH = 26
RECEIPT_LENGTH = 16  # 80 bits: a receipt only answers "was it counted"
SLUG_LENGTH = 10
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
TOKEN_RE = re.compile(rf"^[a-z2-7]{{{TOKEN_LENGTH}}}$")
RECEIPT_RE = re.compile(rf"^[a-z2-7]{{{RECEIPT_LENGTH}}}$")
SLUG_RE = re.compile(rf"^[a-z2-7]{{{SLUG_LENGTH}}}$")
# A token in a URL path, for redacting logs: any segment after /s/ but the page names
# (typed with spaces, dashes or percent-escapes, it is still someone's ballot).
# Case-blind: a request for /S/<token>/ is refused, but its request line still names the token.
TOKEN_PATH_RE = re.compile(
    r"/s/(?!(?:o|answer|receipt)(?:[/?#\s]|$))[^/?#\"'\s][^/?#\"']*", re.IGNORECASE
)


def _base32(nbytes: int, length: int) -> str:
    number = int.from_bytes(secrets.token_bytes(nbytes), "big")
    return "".join(_ALPHABET[(number >> (5 * i)) & 31] for i in range(length))


def new_token() -> str:
    return _base32(TOKEN_BYTES, TOKEN_LENGTH)


def new_receipt() -> str:
    return _base32(10, RECEIPT_LENGTH)


def new_slug() -> str:
    return _base32(7, SLUG_LENGTH)


def normalise(text: str) -> str:
    """What a person typed or scanned, as the stored form: no dashes, spaces or capitals."""
    return re.sub(r"[\s\-]", "", text or "").lower()


def token_hash(token: str) -> str:
    # Tokens carry 130 random bits, so a plain hash cannot be reversed by guessing.
    return hashlib.sha256(normalise(token).encode("ascii", "replace")).hexdigest()


def grouped(code: str, size: int = 4) -> str:
    """For printing: `abcd-efgh-…`, easier to read aloud and type."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(normalise(token)))
