import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint, ComplaintAttachment
from complaints.tests.conftest import CONTENT, file_web, upload

pytestmark = pytest.mark.django_db


def _stored_files(settings):
    root = settings.MEDIA_ROOT / "complaints"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _form(cast, **extra):
    data = {
        "target": "county-a",
        "kind": "complaint",
        "category": "attitude",
        "content": CONTENT,
        "anonymous": "on",
    }
    data.update(extra)
    return data


def test_an_oversized_file_is_refused_with_a_clear_message(cast, settings):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    big = upload("big.txt", b"a" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        file_web(cast, attachments=[big])
    (message,) = caught.value.message_dict["attachments"]
    assert "File 1" in message and "too large" in message and "1 MB" in message
    assert not Complaint.objects.exists() and _stored_files(settings) == []


def test_a_disallowed_type_is_refused_with_a_clear_message(cast, settings):
    program = upload("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "image/jpeg")
    with pytest.raises(ValidationError) as caught:
        file_web(cast, attachments=[upload(), program])
    (message,) = caught.value.message_dict["attachments"]
    assert message.startswith("File 2") and "not accepted" in message and "PDF" in message
    assert not Complaint.objects.exists() and _stored_files(settings) == []


def test_more_than_three_files_are_refused(cast):
    with pytest.raises(ValidationError) as caught:
        file_web(cast, attachments=[upload() for _ in range(4)])
    assert "at most 3" in caught.value.message_dict["attachments"][0]
    assert not Complaint.objects.exists()


def test_the_public_form_shows_upload_errors_and_keeps_nothing(client, cast, settings):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    evil = SimpleUploadedFile("x.exe", b"MZ\x00\x00binary")
    response = client.post("/complaints/c/c-2026/new/", _form(cast, attachments=[big, evil]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "File 1: The file is too large" in page
    assert "File 2: This kind of file is not accepted" in page
    assert "big.pdf" not in page and "x.exe" not in page
    assert not Complaint.objects.exists() and _stored_files(settings) == []


def test_accepted_files_get_a_random_name_and_no_original_filename_is_kept(cast, settings):
    complaint = file_web(cast, attachments=[upload("欧阳秘密的投诉.txt")])
    attachment = ComplaintAttachment.objects.get(complaint=complaint)
    assert attachment.file.name.startswith("complaints/") and attachment.file.name.endswith(".txt")
    assert "欧阳" not in attachment.file.name
    assert attachment.content_type == "text/plain" and attachment.size > 0
    values = ComplaintAttachment.objects.values().get()
    assert not any("欧阳" in str(v) for v in values.values())


def test_attachments_are_served_by_number_to_readers_only(login, cast, settings):
    from complaints.tests.conftest import assign

    complaint = file_web(cast, attachments=[upload("欧阳秘密的投诉.txt")])
    assign(cast, complaint)
    attachment = complaint.attachments.get()
    url = f"/complaints/attachments/{attachment.pk}/"
    response = login(cast.liaison).get(url)
    assert response.status_code == 200
    assert f"complaint-{complaint.pk}-{attachment.pk}.txt" in response["Content-Disposition"]
    assert "欧阳" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(cast.other_liaison).get(url).status_code == 404


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_photos_lose_their_exif_and_text_chunks(cast):
    exif = b"Exif\x00\x00MM\x00*GPS 28.19N 112.97E Owner OUYANG"
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xe1"
        + struct.pack(">H", len(exif) + 2)
        + exif
        + b"\xff\xfe\x00\x0cOUYANG-COM"
        + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00PIXELS\xff\xd9"
    )
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + _png_chunk(b"tEXt", b"Author\x00OUYANG")
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _png_chunk(b"IEND", b"")
    )
    complaint = file_web(
        cast,
        attachments=[
            SimpleUploadedFile("a.jpg", jpeg, "image/jpeg"),
            SimpleUploadedFile("b.png", png, "image/png"),
        ],
    )
    stored = [default_storage.open(a.file.name).read() for a in complaint.attachments.all()]
    assert all(b"OUYANG" not in data for data in stored)
    assert b"JFIF" in stored[0] and stored[0].endswith(b"PIXELS\xff\xd9")
    assert b"IDAT" in stored[1] and b"IEND" in stored[1]


def test_office_documents_and_pdfs_lose_their_author(cast):
    import docx
    from reportlab.pdfgen import canvas

    document = docx.Document()
    document.add_paragraph("投诉正文")
    document.core_properties.author = "Ouyang Mimi"
    document.core_properties.last_modified_by = "Ouyang Mimi"
    docx_bytes = io.BytesIO()
    document.save(docx_bytes)

    pdf_bytes = io.BytesIO()
    pdf = canvas.Canvas(pdf_bytes)
    pdf.setAuthor("Ouyang Mimi")
    pdf.setTitle("Complaint by Ouyang (Mimi)")
    pdf.drawString(100, 750, "complaint text")
    pdf.save()

    complaint = file_web(
        cast,
        attachments=[
            SimpleUploadedFile("a.docx", docx_bytes.getvalue()),
            SimpleUploadedFile("b.pdf", pdf_bytes.getvalue()),
        ],
    )
    stored_docx, stored_pdf = (
        default_storage.open(a.file.name).read() for a in complaint.attachments.all()
    )
    reopened = docx.Document(io.BytesIO(stored_docx))
    assert reopened.core_properties.author == ""
    assert reopened.core_properties.last_modified_by == ""
    assert reopened.paragraphs[0].text == "投诉正文"
    assert b"Ouyang" not in stored_pdf
    assert len(stored_pdf) == len(pdf_bytes.getvalue())  # offsets in the xref stay valid


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\xff\xe1\xff\xff", b"\xff\xd8\xff"],
    ids=["truncated length", "length past the end", "marker only"],
)
def test_a_file_the_scrubber_cannot_parse_is_kept_as_sent(data):
    from complaints.scrub import scrub
    from pingyi.lib.uploads import JPEG

    assert scrub(data, JPEG) == data
