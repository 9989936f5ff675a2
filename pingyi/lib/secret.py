"""A secret key generated once per data directory for local use."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def load_or_create_secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        _create(path)
    return path.read_text().strip()


def _create(path: Path) -> None:
    """Write the key to a private temporary file, then link it into place.

    os.link fails if the key exists, so two processes starting together agree
    on one key, and neither ever reads a half-written file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(handle, "w") as stream:  # mkstemp makes it 0600
            stream.write(secrets.token_urlsafe(50))
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
