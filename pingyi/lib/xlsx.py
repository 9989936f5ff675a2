"""The rows of a workbook's active sheet, as openpyxl's read-only mode gives them, quicker.

openpyxl parses a sheet with a Python handler for every XML element and a
dict for every cell: some 5,000 rows a second. Here the workbook's parts
(content types, shared strings, workbook, styles) are still read by
openpyxl's own ExcelReader, but the sheet is parsed by lxml, which hands
Python one finished <row> at a time, and each cell's value is made the way
openpyxl's WorkSheetParser makes it (numbers, shared and inline strings,
booleans, errors, ISO dates, serial dates under a date format, the 1904
calendar), with openpyxl's own conversions.

`rows(path)` yields each row's values, one list per sheet row from the
first (a missing row as []), like `iter_rows(values_only=True)` after
`reset_dimensions()`. It raises Unsupported, before or between rows, on
anything it was not written for (a chartsheet, a malformed cell, an
unreadable part); the caller then reads the rest with openpyxl itself.
"""

from collections.abc import Iterator
from pathlib import Path

SHEET_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW = f"{{{SHEET_MAIN}}}row"
CELL = f"{{{SHEET_MAIN}}}c"
VALUE = f"{{{SHEET_MAIN}}}v"
INLINE = f"{{{SHEET_MAIN}}}is"
TEXT = f"{{{SHEET_MAIN}}}t"
RUN = f"{{{SHEET_MAIN}}}r"
DIGITS = "0123456789"
# Column letters → number, for every sheet read (a pure function of the letters).
_COLUMNS: dict[str, int] = {}


class Unsupported(Exception):
    """Something this reader leaves to openpyxl."""


def rows(path: Path | str) -> Iterator[list]:
    """Each row's values in sheet order; Unsupported where openpyxl must take over."""
    try:
        sheet = _Sheet(Path(path))
    except Exception as exc:  # any trouble with the parts: openpyxl reads, and reports, it all
        raise Unsupported(str(exc)) from exc
    return sheet.rows()


class _Sheet:
    def __init__(self, path: Path):
        import lxml.etree  # noqa: F401 (rows() parses with it; without it, openpyxl reads)
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        reader = ExcelReader(path, read_only=True, data_only=True, keep_links=False)
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            self.part = self._active_part(reader)
        except BaseException:
            reader.archive.close()
            raise
        self.archive = reader.archive
        self.strings = reader.shared_strings
        self.epoch = reader.wb.epoch
        self.date_styles = frozenset(reader.wb._date_formats)
        self.timedelta_styles = frozenset(reader.wb._timedelta_formats)

    @staticmethod
    def _active_part(reader) -> str:
        """The part tables.py's openpyxl path reads: `workbook.active or workbook.worksheets[0]`."""
        sheets = [
            rel for _sheet, rel in reader.parser.find_sheets() if rel.target in reader.valid_files
        ]
        active = reader.wb._active_sheet_index
        if 0 <= active < len(sheets):
            chosen = sheets[active]
        else:
            chosen = next((rel for rel in sheets if "chartsheet" not in rel.Type), None)
        if chosen is None or "chartsheet" in chosen.Type:
            raise Unsupported("no worksheet to read")
        return chosen.target

    def rows(self) -> Iterator[list]:
        from lxml import etree

        counter = 1
        try:
            with self.archive.open(self.part) as source:
                parsed = etree.iterparse(
                    source,
                    events=("end",),
                    tag=ROW,
                    # A sheet needs no DTD: none is read, no entity expanded, nothing fetched.
                    load_dtd=False,
                    resolve_entities=False,
                    no_network=True,
                    huge_tree=False,
                )
                number = 0
                for _event, row in parsed:
                    if not number and row.getroottree().docinfo.doctype:
                        raise Unsupported("a sheet with a DTD")  # its entities are openpyxl's
                    number = self._row_number(row, number)
                    values = self._values(row)
                    # Parsed rows are dropped as they go: memory stays flat.
                    row.clear()
                    while row.getprevious() is not None:
                        del row.getparent()[0]
                    # As openpyxl: a gap yields empty rows, a row out of order is skipped.
                    while counter < number:
                        counter += 1
                        yield []
                    if counter == number:
                        counter += 1
                        yield values
        except Unsupported:
            raise
        except Exception as exc:
            raise Unsupported(str(exc)) from exc
        finally:
            self.archive.close()

    @staticmethod
    def _row_number(row, previous: int) -> int:
        text = row.get("r")
        return previous + 1 if text is None else int(text)

    def _values(self, row) -> list:
        """The row's values, as long as its last cell's column (openpyxl's _get_row)."""
        cells = []
        column = 0
        for cell in row:
            if cell.tag != CELL:
                raise Unsupported(f"<{cell.tag}> in a row")
            column = self._column(cell.get("r"), column)
            cells.append((column, self._value(cell)))
        if not cells:
            return []
        values = [None] * cells[-1][0]
        for column, value in cells:
            if column <= len(values):
                values[column - 1] = value
        return values

    @staticmethod
    def _column(reference: str | None, previous: int) -> int:
        if reference is None:
            return previous + 1
        letters = reference.rstrip(DIGITS)
        found = _COLUMNS.get(letters)
        if found is None:
            from openpyxl.utils import column_index_from_string

            # openpyxl's coordinate_to_tuple takes upper-case letters and then a row number.
            number = reference[len(letters) :]
            if not (letters.isupper() and letters.isalpha() and number.isdigit()):
                raise Unsupported(f"cell reference {reference!r}")
            found = _COLUMNS[letters] = column_index_from_string(letters)
        return found

    def _value(self, cell):
        kind = cell.get("t", "n")
        # The first <v> child's text, as openpyxl's findtext (without its path machinery).
        value = inline = None
        for child in cell:
            tag = child.tag
            if tag == VALUE:
                value = child.text or None
                break
            if tag == INLINE and inline is None:
                inline = child
        if kind == "inlineStr":
            return _inline_text(inline if inline is not None else cell.find(INLINE))
        if value is None:
            return None
        if kind == "n":
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
            style = cell.get("s", 0)
            if style:  # as openpyxl: an empty s="" stays "", which no date style is
                style = int(style)
            if style in self.date_styles:
                from openpyxl.utils.datetime import from_excel

                # Out of range, openpyxl warns and gives "#VALUE!": it may say so itself.
                return from_excel(number, self.epoch, timedelta=style in self.timedelta_styles)
            return number
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(value)
        return value  # "str" (a formula's text), "e" (an error such as #N/A), or unknown


def _inline_text(node) -> str | None:
    """openpyxl's Text(...).content: the plain text, then each rich run's, without phonetics."""
    if node is None:
        return None
    if len(node) == 1 and node[0].tag == TEXT:  # the usual <is><t>…</t></is>
        return node[0].text or ""
    plain = [child for child in node if child.tag == TEXT]
    if len(plain) > 1:
        raise Unsupported("an inline string with two plain texts")
    parts = [plain[0].text] if plain and plain[0].text is not None else []
    for run in node.iterchildren(RUN):
        texts = [child for child in run if child.tag == TEXT]
        if len(texts) > 1:
            raise Unsupported("a rich text run with two texts")
        if texts and texts[0].text is not None:
            parts.append(texts[0].text)
    return "".join(parts)
