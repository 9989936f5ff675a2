"""What an organizer hands out: invitation links, a CSV for mail merge, QR cards and posters.

Pure functions of a batch (or open link) and its raw tokens; nothing here
stores anything. The raw tokens exist only while a batch is being created,
so these files are made once, at that moment, and never again.

Printed text follows the active language (zh-hans by default), like the
pages the organizer saw when making the batch.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from pingyi.lib.spreadsheets import FORMULA_STARTS
from surveys.models import InvitationBatch, OpenLink
from surveys.tokens import grouped

FONT = "STSong-Light"  # reportlab's built-in CJK font: nothing to embed or install
LATIN_FONT = "Helvetica"  # STSong-Light's Latin letters are half-width and look cramped
CODE_FONT = "Courier-Bold"
CSV_COLUMNS = ("card", "code", "link", "target", "category", "campaign")
CARD_COLUMNS = 2
CARD_ROWS = 5


# ---- links ----------------------------------------------------------------------------------


def public_base(request_or_base_url) -> str:
    """The site's public address without a trailing slash.

    A string is taken as the base itself; for a request, the setting
    PINGYI_SITE_URL wins (the address respondents reach, which may differ
    from the one staff use), else the address the request came in on.
    """
    if isinstance(request_or_base_url, str):
        base = request_or_base_url
    else:
        base = settings.PINGYI_SITE_URL or request_or_base_url.build_absolute_uri("/")
    return base.rstrip("/")


def invitation_link(request_or_base_url, token: str) -> str:
    return f"{public_base(request_or_base_url)}/s/{token}/"


def open_link_url(request_or_base_url, slug: str) -> str:
    return f"{public_base(request_or_base_url)}/s/o/{slug}/"


def card_number(batch: InvitationBatch, serial: int) -> str:
    return f"B{batch.number}-{serial:04d}"


# ---- CSV and ZIP ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Unit and campaign names are typed by people: keep a spreadsheet from running them."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def batch_csv(batch: InvitationBatch, tokens: Iterable[tuple[int, str]], base_url: str) -> bytes:
    """One row per invitation, UTF-8 with a BOM so that Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    target = _cell(batch.target.unit.name)
    category = _cell(batch.category)
    campaign = _cell(batch.campaign.name)
    for serial, token in tokens:
        writer.writerow(
            (
                card_number(batch, serial),
                grouped(token),
                invitation_link(base_url, token),
                target,
                category,
                campaign,
            )
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def batch_zip(batch: InvitationBatch, tokens: list[tuple[int, str]], base_url: str) -> bytes:
    """`batch-<n>.csv` and `batch-<n>-cards.pdf` in one download."""
    name = f"batch-{batch.number}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.csv", batch_csv(batch, tokens, base_url))
        archive.writestr(f"{name}-cards.pdf", cards_pdf(batch, tokens, base_url))
    return out.getvalue()


# ---- PDF ------------------------------------------------------------------------------------


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, quiet zone included (dark = True)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(pdf, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of `text` as a square of side `size` with its lower left at (x, y).

    Each row's runs of dark modules become one rectangle, in module units, of
    a single filled path: crisp at any print resolution, and written as
    whole numbers straight into the page (reportlab's own float formatting
    made a sheet of a thousand cards take seconds).
    """
    matrix = qr_matrix(text)
    count = len(matrix)
    rects = []
    for row_index, row in enumerate(matrix):
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            rects.append(f"{start} {count - row_index - 1} {column - start} 1 re")
    pdf.saveState()
    pdf.translate(x, y)
    pdf.scale(size / count, size / count)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.addLiteral("\n".join(rects) + "\nf")
    pdf.restoreState()


def _paragraph(pdf, text: str, x: float, top: float, width: float, size: float, **style) -> float:
    """Draw wrapped text whose first line starts at `top`; returns the y below it."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = {"wordWrap": "CJK", **style}
    para_style = ParagraphStyle("card", fontName=FONT, fontSize=size, leading=size * 1.3, **style)
    paragraph = Paragraph(_latin_runs(_escape(text)), para_style)
    _, height = paragraph.wrapOn(pdf, width, 1000)
    paragraph.drawOn(pdf, x, top - height)
    return top - height


def _escape(text: str) -> str:
    """Paragraph text is a small markup language; names are plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LATIN = re.compile(r"[\x20-\x7e\xa0-\xff]+")


def _latin_runs(markup: str) -> str:
    return _LATIN.sub(lambda m: f'<font face="{LATIN_FONT}">{m.group(0)}</font>', markup)


def _fitted_size(text: str, font: str, width: float, largest: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return min(largest, width / stringWidth(text, font, 1))


@dataclass(frozen=True)
class _Sheet:
    """What every card of a batch shares."""

    batch: InvitationBatch
    base_url: str
    instruction: str  # "scan or visit <entry> …"
    entry: str  # where a code is typed in: <base>/s/
    width: float
    height: float


def cards_pdf(batch: InvitationBatch, tokens: Iterable[tuple[int, str]], base_url: str) -> bytes:
    """A4 sheets of CARD_COLUMNS × CARD_ROWS cards with dashed cut lines between them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(
        _("Invitation cards %(card)s") % {"card": f"B{batch.number}"}
        + f" · {batch.campaign.name} · {batch.target.unit.name}"
    )
    page_width, page_height = A4
    entry = f"{public_base(base_url)}/s/"
    sheet = _Sheet(
        batch=batch,
        base_url=base_url,
        instruction=_("Scan the code or visit %(url)s and enter the invitation code")
        % {"url": entry},
        entry=entry,
        width=page_width / CARD_COLUMNS,
        height=page_height / CARD_ROWS,
    )
    per_page = CARD_COLUMNS * CARD_ROWS
    for index, (serial, token) in enumerate(tokens):
        if index and index % per_page == 0:
            _cut_lines(pdf, page_width, page_height)
            pdf.showPage()
        place = index % per_page
        x = (place % CARD_COLUMNS) * sheet.width
        y = page_height - (place // CARD_COLUMNS + 1) * sheet.height
        _card(pdf, sheet, serial, token, x, y)
    _cut_lines(pdf, page_width, page_height)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _card(pdf, sheet: _Sheet, serial: int, token: str, x: float, y: float) -> None:
    """QR code on the left; campaign, unit, card number, code and instruction on the right."""
    from reportlab.lib.units import mm

    batch = sheet.batch
    pad = 4 * mm
    qr_size = min(sheet.height - 2 * pad, 42 * mm)
    link = invitation_link(sheet.base_url, token)
    _draw_qr(pdf, link, x + pad, y + (sheet.height - qr_size) / 2, qr_size)
    text_x = x + pad + qr_size + 2 * mm
    width = x + sheet.width - pad - text_x
    top = y + sheet.height - pad - 1 * mm
    top = _paragraph(pdf, batch.campaign.name, text_x, top, width, 8, textColor="#444444")
    top = _paragraph(pdf, batch.target.unit.name, text_x, top - 1.5 * mm, width, 12)
    number = card_number(batch, serial)
    if batch.category:
        number = f"{number} · {batch.category}"
    top = _paragraph(pdf, number, text_x, top - 1 * mm, width, 8)
    code = grouped(token)
    size = _fitted_size(code, CODE_FONT, width, 11)
    pdf.setFont(CODE_FONT, size)
    pdf.drawString(text_x, top - 2 * mm - size, code)
    # Wrapped at spaces only, so the address stays whole on a line of its own
    # (the translation keeps spaces around it).
    size_text = _fitted_size(sheet.entry, LATIN_FONT, width, 8)
    _paragraph(pdf, sheet.instruction, text_x, top - 4 * mm - size, width, size_text, wordWrap=None)


def _cut_lines(pdf, page_width: float, page_height: float) -> None:
    pdf.saveState()
    pdf.setStrokeColorRGB(0.6, 0.6, 0.6)
    pdf.setLineWidth(0.4)
    pdf.setDash(3, 3)
    for column in range(1, CARD_COLUMNS):
        x = column * page_width / CARD_COLUMNS
        pdf.line(x, 0, x, page_height)
    for row in range(1, CARD_ROWS):
        y = row * page_height / CARD_ROWS
        pdf.line(0, y, page_width, y)
    pdf.restoreState()


def open_link_poster_pdf(link: OpenLink, base_url: str) -> bytes:
    """One A4 poster for a service hall: the unit, a big QR code and the link written out."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    url = open_link_url(base_url, link.slug)
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{link.campaign.name} · {link.target.unit.name}")
    page_width, page_height = A4
    margin = 20 * mm
    width = page_width - 2 * margin
    centered = {"alignment": TA_CENTER}
    top = page_height - 25 * mm
    top = _paragraph(pdf, link.campaign.name, margin, top, width, 16, **centered)
    top = _paragraph(
        pdf,
        _("Tell us how %(unit)s serves you") % {"unit": link.target.unit.name},
        margin,
        top - 8 * mm,
        width,
        26,
        **centered,
    )
    qr_size = 130 * mm
    qr_top = top - 10 * mm
    _draw_qr(pdf, url, (page_width - qr_size) / 2, qr_top - qr_size, qr_size)
    top = _paragraph(
        pdf,
        _("Scan the code with your phone, or open this address:"),
        margin,
        qr_top - qr_size - 6 * mm,
        width,
        14,
        **centered,
    )
    size = _fitted_size(url, CODE_FONT, width, 16)
    pdf.setFont(CODE_FONT, size)
    pdf.drawCentredString(page_width / 2, top - 3 * mm - size, url)
    _paragraph(
        pdf,
        _("Your answers are anonymous: nobody can tell who gave them."),
        margin,
        top - 12 * mm - size,
        width,
        14,
        **centered,
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()
