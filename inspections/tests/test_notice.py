import io
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from inspections.notice import build_notice, render_docx, render_pdf
from inspections.tests.conftest import record_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(cast, inspection):
    record_finding(cast, inspection, severity="serious", deadline=date(2026, 7, 31))
    record_finding(
        cast,
        inspection,
        description="收费公示栏未及时更新",
        severity="minor",
        deadline=date(2026, 8, 14),
    )
    return inspection


def _docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_docx_notice_lists_the_findings_deadlines_and_issuer(cast, notified, login):
    response = login(cast.organizer).get(reverse("inspections:notice_docx", args=[notified.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.docx"')
    text = _docx_text(response.content)
    assert "整改通知书" in text
    assert "甲县局：" in text
    assert "暗访检查" in text
    assert "窗口工作人员上班时间玩手机" in text and "收费公示栏未及时更新" in text
    assert "严重" in text and "一般" in text
    assert "2026年7月31日" in text and "2026年8月14日" in text
    assert "请于2026年8月14日前完成整改并书面报告整改情况" in text
    assert "市局" in text  # the issuing unit, the campaign's organizer


def test_the_pdf_notice_is_a_pdf_with_text_on_its_page(cast, notified, login, tmp_path):
    response = login(cast.liaison).get(reverse("inspections:notice_pdf", args=[notified.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"STSong-Light" in response.content
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed; the page is not rendered")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        [pdftoppm, "-f", "1", "-l", "1", "-r", "30", "-gray", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    image = next(tmp_path.glob("p*.pgm")).read_bytes()
    pixels = image.split(b"\n", 3)[3]  # after the P5 header: width height / maxval
    dark = sum(1 for value in pixels if value < 128)
    assert dark > 100  # text was drawn, not a blank page


def test_the_notice_text_is_built_once_for_both_formats(cast, notified):
    notice = build_notice(notified)
    assert [row.severity for row in notice.rows] == ["严重", "一般"]
    assert render_docx(notice).startswith(b"PK")
    assert render_pdf(notice).startswith(b"%PDF")


def test_no_notice_before_any_finding(cast, inspection, login):
    client = login(cast.organizer)
    assert client.get(reverse("inspections:notice_docx", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("inspections:notice_pdf", args=[inspection.pk])).status_code == 404


def test_the_target_liaison_downloads_the_notice_and_another_county_cannot(cast, notified, login):
    url = reverse("inspections:notice_docx", args=[notified.pk])
    assert login(cast.liaison).get(url).status_code == 200
    assert login(cast.other_liaison).get(url).status_code == 404
    assert login(cast.nobody).get(url).status_code == 404
