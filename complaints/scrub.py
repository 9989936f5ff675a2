"""Removing embedded metadata from attachments before the unit concerned can download them.

Photos carry EXIF (camera owner, GPS position of the complainant's home),
Office files carry an author name, PDFs an /Author entry. The unit concerned
reads the attachments, so these are stripped at intake. Best effort and
content-preserving: pixels, text and layout are left alone. What is not
covered (names inside a scanned letter, Word comment authors, compressed PDF
metadata) is listed in docs/complaints.md.
"""

import io
import re
import struct
import zipfile

from pingyi.lib.uploads import DOCX, JPEG, PDF, PNG, XLSX, FileType


def scrub(data: bytes, file_type: FileType) -> bytes:
    scrubber = _SCRUBBERS.get(file_type.extension)
    if scrubber is None:
        return data
    try:
        return scrubber(data)
    except (ValueError, IndexError, struct.error, zipfile.BadZipFile):
        # A file we cannot parse was still accepted by check_upload's sniffing; keep it as sent.
        return data


# JPEG: APP1 holds EXIF and XMP, APP13 IPTC, COM free-text comments.
_JPEG_DROP = {0xE1, 0xED, 0xFE}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _scrub_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker == 0xD9:  # end of image
            out += data[pos:]
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if pos + 2 + length > len(data):
            raise ValueError("truncated JPEG segment")
        segment = data[pos : pos + 2 + length]
        if marker == 0xDA:  # start of scan: entropy-coded data follows to the end
            out += data[pos:]
            break
        if marker not in _JPEG_DROP:
            out += segment
        pos += 2 + length
    return bytes(out)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _scrub_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = bytearray(_PNG_SIGNATURE)
    pos = len(_PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk_type = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("truncated PNG chunk")
        if chunk_type not in _PNG_DROP:
            out += data[pos:end]
        pos = end
    return bytes(out)


_CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>'
)
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"></Properties>'
)
_CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"></Properties>'
)
_OFFICE_PARTS = {
    "docProps/core.xml": _CORE_XML,
    "docProps/app.xml": _APP_XML,
    "docProps/custom.xml": _CUSTOM_XML,
}


def _scrub_office(data: bytes) -> bytes:
    """Blank the document properties (author, last modified by, company…), keep every part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = _OFFICE_PARTS.get(info.filename)
            payload = content.encode("utf-8") if content else source.read(info.filename)
            target.writestr(info, payload)
    return buffer.getvalue()


# PDF: the document information entries that name people or describe the content.
_PDF_KEYS = re.compile(rb"/(Author|Title|Subject|Keywords)(?=[\s(<])\s*")


def _scrub_pdf(data: bytes) -> bytes:
    """Blank /Author, /Title, /Subject, /Keywords strings in place, keeping every byte offset.

    Only uncompressed dictionaries are reached; the xref table stays valid
    because each value keeps its length.
    """
    out = bytearray(data)
    for match in _PDF_KEYS.finditer(data):
        start = match.end()
        if start >= len(data):
            continue
        if data[start : start + 1] == b"(":
            end = _literal_string_end(data, start)
            out[start + 1 : end] = b" " * (end - start - 1)
        elif data[start : start + 1] == b"<" and data[start + 1 : start + 2] != b"<":
            end = data.index(b">", start)
            out[start + 1 : end] = b"0" * (end - start - 1)
    return bytes(out)


def _literal_string_end(data: bytes, start: int) -> int:
    """Index of the ')' closing the literal string opened at `start`."""
    depth, pos = 0, start
    while pos < len(data):
        byte = data[pos]
        if byte == 0x5C:  # backslash escapes the next byte
            pos += 2
            continue
        if byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise ValueError("unterminated PDF string")


_SCRUBBERS = {
    JPEG.extension: _scrub_jpeg,
    PNG.extension: _scrub_png,
    DOCX.extension: _scrub_office,
    XLSX.extension: _scrub_office,
    PDF.extension: _scrub_pdf,
}
