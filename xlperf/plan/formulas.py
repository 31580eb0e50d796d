"""The workbook plan: for a framework, the cell of every name and the formula of every computed cell.

Pure data (no workbook objects; openpyxl only for its column-letter helper): the generator writes it, the reader resolves names with it when a defined
name is missing, and the validator compares a submitted workbook's formulas with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlperf.engine.rules import (
    Compiled,
    _band_text,
    _rule_names,
    capped_excel,
    excel_rule,
    finish_excel,
    fmt_pts,
    sub_rules,
)
from xlperf.expr import COMPARED, DIVISOR, FACTOR, parse
from xlperf.framework.models import Cap, Framework, Indicator, ScheduleRule
from xlperf.plan import udf_formulas
from xlperf.plan.layout import SCORE_SHEET, Block
from xlperf.plan.names import NameSpec, shown_places

__all__ = ["CellPlan", "Plan", "ScheduleChart", "ScoreRow", "TablePlan", "build_plan", "column_range_name"]

GRID_FIRST_COL = 2
"""A grid's first column of cells (B): its row labels are in column A, like a list block's labels."""
FORM_COLS = {"label": "A", "value": "B", "unit": "C", "check": "D", "note": "E"}
SCORE_COLS = {"id": "A", "name": "B", "points": "C", "criteria": "D", "answer": "E", "score": "F", "self": "G",
              "delta": "H", "reason": "I", "explain": "J"}
FIRST_ROW = 3  # row 1 title, row 2 column headers
BOOL_KINDS = ("bool", "flag")
TABLE_FIRST_COL = 1  # tables start in column A: title row, header row, then the rows


def column_range_name(table: str, column: str) -> str:
    """The defined name of a table column's range (``projects.actual`` → ``tbl_projects_actual``)."""
    return f"tbl_{table}_{column}"


@dataclass(frozen=True)
class TablePlan:
    """Where a table sits: its header row, first and last data rows, and each column's letter."""

    name: str
    sheet: str
    title_row: int
    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, str]  # column name → letter

    def range_ref(self, column: str) -> str:
        sheet = self.sheet.replace("'", "''")
        col = self.columns[column]
        return f"'{sheet}'!${col}${self.first_row}:${col}${self.last_row}"


@dataclass(frozen=True)
class ScheduleChart:
    """The cumulative-payment chart: per period, progress (formula) against the schedule."""

    sheet: str
    schedule: tuple[float, ...]
    first_row: int = 3


@dataclass(frozen=True)
class CellPlan:
    """One planned cell: a named input or computed value, or an unnamed helper formula."""

    sheet: str
    cell: str
    name: str | None
    formula: str | None = None  # without '='
    spec: NameSpec | None = None

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True)
class ScoreRow:
    row: int
    indicator: Indicator | None
    level: int
    judged: NameSpec | None = None


@dataclass
class Plan:
    framework: Framework
    flavour: str
    cells: dict[str, CellPlan] = field(default_factory=dict)  # by name
    helpers: list[CellPlan] = field(default_factory=list)  # unnamed formula cells (checks, charts)
    blocks: dict[str, list[tuple[int, Block]]] = field(default_factory=dict)  # sheet → (title row, block)
    score_rows: list[ScoreRow] = field(default_factory=list)
    tables: dict[str, TablePlan] = field(default_factory=dict)
    grid_cells: set[str] = field(default_factory=set)  # names placed in a grid block (no label beside them)
    schedule_chart: ScheduleChart | None = None
    score_chart_level: int | None = None

    def formulas(self) -> dict[tuple[str, str], str]:
        """(sheet, cell) → expected formula of every computed cell."""
        out = {(c.sheet, c.cell): c.formula for c in self.cells.values() if c.formula}
        out.update({(c.sheet, c.cell): c.formula for c in self.helpers if c.formula})
        return out

    def where(self, name: str) -> str:
        c = self.cells.get(name)
        return c.ref if c else name


NUMBER_KINDS = ("money", "count", "rate", "int", "points", "number", "date")
"""Kinds whose cells hold numbers: a formula reads a typed one through N(), so text there is 0."""


def filled(raw: Any) -> bool:
    """A typed cell holds something (not blank, not only spaces)."""
    return raw is not None and raw.value is not None and bool(str(raw.value).strip())


def table_row_used(cell: Callable[[str, str], Any], sheet: str, refs: list[str]) -> bool:
    """A table row counts when any of its typed cells holds something: the sheet's SUM, COUNT … see it
    whether or not its first column is filled (only the computed columns test that)."""
    return any(filled(cell(sheet, ref)) for ref in refs)


def name_of_factory(cat: dict[str, NameSpec], rate_decimals: int = 4) -> Callable[[str], str]:
    """How a name appears inside a formula: booleans chosen from a 是/否 list compare with "是";
    numbers typed by the department are read through N(), so a number stored as text is 0 in every
    formula (Excel would convert it in arithmetic but not in comparisons, and per locale; the engine reads
    the same 0 and the validator reports the cell); typed rates are rounded like computed rates."""

    def name_of(name: str) -> str:
        spec = cat.get(name)
        if spec is not None and spec.role == "column":
            table, column = name.split(".", 1)
            ref = column_range_name(table, column)
            return f'--({ref}="是")' if spec.kind in BOOL_KINDS else ref
        if spec is not None and spec.kind in BOOL_KINDS and spec.is_input:
            return f'({name}="是")'
        if spec is not None and spec.kind == "rate" and spec.role == "input":
            return f"ROUND(N({name}),{rate_decimals})"
        if spec is not None and spec.kind in NUMBER_KINDS and spec.is_input:
            return f"N({name})"
        return name

    def count(name: str) -> str | None:
        """count(t.col) of a number column counts its numbers (text and blanks are empty to the engine)."""
        spec = cat.get(name)
        if spec is None or spec.role != "column":
            return None
        table, column = name.split(".", 1)
        ref = column_range_name(table, column)
        numbers_only = spec.kind in NUMBER_KINDS and spec.text_if is None  # a qualitative row's text counts
        return f"COUNT({ref})" if numbers_only else f'SUMPRODUCT(--({ref}<>""))'

    name_of.count = count  # type: ignore[attr-defined]  # read by expr's count() rendering
    return name_of


def _derived_formula(spec: NameSpec, name_of: Callable[[str], str]) -> str:
    assert spec.expr
    return parse(spec.expr).to_excel(name_of)


def _check_formula(spec: NameSpec, name_of: Callable[[str], str]) -> str | None:
    """What a stated figure should equal, rounded as its cell shows it."""
    if not spec.expr:
        return None
    places = shown_places(spec.kind)
    return f'IFERROR(ROUND({parse(spec.expr).to_excel(name_of)},{places}),"")'


def build_plan(fw: Framework, flavour: str, cat: dict[str, NameSpec], layout: dict[str, tuple[Block, ...]],
               comp: Compiled) -> Plan:
    """The plan of the workbook for a framework; ``flavour`` is "native" formulas or "udf" calls.

    Plans are read-only after construction (:mod:`xlperf.compiled` builds each one once)."""
    if flavour not in ("native", "udf"):
        raise ValueError(flavour)
    name_of = name_of_factory(cat, fw.rounding.rate_decimals)
    plan = Plan(fw, flavour)
    measure_defs = {m.id: m for m in comp.measures}
    placed: set[str] = set()

    def computed(spec: NameSpec) -> str | None:
        if spec.role == "derived":
            return _derived_formula(spec, name_of)
        if spec.role == "measure":
            if flavour == "udf":
                return udf_formulas.measure(fw, measure_defs[spec.name], name_of, frozenset(measure_defs))
            return measure_defs[spec.name].excel(name_of)
        if spec.role == "const":
            return None
        return None

    for sheet, sheet_blocks in layout.items():
        row = FIRST_ROW
        plan.blocks[sheet] = []
        for block in sheet_blocks:
            if block.table is not None:
                row = _plan_table(plan, fw, sheet, row, block, name_of)
                continue
            if block.grid is not None:
                row = _plan_grid(plan, sheet, row, block, cat, computed)
                placed |= set(block.names)
                continue
            names = [n for n in block.names if n in cat]
            if not names:
                continue
            plan.blocks[sheet].append((row, Block(block.title, tuple(names))))
            row += 1
            for name in names:
                spec = cat[name]
                cell = f"{FORM_COLS['value']}{row}"
                plan.cells[name] = CellPlan(sheet, cell, name, computed(spec), spec)
                placed.add(name)
                if spec.role == "stated":
                    check = _check_formula(spec, name_of)
                    if check:
                        plan.helpers.append(CellPlan(sheet, f"{FORM_COLS['check']}{row}", None, check))
                row += 1
            row += 1  # blank line between blocks

    _plan_scores(plan, cat, name_of, flavour)
    _plan_chart_data(plan, name_of)
    missing = [n for n, s in cat.items() if n not in plan.cells and s.role not in ("judged", "column")]
    if missing:  # pragma: no cover - layout and catalogue out of step
        raise RuntimeError(f"names without a cell: {missing}")
    return plan


def _plan_scores(plan: Plan, cat: dict[str, NameSpec], name_of: Callable[[str], str], flavour: str) -> None:
    fw = plan.framework
    decimals = fw.rounding.score_decimals
    judged_by_indicator: dict[str, list[NameSpec]] = {}
    for spec in cat.values():
        if spec.role == "judged" and spec.indicator:
            judged_by_indicator.setdefault(spec.indicator, []).append(spec)
    row = FIRST_ROW
    c = SCORE_COLS
    cap_names = udf_formulas.cap_name_of(cat, name_of) if flavour == "udf" else name_of

    def caps(target: str, formula: str, points: Decimal) -> str:
        return capped_excel(formula, [cap for cap in fw.caps if cap.target == target], points, cap_names)

    def visit(ind: Indicator, level: int) -> None:
        nonlocal row
        plan.score_rows.append(ScoreRow(row, ind, level))
        score_name = f"score_{ind.id}"
        if ind.rule is not None:
            if flavour == "udf":
                formula = udf_formulas.indicator(fw, ind, name_of)
            else:
                formula = finish_excel(excel_rule(ind.rule, name_of), ind.points, decimals)
            self_name, reason_name = f"self_{ind.id}", f"reason_{ind.id}"
            plan.cells[self_name] = CellPlan(SCORE_SHEET, f"{c['self']}{row}", self_name, None, cat[self_name])
            plan.cells[reason_name] = CellPlan(SCORE_SHEET, f"{c['reason']}{row}", reason_name, None,
                                               cat[reason_name])
            plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['explain']}{row}", None,
                                         _explain_formula(ind, plan, cat)))
        else:
            formula = "+".join(f"score_{ch.id}" for ch in ind.children)
            self_formula = "SUM(" + ",".join(f"{SCORE_COLS['self']}{{{ch.id}}}" for ch in ind.children) + ")"
            self_formula = caps(ind.id, self_formula, ind.points)  # the self-assessed sum is capped alike
            note = _cap_note([cap for cap in fw.caps if cap.target == ind.id], cat)
            if note:
                plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['explain']}{row}", None, note))
            plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['self']}{row}", None, self_formula))
        formula = caps(ind.id, formula, ind.points)
        plan.cells[score_name] = CellPlan(SCORE_SHEET, f"{c['score']}{row}", score_name, formula, cat[score_name])
        plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['delta']}{row}", None,
                                     f'IF({c["self"]}{row}="","",N({c["self"]}{row})-{c["score"]}{row})'))  # text: 0
        row += 1
        if ind.rule is not None:
            for spec in judged_by_indicator.get(ind.id, []):
                plan.cells[spec.name] = CellPlan(SCORE_SHEET, f"{c['answer']}{row}", spec.name, None, spec)
                plan.score_rows.append(ScoreRow(row, None, level + 1, spec))
                row += 1
        for child in ind.children:
            visit(child, level + 1)

    for top in fw.indicators:
        visit(top, 1)
    # Resolve the {child id} placeholders of branch self-score sums to rows.
    rows = {r.indicator.id: r.row for r in plan.score_rows if r.indicator is not None}
    plan.helpers[:] = [
        CellPlan(h.sheet, h.cell, h.name, h.formula.format_map({k: v for k, v in rows.items()}), h.spec)
        if h.formula and "{" in h.formula and h.sheet == SCORE_SHEET and h.formula.startswith(("SUM(", "MIN(SUM("))
        else h
        for h in plan.helpers
    ]
    plan.score_rows.append(ScoreRow(row, None, 0))
    plan.cells["score_total"] = CellPlan(SCORE_SHEET, f"{c['score']}{row}", "score_total",
                                         caps("total", "+".join(f"score_{i.id}" for i in fw.indicators),
                                              fw.total_points), cat["score_total"])
    plan.cells["self_total"] = CellPlan(
        SCORE_SHEET, f"{c['self']}{row}", "self_total",
        caps("total", "SUM(" + ",".join(f"{c['self']}{rows[i.id]}" for i in fw.indicators) + ")", fw.total_points),
        cat["self_total"])
    plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['delta']}{row}", None, f"{c['self']}{row}-{c['score']}{row}"))
    note = _cap_note([cap for cap in fw.caps if cap.target == "total"], cat)
    if note:
        plan.helpers.append(CellPlan(SCORE_SHEET, f"{c['explain']}{row}", None, note))


CAP_NOTE_MAX = 120
"""Characters of a cap's wording quoted in its row's 计算说明 (a formula's text constant holds at most 255)."""


def _cap_note(caps: list[Cap], cat: dict[str, NameSpec]) -> str | None:
    """The 计算说明 of a capped branch or total row: each cap's name, its measure's value (when the measure is
    a named figure) and the bands as the framework words them: "<name>：<measure label> "&TEXT(<measure>,
    "0.00%")&"（<wording>）" — a text formula the cached-value writer computes too."""
    parts = []
    for cap in caps:
        wording = cap.criteria or "；".join(f"{_band_text(b)}，最高 {fmt_pts(b.cap)} 分" for b in cap.bands)
        if len(wording) > CAP_NOTE_MAX:  # Excel refuses a text constant over 255 characters in a formula
            wording = wording[:CAP_NOTE_MAX - 1] + "…"
        head = f'"{_quote(cap.name)}：'
        if cap.measure in cat:
            parts.append(f'{head}{_quote(cat[cap.measure].label)} "&TEXT({cap.measure},"0.00%")&"（{_quote(wording)}）"')
        else:
            parts.append(f'{head}{_quote(wording)}"')
    return '&"；"&'.join(parts) if parts else None


def _quote(text: str) -> str:
    return text.replace('"', '""')


def _schedule_rule(fw: Framework) -> ScheduleRule | None:
    return next((r for ind in fw.leaves() for r in sub_rules(ind.rule) if isinstance(r, ScheduleRule)), None)


CHART_COLS = ("G", "H", "I")  # label, progress, schedule of the schedule chart's data


def _plan_chart_data(plan: Plan, name_of: Callable[[str], str]) -> None:
    """Small formula tables the charts draw from (checked like every other formula); only declared charts."""
    fw = plan.framework
    for chart in fw.form.charts:
        if chart.kind == "schedule":
            rule = _schedule_rule(fw)
            if rule is None:
                continue
            first_paid = next(iter(sorted(parse(rule.paid[0]).names)), None)
            sheet = chart.sheet or (plan.cells[first_paid].sheet if first_paid in plan.cells else None)
            if sheet is None or sheet not in plan.blocks:
                continue
            plan.schedule_chart = ScheduleChart(sheet, tuple(float(s) for s in rule.schedule))
            total, divisor = parse(rule.total).to_excel(name_of, COMPARED), parse(rule.total).to_excel(name_of, DIVISOR)
            for n, paid in enumerate(rule.paid):  # a compound total is parenthesised where it divides
                plan.helpers.append(CellPlan(sheet, f"{CHART_COLS[1]}{3 + n}", None,
                                             f"IF({total}=0,0,ROUND({parse(paid).to_excel(name_of, FACTOR)}/{divisor},4))"))
        elif chart.kind == "scores":
            plan.score_chart_level = chart.level
            base = plan.score_rows[-1].row + 3
            rows = [r for r in plan.score_rows if r.indicator is not None and r.level == chart.level]
            for i, r in enumerate(rows, start=1):
                plan.helpers.append(CellPlan(SCORE_SHEET, f"C{base + i}", None, f"{SCORE_COLS['score']}{r.row}"))
                plan.helpers.append(CellPlan(SCORE_SHEET, f"D{base + i}", None, f"{SCORE_COLS['self']}{r.row}"))


def _plan_grid(plan: Plan, sheet: str, row: int, block: Block, cat: dict[str, NameSpec],
               computed: Callable[[NameSpec], str | None]) -> int:
    """A grid: title, (merged group headers,) column headers, then one row per row label; the row after it."""
    from openpyxl.utils import get_column_letter

    grid = block.grid
    assert grid is not None
    plan.blocks[sheet].append((row, block))
    row += 2 + (1 if grid.header_groups else 0)
    for grid_row in grid.rows:
        for j, item in enumerate(grid_row.cells):
            cell = f"{get_column_letter(GRID_FIRST_COL + j)}{row}"
            target = item[1:].strip() if isinstance(item, str) and item.startswith("=") else item
            if isinstance(target, str) and target not in cat:
                raise ValueError(f"区块“{grid.title}”中的名称 {target} 未定义")
            if isinstance(item, str) and item.startswith("="):
                plan.helpers.append(CellPlan(sheet, cell, None, str(target)))  # a copy: the figure as it is
            elif isinstance(item, str):
                spec = cat[item]
                plan.cells[item] = CellPlan(sheet, cell, item, computed(spec), spec)
                plan.grid_cells.add(item)
        row += 1
    return row + 1  # blank line between blocks


def _plan_table(plan: Plan, fw: Framework, sheet: str, row: int, block: Block, name_of: Callable[[str], str]) -> int:
    """A table: title, header, then its rows; computed columns get one formula per row."""
    from openpyxl.utils import get_column_letter  # lazy: importing openpyxl costs a cold CLI ~0.2 s

    table = next(t for t in fw.form.tables if t.name == block.table)
    letters = {c.name: get_column_letter(TABLE_FIRST_COL + i) for i, c in enumerate(table.columns)}
    tp = TablePlan(table.name, sheet, row, row + 1, row + 2, row + 1 + table.rows, letters)
    plan.tables[table.name] = tp
    plan.blocks[sheet].append((row, block))
    key = letters[table.columns[0].name]
    text_columns = {c.name for c in table.columns if c.text_if is not None}
    for col in table.columns:
        if col.expr is None:
            continue
        expr = parse(col.expr)
        for r in range(tp.first_row, tp.last_row + 1):
            def local(name: str, r: int = r) -> str:
                if name in letters:
                    kind = next(c.kind for c in table.columns if c.name == name)
                    ref = f"${letters[name]}{r}"
                    if kind in BOOL_KINDS:
                        return f'({ref}="是")'
                    return f"N({ref})" if kind in NUMBER_KINDS else ref  # text in a number cell is 0
                return name_of(name)

            def text(name: str, r: int = r) -> str | None:  # a text_if column compared with a text: as it is
                return f"${letters[name]}{r}" if name in text_columns else None

            local.text = text  # type: ignore[attr-defined]
            value = expr.to_excel(local)
            if col.kind in BOOL_KINDS:  # shows 是/否 as a typed flag column does: every reference compares with "是"
                value = f'IF({value},"是","否")'
            plan.helpers.append(CellPlan(sheet, f"{letters[col.name]}{r}", None, f'IF(${key}{r}="","",{value})'))
    return tp.last_row + 2


def _explain_formula(ind: Indicator, plan: Plan, cat: dict[str, NameSpec]) -> str:
    """A short in-sheet explanation: the rates the rule uses and the resulting score."""
    measures = [n for n in sorted(_rule_names(ind.rule)) if n in cat and cat[n].role == "measure"]
    if ind.rule is not None and ind.rule.kind == "schedule":
        prefix = ind.rule.measure_prefix
        measures = [n for n, spec in cat.items() if spec.role == "measure"
                    and (n.startswith(prefix + "_q") or n == prefix + "_avg")]
    parts = [f'"{cat[m].label} "&TEXT({m},"0.00%")' for m in measures]
    judged = [s for s in cat.values() if s.role == "judged" and s.indicator == ind.id]
    if judged:
        parts.append('"评判项见左侧"')
    head = '&"；"&'.join(parts) if parts else '"按评分标准计算"'
    text = f'{head}&" → "&TEXT(score_{ind.id},"0.00")&" 分（满分 {fmt_pts(ind.points)}）"'
    note = _cap_note([cap for cap in plan.framework.caps if cap.target == ind.id], cat)
    return f'{text}&"；"&{note}' if note else text


