"""The 汇总 workbook: units, indicator statistics, money sums with the audit rules on them, the rules that
fail most, batch problems, all findings, and charts. Print-ready (A4 landscape), sorted and filterable.

Every text cell goes through :func:`~xlperf.safe_text.put`: a department name or an explanation
starting with ``=`` stays text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from xlperf.findings import STATUS_ZH, FileReport, Severity, adequate, plain_value
from xlperf.review.consolidate import Consolidation
from xlperf.safe_io import mark_workbook, shown_path, write_atomically
from xlperf.safe_text import put

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
    """Write the 汇总 workbook to ``out`` (atomically; the submitted files in ``protect`` are never targets)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = SHEETS["units"]
    finding_rows = _findings(wb.create_sheet(SHEETS["findings"]), cons)
    _units(ws, cons, finding_rows)
    _indicators(wb.create_sheet(SHEETS["indicators"], 1), cons)
    _money(wb.create_sheet(SHEETS["money"], 2), cons)
    _rules(wb.create_sheet(SHEETS["rules"], 3), cons)
    _batch(wb.create_sheet(SHEETS["batch"], 4), cons)
    _charts(wb.create_sheet(SHEETS["charts"], 1), cons)
    if any(c is not None for c in cons.changes):
        _changes(wb.create_sheet(SHEETS["changes"], 1), cons)
    wb.properties.title = f"{cons.framework.name} 汇总"
    mark_workbook(wb, "consolidation")
    return write_atomically(Path(out), wb.save, what="汇总文件", protect=protect)


def _units(ws: Any, cons: Consolidation, finding_rows: list[int | None]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    _header(ws, 1, UNIT_HEADERS)
    link_font = Font(color="0563C1", underline="single")
    for i, (u, counted, grade) in enumerate(zip(cons.units, cons.counted, cons.grades, strict=True), start=1):
        rep = u.report
        r = i + 1
        for c, v in enumerate(_unit_values(cons, i, rep, counted, grade), start=1):
            put(ws, r, c, v)
        target = finding_rows[i - 1]
        if target is not None:
            cell = put(ws, r, UNIT_HEADERS.index("问题明细") + 1, "查看")
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{SHEETS['findings']}'!A{target}")
            cell.font = link_font
        if rep.status == "error":
            put(ws, r, 9, rep.review_zh + "（" + STATUS_ZH["error"] + "）")
        change = cons.changes[i - 1] if cons.changes else None
        put(ws, r, len(UNIT_HEADERS) - 1, change.summary if change is not None else
            ("首次报送" if cons.round_no and cons.round_no > 1 else None))
        put(ws, r, len(UNIT_HEADERS), cons.comments[i - 1] if cons.comments else None)
    for r in range(2, len(cons.units) + 2):
        for c in (5, 6, 7):
            ws.cell(row=r, column=c).number_format = "0.00"
    # 年度 and a six-digit 单位编码 whole on one line in print (at 4 and 6, 2021 printed as ### and 431002 broke)
    _print_ready(ws, (3, 8, 12, 5, 6, 6, 5, 3, 6, 3, 3, 3, 3, 3, 8, 5, 12, 4, 3, 4, 9, 9), last_row=len(cons.units) + 1)


def _unit_values(cons: Consolidation, i: int, rep: FileReport, counted: bool, grade: str | None) -> tuple[Any, ...]:
    """A unit's row of 单位汇总, up to its findings' link (UNIT_HEADERS)."""
    diff = (rep.total_self - rep.total_computed if rep.total_self is not None and rep.total_computed is not None
            else None)
    warned = [f for f in rep.findings if f.severity == Severity.warning]
    return (i, rep.unit_code, rep.department, rep.year, _num(rep.total_computed), _num(rep.total_self),
            _num(diff), grade, rep.review_zh, rep.errors, rep.warnings,
            sum(1 for f in rep.findings if f.severity == Severity.info),
            sum(1 for f in warned if adequate(f.explanation)), "是" if counted else "否",
            cons.not_counted[i - 1] if cons.not_counted else None,
            f"{rep.framework or ''} {rep.framework_version or ''}".strip() or None,
            shown_path(rep.path), *_report_columns(rep))


REPORT_STATUS_ZH = {"checked": "已核对", "unreadable": "无法读取", "missing": "未收到"}


def _report_columns(rep: FileReport) -> tuple[str | None, int | None]:
    """自评报告 (已核对 / 无法读取 / 未收到; empty when the batch had no reports) and its number of findings."""
    info = rep.report_text
    if info is None:
        return None, None
    return REPORT_STATUS_ZH.get(info.status, info.status), sum(1 for f in rep.findings if f.code.startswith("XP5"))


def _findings(ws: Any, cons: Consolidation) -> list[int | None]:
    """All findings of all units; returns each unit's first row (None for a unit without findings)."""
    _header(ws, 1, FINDING_HEADERS)
    rows: list[int | None] = []
    r = 2
    for i, u in enumerate(cons.units, start=1):
        rep = u.report
        rows.append(r if rep.findings else None)
        for f in rep.findings:
            values = (i, rep.unit_code, rep.department, f.code, f.rule, f.severity.zh, f.sheet, f.cell, f.message,
                      plain_value(f.found), plain_value(f.expected), f.explanation,
                      ("是" if adequate(f.explanation) else "否") if f.severity == Severity.warning else None)
            for c, v in enumerate(values, start=1):
                put(ws, r, c, v)
            r += 1
    _print_ready(ws, (4, 7, 10, 6, 6, 4, 8, 5, 40, 8, 8, 20, 4), last_row=r - 1)
    return rows


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
    n_units = sum(1 for u in cons.units if u.report.status != "error") or 1
    for r, rc in enumerate(cons.rule_counts, start=2):
        values = (rc.key, rc.code, rc.severity.zh, rc.text, rc.units, rc.units / n_units, rc.example)
        for c, v in enumerate(values, start=1):
            cell = put(ws, r, c, v)
            if c == 6:
                cell.number_format = "0.00%"
    _print_ready(ws, (12, 7, 6, 36, 8, 7, 50), last_row=len(cons.rule_counts) + 1)


CHANGE_HEADERS = ("单位编码", "单位名称", "上轮", "变化", "代码", "规则编号", "工作表", "单元格", "说明")


def _changes(ws: Any, cons: Consolidation) -> None:
    """Per unit seen in an earlier round: each finding fixed, new or still open, and the figures changed."""
    _header(ws, 1, CHANGE_HEADERS)
    r = 2
    for u, change in zip(cons.units, cons.changes, strict=True):
        if change is None:
            continue
        rep = u.report
        head = (rep.unit_code, rep.department, f"第 {change.previous_round} 轮")
        if change.same_file:
            rows: list[tuple[Any, ...]] = [("文件未修改", None, None, None, None, change.summary)]
        else:
            rows = [(what, code, rule or None, sheet or None, cell or None, message)
                    for what, items in (("已改正", change.fixed), ("新增", change.new), ("仍未改正", change.still_open))
                    for code, rule, sheet, cell, _sev, message in items]
            rows += [("数据变化", None, None, None, None, label) for label in change.figures_changed]
        for row in rows:
            for c, v in enumerate(head + row, start=1):
                put(ws, r, c, v)
            r += 1
    _print_ready(ws, (14, 24, 8, 10, 8, 8, 14, 8, 70), last_row=r - 1)


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
