"""The rectification notice (整改通知书) for one inspection, as DOCX and PDF.

The notice is an official document sent to a Chinese unit, so its wording is
Chinese whatever the reader's interface language.
"""

import io
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from inspections.models import Inspection, InspectionKind, Severity

SEVERITY_ZH = {Severity.MINOR: "一般", Severity.MODERATE: "较重", Severity.SERIOUS: "严重"}
KIND_ZH = {InspectionKind.COVERT: "暗访检查", InspectionKind.OPEN: "明查检查"}
FONT = "STSong-Light"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class NoticeRow:
    number: int
    description: str
    severity: str
    deadline: str


@dataclass(frozen=True)
class Notice:
    title: str
    number: str
    addressee: str
    opening: str
    rows: list[NoticeRow]
    request: str
    closing: str
    issuer: str
    issued_on: str


def build_notice(inspection: Inspection) -> Notice | None:
    """The notice's text, or None while the inspection has no findings to notify."""
    findings = list(inspection.findings.order_by("recorded_at", "pk"))
    if not findings:
        return None
    campaign = inspection.target.campaign
    issuer = campaign.organizer.name
    last_deadline = max(f.deadline for f in findings)
    issued = timezone.localdate(max(f.recorded_at for f in findings))
    return Notice(
        title="整改通知书",
        number=f"评议整改〔{campaign.year}〕{inspection.pk}号",
        addressee=f"{inspection.target.unit.name}：",
        opening=(
            f"{chinese_date(inspection.date)}，{issuer}“{campaign.name}”检查组"
            f"对你单位进行了{KIND_ZH[inspection.kind]}（地点：{inspection.place}），"
            f"发现以下问题："
        ),
        rows=[
            NoticeRow(i, f.description, SEVERITY_ZH[f.severity], chinese_date(f.deadline))
            for i, f in enumerate(findings, start=1)
        ],
        request=(
            "请你单位高度重视，对照上述问题逐项制定整改措施，明确整改责任人和整改时限，"
            "在各问题所列期限内整改到位，"
            f"请于{chinese_date(last_deadline)}前完成整改并书面报告整改情况。"
            "上述问题已列入整改台账，整改落实情况将作为民主评议政风行风检查评议的重要内容。"
        ),
        closing="特此通知。",
        issuer=issuer,
        issued_on=chinese_date(issued),
    )


HEADERS = ("序号", "存在问题", "问题性质", "整改期限")


def render_docx(notice: Notice) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(notice.title)
    run.bold = True
    run.font.size = Pt(22)
    number = document.add_paragraph(notice.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(notice.addressee)
    document.add_paragraph(notice.opening)

    table = document.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in notice.rows:
        cells = table.add_row().cells
        values = (str(row.number), row.description, row.severity, row.deadline)
        for cell, text in zip(cells, values, strict=True):
            cell.text = text

    document.add_paragraph(notice.request)
    document.add_paragraph(notice.closing)
    for text in (notice.issuer, notice.issued_on):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_pdf(notice: Notice) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=22, leading=30, alignment=TA_CENTER)
    centered = ParagraphStyle("centered", parent=body, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    indented = ParagraphStyle("indented", parent=body, firstLineIndent=24)
    cell = ParagraphStyle("cell", parent=body, fontSize=11, leading=16)

    def p(text, style=body):
        return Paragraph(_escape(text), style)

    rows = [[p(h, cell) for h in HEADERS]] + [
        [p(str(r.number), cell), p(r.description, cell), p(r.severity, cell), p(r.deadline, cell)]
        for r in notice.rows
    ]
    table = Table(rows, colWidths=[14 * mm, 96 * mm, 24 * mm, 36 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    story = [
        p(notice.title, title),
        p(notice.number, centered),
        Spacer(1, 8 * mm),
        p(notice.addressee),
        p(notice.opening, indented),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        p(notice.request, indented),
        p(notice.closing, indented),
        Spacer(1, 10 * mm),
        p(notice.issuer, right),
        p(notice.issued_on, right),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=notice.title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    """Paragraph text is a small markup language; findings are plain text."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )
