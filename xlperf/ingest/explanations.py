"""出错说明: the department's written explanation of a 提示 (warning) finding, kept in 校验结果.

A 提示性 audit failure is accepted only with a written explanation. The department writes it in the
校验结果 sheet, in the column beside the finding; the next run (the button or ``--annotate``) writes
it back beside the same finding, found by its key (code, rule id, sheet, cell) and never by its row,
so re-ordered findings keep their explanations. The validator reads the explanations of a submitted
workbook to decide its review status (通过 / 通过（提示已说明）/ 需说明 / 需修改).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlperf.findings import Finding
from xlperf.ingest.xlsx import col_letters

__all__ = [
    "CELL_COL",
    "CODE_COL",
    "EXPLAIN_COL",
    "EXPLAIN_HEADER",
    "ORPHAN_NOTE",
    "RULE_COL",
    "RULE_HEADER",
    "SHEET_COL",
    "Key",
    "attach",
    "explanations_from_cells",
    "explanations_from_rows",
    "key_of",
]

Key = tuple[str, str, str, str]
"""(code, rule id, sheet, cell) of a finding; empty strings where a part is missing."""

# Columns of the 校验结果 sheet (1-based), as xlperf/write/annotate.py writes them.
CODE_COL, SHEET_COL, CELL_COL = 2, 4, 5
RULE_COL, EXPLAIN_COL = 9, 10
RULE_HEADER = "规则编号"
EXPLAIN_HEADER = "出错说明（提示性问题请在此填写原因和依据）"
ORPHAN_NOTE = "（本次校验未再发现此问题，原出错说明保留）"
EXPLANATION_MAX = 2000
"""Characters kept of one explanation (a submitted cell may hold 32,767)."""




def key_of(f: Finding) -> Key:
    return (f.code, f.rule or "", f.sheet or "", f.cell or "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def explanations_from_rows(read: Callable[[int, int], Any], first: int, last: int) -> dict[Key, str]:
    """Explanations in rows first..last of a 校验结果 sheet, by key; ``read(row, col)`` gives a cell value.

    A row without a code or without an explanation is skipped; the first explanation of a key wins."""
    out: dict[Key, str] = {}
    for row in range(first, last + 1):
        text = _text(read(row, EXPLAIN_COL))
        code = _text(read(row, CODE_COL))
        if not text or not code:
            continue
        key = (code, _text(read(row, RULE_COL)), _text(read(row, SHEET_COL)), _text(read(row, CELL_COL)))
        out.setdefault(key, text[:EXPLANATION_MAX])
    return out


def explanations_from_cells(cells: Mapping[str, Any], first: int, max_rows: int = 100_000) -> dict[Key, str]:
    """Explanations from the raw cells of a 校验结果 sheet (``ref → RawCell``, as the reader gives them)."""
    col = col_letters(EXPLAIN_COL)
    rows = sorted({int(ref[1:]) for ref in cells if ref[:1] == col and ref[1:].isascii() and ref[1:].isdigit()
                   and first <= int(ref[1:]) < first + max_rows})

    def read(row: int, column: int) -> Any:
        raw = cells.get(f"{col_letters(column)}{row}")
        return None if raw is None else raw.value

    out: dict[Key, str] = {}
    for row in rows:
        for key, text in explanations_from_rows(read, row, row).items():
            out.setdefault(key, text)
    return out


def attach(findings: Iterable[Finding], explanations: Mapping[Key, str]) -> list[Finding]:
    """The findings with the explanation written for each (warnings and errors alike; only warnings need one)."""
    out = []
    for f in findings:
        text = explanations.get(key_of(f))
        out.append(f.model_copy(update={"explanation": text}) if text and text != f.explanation else f)
    return out
