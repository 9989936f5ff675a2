"""Reading CSV and XLSX tables row by row, for imports that must name the bad cell.

A table is a header row and data rows. Both formats stream: a CSV file is
read line by line, an XLSX workbook's sheet row by row (pingyi.lib.xlsx,
exactly as openpyxl's read-only mode reads it, which takes over for what
that does not know), so a file of a million rows never sits in memory.
Cells arrive as stripped text; spreadsheet numbers keep their exact decimal
text (80.0 → "80", 0.1 → "0.1").

Row numbers are those a person sees in a spreadsheet program: the header is
row 1, the first data row is row 2. Blank rows are skipped but counted.
"""

import codecs
import csv
import re
from collections.abc import Callable, Collection, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pingyi.lib import xlsx

XLSX_MAGIC = b"PK\x03\x04"
# The old binary Excel format (and other OLE2 files): openpyxl cannot read it.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", "\t", ";")
SNIFF_BYTES = 64 * 1024
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
# Longer cells than this are refused by the column's own limit; csv's default is 128 KiB.
CSV_FIELD_LIMIT = 1024 * 1024


class TableError(ValueError):
    """A file refused, naming the row and column where known."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        if self.row is not None and self.column is not None:
            return _("row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


def read_rows(
    path: Path | str,
    *,
    columns: Collection[str],
    required: Collection[str] = (),
    prefixes: Collection[str] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: text}) for each non-blank data row.

    `columns` are the names the header may hold, `prefixes` the starts of
    open-ended names (`item.` for item.<code>); any other header is refused,
    as is a header missing one of `required`. Each dict holds every column
    of the header; an empty cell is "".
    """
    cells = _cells(Path(path))
    return _records(cells, _HeaderCheck(columns, required, prefixes))


def read_table(
    path: Path | str,
    *,
    columns: Collection[str],
    required: Collection[str] = (),
    prefixes: Collection[str] = (),
) -> "Table":
    """The same rows as read_rows, as lists aligned with the header (for readers that index).

    The header is read and checked at once; the rows are read as the table
    is iterated, each checked exactly as read_rows checks it.
    """
    return Table(_cells(Path(path)), _HeaderCheck(columns, required, prefixes))


def _cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as handle:
        start = handle.read(len(XLSX_MAGIC))
    if start == XLS_MAGIC:
        raise TableError(_("old .xls workbooks cannot be read; save the file as XLSX or CSV"))
    return _xlsx_cells(path) if start == XLSX_MAGIC else _csv_cells(path)


def _records(cells: Iterator[tuple[int, list[str]]], check: "_HeaderCheck"):
    table = Table(cells, check)
    names = table.names
    for row, values in table:
        yield (
            row,
            {name: value for name, value in zip(names, values, strict=True) if name is not None},
        )


class Table:
    """A table's checked header (`names`, None for a column to ignore) and its data rows.

    Iterating yields (row number, values) for each non-blank row, the values
    as many as the header has names ("" where the row is short). Iterable once.
    """

    def __init__(self, cells: Iterator[tuple[int, list[str]]], check: "_HeaderCheck"):
        header_row = next(cells, None)
        if header_row is None:
            raise TableError(_("the file is empty: a header row is required"))
        row, header = header_row
        self.names: list[str | None] = check(row, header)
        self._cells = cells

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        names = self.names
        width = len(names)
        padding = [""] * width
        unnamed = [i for i, name in enumerate(names) if name is None]
        for row, values in self._cells:
            if not any(values):
                continue
            if len(values) != width:
                if len(values) > width and any(values[width:]):
                    raise TableError(_("more values than the header has columns"), row=row)
                values = (values + padding)[:width]
            # One test over the joined row; the cell is named by the slow loop below.
            if "\x00" in "".join(values) or (unnamed and any(values[i] for i in unnamed)):
                _refuse_cells(row, names, values)
            yield row, values


def _refuse_cells(row: int, names: list[str | None], values: list[str]) -> None:
    for name, value in zip(names, values, strict=True):
        if "\x00" in value:
            raise TableError(_("must not contain NUL characters"), row=row, column=name)
        if name is None and value:
            raise TableError(_("a value under a column without a name"), row=row)


class _HeaderCheck:
    def __init__(self, columns, required, prefixes):
        self.columns = tuple(columns)
        self.required = tuple(required)
        self.prefixes = tuple(prefixes)

    def __call__(self, row: int, header: list[str]) -> list[str | None]:
        """The column names in order; None marks a trailing or blank column to ignore."""
        names: list[str | None] = []
        seen = set()
        for name in header:
            if not name:
                names.append(None)
                continue
            if "\x00" in name:
                raise TableError(_("the header must not contain NUL characters"), row=row)
            if not self._known(name):
                raise TableError(
                    _("unknown column '%(name)s'; the columns are %(known)s")
                    % {"name": name, "known": self._describe()},
                    row=row,
                )
            if name in seen:
                raise TableError(_("column '%(name)s' appears twice") % {"name": name}, row=row)
            seen.add(name)
            names.append(name)
        if not seen:
            raise TableError(_("the file is empty: a header row is required"))
        missing = [name for name in self.required if name not in seen]
        if missing:
            raise TableError(
                _("the header lacks the required column %(names)s") % {"names": ", ".join(missing)},
                row=row,
            )
        return names

    def _known(self, name: str) -> bool:
        if name in self.columns:
            return True
        return any(name.startswith(p) and len(name) > len(p) for p in self.prefixes)

    def _describe(self) -> str:
        return ", ".join([*self.columns, *(f"{p}<code>" for p in self.prefixes)])


def _csv_cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    delimiter = _sniff_delimiter(path)
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    row = 0
    strip = str.strip
    # utf-8-sig drops a byte-order mark when there is one.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            for row, values in enumerate(reader, start=1):
                yield row, list(map(strip, values))
        except UnicodeDecodeError as exc:  # decoded in blocks: the row is not known exactly
            raise TableError(
                _("the file is not UTF-8 text; save it as “CSV UTF-8” or as XLSX")
            ) from exc
        except csv.Error as exc:
            raise TableError(str(exc), row=row + 1) from exc


def _sniff_delimiter(path: Path) -> str:
    """The first delimiter found on the header line: a comma, else a tab, else a semicolon."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    first_line = decoder.decode(head).split("\n", 1)[0]
    for delimiter in DELIMITERS:
        if delimiter in first_line:
            return delimiter
    return ","


def _xlsx_cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The active sheet's rows, by pingyi.lib.xlsx; by openpyxl where that gives up."""
    done = 0
    try:
        for done, values in enumerate(xlsx.rows(path), start=1):
            yield done, [cell_text(value) for value in values]
        return
    except xlsx.Unsupported:
        pass
    for row, values in _openpyxl_cells(path):
        if row > done:
            yield row, values


def _openpyxl_cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged archive
        raise TableError(_("the workbook could not be read (%(error)s)") % {"error": exc}) from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.active or workbook.worksheets[0]
        # The stored <dimension> may be wrong (some programs write A1:B3 for any
        # sheet), and read-only mode would stop there: read every row instead.
        sheet.reset_dimensions()
        # Read-only sheets fill in missing rows, so the count matches the row numbers.
        for row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield row, [cell_text(value) for value in values]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would type into a CSV file."""
    if value is None:
        return ""
    if type(value) is str:  # the usual cell, first
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return _plain(Decimal(repr(value)))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        # A date cell comes back as midnight of that day: shown as the date typed.
        if value.time() == time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def shown(text: str, limit: int = 40) -> str:
    """A cell as quoted in a message: long enough to find, short enough to read."""
    return text if len(text) <= limit else text[:limit] + "…"


def _plain(number: Decimal) -> str:
    """Decimal text without an exponent: 1e-05 → "0.00001"."""
    return format(number, "f")


def parse_decimal(
    text: str,
    *,
    places: int = 2,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Decimal:
    """A plain decimal number (no exponent, no thousands separators), checked; ValueError says why."""
    if not NUMBER.fullmatch(text):
        raise ValueError(_("'%(text)s' is not a number") % {"text": shown(text)})
    # Counted on the text: Decimal's context would round a long number before we saw it.
    if len(text.partition(".")[2].rstrip("0")) > places:
        raise ValueError(
            _("%(number)s has more than %(places)s decimal places")
            % {"number": shown(text), "places": places}
        )
    number = Decimal(text)  # exact, whatever the length
    if (low is not None and number < low) or (high is not None and number > high):
        if high is None:
            message = _("%(number)s is below %(low)s")
        else:
            message = _("%(number)s is not between %(low)s and %(high)s")
        raise ValueError(message % {"number": shown(text), "low": low, "high": high})
    return number if number else Decimal(0)  # no "-0"


def checked(row: int, column: str, parse: Callable[[], Any]) -> Any:
    """Run a cell parser, turning its ValueError into a TableError naming the cell."""
    try:
        return parse()
    except ValueError as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(str(exc), row=row, column=column) from exc
