"""Printed tables that read: columns that fit an A4 width at 100 % scale, long text wrapped, rows as high as
their wrapped text.

"Fit to page width" alone shrinks the type of a wide table (a 17-column 汇总 printed at 4–6 pt); here the
wide text columns give up width until the table fits, and wrap instead. No library sizes rows to wrapped
text (openpyxl writes no heights; Excel does not resize rows on open), so the line count is estimated here
from the characters' display width: East-Asian wide characters take two width units, others one.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

__all__ = ["BODY_PT", "LINE_PT", "fit_table", "keep_sections_together", "lines_needed", "page_footer", "page_setup",
           "text_units"]

BODY_PT = 11.0
"""The body type size (openpyxl's default Calibri 11); printed at 100 % it is well above the 9 pt floor."""
LINE_PT = 16.0
"""Height of one line of 11 pt CJK text with its leading (Noto Sans CJK as LibreOffice lays it out)."""
MIN_SCALE = 0.88
"""The fit-to-width scale a table may need at most: 11 pt prints at 9.7 pt, above the 9 pt floor."""
PRINTABLE_PT = {"landscape": (842 - 2 * 36 - 8) / MIN_SCALE, "portrait": (595 - 2 * 36 - 8) / MIN_SCALE}
"""A4 width minus 0.5 inch margins and a little slack for the grid, in points, at MIN_SCALE."""
NARROW = 8
"""Columns at most this wide (codes, counts, scores) never give up width."""


class _Widths(dict[str, float]):
    """Each character's width in units, looked up once (a 汇总 measures every text of every finding)."""

    def __missing__(self, ch: str) -> float:
        width = 2.05 if unicodedata.east_asian_width(ch) in "WF" else 1.1
        if len(self) < 70_000:  # bounded: a hostile text may hold any characters
            self[ch] = width
        return width


_WIDTHS = _Widths()


def text_units(text: str) -> float:
    """Display width in column-width units (one unit ≈ one digit of the default font)."""
    return sum(map(_WIDTHS.__getitem__, text))


def lines_needed(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` units wide (explicit line breaks kept)."""
    usable = max(width - 1.2, 1.0)
    if len(text) * 2.1 <= usable and "\n" not in text:
        return 1  # no character is wider than 2.05 units: one line, without measuring each (most cells)
    return sum(max(1, math.ceil(text_units(part) / usable)) for part in text.split("\n"))


def _column_pt(width: float) -> float:
    """A column's printed width, for the widest default font met: where Calibri is missing (LibreOffice on
    Linux without Carlito) DejaVu Sans stands in, whose digit is 7 pt wide at 11 pt (Calibri's 5.6 pt).
    With Calibri the table is narrower still and prints at 100 % too."""
    return 7.0 * width + 4


def fitted_widths(widths: Sequence[float], orientation: str = "landscape", fixed: Collection[int] = ()) -> list[float]:
    """``widths`` with the wide columns narrowed (proportionally) until the table fits the page at 100 %; the
    ``fixed`` ones (a framework's declared widths) keep theirs."""
    out = [float(w) for w in widths]
    budget = PRINTABLE_PT[orientation]
    for _ in range(50):
        excess = sum(_column_pt(w) for w in out) - budget
        wide = [i for i, w in enumerate(out) if w > NARROW and i not in fixed]
        if excess <= 0 or not wide:
            break
        share = excess / 7.0 / sum(out[i] for i in wide)
        for i in wide:
            out[i] = max(NARROW, out[i] * (1 - share) - 0.1)
    return out


def fit_table(ws: Any, widths: Sequence[float], *, first_row: int = 1, last_row: int | None = None,
              orientation: str = "landscape", title_rows: str | None = None) -> None:
    """Set column widths that fit the page, wrap every text cell from ``first_row``, size each row to its
    wrapped text, and set A4 page setup fitting the width only (never the height: type keeps its size)."""
    from copy import copy

    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils import get_column_letter

    fitted = fitted_widths(widths, orientation)
    for i, w in enumerate(fitted, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(w, 1)
    last = ws.max_row if last_row is None else last_row
    # openpyxl interns a style by hashing it field by field on every assignment (2/3 of writing a 汇总 of
    # 12,000 findings); the same alignment and font recur on every row, so each distinct one is assigned
    # through openpyxl once and its index reused (the cell's StyleArray, as openpyxl's descriptor sets it)
    aligned: dict[tuple[int, bool], int] = {}
    sizes: dict[int, float] = {}  # 0: no size set
    for r in range(first_row, last + 1):
        lines = 1
        size = BODY_PT
        for c, w in enumerate(fitted, start=1):
            cell = ws.cell(row=r, column=c)
            if cell.value is None:
                continue
            if not cell._style:
                cell._style = StyleArray()  # as openpyxl's descriptors do for a cell never styled
            key = (cell._style.alignmentId, isinstance(cell.value, str))
            if key in aligned:
                cell._style.alignmentId = aligned[key]
            else:
                align = copy(cell.alignment)  # every value at the top of its row: a record reads on one line
                align.wrap_text = key[1] or align.wrap_text
                align.vertical = "top"
                cell.alignment = align
                aligned[key] = cell._style.alignmentId
            font_id = cell._style.fontId
            if font_id not in sizes:
                sizes[font_id] = float(cell.font.sz) if cell.font is not None and cell.font.sz else 0.0
            size = max(size, sizes[font_id])
            lines = max(lines, lines_needed(str(cell.value), w * BODY_PT / max(size, BODY_PT)))
        if lines > 1 or size > BODY_PT:
            ws.row_dimensions[r].height = lines * LINE_PT * size / BODY_PT + 2
    page_setup(ws, orientation, title_rows)


def page_setup(ws: Any, orientation: str = "landscape", title_rows: str | None = None) -> None:
    """A4, 0.5 inch margins, fit to the page width only (the widths already fit: the scale stays 100 %)."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # a class constant (write-only sheets lack it)
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    page_footer(ws)


FOOTER = "&A　第 &P 页，共 &N 页"
"""Excel's header/footer codes: the sheet's name, the page number and the number of pages."""
FOOTER_PT = 10
"""Above the 9 pt floor (the default footer font is the body's, which LibreOffice prints at 10 pt or less)."""


def page_footer(ws: Any) -> None:
    """The sheet's name and the page number at the foot of every printed page: a reviewer's stack of thirty
    pages of several sheets printed with neither could not be put back in order or cited ("第 12 页")."""
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = FOOTER_PT


PAGE_PT = {"landscape": 595.0, "portrait": 842.0}
"""A4 height in points for each orientation."""
VERTICAL_MARGIN_IN = 0.6
"""Top and bottom margins :func:`keep_sections_together` sets (inches)."""
UNSET_ROW_PT = 18.0
"""A row without a set height, counted high (LibreOffice lays one line of CJK text out in 15–17 pt)."""
PAGE_BREAKS_MAX = 1000
"""Excel keeps at most 1,026 manual page breaks a sheet; beyond this many the printer's own breaks serve."""


def print_scale(widths: Sequence[float], orientation: str = "landscape") -> float:
    """The fit-to-width scale of columns this wide (1 when they fit), for the widest default font met."""
    total = sum(_column_pt(w) for w in widths)
    return min(1.0, PRINTABLE_PT[orientation] * MIN_SCALE / total) if total else 1.0


def keep_sections_together(ws: Any, sections: Sequence[tuple[int, int]], *, title_rows: int = 0,
                           orientation: str = "landscape", min_rows: int = 3, scale: float = 1.0) -> int:
    """Manual page breaks so that no section (first row, last row) starts near the foot of a page: a section
    that fits on a page starts a new page when it would not fit on this one; a longer one starts one when its
    heading and first ``min_rows`` rows would not. Rows are counted by their set heights (unset ones high),
    at 100 % scale (the fit-to-width scale is at most 1, so a page holds at least this much): every page
    break is set here, so the printer's own breaks never fall elsewhere. Returns the number of breaks.

    No library paginates a sheet (openpyxl writes what it is given; Excel and LibreOffice break pages when
    printing), hence this row counting."""
    from openpyxl.worksheet.pagebreak import Break

    def height(r: int) -> float:
        h = ws.row_dimensions[r].height if r in ws.row_dimensions else None
        return float(h) if h else UNSET_ROW_PT

    ws.page_margins.top = ws.page_margins.bottom = VERTICAL_MARGIN_IN
    ws.page_margins.header = ws.page_margins.footer = 0.3
    usable = (PAGE_PT[orientation] - 2 * VERTICAL_MARGIN_IN * 72) / scale - sum(height(r) for r in range(1, title_rows + 1))
    used, breaks = 0.0, 0

    def new_page(before: int) -> None:
        nonlocal used, breaks
        if breaks < PAGE_BREAKS_MAX:
            ws.row_breaks.append(Break(id=before - 1))
            breaks += 1
        used = 0.0

    for first, last in sections:
        whole = sum(height(r) for r in range(first, last + 1))
        start = sum(height(r) for r in range(first, min(last, first + min_rows) + 1))
        if used > 0 and used + (whole if whole <= usable else start) > usable:
            new_page(first)
        for r in range(first, last + 1):
            if used > 0 and used + height(r) > usable:
                new_page(r)
            used += height(r)
    return breaks


class RowFit:
    """:func:`fit_table` for a table written row by row (openpyxl's write-only mode, where a written row
    cannot be revisited): the same fitted widths, and each row's height computed from its values before it
    is written. The streamed tables use the body type size (no cell sets a larger font)."""

    def __init__(self, widths: Sequence[float], orientation: str = "landscape") -> None:
        self.fitted = fitted_widths(widths, orientation)
        self.orientation = orientation
        self.short = [max(w - 1.2, 1.0) / 2.1 for w in self.fitted]  # texts this long take one line
    def set_widths(self, ws: Any) -> None:
        """Before the first row is written (write-only sheets write their columns first)."""
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(self.fitted, start=1):
            ws.column_dimensions[get_column_letter(i)].width = round(w, 1)

    def height(self, values: Sequence[Any]) -> float | None:
        """The row's height for its wrapped text (None: one line, no height set), as :func:`fit_table`."""
        lines = 1
        for value, w, short in zip(values, self.fitted, self.short, strict=False):
            if value is None or (isinstance(value, str) and len(value) <= short and "\n" not in value):
                continue  # one line, as lines_needed says without measuring
            lines = max(lines, lines_needed(str(value), w))
        return lines * LINE_PT + 2 if lines > 1 else None
