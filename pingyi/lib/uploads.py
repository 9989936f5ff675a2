"""Checking uploaded files: size, and type by content, not by the name the sender chose.

Stored files get a random name: the original name can identify a person
(a complainant's "张三投诉.docx") and never reaches storage or metadata.
"""

import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str


PDF = FileType("pdf", "application/pdf")
PNG = FileType("png", "image/png")
JPEG = FileType("jpg", "image/jpeg")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TEXT = FileType("txt", "text/plain")
DEFAULT_TYPES = (PDF, PNG, JPEG, DOCX, XLSX, TEXT)


# Office files are zip archives: their parts may unpack to at most this many times the limit.
UNPACK_FACTOR = 10


def max_upload_bytes() -> int:
    return settings.PINGYI_MAX_UPLOAD_MB * 1024 * 1024


def check_upload(upload, allowed: tuple[FileType, ...] = DEFAULT_TYPES) -> FileType:
    """Return the detected type or raise ValidationError with a message for the sender."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size).1f MB); the limit is %(limit)s MB (文件过大).")
            % {"size": upload.size / 1024 / 1024, "limit": settings.PINGYI_MAX_UPLOAD_MB},
            code="too_large",
        )
    detected = sniff(upload)
    if detected in (DOCX, XLSX) and _unpacked_size(upload) > limit * UNPACK_FACTOR:
        # A small archive that unpacks to gigabytes would exhaust memory when read.
        raise ValidationError(
            _("The file unpacks to more than %(limit)s MB (文件解压后过大).")
            % {"limit": settings.PINGYI_MAX_UPLOAD_MB * UNPACK_FACTOR},
            code="too_large",
        )
    if detected not in allowed:
        names = ", ".join(t.extension.upper() for t in allowed)
        raise ValidationError(
            _("This kind of file is not accepted; use %(names)s (不支持的文件类型).")
            % {"names": names},
            code="bad_type",
        )
    return detected


def sniff(upload) -> FileType | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(upload)
    return _text_type(upload)


def _office_type(upload) -> FileType | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _unpacked_size(upload) -> int:
    try:
        with zipfile.ZipFile(upload) as archive:
            return sum(info.file_size for info in archive.infolist())
    finally:
        upload.seek(0)


def _text_type(upload) -> FileType | None:
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT


def stored_name(prefix: str, file_type: FileType) -> str:
    return f"{prefix}/{uuid.uuid4().hex}.{file_type.extension}"


def private_download(field_file, *, filename: str, content_type: str):
    """Serve a stored upload as an attachment, never cached or sniffed by the browser.

    Callers check permission first; `filename` is made by the app, not the sender's.
    """
    from django.http import FileResponse, Http404

    if not field_file.storage.exists(field_file.name):
        raise Http404(_("The file is missing from storage."))
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
