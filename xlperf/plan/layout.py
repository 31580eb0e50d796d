"""Where every name goes in the standard workbook: the framework's sheets and blocks, plus xlperf's own sheets.

The form's sheets come from the framework (``form.sheets``); names a framework declares but does not
place are put where a user would look for them (a prior-year figure right after this year's, other
names on an extra sheet), so no declared name is ever without a cell. Positions are deterministic, so
the validator can regenerate the expected template of any framework and compare cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlperf.engine.rules import Compiled
from xlperf.framework.form import (
    CHART_SHEET,
    GUIDE_SHEET,
    MARKS_SHEET,
    OTHER_SHEET,
    PRIOR_PREFIX,
    RESULT_SHEET,
    SCORE_SHEET,
)
from xlperf.framework.form import Block as FormBlock
from xlperf.framework.models import Framework

__all__ = [
    "CHART_SHEET",
    "GUIDE_SHEET",
    "MARKS_SHEET",
    "OTHER_SHEET",
    "RESULT_SHEET",
    "SCORE_SHEET",
    "STATED_TITLE",
    "Block",
    "build_layout",
    "xlwings_sheet_kind",
]

# xlperf's own sheets, the same for every framework (declared with the form, which may not reuse them).
STATED_TITLE = "报告中填报或引用的数值（用于一致性校验；报告中没有的可不填）"
CONST_TITLE = "评价框架（自动生成，请勿修改）"


def xlwings_sheet_kind(name: str) -> str | None:
    """"conf" for a sheet named like an xlwings configuration sheet (``xlwings.conf``, ``myaddin.conf``:
    xlwings' VBA reads settings from such a sheet of the active workbook), "py" for one named like
    xlwings' embedded code (``main.py``), else None. Excel compares sheet names ignoring case."""
    key = name.strip().casefold()
    if key.endswith(".conf"):
        return "conf"
    if key.endswith(".py"):
        return "py"
    return None


@dataclass(frozen=True)
class Block:
    title: str
    names: tuple[str, ...]
    table: str | None = None  # a table block: its rows and columns come from the table declaration
    grid: FormBlock | None = None  # a grid block: row labels × column headers


def build_layout(fw: Framework, comp: Compiled) -> dict[str, tuple[Block, ...]]:
    """sheet → blocks, in order, for every form name of the framework."""
    form = fw.form
    declared = {n for sheet in form.sheets for block in sheet.blocks for n in block.names + block.grid_names()}
    # a prior-year input the layout does not place goes right after this year's
    unplaced_prior = {d.name for d in form.inputs if d.prior and PRIOR_PREFIX + d.name not in declared}
    placed: set[str] = set()
    sheets: dict[str, list[Block]] = {}
    for sheet in form.sheets:
        blocks = [_declared_block(block, unplaced_prior) for block in sheet.blocks]
        for block in blocks:
            placed |= set(block.names)
        blocks += [Block(t.label, (), t.name) for t in form.tables if t.name in sheet.tables]
        sheets[sheet.name] = blocks
    first = next(iter(sheets), None)
    if first is not None and not {"fw_id", "fw_version"} <= placed:
        sheets[first].append(Block(CONST_TITLE, tuple(n for n in ("fw_id", "fw_version") if n not in placed)))
        placed |= {"fw_id", "fw_version"}
    other = _unplaced_blocks(fw, comp, placed)
    if other:
        sheets.setdefault(OTHER_SHEET, []).extend(other)
    if first is None:  # no sheets declared: the whole form on one sheet
        sheets.setdefault(OTHER_SHEET, []).append(Block(CONST_TITLE, ("fw_id", "fw_version")))
    return {k: tuple(v) for k, v in sheets.items()}


def _declared_block(block: FormBlock, unplaced_prior: set[str]) -> Block:
    """A block of the framework's layout; an unplaced prior-year input right after this year's."""
    if block.is_grid:
        return Block(block.title, tuple(block.grid_names()), grid=block)
    names: list[str] = []
    for name in block.names:
        names.append(name)
        if name in unplaced_prior:
            names.append(PRIOR_PREFIX + name)
    return Block(block.title, tuple(names))


def _unplaced_blocks(fw: Framework, comp: Compiled, placed: set[str]) -> list[Block]:
    """What the layout does not place, on the sheet of other names: inputs, tables, derived figures, measures,
    stated figures, each kind in a block of its own."""
    form = fw.form
    table_names = {t for s in form.sheets for t in s.tables}
    other_inputs = [n for d in form.inputs for n in ([d.name] + ([PRIOR_PREFIX + d.name] if d.prior else []))
                    if n not in placed]
    other = [Block("其他输入", tuple(other_inputs))] if other_inputs else []
    other += [Block(t.label, (), t.name) for t in form.tables if t.name not in table_names]
    for title, names in (("其他计算数", [d.name for d in form.derived if d.name not in placed]),
                         ("框架定义的其他比率", [m.id for m in comp.measures if m.id not in placed]),
                         (STATED_TITLE, [s.name for s in form.stated if s.name not in placed])):
        if names:
            other.append(Block(title, tuple(names)))
    return other
