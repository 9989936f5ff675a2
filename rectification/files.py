"""Storing checked uploads under random names, and serving them back as attachments."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.storage import default_storage

from pingyi.lib.uploads import FileType, check_upload, stored_name


@dataclass(frozen=True)
class StoredFile:
    name: str
    file_type: FileType
    size: int


@contextmanager
def store_upload(upload, prefix: str) -> Iterator[StoredFile]:
    """Check the upload (ValidationError with a message for the sender), then store it.

    The original file name is dropped: it can identify a person. If the block
    fails, the stored file is removed again so no orphan stays on disk.
    """
    file_type = check_upload(upload)
    name = default_storage.save(stored_name(prefix, file_type), upload)
    try:
        yield StoredFile(name=name, file_type=file_type, size=upload.size)
    except BaseException:
        default_storage.delete(name)
        raise
