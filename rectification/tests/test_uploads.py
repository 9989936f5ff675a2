from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Event
from rectification.actions import do_set_report_due
from rectification.models import Evidence, ReportKind, ReportSubmission
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _evidence(client, item, upload, description="整改照片"):
    return client.post(
        reverse("rectification:item_add_evidence", args=[item.pk]),
        {"file": upload, "description": description},
        follow=True,
    )


def test_evidence_is_stored_under_a_random_name_and_served_to_permitted_users(
    cast, open_item, login, settings
):
    item = open_item()
    response = _evidence(login(cast.liaison), item, SimpleUploadedFile("张三投诉.png", PNG))
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png" and evidence.size == len(PNG)
    assert "张三" not in evidence.file.name and evidence.file.name.endswith(".png")
    [stored] = _stored_files(settings)
    assert "张三" not in str(stored)
    event = Event.objects.get(action="rectification.evidence_added")
    assert "张三" not in str(event.data)

    url = reverse("rectification:evidence_file", args=[evidence.pk])
    download = login(cast.organizer).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]
    assert login(cast.other_liaison).get(url).status_code == 403


def test_oversized_evidence_is_refused_with_a_clear_message(cast, open_item, login, settings):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    item = open_item()
    events = Event.objects.count()
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    page = _evidence(login(cast.liaison), item, big).content.decode()
    assert "The file is too large" in page or "文件过大" in page
    assert "1 MB" in page
    assert not Evidence.objects.exists() and Event.objects.count() == events
    assert _stored_files(settings) == []


def test_a_disallowed_file_type_is_refused_with_a_clear_message(
    cast, open_item, login, settings, english
):
    item = open_item()
    page = _evidence(
        login(cast.liaison), item, SimpleUploadedFile("整改.pdf", EXE)
    ).content.decode()
    assert "不支持的文件类型" in page
    assert "PDF, PNG, JPG, DOCX, XLSX, TXT" in page
    assert not Evidence.objects.exists() and _stored_files(settings) == []


def test_report_attachments_are_checked_the_same_way(cast, login, settings, english):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    do_set_report_due(
        access_of(cast, cast.organizer),
        kind=ReportKind.SELF_INSPECTION,
        due_date=date(2099, 1, 1),
        acting_user=cast.organizer,
    )
    client = login(cast.liaison)
    url = reverse(
        "rectification:submit_report", args=["c-2026", "county-a", ReportKind.SELF_INSPECTION]
    )
    for upload, message in [
        (SimpleUploadedFile("报告.exe", EXE), "不支持的文件类型"),
        (SimpleUploadedFile("报告.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1)), "文件过大"),
    ]:
        page = client.post(url, {"text": "自查报告", "file": upload}, follow=True).content.decode()
        assert message in page
    assert not ReportSubmission.objects.exists() and _stored_files(settings) == []

    ok = SimpleUploadedFile("报告.pdf", b"%PDF-1.4 report")
    client.post(url, {"text": "自查报告", "file": ok})
    submission = ReportSubmission.objects.get()
    assert submission.file_extension == "pdf" and "报告" not in submission.file.name
    download = client.get(reverse("rectification:submission_file", args=[submission.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    other = login(cast.other_liaison)
    assert (
        other.get(reverse("rectification:submission_file", args=[submission.pk])).status_code == 403
    )
