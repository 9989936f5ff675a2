import csv
import io
import os
import shutil
import subprocess
import zipfile

import pytest
from PIL import Image

from surveys.cards import (
    batch_csv,
    batch_zip,
    cards_pdf,
    invitation_link,
    open_link_poster_pdf,
    open_link_url,
)
from surveys.models import Invitation
from surveys.tests.factories import open_link
from surveys.tokens import grouped, token_hash

BASE = "https://pingyi.example.gov.cn"


def require(tool: str) -> str:
    """Skip without the poppler tool, unless CI made these tests mandatory."""
    found = shutil.which(tool)
    if found:
        return found
    if os.environ.get("PINGYI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{tool} is missing but PINGYI_REQUIRE_BROWSER=1")
    pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")


def page_png(pdf: bytes, tmp_path, page: int = 1):
    pdftoppm = require("pdftoppm")
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", "150", "-png", "-f", str(page), "-l", str(page), source, tmp_path / "p"],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p-*.png")
    return png


def decoded_links(png) -> set[str]:
    import zxingcpp

    return {barcode.text for barcode in zxingcpp.read_barcodes(Image.open(png))}


def pdf_text(pdf: bytes, tmp_path) -> str:
    pdftotext = require("pdftotext")
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-layout", source, "-"], check=True, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def make_batch(cast, size):
    from surveys.invitations import do_create_invitation_batch

    return do_create_invitation_batch(
        cast.campaign, cast.target("county-a"), size=size, acting_user=cast.organizer
    )


def test_invitation_link_uses_the_base_given_or_the_setting_over_the_request(rf, settings):
    assert invitation_link(BASE + "/", "abc") == f"{BASE}/s/abc/"
    request = rf.get("/surveys/")
    settings.PINGYI_SITE_URL = ""
    assert invitation_link(request, "abc") == "http://testserver/s/abc/"
    settings.PINGYI_SITE_URL = BASE
    assert invitation_link(request, "abc") == f"{BASE}/s/abc/"
    assert open_link_url(request, "slug") == f"{BASE}/s/o/slug/"


def test_the_qr_codes_on_a_card_sheet_decode_to_the_batchs_links(cast, tmp_path):
    batch, tokens = make_batch(cast, 12)
    pdf = cards_pdf(batch, tokens, BASE)
    assert pdf.startswith(b"%PDF")
    # ten cards on the first page, the other two on the second
    first = decoded_links(page_png(pdf, tmp_path, 1))
    assert first == {f"{BASE}/s/{token}/" for _, token in tokens[:10]}
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    assert decoded_links(page_png(pdf, second_dir, 2)) == {
        f"{BASE}/s/{token}/" for _, token in tokens[10:]
    }


def test_each_card_shows_its_number_grouped_code_unit_and_instruction(cast, tmp_path):
    batch, tokens = make_batch(cast, 3)
    text = pdf_text(cards_pdf(batch, tokens, BASE), tmp_path)
    for serial, token in tokens:
        assert f"B{batch.number}-{serial:04d}" in text
        assert grouped(token) in text
    assert "甲县局" in text
    assert "测试评议活动" in text
    assert f"{BASE}/s/" in text


def test_the_poster_qr_decodes_to_the_open_link_and_names_the_unit(cast, tmp_path, english):
    link = open_link(cast.target("county-b"))
    pdf = open_link_poster_pdf(link, BASE)
    assert decoded_links(page_png(pdf, tmp_path)) == {f"{BASE}/s/o/{link.slug}/"}
    text = pdf_text(pdf, tmp_path)
    assert "乙县局" in text
    assert f"{BASE}/s/o/{link.slug}/" in text
    assert "anonymous" in text


def test_the_csv_has_one_row_per_token_whose_link_hashes_to_the_stored_hash(cast):
    batch, tokens = make_batch(cast, 5)
    data = batch_csv(batch, tokens, BASE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["card", "code", "link", "target", "category", "campaign"]
    assert len(rows) == 5
    stored = set(Invitation.objects.filter(batch=batch).values_list("token_hash", flat=True))
    for row, (serial, token) in zip(rows, tokens, strict=True):
        assert row["card"] == f"B{batch.number}-{serial:04d}"
        assert row["code"] == grouped(token)
        assert row["link"] == f"{BASE}/s/{token}/"
        assert row["target"] == "甲县局"
        assert row["campaign"] == "测试评议活动"
        token_in_link = row["link"].rstrip("/").rsplit("/", 1)[1]
        assert token_hash(token_in_link) in stored
        assert token_hash(row["code"]) in stored  # the printed code is typable as it stands
    assert {token_hash(r["code"]) for r in rows} == stored


def test_a_name_that_looks_like_a_formula_stays_text_in_the_csv(cast):
    batch, tokens = make_batch(cast, 1)
    batch.campaign.name = "=HYPERLINK(1)"
    data = batch_csv(batch, tokens, BASE).decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(data))
    assert row["campaign"] == "'=HYPERLINK(1)"


def test_the_zip_holds_the_csv_and_the_cards(cast):
    batch, tokens = make_batch(cast, 2)
    archive = zipfile.ZipFile(io.BytesIO(batch_zip(batch, tokens, BASE)))
    n = batch.number
    assert sorted(archive.namelist()) == [f"batch-{n}-cards.pdf", f"batch-{n}.csv"]
    assert archive.read(f"batch-{n}-cards.pdf").startswith(b"%PDF")
