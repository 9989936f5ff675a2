"""pingyi.lib.xlsx reads a sheet exactly as openpyxl's read-only mode does, only quicker."""

import re
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from pingyi.lib import tables, xlsx

SHEET = "xl/worksheets/sheet1.xml"


def both_ways(path) -> list:
    """The rows through tables (lxml first), after checking that openpyxl gives the same."""
    expected = list(tables._openpyxl_cells(path))
    got = list(tables._xlsx_cells(path))
    assert got == expected
    return got


@pytest.fixture
def openpyxl_only_as_fallback(monkeypatch):
    """Fails the test if tables falls back to openpyxl for the rows."""

    def refuse(path):
        raise AssertionError("fell back to openpyxl")
        yield  # a generator, like the real one

    monkeypatch.setattr(tables, "_openpyxl_cells", refuse)


def every_kind_of_cell(sheet) -> None:
    sheet.append(["text", "number", "date", "other"])
    sheet.append(["  padded  ", 80.0, date(2026, 9, 3), True])
    sheet.append(["中文", 85.55, datetime(2026, 9, 4, 8, 30), False])
    sheet.append([None, 0.1, datetime(2026, 9, 4, 8, 30, 15, 500000), "#N/A"])
    sheet.append(["x" * 300, 1e-05, time(14, 5), "=1+1"])
    sheet.append(["", -12, timedelta(hours=30), 1e20])
    sheet.append(
        [CellRichText(["富", TextBlock(InlineFont(b=True), "文本")]), 7, None, 12345678901]
    )
    sheet["B8"] = 0.5
    sheet["B8"].number_format = "0%"
    sheet["D9"] = "只有这一格"
    sheet["A12"] = "隔了两行"


@pytest.mark.usefixtures("openpyxl_only_as_fallback")
def test_a_workbook_with_shared_strings_reads_the_same(tmp_path):
    workbook = Workbook()
    every_kind_of_cell(workbook.active)
    path = tmp_path / "shared.xlsx"
    workbook.save(path)

    rows = dict(list(tables._xlsx_cells(path)))

    assert rows[2] == ["padded", "80", "2026-09-03", "TRUE"]
    assert rows[3] == ["中文", "85.55", "2026-09-04 08:30:00", "FALSE"]
    assert rows[7][0] == "富文本"
    assert rows[12] == ["隔了两行"]
    assert rows[10] == rows[11] == []


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    workbook = Workbook()
    every_kind_of_cell(workbook.active)
    workbook.save(tmp_path / "shared.xlsx")
    streamed = Workbook(write_only=True)  # inline strings, no <dimension>
    sheet = streamed.create_sheet()
    for row in Workbook().active.iter_rows():  # an empty first row, then the same kinds
        sheet.append(row)
    every_kind_of_cell_streamed(sheet)
    streamed.save(tmp_path / "inline.xlsx")

    assert len(both_ways(tmp_path / "shared.xlsx")) == 12
    assert len(both_ways(tmp_path / "inline.xlsx")) == 7


def every_kind_of_cell_streamed(sheet) -> None:
    sheet.append(["text", "number", "date", "other"])
    sheet.append(["  padded  ", 80.0, date(2026, 9, 3), True])
    sheet.append(["中文", 85.55, datetime(2026, 9, 4, 8, 30), None, "后面"])
    sheet.append([])
    sheet.append([None, None, None])
    sheet.append([CellRichText(["富", TextBlock(InlineFont(b=True), "文本")]), 1e-05])
    sheet.append(["=A1", time(9, 30), timedelta(days=2)])


def test_the_1904_calendar_and_the_active_sheet_are_honoured(tmp_path):
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    workbook.active.append(["not this sheet"])
    second = workbook.create_sheet("第二页")
    second.append(["submitted_at"])
    second.append([date(2026, 9, 3)])
    second.append([datetime(1904, 1, 2, 12, 0)])
    workbook.active = 1
    path = tmp_path / "mac.xlsx"
    workbook.save(path)

    assert both_ways(path) == [
        (1, ["submitted_at"]),
        (2, ["2026-09-03"]),
        (3, ["1904-01-02 12:00:00"]),
    ]


def rewritten(path, *changes: tuple[str, str]) -> None:
    """Edit the first sheet's XML, as other programs write it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    text = parts[SHEET].decode()
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text)
        assert count, pattern
    parts[SHEET] = text.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def numbered_workbook(tmp_path, rows: int = 6):
    workbook = Workbook()
    for i in range(1, rows + 1):
        workbook.active.append([f"a{i}", i, f"c{i}"])
    path = tmp_path / "rows.xlsx"
    workbook.save(path)
    return path


@pytest.mark.usefixtures("openpyxl_only_as_fallback")
def test_cells_and_rows_without_references_are_counted(tmp_path):
    path = numbered_workbook(tmp_path)
    rewritten(path, (r'<c r="[A-Z]+[34]"', "<c"), (r'<row r="4"', "<row"))

    rows = list(tables._xlsx_cells(path))

    assert [values for _row, values in rows] == [[f"a{i}", str(i), f"c{i}"] for i in range(1, 7)]


def test_rows_out_of_order_are_skipped_as_openpyxl_skips_them(tmp_path):
    path = numbered_workbook(tmp_path)
    rewritten(path, (r'<row r="4"', '<row r="2"'), (r'r="([A-Z])4"', r'r="\g<1>2"'))

    rows = both_ways(path)
    assert [row for row, _values in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[3] == (4, [])


def test_what_the_fast_reader_does_not_know_openpyxl_reads_from_that_row(tmp_path, monkeypatch):
    path = numbered_workbook(tmp_path)
    rewritten(path, (r'<row r="4"', '<row r="4.0"'))
    fallbacks = []
    openpyxl_cells = tables._openpyxl_cells

    def counted(path):
        fallbacks.append(path)
        return openpyxl_cells(path)

    assert [row for row, _values in both_ways(path)] == [1, 2, 3, 4, 5, 6]
    monkeypatch.setattr(tables, "_openpyxl_cells", counted)
    list(tables._xlsx_cells(path))
    assert len(fallbacks) == 1
    with pytest.raises(xlsx.Unsupported):
        list(xlsx.rows(path))


def test_a_damaged_workbook_is_left_to_openpyxl_and_refused(tmp_path, english):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(xlsx.Unsupported):
        xlsx.rows(path)
    with pytest.raises(tables.TableError, match="the workbook could not be read"):
        list(tables._xlsx_cells(path))


def test_a_sheet_declaring_an_entity_is_not_expanded(tmp_path):
    path = numbered_workbook(tmp_path, rows=1)
    doctype = '<!DOCTYPE x [<!ENTITY big "BIG">]>'
    rewritten(path, (r"^(<\?xml[^>]*\?>)?", r"\g<1>" + doctype), (r"<v>1</v>", "<v>&big;</v>"))

    with pytest.raises(xlsx.Unsupported):
        list(xlsx.rows(path))
