"""Text that xlperf writes into a workbook or a terminal: always data, never markup or a formula.

A submitted workbook's text (a department name, a found value, a file name) reaches the bureau's report
workbook, the annotated copy's result sheet, cell comments and the terminal. There it must stay text:
openpyxl turns any string starting with ``=`` into a live formula (``=HYPERLINK(…)``, DDE
``=cmd|' /C calc'!A0``), XML cannot hold control characters or lone surrogates (a non-UTF-8 file name
decoded with ``surrogateescape``), and rich reads ``[/]`` as markup.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["CELL_MAX", "FORMULA_TRIGGERS", "bounded", "put", "put_row", "xml_text"]

CELL_MAX = 32767
"""Excel's limit on the characters of one cell."""
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet program may read as the start of a formula (OWASP CSV injection)."""
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def xml_text(text: str, limit: int = CELL_MAX) -> str:
    """``text`` as XML can hold it: lone surrogates become U+FFFD, control characters are dropped, bounded."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _ILLEGAL_XML.sub("", text)
    return bounded(text, limit)


def bounded(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters; a cut is marked with “…” so nobody takes it for the whole text."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one value into an openpyxl sheet; a string is always a string cell (``t="inlineStr"``).

    openpyxl marks a string starting with ``=`` as a formula on assignment; forcing ``data_type = "s"``
    afterwards makes it write the text itself. Numbers, booleans and None are written as they are.
    """
    if isinstance(value, str):
        cell = ws.cell(row=row, column=column, value=xml_text(value))
        cell.data_type = "s"
        return cell
    return ws.cell(row=row, column=column, value=value)


def put_row(ws: Any, values: list[Any] | tuple[Any, ...], row: int | None = None) -> int:
    """``ws.append`` that never makes a formula: the row written (the next free one by default)."""
    if row is None:
        row = ws._current_row + 1  # where ws.append would write (openpyxl tracks it on every new cell)
    for col, value in enumerate(values, start=1):
        put(ws, row, col, value)
    return row
