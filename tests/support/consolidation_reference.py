"""The 汇总 as main wrote it before issue 22 (4cdde5e): every sheet an ordinary openpyxl sheet in memory, each
unit's row and findings computed from its full report (read back from the round's spool here), then
``write.printfit.fit_table`` over the whole table. The streamed writer (``xlperf.render.consolidation``) must
produce the same workbook: tests compare the two cell by cell and setting by setting
(``tests/support/xlsx_compare.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink

from xlperf.findings import STATUS_ZH, FileReport, Severity, adequate, plain_value
from xlperf.render import consolidation as render
from xlperf.review.consolidate import Consolidation
from xlperf.review.spool import UnitSummary
from xlperf.safe_io import mark_workbook, shown_path
from xlperf.safe_text import put

SHEETS, UNIT_HEADERS, FINDING_HEADERS = render.SHEETS, render.UNIT_HEADERS, render.FINDING_HEADERS


def write_reference(cons: Consolidation, out: Path) -> Path:
    reports = [cons.spool.report(u.index) for u in cons.units]
    changes = [cons.change(unit) for unit in cons.spooled()]
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = SHEETS["units"]
    finding_rows = _findings(wb.create_sheet(SHEETS["findings"]), reports)
    _units(ws, cons, reports, changes, finding_rows)
    render._indicators(wb.create_sheet(SHEETS["indicators"], 1), cons)
    render._money(wb.create_sheet(SHEETS["money"], 2), cons)
    render._rules(wb.create_sheet(SHEETS["rules"], 3), cons)
    render._batch(wb.create_sheet(SHEETS["batch"], 4), cons)
    render._charts(wb.create_sheet(SHEETS["charts"], 1), cons)
    if any(c is not None for c in changes):
        _changes(wb.create_sheet(SHEETS["changes"], 1), cons.units, changes)
    wb.properties.title = f"{cons.framework.name} 汇总"
    mark_workbook(wb, "consolidation")
    wb.save(out)
    return out


def _units(ws: Any, cons: Consolidation, reports: list[FileReport], changes: list[Any],
           finding_rows: list[int | None]) -> None:
    render._header(ws, 1, UNIT_HEADERS)
    link_font = Font(color="0563C1", underline="single")
    for i, (rep, counted, grade) in enumerate(zip(reports, cons.counted, cons.grades, strict=True), start=1):
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
        change = changes[i - 1]
        put(ws, r, len(UNIT_HEADERS) - 1, change.summary if change is not None else
            ("首次报送" if cons.round_no and cons.round_no > 1 else None))
        put(ws, r, len(UNIT_HEADERS), cons.comments[i - 1] if cons.comments else None)
    for r in range(2, len(reports) + 2):
        for c in (5, 6, 7):
            ws.cell(row=r, column=c).number_format = "0.00"
    render._print_ready(ws, render.UNIT_WIDTHS, last_row=len(reports) + 1)


def _unit_values(cons: Consolidation, i: int, rep: FileReport, counted: bool, grade: str | None) -> tuple[Any, ...]:
    diff = (rep.total_self - rep.total_computed if rep.total_self is not None and rep.total_computed is not None
            else None)
    warned = [f for f in rep.findings if f.severity == Severity.warning]
    info = rep.report_text
    report_cols = ((None, None) if info is None else
                   (render.REPORT_STATUS_ZH.get(info.status, info.status),
                    sum(1 for f in rep.findings if f.code.startswith("XP5"))))
    return (i, rep.unit_code, rep.department, rep.year, render._num(rep.total_computed), render._num(rep.total_self),
            render._num(diff), grade, rep.review_zh, rep.errors, rep.warnings,
            sum(1 for f in rep.findings if f.severity == Severity.info),
            sum(1 for f in warned if adequate(f.explanation)), "是" if counted else "否",
            cons.not_counted[i - 1] if cons.not_counted else None,
            f"{rep.framework or ''} {rep.framework_version or ''}".strip() or None,
            shown_path(rep.path), *report_cols)


def _findings(ws: Any, reports: list[FileReport]) -> list[int | None]:
    render._header(ws, 1, FINDING_HEADERS)
    rows: list[int | None] = []
    r = 2
    for i, rep in enumerate(reports, start=1):
        rows.append(r if rep.findings else None)
        for f in rep.findings:
            values = (i, rep.unit_code, rep.department, f.code, f.rule, f.severity.zh, f.sheet, f.cell, f.message,
                      plain_value(f.found), plain_value(f.expected), f.explanation,
                      ("是" if adequate(f.explanation) else "否") if f.severity == Severity.warning else None)
            for c, v in enumerate(values, start=1):
                put(ws, r, c, v)
            r += 1
    render._print_ready(ws, render.FINDING_WIDTHS, last_row=r - 1)
    return rows


def _changes(ws: Any, units: list[UnitSummary], changes: list[Any]) -> None:
    render._header(ws, 1, render.CHANGE_HEADERS)
    r = 2
    for unit, change in zip(units, changes, strict=True):
        if change is None:
            continue
        for row in render._change_rows(unit, change):  # the rows themselves: the streamed writer's
            for c, v in enumerate(row, start=1):
                put(ws, r, c, v)
            r += 1
    render._print_ready(ws, render.CHANGE_WIDTHS, last_row=r - 1)
