from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from pingyi.lib.tables import TableError, cell_text, parse_decimal, read_rows, read_table

COLUMNS = ("target", "tier", "score", "note")


def rows_of(path, **kwargs):
    kwargs.setdefault("columns", COLUMNS)
    return list(read_rows(path, **kwargs))


def write(tmp_path, data: bytes, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_xlsx(tmp_path, rows, name="t.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    path = write(tmp_path, "target,tier\ncounty-a,满意\n\ncounty-b, 优秀 \n".encode())

    assert rows_of(path) == [
        (2, {"target": "county-a", "tier": "满意"}),
        (4, {"target": "county-b", "tier": "优秀"}),
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = write(tmp_path, "\ufefftarget,tier\r\ncounty-a,满意\r\n".encode())
    assert rows_of(path, required=("target",)) == [(2, {"target": "county-a", "tier": "满意"})]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolons_and_tabs_are_recognised(tmp_path, delimiter):
    path = write(tmp_path, f"target{delimiter}score\ncounty-a{delimiter}80,5\n".encode())
    assert rows_of(path) == [(2, {"target": "county-a", "score": "80,5"})]


def test_quoted_cells_keep_commas_and_line_breaks(tmp_path):
    path = write(tmp_path, 'target,note\ncounty-a,"排队久,\n态度差"\ncounty-b,x\n'.encode())
    assert rows_of(path) == [
        (2, {"target": "county-a", "note": "排队久,\n态度差"}),
        (3, {"target": "county-b", "note": "x"}),
    ]


def test_short_rows_are_padded_and_long_rows_refused(tmp_path, english):
    path = write(tmp_path, b"target,tier,score\ncounty-a\ncounty-b,x,1,extra\n")
    rows = read_rows(path, columns=COLUMNS)

    assert next(rows) == (2, {"target": "county-a", "tier": "", "score": ""})
    with pytest.raises(TableError, match="row 3: more values than the header has columns"):
        next(rows)


def test_unknown_duplicate_and_missing_columns_are_named(tmp_path, english):
    unknown = write(tmp_path, b"target,grade\nx,y\n", name="u.csv")
    twice = write(tmp_path, b"target,tier,tier\nx,y,z\n", name="d.csv")
    missing = write(tmp_path, b"tier\nx\n", name="m.csv")

    with pytest.raises(TableError, match="row 1: unknown column 'grade'; the columns are target"):
        rows_of(unknown)
    with pytest.raises(TableError, match="column 'tier' appears twice"):
        rows_of(twice)
    with pytest.raises(TableError, match="lacks the required column target"):
        rows_of(missing, required=("target",))


def test_prefixed_columns_are_open_ended(tmp_path, english):
    path = write(tmp_path, b"target,item.speed,item.manner\nx,1,2\n")
    bare = write(tmp_path, b"target,item.\nx,1\n", name="bare.csv")

    assert rows_of(path, prefixes=("item.",)) == [
        (2, {"target": "x", "item.speed": "1", "item.manner": "2"})
    ]
    with pytest.raises(TableError, match=r"unknown column 'item\.'"):
        rows_of(bare, prefixes=("item.",))


def test_an_empty_file_or_blank_header_is_refused(tmp_path, english):
    with pytest.raises(TableError, match="the file is empty"):
        rows_of(write(tmp_path, b""))
    with pytest.raises(TableError, match="the file is empty"):
        rows_of(write(tmp_path, b"\n\nx,y\n", name="blank.csv"))


def test_a_header_without_data_rows_yields_nothing(tmp_path):
    assert rows_of(write(tmp_path, b"target,tier\n")) == []


def test_nul_characters_are_refused_naming_the_cell(tmp_path, english):
    path = write(tmp_path, b"target,note\nx,a\x00b\n")
    with pytest.raises(TableError, match="row 2, column note: must not contain NUL"):
        rows_of(path)


def test_text_that_is_not_utf8_is_refused(tmp_path, english):
    path = write(tmp_path, "target,tier\ncounty-a,满意\n".encode("gbk"))
    with pytest.raises(TableError, match="not UTF-8"):
        rows_of(path)


def test_old_xls_workbooks_are_refused(tmp_path, english):
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="t.xls")
    with pytest.raises(TableError, match=r"old \.xls"):
        rows_of(path)


def test_xlsx_reads_the_first_sheet_with_cells_as_exact_text(tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ["target", "score", "note", None],
            ["county-a", 80.0, date(2026, 9, 3)],
            [None, None, None],
            ["county-b", 85.55, datetime(2026, 9, 4, 8, 30)],
            ["county-c", 7, "  有空格  "],
        ],
    )

    assert rows_of(path) == [
        (2, {"target": "county-a", "score": "80", "note": "2026-09-03"}),
        (4, {"target": "county-b", "score": "85.55", "note": "2026-09-04 08:30:00"}),
        (5, {"target": "county-c", "score": "7", "note": "有空格"}),
    ]


def test_a_damaged_xlsx_is_refused(tmp_path, english):
    path = write(tmp_path, b"PK\x03\x04 not really a zip", name="bad.xlsx")
    with pytest.raises(TableError, match="the workbook could not be read"):
        rows_of(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [(80.0, "80"), (0.1, "0.1"), (85.55, "85.55"), (1e-05, "0.00001"), (12, "12"), (None, "")],
)
def test_cell_text_keeps_the_decimal_a_person_typed(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [("85", "85"), ("85.50", "85.5"), ("0", "0"), ("-0", "0"), ("+7.25", "7.25")],
)
def test_parse_decimal_accepts_plain_numbers(text, number):
    assert parse_decimal(text, low=Decimal(0), high=Decimal(100)) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("8o", "'8o' is not a number"),
        ("1e2", "'1e2' is not a number"),
        ("NaN", "'NaN' is not a number"),
        ("1,000", "'1,000' is not a number"),
        ("８５", "'８５' is not a number"),
        ("85.123", "85.123 has more than 2 decimal places"),
        ("100.01", "100.01 is not between 0 and 100"),
        ("9" * 60, "is not between 0 and 100"),
    ],
)
def test_parse_decimal_says_what_is_wrong(text, message, english):
    with pytest.raises(ValueError, match=message):
        parse_decimal(text, low=Decimal(0), high=Decimal(100))


def _with_dimension(path, ref: str):
    """Rewrite the sheet's stored <dimension>, as some spreadsheet programs get it wrong."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(
        rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), parts[sheet]
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_xlsx_rows_beyond_a_wrong_stored_dimension_are_still_read(tmp_path):
    path = write_xlsx(tmp_path, [["target", "tier"]] + [[f"u{i}", "满意"] for i in range(50)])
    _with_dimension(path, "A1:B3")
    rows = rows_of(path)
    assert len(rows) == 50
    assert rows[-1] == (51, {"target": "u49", "tier": "满意"})


def test_a_long_bad_number_is_shortened_in_the_message(english):
    with pytest.raises(ValueError) as caught:
        parse_decimal("9" * 5000, low=Decimal(0), high=Decimal(100))
    assert len(str(caught.value)) < 100
    assert str(caught.value).startswith("9" * 40 + "… is not between 0 and 100")


def test_read_table_gives_rows_aligned_with_the_header(tmp_path):
    path = write(tmp_path, "target,tier,,score\ncounty-a,满意,,80\ncounty-b\n\n".encode())

    table = read_table(path, columns=COLUMNS)

    assert table.names == ["target", "tier", None, "score"]
    assert list(table) == [(2, ["county-a", "满意", "", "80"]), (3, ["county-b", "", "", ""])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"target,tier,\nx,y,z\n", "row 2: a value under a column without a name"),
        (b"target,tier\nx,y\x00\n", "row 2, column tier: must not contain NUL"),
        (b"target,tier\nx,y,z\n", "row 2: more values than the header has columns"),
    ],
)
def test_read_table_refuses_what_read_rows_refuses(tmp_path, english, data, message):
    path = write(tmp_path, data)
    with pytest.raises(TableError, match=message):
        list(read_table(path, columns=COLUMNS))
    with pytest.raises(TableError, match=message):
        rows_of(path)


def test_read_table_reads_the_header_at_once(tmp_path, english):
    with pytest.raises(TableError, match="unknown column 'grade'"):
        read_table(write(tmp_path, b"target,grade\nx,y\n"), columns=COLUMNS)
