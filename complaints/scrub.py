"""Removing embedded metadata from attachments before the unit concerned can download them.

Photos carry EXIF (camera owner, GPS position of the complainant's home);
Office files carry author names in their properties, comments, tracked
changes, people lists and saved paths; PDFs carry /Author, /Creator, XMP
packets and sticky-note authors. The unit concerned reads the attachments, so
these are stripped at intake. Best effort and content-preserving: pixels, text
and layout are left alone. What is not covered (names inside a scanned letter
or in the text itself, compressed PDF object streams…) is listed in
docs/complaints.md.
"""

import functools
import io
import re
import struct
import zipfile
import zlib

from pingyi.lib.uploads import DOCX, JPEG, PDF, PNG, XLSX, FileType


def scrub(data: bytes, file_type: FileType) -> bytes:
    scrubber = _SCRUBBERS.get(file_type.extension)
    if scrubber is None:
        return data
    try:
        return scrubber(data)
    except (ValueError, IndexError, struct.error, zipfile.BadZipFile, zlib.error):
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
_PEOPLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"/>'
)
_OFFICE_PARTS = {
    "docProps/core.xml": _CORE_XML,
    "docProps/app.xml": _APP_XML,
    "docProps/custom.xml": _CUSTOM_XML,
    # Word's list of everyone who commented or tracked changes, with their account ids.
    "word/people.xml": _PEOPLE_XML,
}

# Attributes that carry a person's name, by part: in any part, comment and revision authors
# (w:author on w:ins, w:del, w:rPrChange…, w:comment) with their initials, and the user name
# of Excel's file sharing and revision log; in Excel's person list, display name and account.
_PERSON_ATTRIBUTES = (b"author", b"initials", b"userName")
_PART_ATTRIBUTES = (
    (re.compile(r"^xl/persons/[^/]+\.xml$"), (b"displayName", b"userId", b"providerId")),
    (re.compile(r"^xl/revisions/userNames\.xml$"), (b"name",)),
)
_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")
_ATTACHED_TEMPLATE = re.compile(rb"<Relationship\b[^<>]*/attachedTemplate\"[^<>]*>")
_ABS_PATH = re.compile(rb"<(?:[\w.-]+:)?absPath\b[^<>]*>")
_EXCEL_AUTHOR = re.compile(rb"(<(?:[\w.-]+:)?author>)([^<]*)(</(?:[\w.-]+:)?author>)")


@functools.cache
def _attribute_pattern(names: tuple[bytes, ...]) -> re.Pattern:
    alternatives = b"|".join(re.escape(n) for n in names)
    return re.compile(rb"(\s(?:[\w.-]+:)?(?:" + alternatives + rb")\s*=\s*)(\"[^\"]*\"|'[^']*')")


def _blank_attributes(xml: bytes, names: tuple[bytes, ...], tags: re.Pattern = _TAG) -> bytes:
    """Empty the named attributes (any namespace prefix) inside matching tags, never in text."""
    pattern = _attribute_pattern(names)
    return tags.sub(lambda tag: pattern.sub(rb'\1""', tag.group(0)), xml)


def _scrub_excel_comment_authors(xml: bytes) -> bytes:
    """Blank <author> names, and the bold "Name:" run Excel puts at the start of a note."""
    authors = {m.group(2) for m in _EXCEL_AUTHOR.finditer(xml) if m.group(2).strip()}
    for author in authors:
        xml = re.sub(
            rb"(<(?:[\w.-]+:)?t(?:\s[^<>]*)?>)" + re.escape(author) + rb":(</(?:[\w.-]+:)?t>)",
            rb"\1\2",
            xml,
        )
    return _EXCEL_AUTHOR.sub(rb"\1\3", xml)


def _scrub_office_part(name: str, data: bytes) -> bytes:
    if not name.endswith((".xml", ".rels")):
        return data
    names = _PERSON_ATTRIBUTES
    for part, extra in _PART_ATTRIBUTES:
        if part.match(name):
            names += extra
    data = _blank_attributes(data, names)
    if name.endswith(".rels"):
        # Word's attached template is a path on the sender's disk: C:\Users\<name>\…
        data = _blank_attributes(data, (b"Target",), _ATTACHED_TEMPLATE)
    if name == "xl/workbook.xml":
        # Excel remembers the folder the workbook was last saved in.
        data = _blank_attributes(data, (b"url",), _ABS_PATH)
    if name.startswith("xl/comments") and name.endswith(".xml"):
        data = _scrub_excel_comment_authors(data)
    return data


def _scrub_office(data: bytes) -> bytes:
    """Blank document properties and every name of an author, keep every part and all content.

    Document properties (author, last modified by, company…) and Word's people
    list are replaced by empty ones; comment, revision and sharing authors are
    emptied where they stand, so every reference between parts stays valid.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = _OFFICE_PARTS.get(info.filename)
            if content is not None:
                payload = content.encode("utf-8")
            else:
                payload = _scrub_office_part(info.filename, source.read(info.filename))
            target.writestr(info, payload)
    return buffer.getvalue()


# PDF: the document information entries that name people or describe the content.
_PDF_KEYS = re.compile(rb"/(Author|Title|Subject|Keywords|Creator|Producer)(?=[\s(<])\s*")
# The author of a comment, highlight or sticky note is its /T entry (a form field's /T is
# its name, so widgets are left alone).
_PDF_MARKUP = re.compile(
    rb"/Subtype\s*/(?:Text|FreeText|Line|Square|Circle|Polygon|PolyLine|Highlight|Underline"
    rb"|Squiggly|StrikeOut|Stamp|Caret|Ink|FileAttachment|Sound|Redact)(?![\w])"
)
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b(.*?)\bendobj", re.DOTALL)
_PDF_ANNOT_AUTHOR = re.compile(rb"/T(?=[\s(<])\s*")
# XMP packets (dc:creator, xmp:CreatorTool, pdf:Producer…) that are not compressed.
_XMP = re.compile(
    rb"<(?P<prefix>[\w.-]+):x[ma]pmeta\b.*?</(?P=prefix):x[ma]pmeta\s*>"
    rb"|<rdf:RDF\b.*?</rdf:RDF\s*>",
    re.DOTALL,
)
_EMPTY_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'


def _scrub_pdf(data: bytes) -> bytes:
    """Blank personal entries and XMP packets in place, keeping every byte offset.

    Only uncompressed objects are reached; the xref table stays valid
    because each value keeps its length.
    """
    out = bytearray(data)
    for match in _PDF_KEYS.finditer(data):
        _blank_pdf_string(data, out, match.end())
    for obj in _PDF_OBJECT.finditer(data):
        body = obj.group(1)
        if not _PDF_MARKUP.search(body):
            continue
        for match in _PDF_ANNOT_AUTHOR.finditer(body):
            _blank_pdf_string(data, out, obj.start(1) + match.end())
    for match in _XMP.finditer(data):
        start, end = match.span()
        replacement = _EMPTY_XMP if match.group("prefix") else b""
        if len(replacement) > end - start:
            replacement = b""
        out[start:end] = replacement.ljust(end - start, b" ")
    return bytes(out)


def _blank_pdf_string(data: bytes, out: bytearray, start: int) -> None:
    """Blank the literal or hex string value starting at `start`, keeping its length."""
    if start >= len(data):
        return
    if data[start : start + 1] == b"(":
        end = _literal_string_end(data, start)
        out[start + 1 : end] = b" " * (end - start - 1)
    elif data[start : start + 1] == b"<" and data[start + 1 : start + 2] != b"<":
        end = data.index(b">", start)
        out[start + 1 : end] = b"0" * (end - start - 1)


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
