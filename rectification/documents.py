"""The ledger as an XLSX workbook and the combined report (逐级汇总) as a DOCX document."""

from datetime import date
from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from campaigns.models import Campaign, Target
from orgs.models import Unit
from pingyi.lib.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from pingyi.lib.spreadsheets import keep_as_text
from rectification.models import ItemStatus, RectificationItem, ReportKind
from rectification.queries import LATE, MISSING, ON_TIME, ReportCell

# The columns of the paper ledger (整改台账) the units already keep; the header is a fixed
# Chinese format so that sheets from every unit line up when the level above merges them.
LEDGER_COLUMNS = [
    ("单位", 18),
    ("来源", 14),
    ("存在问题", 40),
    ("整改措施", 40),
    ("责任人", 12),
    ("整改目标", 30),
    ("整改时限", 12),
    ("状态", 10),
    ("说明", 30),
    ("验收人", 12),
    ("验收时间", 17),
    ("是否逾期", 10),
]
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def overdue_mark(item: RectificationItem, today: date) -> str:
    if item.is_overdue(today):
        return "是"
    if item.closed_at and timezone.localdate(item.closed_at) > item.deadline:
        return "逾期完成"
    return "否"


def ledger_row(item: RectificationItem, today: date) -> list:
    verified_at = timezone.localtime(item.verified_at) if item.verified_at else None
    return [
        item.target.unit.name,
        item.get_source_display(),
        item.problem,
        item.plan,
        item.responsible_person,
        item.goal,
        item.deadline,
        item.get_status_display(),
        item.explanation if item.status == ItemStatus.EXPLAINED else "",
        str(item.verified_by) if item.verified_by else "",
        verified_at.strftime("%Y-%m-%d %H:%M") if verified_at else "",
        overdue_mark(item, today),
    ]


def ledger_workbook(items, *, title: str, today: date | None = None) -> bytes:
    """The ledger as XLSX, in Chinese whatever the page language: every unit's sheet lines up."""
    with translation.override("zh-hans"):
        return _ledger_workbook(items, title=title, today=today or timezone.localdate())


def _ledger_workbook(items, *, title: str, today: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "整改台账"
    sheet.append([name for name, _width in LEDGER_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_name, width) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for item in items:
        sheet.append(ledger_row(item, today))
        row = sheet.max_row
        sheet.cell(row=row, column=7).number_format = "yyyy-mm-dd"
        for cell in sheet[row]:
            keep_as_text(cell)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.properties.title = title
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _state_label(cell: ReportCell) -> str:
    label = {ON_TIME: _("Submitted on time"), LATE: _("Submitted late"), MISSING: _("Missing")}[
        cell.state
    ]
    return f"{label}（{_('Resubmitted')}）" if cell.resubmitted else label


def combined_report_docx(
    *,
    campaign: Campaign,
    unit: Unit,
    kind: str,
    rows: list[tuple[Target, ReportCell]],
    progress: dict[int, dict[str, int]] | None = None,
) -> bytes:
    """Title, a status table of the targets, each submission, the attached files.

    Written in Chinese whatever the page language, as it goes to the level above. `rows`
    start with the compiling unit's own report when it is a target itself; `progress`
    (target pk -> ledger counts, see queries.ledger_progress) adds those columns.
    """
    with translation.override("zh-hans"):
        return _combined_report_docx(campaign, unit, kind, rows, progress)


def _combined_report_docx(campaign, unit, kind, rows, progress) -> bytes:
    document = Document()
    _chinese_fonts(document)
    label = str(ReportKind(kind).label)
    document.add_heading(
        _("Combined %(kind)s: %(unit)s, %(campaign)s")
        % {"kind": label, "unit": unit.name, "campaign": campaign.name},
        level=0,
    )
    submitted = sum(1 for _target, cell in rows if cell.state != MISSING)
    document.add_paragraph(
        _("Compiled on %(date)s: %(submitted)d of %(total)d units have submitted.")
        % {
            "date": timezone.localdate().isoformat(),
            "submitted": submitted,
            "total": len(rows),
        }
    )
    _status_table(document, rows, progress)
    for target, cell in rows:
        if cell.submission is None:
            continue
        document.add_heading(target.unit.name, level=1)
        if cell.state == LATE:
            document.add_paragraph(_("Submitted late."))
        for paragraph in cell.submission.text.splitlines():
            if paragraph.strip():
                document.add_paragraph(paragraph.strip())
    _attachments(document, rows)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _chinese_fonts(document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


PROGRESS_COLUMNS = ("open", "done", "explained", "overdue")


def _status_table(document, rows, progress) -> None:
    headers = [_("Unit"), _("Due date"), _("Submitted at"), _("State")]
    if progress is not None:
        headers += [_("Open items"), _("Done"), _("Explained"), _("Overdue")]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for target, cell in rows:
        submitted_at = (
            timezone.localtime(cell.submitted_at).strftime("%Y-%m-%d %H:%M")
            if cell.submitted_at
            else "–"
        )
        values = [
            target.unit.name,
            cell.due_date.isoformat() if cell.due_date else "–",
            submitted_at,
            _state_label(cell),
        ]
        if progress is not None:
            values += [str(progress[target.pk][name]) for name in PROGRESS_COLUMNS]
        for out, text in zip(table.add_row().cells, values, strict=True):
            out.text = text


def _attachments(document, rows) -> None:
    files = [(t, c.submission) for t, c in rows if c.submission and c.submission.file]
    document.add_heading(_("Attached files"), level=1)
    if not files:
        document.add_paragraph(_("None."))
    for target, submission in files:
        document.add_paragraph(
            _("%(unit)s: %(name)s (%(size)s KB)")
            % {
                "unit": target.unit.name,
                "name": submission.download_name(),
                "size": max(1, round((submission.file_size or 0) / 1024)),
            },
            style="List Bullet",
        )
