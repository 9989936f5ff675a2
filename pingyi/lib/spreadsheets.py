"""Writing spreadsheets that units and the public will open."""

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell beginning with one of these is taken for a formula by openpyxl, and by a
# spreadsheet when the cell is edited: 公式注入 from text the units typed in.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def keep_as_text(cell) -> None:
    """Write a text cell as text, even when it looks like a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # and stays text when edited
