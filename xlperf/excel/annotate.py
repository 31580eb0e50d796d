"""Write validation findings into a workbook: the 校验结果 sheet, highlights and comments.

The logic talks to a small :class:`BookSink` interface, so the same code serves the CLI's
``--annotate`` (an openpyxl copy of the submitted file) and the Excel button (xlwings, the live book),
and is tested on Linux. It never changes a cell's value outside the 校验结果 sheet; highlights it made
on a previous run are restored first, so re-running is clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from ..findings import FileReport, Severity, plain_value
from ..workbook.layout import RESULT_SHEET

__all__ = ["BookSink", "OpenpyxlSink", "SEVERITY_COLORS", "annotate_copy", "apply_findings"]

SEVERITY_COLORS = {Severity.error: "FFC7CE", Severity.warning: "FFEB9C", Severity.info: "D9D2E9"}
"""Distinct from every fill the template uses (inputs, stated figures, computed cells)."""
HEADERS = ("序号", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为")
FIRST_ROW = 3
MARK_COL = 12  # column L (hidden): [sheet, cell, original fill, original note] of each highlight we made
COMMENT_AUTHOR = "xlperf"


class BookSink(Protocol):
    """What the annotation logic needs from a workbook."""

    def has_sheet(self, name: str) -> bool: ...
    def ensure_result_sheet(self) -> None: ...
    def result_rows(self) -> int: ...
    def read_result(self, row: int, col: int) -> Any: ...
    def write_result(self, row: int, col: int, value: Any) -> None: ...
    def link_result(self, row: int, col: int, sheet: str, cell: str) -> None: ...
    def get_fill(self, sheet: str, cell: str) -> str | None: ...
    def set_fill(self, sheet: str, cell: str, color: str | None) -> None: ...
    def get_comment(self, sheet: str, cell: str) -> str | None: ...
    def set_comment(self, sheet: str, cell: str, text: str | None) -> None: ...


def apply_findings(sink: BookSink, report: FileReport) -> int:
    """Replace previous results with this report's; returns the number of highlighted cells."""
    sink.ensure_result_sheet()
    # 1. undo the highlights of the previous run (fill and the user's own note restored)
    for row in range(FIRST_ROW, sink.result_rows() + 1):
        mark = _read_mark(sink.read_result(row, MARK_COL))
        if mark is not None:
            sheet, cell, fill, note = mark
            if sink.has_sheet(sheet):
                sink.set_fill(sheet, cell, fill)
                sink.set_comment(sheet, cell, note)
    # 2. clear old rows
    for row in range(FIRST_ROW, sink.result_rows() + 1):
        for col in range(1, MARK_COL + 1):
            sink.write_result(row, col, None)
    # 3. write the summary line and the findings
    summary = (f"{report.department or ''} {report.year or ''}：错误 {report.errors} 条，警告 {report.warnings} 条；"
               f"计算总分 {report.total_computed if report.total_computed is not None else '—'}，"
               f"自评总分 {report.total_self if report.total_self is not None else '—'}")
    sink.write_result(FIRST_ROW, 1, "汇总")
    sink.write_result(FIRST_ROW, 6, summary)
    comments: dict[tuple[str, str], list[str]] = {}
    worst: dict[tuple[str, str], Severity] = {}
    for i, f in enumerate(report.findings, start=1):
        row = FIRST_ROW + i
        for col, value in enumerate((i, f.code, f.severity.zh, f.sheet or "", f.cell or "", f.message,
                                     plain_value(f.found), plain_value(f.expected)), start=1):
            sink.write_result(row, col, value)
        if f.sheet and f.cell and f.sheet != RESULT_SHEET and sink.has_sheet(f.sheet):
            sink.link_result(row, 5, f.sheet, f.cell)
            key = (f.sheet, f.cell)
            comments.setdefault(key, []).append(f"[{f.code} {f.severity.zh}] {f.message}")
            if key not in worst or f.severity.rank > worst[key].rank:
                worst[key] = f.severity
    # 4. highlight, remembering the original fill in the hidden mark column
    mark_row = FIRST_ROW + 1
    for (sheet, cell), severity in worst.items():
        original, note = sink.get_fill(sheet, cell), sink.get_comment(sheet, cell)
        sink.write_result(mark_row, MARK_COL, json.dumps([sheet, cell, original, note], ensure_ascii=False))
        mark_row += 1
        sink.set_fill(sheet, cell, SEVERITY_COLORS[severity])
        text = "\n".join(comments[(sheet, cell)])
        if note:
            text += f"\n——原批注：{note}"
        sink.set_comment(sheet, cell, text[:30000])
    return len(worst)


def _read_mark(value: Any) -> tuple[str, str, str | None, str | None] | None:
    """A highlight recorded by a previous run: (sheet, cell, original fill, original note)."""
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        sheet, cell, fill, note = json.loads(value)
    except (ValueError, TypeError):
        return None
    return str(sheet), str(cell), fill or None, note or None




class OpenpyxlSink:
    """BookSink over an openpyxl workbook (a copy of the submitted file)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb

    def has_sheet(self, name: str) -> bool:
        return name in self.wb.sheetnames

    def ensure_result_sheet(self) -> None:
        if RESULT_SHEET not in self.wb.sheetnames:
            ws = self.wb.create_sheet(RESULT_SHEET)
            for col, head in enumerate(HEADERS, start=1):
                ws.cell(row=2, column=col, value=head)
        ws = self.wb[RESULT_SHEET]
        from openpyxl.utils import get_column_letter

        ws.column_dimensions[get_column_letter(MARK_COL)].hidden = True

    def result_rows(self) -> int:
        return self.wb[RESULT_SHEET].max_row

    def read_result(self, row: int, col: int) -> Any:
        return self.wb[RESULT_SHEET].cell(row=row, column=col).value

    def write_result(self, row: int, col: int, value: Any) -> None:
        cell = self.wb[RESULT_SHEET].cell(row=row, column=col)
        cell.value = value
        if value is None:
            cell.hyperlink = None

    def link_result(self, row: int, col: int, sheet: str, cell: str) -> None:
        from openpyxl.styles import Font
        from openpyxl.worksheet.hyperlink import Hyperlink

        target = self.wb[RESULT_SHEET].cell(row=row, column=col)
        quoted = sheet.replace("'", "''")
        target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{quoted}'!{cell}")
        target.font = Font(color="0563C1", underline="single")

    def get_fill(self, sheet: str, cell: str) -> str | None:
        fill = self.wb[sheet][cell].fill
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = fill.fgColor.rgb if fill.fgColor is not None else None
        return rgb[-6:] if isinstance(rgb, str) else None

    def get_comment(self, sheet: str, cell: str) -> str | None:
        comment = self.wb[sheet][cell].comment
        return None if comment is None else comment.text

    def set_fill(self, sheet: str, cell: str, color: str | None) -> None:
        from openpyxl.styles import PatternFill

        self.wb[sheet][cell].fill = PatternFill("solid", fgColor=color) if color else PatternFill(fill_type=None)

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        from openpyxl.comments import Comment

        self.wb[sheet][cell].comment = Comment(text, COMMENT_AUTHOR, width=320, height=160) if text else None


def annotate_copy(source: str | Path, target: str | Path, report: FileReport) -> Path:
    """Write an annotated copy of ``source`` to ``target``; the source file is never opened for writing."""
    from openpyxl import load_workbook

    source, target = Path(source), Path(target)
    if source.resolve() == target.resolve():
        raise ValueError("标注结果必须另存为新文件，不能覆盖提交的工作簿")
    target.parent.mkdir(parents=True, exist_ok=True)
    wb = load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")  # opened read-only by openpyxl
    apply_findings(OpenpyxlSink(wb), report)
    wb.save(target)
    return target
