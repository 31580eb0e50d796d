"""Per-row conditions of a table: which cells a filled row must have (``required_if``) and which hold text instead
of a number (``text_if``: a qualitative row's target).

One set of functions serves the workbook reader (findings at the row's cell) and the data-file loader (a refusal
naming the row), so a condition reads the row the same way in both: an empty typed cell is 0, 否 or empty text,
as the sheet's row formulas read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from xlperf.dates import serial_of
from xlperf.expr import ExprError, Value, _truth, parse
from xlperf.framework.form import ColumnDecl, TableDecl

__all__ = ["missing_required_if", "row_env", "text_row_problems", "wants_text"]

_BLANK: dict[str, Value] = {"bool": False, "text": "", "choice": ""}


def row_env(table: TableDecl, row: Mapping[str, object]) -> dict[str, Value]:
    """The row's columns by name as its formulas read them (a date is its serial, an empty cell 0, 否 or "")."""
    env: dict[str, Value] = {}
    for col in table.columns:
        value = row.get(col.name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        elif isinstance(value, date):
            value = serial_of(value)
        env[col.name] = value if isinstance(value, (Decimal, bool, str)) else _BLANK.get(col.kind, Decimal(0))
    return env


def _holds(expr: str, env: Mapping[str, Value]) -> bool:
    """A condition that cannot be evaluated (text where a number is expected …) does not hold: the cell checks
    report that input."""
    try:
        return _truth(parse(expr).evaluate(env))
    except ExprError:
        return False


def missing_required_if(table: TableDecl, row: Mapping[str, object]) -> list[ColumnDecl]:
    """Columns whose ``required_if`` holds for the row while the cell is empty."""
    env = row_env(table, row)
    return [col for col in table.columns if col.required_if is not None and row.get(col.name) in (None, "")
            and _holds(col.required_if, env)]


def wants_text(table: TableDecl, col: ColumnDecl, row: Mapping[str, object]) -> bool:
    """The row is one where ``col`` holds text (its ``text_if`` holds over the row's other columns)."""
    return col.text_if is not None and _holds(col.text_if, row_env(table, row))


def text_row_problems(table: TableDecl, row: Mapping[str, object]) -> list[tuple[ColumnDecl, str, str]]:
    """(column, what the cell should hold: "choice" or "number", Chinese reason) for every ``text_if`` cell of the row holding the wrong kind of value: a number
    where the row wants one of its ``text_options``, a text that is not one of them, or a text in a number row."""
    out: list[tuple[ColumnDecl, str, str]] = []
    for col in table.columns:
        value = row.get(col.name)
        if col.text_if is None or value is None or value == "":
            continue
        if wants_text(table, col, row):
            if not isinstance(value, str) and col.text_options:  # a choice is required: a number scores nothing
                out.append((col, "choice", f"本行满足 {col.text_if}，应选择 {'、'.join(col.text_options)} 之一，"
                                          f"不是数字 {value}"))
            elif isinstance(value, str) and col.text_options and value not in col.text_options:  # as the sheet compares
                out.append((col, "choice", f"“{value[:40]}”不是可选项，应为 {'、'.join(col.text_options)} 之一"))
        elif isinstance(value, str):
            out.append((col, "number", f"本行不满足 {col.text_if}，应填写数字，不是文字“{value[:40]}”"
                                      "（表内公式按 0 计算）"))
    return out
