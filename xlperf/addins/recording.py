"""The annotation as a list of operations, for hosts that Python cannot drive (WPS's JS add-in).

:class:`RecordingSink` is a :class:`~xlperf.write.annotate.BookSink` that reads the workbook's state
from an openpyxl copy of the saved file (the 校验结果 rows, fills, notes, the record sheet) and applies
every change to that copy too, so later reads see earlier writes exactly as in the live book. Each
change is also recorded as a plain JSON operation that the add-in replays through the ET API. The
annotation logic stays :func:`~xlperf.write.annotate.apply_findings`: nothing of it is repeated in
JavaScript. The copy is never saved.

Operations (``op`` and its fields; ``cell`` is an A1 address already moved to the top-left cell of a
merged range, the only cell that can hold a note or a fill):

========== =========================================================================================
add_sheet  ``sheet``: add a worksheet after the last visible one
unmerge    ``sheet``, ``range``: unmerge that range
hide_col   ``sheet``, ``col``: hide the column (letter)
col_width  ``sheet``, ``col``, ``width``
write      ``sheet``, ``cell``, ``value``: a number, a boolean or a string that is always text
clear      ``sheet``, ``cell``: empty the cell and drop its hyperlink
unlink     ``sheet``, ``cell``: drop the cell's hyperlink (a submitted link to the outside)
link       ``sheet``, ``cell``, ``target`` (``'Sheet'!B5``), ``text``: a link inside the workbook
fill       ``sheet``, ``cell``, ``color``: RRGGBB, or null for no fill
comment    ``sheet``, ``cell``, ``text``: the note, or null for none
marks      ``sheet``, ``rows``: replace the record sheet's content (text cells), make it very hidden
========== =========================================================================================
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET
from xlperf.write.annotate import EXPLAIN_COL, LEGACY_MARK_COL, MARKS_COLS, OpenpyxlSink

__all__ = ["OPS", "Op", "RecordingSink"]

Op = dict[str, Any]
OPS = ("add_sheet", "unmerge", "hide_col", "col_width", "write", "clear", "unlink", "link", "fill", "comment",
       "marks")


class RecordingSink:
    """BookSink over an openpyxl copy that also records each change as an operation (:attr:`ops`)."""

    def __init__(self, wb: Any) -> None:
        self.inner = OpenpyxlSink(wb)
        self.wb = wb
        self.ops: list[Op] = []

    # Reading: the copy's state, which already holds this run's earlier changes ---------------------

    def has_sheet(self, name: str) -> bool:
        return self.inner.has_sheet(name)

    def result_rows(self) -> int:
        return self.inner.result_rows()

    def read_result(self, row: int, col: int) -> Any:
        return self.inner.read_result(row, col)

    def read_marks(self, limit: int) -> list[list[Any]] | None:
        return self.inner.read_marks(limit)

    def get_fill(self, sheet: str, cell: str) -> str | None:
        return self.inner.get_fill(sheet, cell)

    def get_comment(self, sheet: str, cell: str) -> str | None:
        return self.inner.get_comment(sheet, cell)

    # Writing: applied to the copy, then recorded ---------------------------------------------------

    def ensure_result_sheet(self) -> None:
        """What :meth:`OpenpyxlSink.ensure_result_sheet` does, as operations: the sheet and its headers,
        merged areas over our rows undone, submitted formulas made text and outside links dropped."""
        from openpyxl.utils import get_column_letter

        created = RESULT_SHEET not in self.wb.sheetnames
        before: dict[tuple[int, int], tuple[Any, str, bool]] = {}
        merged: list[str] = []
        if not created:
            ws = self.wb[RESULT_SHEET]
            before = {key: (c.value, c.data_type, c.hyperlink is not None) for key, c in ws._cells.items()}
            merged = [str(r) for r in ws.merged_cells.ranges]
        else:
            self.ops.append({"op": "add_sheet", "sheet": RESULT_SHEET})
        self.inner.ensure_result_sheet()
        ws = self.wb[RESULT_SHEET]
        remaining = {str(r) for r in ws.merged_cells.ranges}
        self.ops.extend({"op": "unmerge", "sheet": RESULT_SHEET, "range": r} for r in merged if r not in remaining)
        for key, cell in sorted(ws._cells.items()):
            value, kind, linked = before.get(key, (None, "n", False))
            if cell.value != value or cell.data_type != kind:  # a header added, a formula made text
                self._write(RESULT_SHEET, cell.coordinate, cell.value)
            if linked and cell.hyperlink is None:
                self.ops.append({"op": "unlink", "sheet": RESULT_SHEET, "cell": cell.coordinate})
        self.ops.append({"op": "col_width", "sheet": RESULT_SHEET, "col": get_column_letter(EXPLAIN_COL),
                         "width": 50})
        self.ops.append({"op": "hide_col", "sheet": RESULT_SHEET, "col": get_column_letter(LEGACY_MARK_COL)})

    def write_result(self, row: int, col: int, value: Any) -> None:
        from openpyxl.utils import get_column_letter

        ws = self.inner._ws()
        old = ws._cells.get((row, col))
        if value is None:
            if old is not None and (old.value is not None or old.hyperlink is not None):
                self.ops.append({"op": "clear", "sheet": RESULT_SHEET, "cell": f"{get_column_letter(col)}{row}"})
            self.inner.write_result(row, col, None)
            return
        self.inner.write_result(row, col, value)
        cell = ws.cell(row=row, column=col)
        self._write(RESULT_SHEET, cell.coordinate, cell.value)  # as written: XML-safe, bounded

    def link_result(self, row: int, col: int, sheet: str, cell: str) -> None:
        self.inner.link_result(row, col, sheet, cell)
        target = self.inner._ws().cell(row=row, column=col)
        link = target.hyperlink
        if link is None or not link.location:
            return
        self.ops.append({"op": "link", "sheet": RESULT_SHEET, "cell": target.coordinate, "target": link.location,
                         "text": _text(target.value) or cell})

    def set_fill(self, sheet: str, cell: str, color: str | None) -> None:
        target = self.inner._cell(sheet, cell)
        if target is None:
            return
        self.inner.set_fill(sheet, cell, color)
        self.ops.append({"op": "fill", "sheet": sheet, "cell": target.coordinate,
                         "color": self.inner.get_fill(sheet, target.coordinate)})

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        target = self.inner._cell(sheet, cell)
        if target is None:
            return
        self.inner.set_comment(sheet, cell, text)
        self.ops.append({"op": "comment", "sheet": sheet, "cell": target.coordinate,
                         "text": self.inner.get_comment(sheet, target.coordinate)})

    def write_marks(self, rows: list[list[Any]]) -> bool:
        if not self.inner.write_marks(rows):
            return False
        stored = self.inner.read_marks(len(rows)) or []
        self.ops.append({"op": "marks", "sheet": MARKS_SHEET,
                         "rows": [[_text(v) for v in row[:MARKS_COLS]] for row in stored]})
        return True

    def _write(self, sheet: str, cell: str, value: Any) -> None:
        if value is None:
            self.ops.append({"op": "clear", "sheet": sheet, "cell": cell})
        else:
            self.ops.append({"op": "write", "sheet": sheet, "cell": cell, "value": _plain(value)})


def _plain(value: Any) -> Any:
    """A JSON value for a cell: numbers and booleans stay numbers, everything else is its text."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return _text(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
