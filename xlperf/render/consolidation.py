"""The 汇总 workbook: units, indicator statistics, money sums with the audit rules on them, the rules that
fail most, batch problems, all findings, and charts. Print-ready (A4 landscape), sorted and filterable.

Every text cell goes through :func:`~xlperf.safe_text.put`: a department name or an explanation
starting with ``=`` stays text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from xlperf.findings import STATUS_ZH
from xlperf.review.consolidate import Consolidation
from xlperf.review.spool import UnitSummary
from xlperf.safe_io import mark_workbook, shown_path, write_atomically
from xlperf.safe_text import put, xml_text

__all__ = ["SHEETS", "write_consolidation"]

SHEETS = {"units": "单位汇总", "indicators": "指标统计", "money": "金额汇总", "rules": "审核规则统计",
          "batch": "批次检查", "findings": "问题明细", "charts": "图表", "changes": "与上轮比较"}
UNIT_HEADERS = ("序号", "单位编码", "单位名称", "年度", "计算总分", "自评总分", "差异", "等级", "审核结论", "错误",
                "警告", "提示", "提示已说明", "计入汇总", "未计入原因", "框架版本", "文件", "自评报告", "报告问题", "问题明细",
                "与上轮比较", "复核意见")
FINDING_HEADERS = ("序号", "单位编码", "单位名称", "代码", "规则编号", "严重程度", "工作表", "单元格", "说明", "发现值",
                   "应为", "出错说明", "说明有效")
TOP_RULES = 10
HEADER_FILL, HEADER_FONT_COLOR = "305496", "FFFFFF"


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _header(ws: Any, row: int, headers: tuple[str, ...] | list[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill, font = PatternFill("solid", fgColor=HEADER_FILL), Font(bold=True, color=HEADER_FONT_COLOR)
    for col, head in enumerate(headers, start=1):
        cell = put(ws, row, col, head)
        cell.fill, cell.font = fill, font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _print_ready(ws: Any, widths: tuple[int, ...], header_row: int = 1, last_row: int | None = None,
                 filter_: bool = True, repeat: bool = True) -> None:
    """Frozen header, autofilter over the table, A4 landscape at full type size: widths that fit the page,
    text wrapped and rows sized (:func:`~xlperf.write.printfit.fit_table`); the header row repeats on the
    pages the table continues on (``repeat``), never over another table."""
    from openpyxl.utils import get_column_letter

    from xlperf.write.printfit import fit_table

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    last = max(last_row if last_row is not None else ws.max_row, header_row)
    if filter_:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(widths))}{last}"
    fit_table(ws, widths, first_row=header_row, title_rows=f"{header_row}:{header_row}" if repeat else None)


def write_consolidation(cons: Consolidation, out: str | Path, *, protect: tuple[Path, ...] = ()) -> Path:
    """Write the 汇总 workbook to ``out`` (atomically; the submitted files in ``protect`` are never targets).

    openpyxl's write-only mode: the units, their findings and what changed since the last round are
    written row by row from the spool (one unit read at a time), so the memory does not grow with the
    findings; the small sheets (statistics, sums, rules, batch problems, charts) are built as before on
    sheets outside the workbook and copied in row by row."""
    return write_atomically(Path(out), lambda target: _save(cons, target), what="汇总文件", protect=protect)


def _save(cons: Consolidation, target: Path) -> None:
    from openpyxl import Workbook

    wb: Any = Workbook(write_only=True)
    small = [(SHEETS["charts"], _charts), (SHEETS["indicators"], _indicators), (SHEETS["money"], _money),
             (SHEETS["rules"], _rules), (SHEETS["batch"], _batch)]
    built = [_scratch(wb, title, fill, cons) for title, fill in small]
    units = _Table(wb, SHEETS["units"], UNIT_HEADERS, UNIT_WIDTHS)
    findings = _Table(wb, SHEETS["findings"], FINDING_HEADERS, FINDING_WIDTHS)
    changes: _Table | None = None
    for i, unit in enumerate(cons.spool.units(cons.units), start=1):
        first: tuple[str, int] | None = None
        for row in unit.rows:
            at = findings.add((i, unit.summary.unit_code, unit.summary.department, *row))
            first = first or at
        change = cons.change(unit)
        if change is not None:
            changes = changes or _Table(wb, SHEETS["changes"], CHANGE_HEADERS, CHANGE_WIDTHS)
            for values in _change_rows(unit.summary, change):
                changes.add(values)
        units.add(_unit_row(cons, i, unit.summary, change), links={UNIT_LINK: first} if first else None)
    for table in (units, findings, changes):
        if table is not None:
            table.finish()
    copied = [_copied(wb, ws) for ws in built]
    wb._sheets = [*units.sheets, *(changes.sheets if changes is not None else []), *copied, *findings.sheets]
    wb.properties.title = f"{cons.framework.name} 汇总"
    mark_workbook(wb, "consolidation")
    wb.save(target)


# 年度 and a six-digit 单位编码 whole on one line in print (at 4 and 6, 2021 printed as ### and 431002 broke)
UNIT_WIDTHS = (3, 8, 12, 5, 6, 6, 5, 3, 6, 3, 3, 3, 3, 3, 8, 5, 12, 4, 3, 4, 9, 9)
FINDING_WIDTHS = (4, 7, 10, 6, 6, 4, 8, 5, 40, 8, 8, 20, 4)
CHANGE_WIDTHS = (14, 24, 8, 10, 8, 8, 14, 8, 70)
UNIT_LINK = UNIT_HEADERS.index("问题明细")
UNIT_NUMBERS = frozenset({4, 5, 6})  # 计算总分, 自评总分, 差异 (0-based): two decimals, also when empty


ROW_LIMIT = 1_048_576
"""Rows of one sheet in Excel and WPS (and LibreOffice ≥ 7.4): a longer table goes on in「<名称>（2）」…"""


class _Table:
    """A table written row by row, print-ready as :func:`_print_ready` makes one: header row 1 frozen and
    repeated on every page, an autofilter over the table, widths that fit A4 landscape, every value at the
    top of its row (text wrapped) and each row as high as its wrapped text. A table longer than a sheet can
    hold (:data:`ROW_LIMIT`, header included: a nation's 问题明细) goes on in sheets「<名称>（2）」,「（3）」…,
    each with the header; :attr:`sheets` lists them in order.

    Each row's XML is made here and written into the sheet's part between openpyxl's head and tail (see
    :func:`_writer`). openpyxl's own ``append`` makes a cell object, binds its value and opens an element
    context for every cell (~40 µs a cell: most of the time of writing a 汇总 whose 问题明细 has tens of
    thousands of rows; an lxml tree per row, then serialised, still ~60 % of it); the row is the one openpyxl
    writes (``openpyxl.cell._writer``: inline strings, ``%.16g`` numbers, the style's index in the workbook's
    cell styles; text escaped by :func:`_escaped`), and the sheet's head, tail, hyperlinks and the workbook
    around it are openpyxl's."""

    def __init__(self, wb: Any, title: str, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
        from openpyxl.utils import get_column_letter

        from xlperf.write.printfit import RowFit

        self.wb, self.title, self.headers = wb, title, headers
        self.fit = RowFit(widths)
        self.columns = len(widths)
        self.letters = [get_column_letter(c) for c in range(1, 41)]
        self.numbers = UNIT_NUMBERS if title == SHEETS["units"] else frozenset()
        self.sheets: list[Any] = []
        self.row = 0
        self.styles: _Styles | None = None
        self._open()

    def _open(self) -> None:
        """Start the next sheet of the table (the first, or a continuation once a sheet is full)."""
        from xlperf.write.printfit import page_setup

        if self.sheets:
            self.finish()
        part = len(self.sheets) + 1
        self.ws = self.wb.create_sheet(self.title if part == 1 else f"{self.title}（{part}）")
        self.sheets.append(self.ws)
        self.fit.set_widths(self.ws)
        self.ws.freeze_panes = "A2"
        page_setup(self.ws, "landscape", "1:1")  # before the first row: its fit-to-page goes out with the sheet's top
        self.styles = self.styles or _Styles(self.wb, self.ws)
        self.row = 0
        self.ws._writer = _writer(self.ws)
        self.ws._writer.write_top()  # the sheet's head (widths, views, properties); its rows are ours
        self._rows = self._stream()
        next(self._rows)
        self.ws._rows = self._rows  # closed by the sheet's close: then its tail is written
        self._append([(v, self.styles.head) for v in self.headers])

    def _stream(self) -> Any:
        writer = self.ws._writer
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            xf.flush()  # what lxml holds goes out before the rows, written to the same file
            try:
                while True:
                    writer.raw.write((yield).encode("utf-8"))
            except GeneratorExit:
                pass
        writer.xf.send(None)

    def add(self, values: tuple[Any, ...], links: dict[int, tuple[str, int]] | None = None) -> tuple[str, int]:
        """Write a row; ``links``: column → (sheet, row) its cell links to. Returns the row's sheet and row."""
        if self.row >= ROW_LIMIT:
            self._open()
        styles = self.styles
        assert styles is not None
        cells = [(v, styles.number if v is not None else styles.empty_number) if c in self.numbers else
                 (v, None if v is None else styles.text if isinstance(v, str) else styles.other)
                 for c, v in enumerate(values)]
        for c, (sheet, target) in (links or {}).items():
            cells[c] = ("查看", styles.linked)
            self.ws._writer.link(c, self.row + 1, sheet, target)
        self._append(cells)
        return self.ws.title, self.row

    def _append(self, cells: list[tuple[Any, str | None]]) -> None:
        from openpyxl.compat import safe_string

        self.row += 1
        r = str(self.row)
        values = [xml_text(v) if isinstance(v, str) else v for v, _ in cells]  # as safe_text.put: text, never a formula
        height = self.fit.height(values)
        parts = [f'<row r="{r}">' if height is None else f'<row r="{r}" ht="{safe_string(height)}" customHeight="1">']
        for c, value in enumerate(values):
            style = cells[c][1]
            if style is None:
                continue
            ref = self.letters[c] + r
            if isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() else ""
                parts.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>'
                             if value else f'<c r="{ref}" s="{style}" t="inlineStr"/>')
            elif value is None:
                parts.append(f'<c r="{ref}" s="{style}"/>')
            else:
                kind = "b" if isinstance(value, bool) else "n"
                parts.append(f'<c r="{ref}" s="{style}" t="{kind}"><v>{safe_string(value)}</v></c>')
        parts.append("</row>")
        self._rows.send("".join(parts))

    def finish(self) -> None:
        self.ws.auto_filter.ref = f"A1:{self.letters[self.columns - 1]}{max(self.row, 1)}"


def _writer(ws: Any) -> Any:
    """openpyxl's writer of a write-only sheet, its XML stream (lxml's ``xmlfile``) on a file object of ours
    (``raw``), so that rows made as text can go into the same file between the stream's flushed parts."""
    from array import array
    from xml.sax.saxutils import escape as xml_escape

    from lxml.etree import xmlfile
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.xml.constants import SHEET_MAIN_NS

    class Writer(WorksheetWriter):
        raw: Any
        stream: Any
        links = array("l")  # per link: column, row, target sheet (index in ``targets``), target row
        targets: dict[str, int]

        def link(self, col: int, row: int, sheet: str, target: int) -> None:
            """A cell's link to a row of another sheet (the 汇总's links to each unit's findings)."""
            self.links.extend((col, row, self.targets.setdefault(sheet, len(self.targets)), target))

        def get_stream(self) -> Any:  # openpyxl's, on our file object
            self.links, self.targets = array("l"), {}
            with open(str(self.out), "wb") as self.raw, xmlfile(self.raw) as self.stream, \
                    self.stream.element("worksheet", xmlns=SHEET_MAIN_NS):
                xf = self.stream
                try:
                    while True:
                        el = yield
                        if el is True:
                            yield xf
                        elif el is not None:
                            xf.write(el)
                except GeneratorExit:
                    pass

        def write_hyperlinks(self) -> None:
            """The links as openpyxl writes them (``<hyperlinks>``, each a ref and a location in the workbook), from
            three integers each instead of a Hyperlink object kept per unit until the sheet's end."""
            from openpyxl.utils import get_column_letter

            super().write_hyperlinks()
            if not self.links:
                return
            self.stream.flush()
            where = [xml_escape(f"'{sheet}'!A", {'"': "&quot;"}) for sheet in self.targets]
            self.raw.write(b"<hyperlinks>")
            for i in range(0, len(self.links), 4):
                col, row, sheet, target = self.links[i:i + 4]
                ref = f"{get_column_letter(col + 1)}{row}"
                self.raw.write(f'<hyperlink ref="{ref}" location="{where[sheet]}{target}"/>'.encode())
            self.raw.write(b"</hyperlinks>")

    return Writer(ws)


def _escaped(text: str) -> str:
    """Text as XML character data that parses back to itself (a parser would turn a carriage return into a
    line feed)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class _Styles:
    """The cells' styles, each made through openpyxl once and then named by its index in the workbook's cell
    styles (what openpyxl writes as a cell's ``s``)."""

    def __init__(self, wb: Any, ws: Any) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        def made(**styles: Any) -> str:
            cell: Any = WriteOnlyCell(ws)
            for name, value in styles.items():
                setattr(cell, name, value)
            return str(wb._cell_styles.add(cell._style))

        top, wrap = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
        self.text = made(alignment=wrap)
        self.other = made(alignment=top)
        self.number = made(alignment=top, number_format="0.00")
        self.empty_number = made(number_format="0.00")
        self.head = made(fill=PatternFill("solid", fgColor=HEADER_FILL),
                         font=Font(bold=True, color=HEADER_FONT_COLOR),
                         alignment=Alignment(horizontal="center", vertical="top", wrap_text=True))
        self.linked = made(alignment=wrap, font=Font(color="0563C1", underline="single"))


def _scratch(wb: Any, title: str, fill: Any, cons: Consolidation) -> Any:
    """A small sheet built as an ordinary openpyxl sheet of ``wb``'s styles, outside its sheets."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = Worksheet(wb, title)
    fill(ws, cons)
    return ws


_COPIED = ("column_dimensions", "views", "auto_filter", "page_setup", "print_options", "page_margins",
           "sheet_properties", "sheet_format", "row_breaks", "col_breaks", "_charts", "_images")


def _copied(wb: Any, scratch: Any) -> Any:
    """A write-only sheet with the scratch sheet's cells (values and styles: the same workbook's), rows'
    heights, widths, views, filter, print setup, page breaks and charts."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles.cell_style import StyleArray

    ws = wb.create_sheet(scratch.title)
    for name in _COPIED:
        setattr(ws, name, getattr(scratch, name))
    if scratch.print_title_rows:
        ws.print_title_rows = scratch.print_title_rows
    for r in range(1, scratch.max_row + 1):
        if r in scratch.row_dimensions:
            ws.row_dimensions[r] = scratch.row_dimensions[r]
        row: list[Any] = []
        for c in range(1, scratch.max_column + 1):
            src = scratch._cells.get((r, c))
            if src is None or (src._value is None and not src.has_style):
                row.append(None)
                continue
            cell: Any = WriteOnlyCell(ws)
            cell._value, cell.data_type = src._value, src.data_type
            cell._style = StyleArray(src._style)
            if src.hyperlink is not None:
                cell.hyperlink = src.hyperlink
            row.append(cell)
        ws.append(row)
    return ws


def _unit_row(cons: Consolidation, i: int, rep: UnitSummary, change: Any) -> tuple[Any, ...]:
    """A unit's row of 单位汇总 (UNIT_HEADERS; its 问题明细 link set by the caller)."""
    values = list(_unit_values(cons, i, rep, cons.counted[i - 1], cons.grades[i - 1]))
    values.append(None)  # 问题明细
    if rep.status == "error":
        values[8] = rep.review_zh + "（" + STATUS_ZH["error"] + "）"
    values.append(change.summary if change is not None else
                  ("首次报送" if cons.round_no and cons.round_no > 1 else None))
    values.append(cons.comments[i - 1] if cons.comments else None)
    return tuple(values)


def _unit_values(cons: Consolidation, i: int, rep: UnitSummary, counted: bool, grade: str | None) -> tuple[Any, ...]:
    """A unit's row of 单位汇总, up to its findings' link (UNIT_HEADERS)."""
    diff = (rep.total_self - rep.total_computed if rep.total_self is not None and rep.total_computed is not None
            else None)
    return (i, rep.unit_code, rep.department, rep.year, _num(rep.total_computed), _num(rep.total_self),
            _num(diff), grade, rep.review_zh, rep.errors, rep.warnings, rep.infos, rep.explained,
            "是" if counted else "否", cons.not_counted[i - 1] if cons.not_counted else None,
            f"{rep.framework or ''} {rep.framework_version or ''}".strip() or None,
            shown_path(rep.path), *_report_columns(rep))


REPORT_STATUS_ZH = {"checked": "已核对", "unreadable": "无法读取", "missing": "未收到"}


def _report_columns(rep: UnitSummary) -> tuple[str | None, int | None]:
    """自评报告 (已核对 / 无法读取 / 未收到; empty when the batch had no reports) and its number of findings."""
    if rep.report_status is None:
        return None, None
    return REPORT_STATUS_ZH.get(rep.report_status, rep.report_status), rep.report_findings


def _indicators(ws: Any, cons: Consolidation) -> None:
    heads = ("指标名称", "上级指标", "级次", "分值", "单位数", "平均分", "最低分", "最高分", "满分占比",
             "自评高于计算占比", "自评平均分")
    _header(ws, 1, heads)
    parents = _parents(cons)
    for r, s in enumerate(cons.indicators, start=2):
        values = (s.name, parents.get(s.id), s.level, _num(s.points), s.units, _num(s.mean), _num(s.min),
                  _num(s.max), _num(s.full_share), _num(s.self_above_share), _num(s.self_mean))
        for c, v in enumerate(values, start=1):
            cell = put(ws, r, c, v)
            if c in (9, 10):
                cell.number_format = "0.00%"
            elif c >= 6:
                cell.number_format = "0.00"
    _print_ready(ws, (18, 26, 5, 6, 7, 8, 8, 8, 9, 10, 9), last_row=len(cons.indicators) + 1)


def _parents(cons: Consolidation) -> dict[str, str]:
    """Each indicator's parent's name (reviewers read names, never ids)."""
    out: dict[str, str] = {}

    def walk(nodes: Any, parent: str | None) -> None:
        for n in nodes:
            if parent is not None:
                out[n.id] = parent
            walk(getattr(n, "children", None) or [], n.name)

    walk(cons.framework.indicators, None)
    return out


def _money(ws: Any, cons: Consolidation) -> None:
    heads = ("项目", "填报单位数", "合计（万元）")
    _header(ws, 1, heads)
    r = 2
    for m in cons.money:
        for c, v in enumerate((m.label, m.units, float(m.total)), start=1):
            put(ws, r, c, v)
        ws.cell(row=r, column=3).number_format = "#,##0.00"
        r += 1
    for m in cons.derived:  # computed from the sums as the form computes them
        for c, v in enumerate((f"{m.label}（由合计计算）", None, float(m.total)), start=1):
            put(ws, r, c, v)
        ws.cell(row=r, column=3).number_format = "#,##0.00"
        r += 1
    last = r - 1
    r += 1
    put(ws, r, 1, "审核规则（按全部计入汇总单位的合计数）")
    r += 1
    _header(ws, r, ("规则编号", "级别", "结果", "说明"))
    for rule in cons.rules_on_sums:
        r += 1
        result = {True: "通过", False: "不通过", None: "不适用"}[rule.holds]
        from xlperf.findings import AUDIT_LEVEL_ZH, AUDIT_SEVERITY

        level = AUDIT_LEVEL_ZH[AUDIT_SEVERITY[rule.severity]]
        for c, v in enumerate((rule.id, level, result, rule.message or None), start=1):
            put(ws, r, c, v)
    _print_ready(ws, (40, 12, 16, 70), last_row=last, repeat=False)


def _rules(ws: Any, cons: Consolidation) -> None:
    heads = ("规则编号或代码", "代码", "严重程度", "规则", "不通过单位数", "占比", "示例")
    _header(ws, 1, heads)
    n_units = sum(1 for u in cons.units if u.status != "error") or 1
    for r, rc in enumerate(cons.rule_counts, start=2):
        values = (rc.key, rc.code, rc.severity.zh, rc.text, rc.units, rc.units / n_units, rc.example)
        for c, v in enumerate(values, start=1):
            cell = put(ws, r, c, v)
            if c == 6:
                cell.number_format = "0.00%"
    _print_ready(ws, (12, 7, 6, 36, 8, 7, 50), last_row=len(cons.rule_counts) + 1)


CHANGE_HEADERS = ("单位编码", "单位名称", "上轮", "变化", "代码", "规则编号", "工作表", "单元格", "说明")


def _change_rows(rep: UnitSummary, change: Any) -> list[tuple[Any, ...]]:
    """A unit seen in an earlier round: each finding fixed, new or still open, and the figures changed."""
    head = (rep.unit_code, rep.department, f"第 {change.previous_round} 轮")
    if change.same_file:
        rows: list[tuple[Any, ...]] = [("文件未修改", None, None, None, None, change.summary)]
    else:
        rows = [(what, code, rule or None, sheet or None, cell or None, message)
                for what, items in (("已改正", change.fixed), ("新增", change.new), ("仍未改正", change.still_open),
                                    ("已说明", change.explained))
                for code, rule, sheet, cell, _sev, message in items]
        rows += [("数据变化", None, None, None, None, label) for label in change.figures_changed]
    return [head + row for row in rows]


def included_text(cons: Consolidation) -> str:
    """Which units the statistics count, in words (said on the sheets and on the terminal)."""
    from xlperf.findings import REVIEW_ZH

    shown = "、".join(REVIEW_ZH[k] for k in ("pass", "pass_explained", "explain", "revise") if k in cons.include)
    n = sum(cons.counted)
    return (f"金额合计、指标统计、等级分布只计入审核结论为 {shown} 的单位（{n} 个）；其余单位在“单位汇总”中"
            "列出并写明未计入原因" + ("" if "revise" in cons.include else "（--include-unaccepted 可计入需说明、需修改的单位）"))


def _batch(ws: Any, cons: Consolidation) -> None:
    from xlperf.review.batch import KIND_ZH

    _header(ws, 1, ("类型", "单位", "说明", "文件"))
    r = 2
    for issue in cons.issues:
        for c, v in enumerate((issue.kind_zh, issue.unit, issue.message, "；".join(issue.files) or None), start=1):
            put(ws, r, c, v)
        r += 1
    for skip in cons.skipped:
        for c, v in enumerate((KIND_ZH["skipped"], None, skip.reason, shown_path(skip.path)), start=1):
            put(ws, r, c, v)
        r += 1
    if r == 2:
        put(ws, r, 3, "（未发现重复、年度或框架版本不一致、漏报的单位）")
        r += 1
    put(ws, r + 1, 1, "计入统计")
    put(ws, r + 1, 3, included_text(cons))
    _print_ready(ws, (14, 24, 60, 40), last_row=r - 1)


def _charts(ws: Any, cons: Consolidation) -> None:
    """Grade distribution, the most-failed rules, computed vs self-score of the level-2 indicators."""
    from openpyxl.chart import BarChart, Reference

    grades = [g.label for g in sorted(cons.framework.form.grades, key=lambda g: g.min, reverse=True)]
    counted_grades = [g for g, c in zip(cons.grades, cons.counted, strict=True) if c]
    _header(ws, 1, ("等级", "单位数"))
    for r, g in enumerate(grades, start=2):
        put(ws, r, 1, g)
        put(ws, r, 2, sum(1 for x in counted_grades if x == g))
    chart = BarChart()
    chart.title, chart.y_axis.title = "等级分布（计算总分）", "单位数"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + len(grades)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(grades)))
    charts = [chart]
    top = cons.rule_counts[:TOP_RULES]
    start = len(grades) + 4
    _header(ws, start, ("规则", "不通过单位数"))
    for r, rc in enumerate(top, start=start + 1):
        put(ws, r, 1, f"{rc.key} {rc.text}"[:40])
        put(ws, r, 2, rc.units)
    if top:
        chart = BarChart()
        chart.type = "bar"
        chart.title, chart.x_axis.title = f"不通过最多的审核规则（前 {TOP_RULES} 条）", "规则"
        chart.add_data(Reference(ws, min_col=2, min_row=start, max_row=start + len(top)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(top)))
        charts.append(chart)
    level2 = [s for s in cons.indicators if s.level == 2]
    start2 = start + len(top) + 3
    _header(ws, start2, ("二级指标", "平均计算得分", "平均自评得分"))
    for r, s in enumerate(level2, start=start2 + 1):
        put(ws, r, 1, s.name)
        put(ws, r, 2, _num(s.mean))
        put(ws, r, 3, _num(s.self_mean))
    if level2:
        chart = BarChart()
        chart.title, chart.y_axis.title = "二级指标：计算得分与自评得分（平均）", "分"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=start2, max_row=start2 + len(level2)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=start2 + 1, max_row=start2 + len(level2)))
        charts.append(chart)
    # below the tables, one under another, each as wide as the page holds at full size (beside the tables
    # they made the sheet twice as wide as the page and its type 6 pt)
    from openpyxl.worksheet.pagebreak import Break

    row = start2 + len(level2) + 3
    for chart in charts:  # each on a page of its own: a chart across a page break prints past the page
        chart.width, chart.height = 24, 12
        ws.row_breaks.append(Break(id=row - 1))
        ws.add_chart(chart, f"A{row}")
        row += 30
    _print_ready(ws, (28, 14, 14), filter_=False, repeat=False)
