"""Attachment metadata that names the complainant is gone by the time a file is stored.

Each file below is made the way a complainant's own software would leave it:
a Word comment and tracked change by 张三, an Excel comment by 张三, a PDF
whose info dictionary, XMP packet and sticky note name 张三. After intake the
stored bytes (every zip member decompressed) must not name 张三 in UTF-8 or
UTF-16, and the files must still open.
"""

import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.tests.conftest import file_web

pytestmark = pytest.mark.django_db

NAME = "张三"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
PEOPLE_TYPE = "http://schemas.microsoft.com/office/2011/relationships/people"
TEMPLATE_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
)


def _names_the_complainant(data: bytes) -> bool:
    return (
        NAME.encode("utf-8") in data
        or NAME.encode("utf-16-be") in data
        or NAME.encode("utf-16-le") in data
        or NAME.encode("utf-16-be").hex().encode() in data.lower()
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The package with some members replaced or added (callables receive the old bytes)."""
    members = _members(data)
    for name, change in changes.items():
        members[name] = change(members.get(name, b"")) if callable(change) else change
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _stored(cast, name: str, data: bytes) -> bytes:
    complaint = file_web(cast, attachments=[SimpleUploadedFile(name, data)])
    (attachment,) = complaint.attachments.all()
    with default_storage.open(attachment.file.name) as stored:
        return stored.read()


def _docx_with_comment_revision_and_people() -> bytes:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph()
    run = paragraph.add_run("窗口人员索要好处费")
    document.add_comment(run, text="这里要写清楚时间", author=NAME, initials="张")
    paragraph._p.append(
        parse_xml(
            f'<w:ins xmlns:w="{W_NS}" w:id="901" w:author="{NAME}" w:date="2026-07-01T09:00:00Z">'
            "<w:r><w:t>补充的内容</w:t></w:r></w:ins>"
        )
    )
    paragraph._p.append(
        parse_xml(
            f'<w:del xmlns:w="{W_NS}" w:id="902" w:author="{NAME}" w:date="2026-07-01T09:01:00Z">'
            "<w:r><w:delText>删掉的内容</w:delText></w:r></w:del>"
        )
    )
    buffer = io.BytesIO()
    document.save(buffer)

    people = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w15:people xmlns:w15="{W15_NS}"><w15:person w15:author="{NAME}">'
        f'<w15:presenceInfo w15:providerId="AD" w15:userId="S::{NAME}@example.cn"/>'
        "</w15:person></w15:people>"
    ).encode()
    settings_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{TEMPLATE_TYPE}"'
        f' Target="file:///C:/Users/{NAME}/Templates/Normal.dotm" TargetMode="External"/>'
        "</Relationships>"
    ).encode()
    people_override = (
        b'<Override PartName="/word/people.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/></Types>'
    )
    people_rel = f'<Relationship Id="rIdPeople" Type="{PEOPLE_TYPE}" Target="people.xml"/>'
    return _rezip(
        buffer.getvalue(),
        {
            "word/people.xml": people,
            "word/_rels/settings.xml.rels": settings_rels,
            "[Content_Types].xml": lambda old: old.replace(b"</Types>", people_override),
            "word/_rels/document.xml.rels": lambda old: old.replace(
                b"</Relationships>", people_rel.encode() + b"</Relationships>"
            ),
        },
    )


def test_word_comment_and_revision_authors_and_people_are_scrubbed(cast):
    import docx

    original = _docx_with_comment_revision_and_people()
    assert any(_names_the_complainant(m) for m in _members(original).values())

    stored = _stored(cast, "意见.docx", original)

    members = _members(stored)
    assert not [name for name, data in members.items() if _names_the_complainant(data)]
    assert "word/people.xml" in members  # referenced by the rels: kept, emptied
    document_xml = members["word/document.xml"].decode()
    assert "补充的内容" in document_xml and "删掉的内容" in document_xml
    reopened = docx.Document(io.BytesIO(stored))
    assert reopened.paragraphs[0].runs[0].text == "窗口人员索要好处费"
    (comment,) = reopened.comments
    assert comment.text == "这里要写清楚时间"
    assert comment.author == "" and comment.initials in ("", None)


def _xlsx_with_comment_and_person() -> bytes:
    import openpyxl
    from openpyxl.comments import Comment

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "收费项目"
    sheet["A1"].comment = Comment("请核实收费依据", NAME)
    sheet["B1"] = "时间"
    sheet["B1"].comment = Comment("七月一日", NAME)
    buffer = io.BytesIO()
    workbook.save(buffer)

    def excel_style_author_run(old: bytes) -> bytes:
        # Excel starts a note with the author's name in bold: "张三:".
        return old.replace(
            "<t>请核实收费依据</t>".encode(),
            f'<r><rPr><b/></rPr><t>{NAME}:</t></r><r><t xml:space="preserve">\n请核实收费依据</t></r>'.encode(),
        )

    person = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        f'<person displayName="{NAME}" id="{{6B8C0C4E-1111-2222-3333-444455556666}}"'
        f' userId="{NAME}@example.cn" providerId="None"/></personList>'
    ).encode()

    def absolute_path(old: bytes) -> bytes:
        abs_path = (
            '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            '<mc:Choice Requires="x15"><x15ac:absPath'
            ' xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"'
            f' url="C:\\Users\\{NAME}\\Desktop\\"/></mc:Choice></mc:AlternateContent>'
        ).encode()
        return re.sub(rb"(<workbookPr[^>]*/>)", lambda m: abs_path + m.group(1), old, count=1)

    comments_part = next(
        n for n in _members(buffer.getvalue()) if n.startswith("xl/comments") and n.endswith(".xml")
    )
    return _rezip(
        buffer.getvalue(),
        {
            comments_part: excel_style_author_run,
            "xl/persons/person.xml": person,
            "xl/workbook.xml": absolute_path,
        },
    )


def test_excel_comment_authors_persons_and_paths_are_scrubbed(cast):
    import openpyxl

    original = _xlsx_with_comment_and_person()
    assert sum(_names_the_complainant(m) for m in _members(original).values()) >= 3

    stored = _stored(cast, "收费.xlsx", original)

    members = _members(stored)
    assert not [name for name, data in members.items() if _names_the_complainant(data)]
    sheet = openpyxl.load_workbook(io.BytesIO(stored)).active
    assert sheet["A1"].value == "收费项目"
    assert "请核实收费依据" in sheet["A1"].comment.text
    assert sheet["B1"].comment.text == "七月一日"
    # openpyxl reads an empty author as "None"; what matters is that the name is gone.
    assert {sheet["A1"].comment.author, sheet["B1"].comment.author} <= {"", None, "None"}


def _pdf(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF with a correct cross-reference table, so any shift of offsets would show."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _utf16_literal(text: str) -> bytes:
    return b"(\xfe\xff" + text.encode("utf-16-be") + b")"


def _pdf_naming_the_complainant() -> bytes:
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f"<dc:creator><rdf:Seq><rdf:li>{NAME}</rdf:li></rdf:Seq></dc:creator>"
        f"<xmp:CreatorTool>{NAME}的电脑</xmp:CreatorTool>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n" + " " * 200 + '\n<?xpacket end="w"?>'
    ).encode("utf-8")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [6 0 R] >>",
        b"<< /Creator "
        + _utf16_literal(NAME)
        + b" /Producer <"
        + ("\ufeff" + NAME).encode("utf-16-be").hex().upper().encode()
        + b"> /Author ("
        + NAME.encode("utf-8")
        + b") >>",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp)
        + xmp
        + b"\nendstream",
        b"<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /T "
        + _utf16_literal(NAME)
        + b" /Contents (please check) >>",
    ]
    return _pdf(objects, b"<< /Size 7 /Root 1 0 R /Info 4 0 R >>")


def test_pdf_creator_producer_xmp_and_note_authors_are_scrubbed_in_place(cast):
    original = _pdf_naming_the_complainant()
    assert _names_the_complainant(original)

    stored = _stored(cast, "材料.pdf", original)

    assert not _names_the_complainant(stored)
    assert b"CreatorTool" not in stored and b"dc:creator" not in stored
    assert len(stored) == len(original)
    # Every cross-reference entry still points at its object.
    xref = int(stored.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    entries = re.findall(rb"(\d{10}) 00000 n ", stored[xref:])
    for number, offset in enumerate(entries, start=1):
        assert stored[int(offset) :].startswith(b"%d 0 obj" % number)
    # The XMP packet is still a well-formed (empty) packet of the same length.
    assert b"<?xpacket begin=" in stored and b'<?xpacket end="w"?>' in stored
    assert b'<x:xmpmeta xmlns:x="adobe:ns:meta/"' in stored
    assert b"/Contents (please check)" in stored
