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
from collections.abc import Sequence
from typing import Any

__all__ = ["BODY_PT", "fit_table", "lines_needed", "text_units"]

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


def text_units(text: str) -> float:
    """Display width in column-width units (one unit ≈ one digit of the default font)."""
    return sum(2.05 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` units wide (explicit line breaks kept)."""
    usable = max(width - 1.2, 1.0)
    return sum(max(1, math.ceil(text_units(part) / usable)) for part in text.split("\n"))


def _column_pt(width: float) -> float:
    """A column's printed width, for the widest default font met: where Calibri is missing (LibreOffice on
    Linux without Carlito) DejaVu Sans stands in, whose digit is 7 pt wide at 11 pt (Calibri's 5.6 pt).
    With Calibri the table is narrower still and prints at 100 % too."""
    return 7.0 * width + 4


def fitted_widths(widths: Sequence[float], orientation: str = "landscape") -> list[float]:
    """``widths`` with the wide columns narrowed (proportionally) until the table fits the page at 100 %."""
    out = [float(w) for w in widths]
    budget = PRINTABLE_PT[orientation]
    for _ in range(50):
        excess = sum(_column_pt(w) for w in out) - budget
        wide = [i for i, w in enumerate(out) if w > NARROW]
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

    from openpyxl.utils import get_column_letter

    fitted = fitted_widths(widths, orientation)
    for i, w in enumerate(fitted, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(w, 1)
    last = ws.max_row if last_row is None else last_row
    for r in range(first_row, last + 1):
        lines = 1
        size = BODY_PT
        for c, w in enumerate(fitted, start=1):
            cell = ws.cell(row=r, column=c)
            if cell.value is None:
                continue
            align = copy(cell.alignment)  # every value at the top of its row: a record reads on one line
            align.wrap_text = isinstance(cell.value, str) or align.wrap_text
            align.vertical = "top"
            cell.alignment = align
            if cell.font is not None and cell.font.sz:
                size = max(size, float(cell.font.sz))
            lines = max(lines, lines_needed(str(cell.value), w * BODY_PT / max(size, BODY_PT)))
        if lines > 1 or size > BODY_PT:
            ws.row_dimensions[r].height = lines * LINE_PT * size / BODY_PT + 2
    page_setup(ws, orientation, title_rows)


def page_setup(ws: Any, orientation: str = "landscape", title_rows: str | None = None) -> None:
    """A4, 0.5 inch margins, fit to the page width only (the widths already fit: the scale stays 100 %)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
