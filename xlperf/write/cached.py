"""Cached results for the formula cells of a workbook xlperf writes (the template and annotated copies).

openpyxl saves every formula with an empty result (``<v></v>``): mail and chat previews, mobile apps and
Protected View, which never recalculate, then show blank scores and empty charts. After saving, the
Decimal engine's value of every planned formula cell is written into the sheet XML as its cached
result. Only cells whose formula is exactly the plan's get a value, and a cell the engine cannot
compute (a blank input, a text it cannot build) is left without one rather than guessed. The
workbook keeps ``fullCalcOnLoad``, so Excel, WPS and LibreOffice recalculate on opening anyway.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any, TypeAlias

from lxml import etree

from xlperf.checks.context import CheckContext
from xlperf.expr import ExprError, decimal_of, parse, quantize
from xlperf.framework.models import Framework
from xlperf.ingest.reader import read_workbook
from xlperf.plan.formulas import BOOL_KINDS, CHART_COLS, FORM_COLS, SCORE_COLS, Plan, _schedule_rule, table_row_used
from xlperf.plan.layout import SCORE_SHEET
from xlperf.plan.names import shown_places

__all__ = ["Cached", "add_cached_values", "cache_results", "engine_cell_values", "save_with_results"]

Cached: TypeAlias = Decimal | bool | str
"""A cached result: a number, TRUE/FALSE or a text."""

SHEET_XML_MAX = 64 * 1024 * 1024
"""A sheet part larger than this is copied unchanged (bounded memory for any annotated copy)."""
_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"((?: [a-zA-Z]+="[^"]*")*)><f>([^<]*)</f>(?:<v></v>|<v\s*/>)</c>')
_T_ATTR = re.compile(rb' t="[^"]*"')
_PLAIN_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_TEXT_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|TEXT\(([a-z][a-z0-9_]*),"(0\.00%?)"\))\s*(&|$)')
_NUM_REF = re.compile(rb"<numRef><f>([^<]*)</f></numRef>")
_RANGE = re.compile(r"^'?(?P<sheet>.+?)'?!\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>[0-9]{1,7}):\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>[0-9]{1,7})$")
CHART_POINTS_MAX = 1000
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _split(ref: str) -> tuple[str, int]:
    col = ref.rstrip("0123456789")
    return col, int(ref[len(col):])


def _text_formula(formula: str, env: Mapping[str, Any]) -> str | None:
    """The value of a text formula made of literals and TEXT(name,"0.00"/"0.00%") joined by &, or None."""
    out, pos = [], 0
    while pos < len(formula):
        m = _TEXT_PART.match(formula, pos)
        if m is None or m.end() == pos:
            return None
        literal, name, fmt, _ = m.groups()
        if literal is not None:
            out.append(literal.replace('""', '"'))
        else:
            value = decimal_of(env.get(name))
            if value is None:
                return None
            pct = fmt.endswith("%")
            shown = (value * 100 if pct else value).quantize(Decimal("0.01"), ROUND_HALF_UP)
            out.append(f"{shown:.2f}" + ("%" if pct else ""))
        pos = m.end()
    return "".join(out)


class _CellValues:
    """The engine's value of each planned formula cell, filled in the order the sheet's references need."""

    def __init__(self, plan: Plan, env: Mapping[str, Any], result: Any, raw: Any) -> None:
        self.plan, self.env, self.result, self.raw = plan, env, result, raw
        self.out: dict[tuple[str, str], tuple[str, Cached]] = {}
        self.values: dict[tuple[str, str], Cached] = {}  # planned location → value, for formulas referring to cells
        self.by_id = {i.id: i for i in result.indicators} if result is not None else {}
        self.score_rows = {r.row: r for r in plan.score_rows}

    def put(self, sheet: str, cell: str, formula: str, value: Any) -> None:
        if isinstance(value, bool | str):
            cached: Cached = value
        else:
            number = decimal_of(value)
            if number is None or not number.is_finite():
                return
            cached = number
        self.values[(sheet, cell)] = cached
        self.out[(sheet, cell)] = (formula, cached)

    def typed(self, sheet: str, cell: str) -> Decimal | str | None:
        """A typed cell as a formula referring to it sees it: a number, a text or None (blank)."""
        rc = self.raw(sheet, cell)
        if rc is None or rc.value in (None, ""):
            return None
        if rc.type == "n":
            try:
                return Decimal(rc.value)
            except InvalidOperation:
                return None
        return str(rc.value)

    def self_value(self, row: int) -> Decimal | None:
        """Column G of a score row as SUM and arithmetic see it (a blank or a text is 0 in SUM)."""
        ref = f"{SCORE_COLS['self']}{row}"
        if (SCORE_SHEET, ref) in self.values:
            v = self.values[(SCORE_SHEET, ref)]
            return v if isinstance(v, Decimal) else None
        own = self.typed(SCORE_SHEET, ref)
        return own if isinstance(own, Decimal) else None

    # Named cells --------------------------------------------------------------------------------------

    def named(self, locations: Mapping[str, tuple[str, str]]) -> None:
        """Each named formula cell still where the plan put it: its engine value."""
        for name, cp in self.plan.cells.items():
            if not cp.formula:
                continue
            sheet, cell = locations.get(name, (cp.sheet, cp.cell))
            if sheet != cp.sheet or cell != cp.cell:
                continue  # moved by the user: its formula is not the plan's any more
            if name.startswith("score_") and name != "score_total":
                item = self.by_id.get(name.removeprefix("score_"))
                if item is not None:
                    self.put(sheet, cell, cp.formula, item.computed)
            elif name in ("score_total", "self_total"):
                if self.result is not None:
                    self.put(sheet, cell, cp.formula, self.env.get(name))
            elif name in self.env:
                self.put(sheet, cell, cp.formula, self.env[name])

    # Helper cells of the form sheets ---------------------------------------------------------------------

    def table_rows(self) -> dict[str, dict[int, int]]:
        """Table → sheet row → index of the row read (as the reader reads: blank rows skipped)."""
        out: dict[str, dict[int, int]] = {}
        for tp in self.plan.tables.values():
            table = next(t for t in self.plan.framework.form.tables if t.name == tp.name)
            letters = [tp.columns[c.name] for c in table.columns if c.expr is None]
            filled: dict[int, int] = {}
            for r in range(tp.first_row, tp.last_row + 1):
                if table_row_used(self.raw, tp.sheet, [f"{letter}{r}" for letter in letters]):
                    filled[r] = len(filled)
            out[tp.name] = filled
        return out

    def table_cell(self, h: Any, row: int, tp: Any, tcol: Any, index: int | None) -> None:
        """A computed column of a table: the engine's column value at the row's index, blank for a blank row."""
        if index is None:
            self.put(h.sheet, h.cell, h.formula, "")
            return
        column = self.env.get(f"{tp.name}.{tcol.name}")
        if isinstance(column, tuple) and index < len(column) and column[index] is not None:
            value = column[index]
            if tcol.kind in BOOL_KINDS and isinstance(value, bool):
                value = "是" if value else "否"  # IF(…,"是","否"), as a typed flag column shows
            self.put(h.sheet, h.cell, h.formula, value)

    def check_cell(self, h: Any, row: int, stated_env: Mapping[str, Any],
                   cat_by_cell: Mapping[tuple[str, str], Any]) -> None:
        """The form's check column: the expression a stated figure should equal, from the stated figures."""
        spec = cat_by_cell.get((h.sheet, f"{FORM_COLS['value']}{row}"))
        if spec is None or spec.spec is None or not spec.spec.expr:
            return
        expr = parse(spec.spec.expr)
        if not expr.names <= stated_env.keys():
            return  # a blank input: the engine has no value
        places = shown_places(spec.spec.kind)
        try:
            self.put(h.sheet, h.cell, h.formula, quantize(Decimal(expr.evaluate(stated_env)), places))
        except (ExprError, InvalidOperation, TypeError):
            self.put(h.sheet, h.cell, h.formula, "")  # IFERROR(…,""): a zero divisor

    def schedule_cell(self, h: Any, row: int, schedule: Any) -> None:
        """The payment-schedule chart's share paid by each checkpoint."""
        assert self.plan.schedule_chart is not None
        n = row - self.plan.schedule_chart.first_row
        try:
            total = parse(schedule.total).evaluate(self.env)
            paid = parse(schedule.paid[n]).evaluate(self.env)
            if isinstance(total, str) or isinstance(paid, str):
                return  # a text divides to #VALUE! in the sheet
            value = Decimal(0) if total == 0 else quantize(Decimal(paid) / Decimal(total), 4)
        except (ExprError, IndexError, TypeError, InvalidOperation):
            return
        self.put(h.sheet, h.cell, h.formula, value)

    def computed_columns(self) -> dict[tuple[str, str], tuple[Any, Any]]:
        """(sheet, column letter) → (table placement, column) of every computed table column."""
        return {(tp.sheet, letter): (tp, col) for tp in self.plan.tables.values()
                for t in self.plan.framework.form.tables if t.name == tp.name
                for col in t.columns if col.expr is not None for letter in [tp.columns[col.name]]}

    def stated_env(self) -> dict[str, Any]:
        stated_env = dict(self.env)
        for name, cp in self.plan.cells.items():
            if cp.spec is not None and cp.spec.role == "stated":
                stated_env.setdefault(name, Decimal(0))  # a blank stated figure is 0 in the sheet's arithmetic
        return stated_env

    def form_helpers(self) -> list[tuple[Any, str, int]]:
        """Every helper formula outside the score sheet; the score sheet's are returned for later."""
        plan = self.plan
        cat_by_cell = {(c.sheet, c.cell): c for c in plan.cells.values()}
        schedule = _schedule_rule(plan.framework) if plan.schedule_chart is not None else None
        computed_cols = self.computed_columns()
        table_rows = self.table_rows()
        stated_env = self.stated_env()
        deferred = []
        for h in plan.helpers:
            if not h.formula:
                continue
            col, row = _split(h.cell)
            if h.sheet in plan.blocks and (h.sheet, col) in computed_cols:
                tp, tcol = computed_cols[(h.sheet, col)]
                self.table_cell(h, row, tp, tcol, table_rows[tp.name].get(row))
            elif h.sheet in plan.blocks and col == FORM_COLS["check"]:
                self.check_cell(h, row, stated_env, cat_by_cell)
            elif schedule is not None and plan.schedule_chart is not None and h.sheet == plan.schedule_chart.sheet \
                    and col == CHART_COLS[1]:
                self.schedule_cell(h, row, schedule)
            elif h.sheet == SCORE_SHEET:
                deferred.append((h, col, row))
        return deferred

    # Helper cells of the score sheet ---------------------------------------------------------------------

    def branch_self_scores(self, deferred: list[tuple[Any, str, int]]) -> None:
        """Branch self-scores bottom-up (children sit below their parent): SUM of the children, capped."""
        for h, col, row in sorted(deferred, key=lambda d: -d[2]):
            srow = self.score_rows.get(row)
            if col != SCORE_COLS["self"] or srow is None or srow.indicator is None or self.result is None:
                continue
            total = Decimal(0)
            for ref in re.findall(r"[A-Z]+[0-9]+", h.formula or ""):
                total += self.self_value(_split(ref)[1]) or Decimal(0)
            for cap in self.result.caps:  # MIN(SUM(…), cap): a framework cap on this branch (engine/scoring.py)
                if cap.target == srow.indicator.id and cap.cap is not None:
                    total = min(total, cap.cap)
            self.put(h.sheet, h.cell, h.formula or "", total)

    def delta_cell(self, h: Any, row: int, srow: Any, total_row: int) -> None:
        """Self-score minus the rule's score, for a leaf, a branch or the total row."""
        formula = h.formula or ""
        if row == total_row:
            self.put(h.sheet, h.cell, formula, (self.self_value(row) or Decimal(0)) - self.result.total.computed)
            return
        if srow is None or srow.indicator is None or srow.indicator.id not in self.by_id:
            return
        computed = self.by_id[srow.indicator.id].computed
        if srow.indicator.rule is None:
            self.put(h.sheet, h.cell, formula, (self.self_value(row) or Decimal(0)) - computed)
            return
        own = self.typed(SCORE_SHEET, f"{SCORE_COLS['self']}{row}")  # a leaf: IF(G="","",N(G)-F)
        if own is None:
            self.put(h.sheet, h.cell, formula, "")
        else:
            self.put(h.sheet, h.cell, formula, (own if isinstance(own, Decimal) else Decimal(0)) - computed)

    def reference_cell(self, h: Any, m: re.Match[str]) -> None:
        """Chart data (=F12): the referred cell's value."""
        ref = f"{m.group(1)}{m.group(2)}"
        if (h.sheet, ref) in self.values:
            self.put(h.sheet, h.cell, h.formula or "", self.values[(h.sheet, ref)])
        elif m.group(1) == SCORE_COLS["self"] and self.result is not None:
            own = self.typed(h.sheet, ref)
            self.put(h.sheet, h.cell, h.formula or "", own if own is not None else Decimal(0))

    def score_helpers(self, deferred: list[tuple[Any, str, int]]) -> None:
        total_row = self.plan.score_rows[-1].row if self.plan.score_rows else -1
        for h, col, row in deferred:
            formula = h.formula or ""
            srow = self.score_rows.get(row)
            if col == SCORE_COLS["delta"] and self.result is not None and (srow is not None or row == total_row):
                self.delta_cell(h, row, srow, total_row)
            elif col == SCORE_COLS["explain"]:
                text = _text_formula(formula, self.env)
                if text is not None:
                    self.put(h.sheet, h.cell, formula, text)
            elif (m := _PLAIN_REF.match(formula)) is not None:
                self.reference_cell(h, m)


def engine_cell_values(plan: Plan, env: Mapping[str, Any], result: Any, locations: Mapping[str, tuple[str, str]],
                       raw: Any) -> dict[tuple[str, str], tuple[str, Cached]]:
    """(sheet, cell) → (the plan's formula, the engine's value) of every formula cell the engine can compute.

    ``env`` is every name's engine value (CheckContext.env), ``result`` the ScoreResult (None when the
    data is incomplete), ``raw(sheet, cell)`` the stored value of a typed cell (a RawCell or None).
    """
    cells = _CellValues(plan, env, result, raw)
    cells.named(locations)
    deferred = cells.form_helpers()
    cells.branch_self_scores(deferred)
    cells.score_helpers(deferred)
    return cells.out


# Writing the cached values into the file -------------------------------------------------------------


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip part name, from workbook.xml and its relationships."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    wb = etree.fromstring(zf.read("xl/workbook.xml"), parser)
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), parser)
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_NS_PKG}}}Relationship")}
    out = {}
    for sheet in wb.iter(f"{{{_NS_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_NS_REL}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[sheet.get("name", "")] = os.path.normpath(part).replace(os.sep, "/")
    return out


def _v(value: Cached) -> tuple[bytes, bytes]:
    """(type attribute, <v> text) of a cached value."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, str):
        text = _XML_ILLEGAL.sub("", value)  # a character XML cannot hold would make the part unreadable
        return b' t="str"', html.escape(text, quote=False).encode("utf-8")
    text = format(value.normalize(), "f") if value != 0 else "0"
    return b"", text.encode("ascii")


def _chart_caches(data: bytes, cells: Mapping[tuple[str, str], tuple[str, Cached]], raw: Any) -> bytes:
    """Give each chart series' numbers a numCache (what a preview draws) from the cached and typed cells."""

    def fill(m: re.Match[bytes]) -> bytes:
        ref = html.unescape(m.group(1).decode("utf-8"))
        r = _RANGE.match(ref)
        if r is None or r["c1"] != r["c2"] or not 0 <= int(r["r2"]) - int(r["r1"]) < CHART_POINTS_MAX:
            return m.group(0)
        sheet = r["sheet"].replace("''", "'")
        points = []
        for i, row in enumerate(range(int(r["r1"]), int(r["r2"]) + 1)):
            item = cells.get((sheet, f"{r['c1']}{row}"))
            value: Decimal | None = item[1] if item is not None and isinstance(item[1], Decimal) else None
            if item is None and raw is not None:
                rc = raw(sheet, f"{r['c1']}{row}")
                if rc is not None and rc.type == "n" and rc.value not in (None, "") and rc.formula is None:
                    try:
                        value = Decimal(rc.value)
                    except InvalidOperation:
                        value = None
            if value is not None:
                points.append(b'<pt idx="%d"><v>%s</v></pt>' % (i, _v(value)[1]))
        n = int(r["r2"]) - int(r["r1"]) + 1
        cache = b'<numCache><formatCode>General</formatCode><ptCount val="%d"/>%s</numCache>' % (n, b"".join(points))
        return b"<numRef><f>%s</f>%s</numRef>" % (m.group(1), cache)

    return _NUM_REF.sub(fill, data)


def add_cached_values(path: str | Path, cells: Mapping[tuple[str, str], tuple[str, Cached]],
                      raw: Any = None) -> int:
    """Write each cell's cached value into the saved file, where its formula is the expected one, and
    the charts' number caches (from those values and, with ``raw(sheet, cell)``, the typed cells).

    Rewrites the zip in place through a temporary file beside it (same member order, names and
    compression, fixed dates, so the same workbook gives the same bytes); returns the number of values
    written.
    """
    path = Path(path)
    by_sheet: dict[str, dict[bytes, tuple[str, Cached]]] = {}
    for (sheet, cell), item in cells.items():
        by_sheet.setdefault(sheet, {})[cell.encode("ascii")] = item
    written = 0
    fd, tmp = tempfile.mkstemp(prefix=".xlperf-cache-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            parts = {part: sheet for sheet, part in _sheet_parts(src).items() if sheet in by_sheet}
            for info in src.infolist():
                data = src.read(info)
                part_sheet = parts.get(info.filename)
                if part_sheet is not None and len(data) <= SHEET_XML_MAX:
                    wanted = by_sheet[part_sheet]

                    def fill(m: re.Match[bytes], wanted: Mapping[bytes, tuple[str, Cached]] = wanted) -> bytes:
                        nonlocal written
                        item = wanted.get(m.group(1))
                        if item is None or html.unescape(m.group(3).decode("utf-8")) != item[0]:
                            return m.group(0)
                        t, v = _v(item[1])
                        written += 1
                        attrs = _T_ATTR.sub(b"", m.group(2))
                        return b'<c r="%s"%s%s><f>%s</f><v>%s</v></c>' % (m.group(1), attrs, t, m.group(3), v)

                    data = _CELL.sub(fill, data)
                elif re.fullmatch(r"xl/charts/chart[0-9]+\.xml", info.filename) and len(data) <= SHEET_XML_MAX:
                    data = _chart_caches(data, cells, raw)
                info.date_time = ZIP_TIME  # openpyxl stamps the time of saving: same workbook, same bytes
                dst.writestr(info, data, compress_type=info.compress_type)
        shutil.move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return written


def cache_results(path: str | Path, framework: Framework | str | None = None, plan: Plan | None = None) -> int:
    """Read back a workbook xlperf just saved, compute every planned formula with the engine and cache it.

    ``framework`` None: the one the workbook records; ``plan``: the formulas written (default the native
    ones; a ``--formulas udf`` workbook passes its own). Never raises for content the reader or the engine
    cannot handle (an annotated copy of any submitted file): the workbook is then left as saved.
    """
    try:
        read = read_workbook(path, framework)
        ctx = CheckContext(read)
        cells = engine_cell_values(plan or read.plan, ctx.env, ctx.result, read.locations, read.book.cell)
    except Exception:  # noqa: BLE001 - hostile content: no cached values rather than no file
        return 0
    return add_cached_values(path, cells, read.book.cell)


def save_with_results(wb: Any, framework: Framework | str | None = None) -> Callable[[Path], None]:
    """A ``write(path)`` for :func:`xlperf.safe_io.write_atomically`: save with openpyxl, then cache results."""

    wb.calculation.fullCalcOnLoad = True  # cached values are for previews; spreadsheets recompute

    def write(path: Path) -> None:
        wb.save(path)
        cache_results(path, framework)

    return write
