import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pingyi.lib.uploads import DOCX, PDF, PNG, TEXT, check_upload, stored_name
from pingyi.lib.workdays import add_working_days


def test_working_days_skip_weekends_and_holidays():
    friday = date(2026, 9, 25)
    assert add_working_days(friday, 1, frozenset()) == date(2026, 9, 28)
    national_day = frozenset(date(2026, 10, d) for d in range(1, 8))
    assert add_working_days(date(2026, 9, 30), 1, national_day) == date(2026, 10, 8)
    assert add_working_days(friday, 0, frozenset()) == friday


def test_working_days_read_holidays_from_settings(settings):
    settings.PINGYI_HOLIDAYS = ["2026-09-28"]
    settings.PINGYI_EXTRA_WORKDAYS = []
    assert add_working_days(date(2026, 9, 25), 1) == date(2026, 9, 29)


def test_a_make_up_saturday_counts_as_a_working_day(settings):
    # 2026: National Day week off, with Saturday 10 October worked in exchange (调休).
    settings.PINGYI_HOLIDAYS = [f"2026-10-0{d}" for d in range(1, 8)]
    settings.PINGYI_EXTRA_WORKDAYS = ["2026-10-10"]
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 12)


def _zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"%PDF-1.7\n...", PDF),
        (b"\x89PNG\r\n\x1a\n....", PNG),
        (_zip("word/document.xml"), DOCX),
        ("乱收费的情况说明".encode(), TEXT),
    ],
)
def test_uploads_are_recognised_by_content(content, expected):
    upload = SimpleUploadedFile("whatever.bin", content)
    assert check_upload(upload) == expected


def test_a_disguised_executable_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00binary\x00")
    with pytest.raises(ValidationError) as caught:
        check_upload(upload)
    assert caught.value.code == "bad_type"


def test_an_oversized_upload_is_refused(settings):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        check_upload(upload)
    assert caught.value.code == "too_large"


def test_an_office_file_that_unpacks_to_too_much_is_refused(settings):
    settings.PINGYI_MAX_UPLOAD_MB = 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<x/>")
        archive.writestr("word/media/padding.bin", b"\0" * (11 * 1024 * 1024))
    upload = SimpleUploadedFile("bomb.docx", buffer.getvalue())
    assert upload.size < 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        check_upload(upload)
    assert caught.value.code == "too_large"


def test_stored_names_do_not_keep_the_original_name():
    name = stored_name("complaints", PDF)
    assert name.startswith("complaints/") and name.endswith(".pdf") and "张三" not in name
