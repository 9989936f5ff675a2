"""A secret key generated once per data directory for local use."""

import secrets
from pathlib import Path


def load_or_create_secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Written with owner-only permissions: the key signs sessions.
    path.touch(mode=0o600)
    path.write_text(key)
    return key
