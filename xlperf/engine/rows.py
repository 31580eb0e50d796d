"""Per-row conditions of a table: which cells a filled row must have (``required_if``).

One function serves the workbook reader (findings at the row's cell) and the data-file loader (a refusal
naming the row), so a condition reads the row the same way in both: an empty typed cell is 0, 否 or empty
text, as the sheet's row formulas read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from xlperf.expr import ExprError, Value, _truth, parse
from xlperf.framework.form import ColumnDecl, TableDecl

__all__ = ["missing_required_if"]

_BLANK: dict[str, Value] = {"bool": False, "text": "", "choice": ""}


def missing_required_if(table: TableDecl, row: Mapping[str, object]) -> list[ColumnDecl]:
    """Columns whose ``required_if`` holds for the row while the cell is empty (a condition that cannot be
    evaluated, e.g. over text where a number is expected, requires nothing: the cell checks report that)."""
    env: dict[str, Value] = {}
    for col in table.columns:
        value = row.get(col.name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        env[col.name] = value if isinstance(value, (Decimal, bool, str)) else _BLANK.get(col.kind, Decimal(0))
    out = []
    for col in table.columns:
        if col.required_if is None or row.get(col.name) not in (None, ""):
            continue
        try:
            if _truth(parse(col.required_if).evaluate(env)):
                out.append(col)
        except ExprError:
            continue
    return out
