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

__all__ = ["CELL_MAX", "FORMULA_TRIGGERS", "bounded", "json_visible", "printable", "put", "put_row", "xml_text"]

CELL_MAX = 32767
"""Excel's limit on the characters of one cell."""
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet program may read as the start of a formula (OWASP CSV injection)."""
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNPRINTABLE_OR_NEWLINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_BIDI}]")
_JSON_INVISIBLE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>"


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` as a terminal shows it literally: escape sequences (ESC, CSI U+009B), carriage returns and
    bidirectional overrides (U+202E, which shows ``xlsx.exe`` as ``exe.xslx``) become visible (``\\x1b``,
    ``<U+202E>``); with ``newlines=False`` a line break too, so a file or unit name cannot forge a line."""
    return (_UNPRINTABLE if newlines else _UNPRINTABLE_OR_NEWLINE).sub(_visible, text)


def json_visible(text: str) -> str:
    """JSON text with the characters a terminal would act on written as ``\\uXXXX`` (the same data)."""
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


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
