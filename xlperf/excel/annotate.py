"""Write validation findings into a workbook: the 校验结果 sheet, highlights and comments.

The logic talks to a small :class:`BookSink` interface, so the same code serves the CLI's
``--annotate`` (an openpyxl copy of the submitted file) and the Excel button (xlwings, the live book),
and is tested on Linux. It never changes a cell's value outside the 校验结果 sheet; highlights it made
on a previous run are restored first, so re-running is clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Protocol

from ..findings import FileReport, Severity, plain_value
from ..render.cellsafe import put, xml_text
from ..safe_io import OutputError, mark_workbook, same_file, write_atomically
from ..review.explanations import EXPLAIN_COL, EXPLAIN_HEADER, ORPHAN_NOTE, RULE_COL, RULE_HEADER, key_of
from ..review.explanations import explanations_from_rows
from ..workbook.layout import RESULT_SHEET

__all__ = ["AnnotateError", "BookSink", "OpenpyxlSink", "SEVERITY_COLORS", "annotate_copy", "apply_findings"]

SEVERITY_COLORS = {Severity.error: "FFC7CE", Severity.warning: "FFEB9C", Severity.info: "D9D2E9"}
"""Distinct from every fill the template uses (inputs, stated figures, computed cells)."""
HEADERS = ("序号", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为", RULE_HEADER, EXPLAIN_HEADER)
FIRST_ROW = 3
MARK_COL = 12  # column L (hidden): [sheet, cell, original fill, original note] of each highlight we made
COMMENT_AUTHOR = "xlperf"
RESULT_ROWS_MAX = 100_000
"""Rows of an existing 校验结果 sheet that are cleared (a submitted sheet may claim a million)."""


class AnnotateError(OutputError):
    """The annotated copy could not be made (the file cannot be loaded for editing, or written)."""


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
    had_results = sink.has_sheet(RESULT_SHEET)
    sink.ensure_result_sheet()
    last = min(sink.result_rows(), FIRST_ROW + RESULT_ROWS_MAX)
    # 0. the department's 出错说明 of the previous run, by finding key (never by row)
    explained = explanations_from_rows(sink.read_result, FIRST_ROW + 1, last)
    # 1. undo the highlights of the previous run (fill and the user's own note restored)
    marks = 0
    for row in range(FIRST_ROW, last + 1):
        mark = _read_mark(sink.read_result(row, MARK_COL))
        if mark is not None:
            marks += 1
            sheet, cell, fill, note = mark
            if sink.has_sheet(sheet):
                sink.set_fill(sheet, cell, fill)
                sink.set_comment(sheet, cell, note)
    if not marks and (not had_results or sink.read_result(FIRST_ROW + 1, 2)):
        _recover_stranded(sink, report)  # 校验结果 deleted, renamed or its hidden column cleared
    # 2. clear old rows
    for row in range(FIRST_ROW, last + 1):
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
        if f.rule:
            sink.write_result(row, RULE_COL, f.rule)
        text = explained.get(key_of(f)) or f.explanation
        if text:
            sink.write_result(row, EXPLAIN_COL, text)
        if f.sheet and f.cell and f.sheet != RESULT_SHEET and sink.has_sheet(f.sheet):
            sink.link_result(row, 5, f.sheet, f.cell)
            key = (f.sheet, f.cell)
            comments.setdefault(key, []).append(f"[{f.code} {f.severity.zh}] {f.message}")
            if key not in worst or f.severity.rank > worst[key].rank:
                worst[key] = f.severity
    # 3b. explanations whose finding did not come back this time are kept below, not lost
    current = {key_of(f) for f in report.findings}
    orphans = [(k, v) for k, v in explained.items() if k not in current]
    for n, ((code, rule, sheet, cell), text) in enumerate(orphans, start=FIRST_ROW + len(report.findings) + 1):
        for col, value in ((2, code), (4, sheet), (5, cell), (6, ORPHAN_NOTE), (RULE_COL, rule), (EXPLAIN_COL, text)):
            if value:
                sink.write_result(n, col, value)
    # 4. highlight, remembering the original fill in the hidden mark column
    mark_row = FIRST_ROW + 1
    for (sheet, cell), severity in worst.items():
        original, note = sink.get_fill(sheet, cell), sink.get_comment(sheet, cell)
        sink.write_result(mark_row, MARK_COL, json.dumps([sheet, cell, original, note], ensure_ascii=False))
        mark_row += 1
        sink.set_fill(sheet, cell, SEVERITY_COLORS[severity])
        text = "\n".join(comments[(sheet, cell)])
        if note:
            text += f"{ORIGINAL_NOTE}{note}"
        sink.set_comment(sheet, cell, text[:30000])
    return len(worst)


ORIGINAL_NOTE = "\n——原批注："
"""Our notes end with the user's own note after this marker, so it survives even without 校验结果."""


def _recover_stranded(sink: BookSink, report: FileReport) -> None:
    """Undo highlights whose record in 校验结果 is gone: every cell of the standard workbook that carries
    one of our highlight colours and one of our notes gets back the template's fill (the workbook of a
    framework is deterministic) and the user's own note, which our note quotes at its end."""
    from ..framework.registry import builtin_registry, resolve
    from ..workbook.plan import plan_for
    from ..workbook.template import build_workbook

    fw = resolve(report.framework or "", builtin_registry()) if report.framework else None
    if fw is None:
        return
    plan = plan_for(fw)
    template = build_workbook(fw)
    ours = set(SEVERITY_COLORS.values())
    cells = {(c.sheet, c.cell) for c in plan.cells.values()} | {(h.sheet, h.cell) for h in plan.helpers}
    for sheet, cell in sorted(cells):
        if not sink.has_sheet(sheet) or sink.get_fill(sheet, cell) not in ours:
            continue
        note = sink.get_comment(sheet, cell) or ""
        if not note.startswith("[XP"):
            continue  # the user's own colour and note: not ours to touch
        fill = template[sheet][cell].fill
        rgb = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" and fill.fgColor is not None else None
        sink.set_fill(sheet, cell, rgb[-6:] if isinstance(rgb, str) else None)
        sink.set_comment(sheet, cell, note.split(ORIGINAL_NOTE, 1)[1] if ORIGINAL_NOTE in note else None)


_MARK_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")
_MARK_FILL = re.compile(r"^[0-9A-Fa-f]{6}$")


def _read_mark(value: Any) -> tuple[str, str, str | None, str | None] | None:
    """A highlight recorded by a previous run: (sheet, cell, original fill, original note).

    The hidden column is the submitter's to edit: anything but one cell, a six-digit colour and a text
    note (a range "A:XFD", a colour "zz", a list nested 10,000 deep) is no mark, and is left alone."""
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        sheet, cell, fill, note = json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(sheet, str) or not isinstance(cell, str) or not _MARK_CELL.match(cell):
        return None
    if fill is not None and not (isinstance(fill, str) and (fill == "" or _MARK_FILL.match(fill))):
        return None
    if note is not None and not isinstance(note, str):
        return None
    return sheet, cell, fill or None, note or None




class OpenpyxlSink:
    """BookSink over an openpyxl workbook (a copy of the submitted file).

    Every text is written as a string cell (never a formula) and made XML-safe; a cell inside a
    merged range is annotated at the range's top-left cell (the only one that can hold a note or a
    fill); a cell reference openpyxl cannot address is skipped rather than crashing the copy.
    """

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._result: Any = None

    def _ws(self) -> Any:
        """The 校验结果 sheet, looked up once (openpyxl's ``wb[name]`` lists every sheet on each call)."""
        if self._result is None:
            self._result = self.wb[RESULT_SHEET]
        return self._result

    def _cell(self, sheet: str, ref: str) -> Any:
        """The writable cell for ``sheet!ref``: the top-left of a merged range; None if not addressable."""
        from openpyxl.utils.cell import coordinate_to_tuple

        try:
            row, col = coordinate_to_tuple(ref)
            ws = self.wb[sheet]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                row, col = rng.min_row, rng.min_col
                break
        try:
            return ws.cell(row=row, column=col)
        except (ValueError, TypeError, AttributeError):  # beyond the sheet, or a chartsheet
            return None

    def has_sheet(self, name: str) -> bool:
        return name in self.wb.sheetnames

    def ensure_result_sheet(self) -> None:
        if RESULT_SHEET not in self.wb.sheetnames:
            ws = self.wb.create_sheet(RESULT_SHEET)
            for col, head in enumerate(HEADERS, start=1):
                put(ws, 2, col, head)
        ws = self.wb[RESULT_SHEET]
        for col in (RULE_COL, EXPLAIN_COL):  # a sheet from an older template lacks these two headers
            if ws.cell(row=2, column=col).value in (None, ""):
                put(ws, 2, col, HEADERS[col - 1])
        from openpyxl.utils import get_column_letter as _letter

        ws.column_dimensions[_letter(EXPLAIN_COL)].width = 50
        for rng in list(ws.merged_cells.ranges):  # a merged area would swallow our rows' cells
            if rng.max_row >= FIRST_ROW:
                ws.unmerge_cells(str(rng))
        _neutralise(ws)
        from openpyxl.utils import get_column_letter

        ws.column_dimensions[get_column_letter(MARK_COL)].hidden = True

    def result_rows(self) -> int:
        return self._ws().max_row

    def read_result(self, row: int, col: int) -> Any:
        cell = self._ws()._cells.get((row, col))  # never creates one (a sheet may claim 100,000 rows)
        return None if cell is None else cell.value

    def write_result(self, row: int, col: int, value: Any) -> None:
        ws = self._ws()
        if value is None:
            cell = ws._cells.get((row, col))
            if cell is not None:
                cell.value = None
                cell.hyperlink = None
            return
        put(ws, row, col, value)

    def link_result(self, row: int, col: int, sheet: str, cell: str) -> None:
        from openpyxl.styles import Font
        from openpyxl.worksheet.hyperlink import Hyperlink

        target = self._ws().cell(row=row, column=col)
        quoted = xml_text(sheet, 64).replace("'", "''")
        target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{quoted}'!{cell}")
        target.font = Font(color="0563C1", underline="single")

    def get_fill(self, sheet: str, cell: str) -> str | None:
        target = self._cell(sheet, cell)
        fill = target.fill if target is not None else None
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = fill.fgColor.rgb if fill.fgColor is not None else None
        return rgb[-6:] if isinstance(rgb, str) else None

    def get_comment(self, sheet: str, cell: str) -> str | None:
        target = self._cell(sheet, cell)
        comment = target.comment if target is not None else None
        return None if comment is None else comment.text

    def set_fill(self, sheet: str, cell: str, color: str | None) -> None:
        from openpyxl.styles import PatternFill

        target = self._cell(sheet, cell)
        if target is None:
            return
        try:
            target.fill = PatternFill("solid", fgColor=color) if color else PatternFill(fill_type=None)
        except (ValueError, TypeError):  # a colour recorded by a tampered earlier run
            target.fill = PatternFill(fill_type=None)

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        from openpyxl.comments import Comment

        target = self._cell(sheet, cell)
        if target is not None:
            target.comment = Comment(xml_text(text), COMMENT_AUTHOR, width=320, height=160) if text else None


def _neutralise(ws: Any) -> None:
    """The 校验结果 sheet is xlperf's: a submitted one may hold formulas (``=HYPERLINK("http://…","查看说明")``,
    ``=cmd|…``) or links to the outside in rows or columns xlperf does not rewrite. In the copy each formula
    becomes its text and each external link is dropped, so nothing live survives in a sheet shown as ours."""
    for cell in list(ws._cells.values()):
        if cell.data_type == "f":
            value = cell.value
            text = value if isinstance(value, str) else getattr(value, "text", None) or str(value)
            put(ws, cell.row, cell.column, text if text.startswith("=") else "=" + text)
        link = cell.hyperlink
        if link is not None and (link.target or link.id):
            cell.hyperlink = None


def annotate_copy(source: str | Path, target: str | Path, report: FileReport) -> Path:
    """Write an annotated copy of ``source`` to ``target``; the source file is never opened for writing.

    The copy is written to a temporary file beside ``target`` and renamed, so a failure leaves nothing;
    any failure (a file openpyxl cannot load, a sheet it cannot save) is an :class:`AnnotateError`
    with a Chinese message, never a traceback. The copy is marked as xlperf's output.
    """
    from openpyxl import load_workbook

    from ..safe_io import shown_path

    source, target = Path(source), Path(target)
    if same_file(source, target):
        raise AnnotateError("标注结果必须另存为新文件，不能覆盖提交的工作簿")
    try:
        wb = load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")  # opened read-only by openpyxl
        apply_findings(OpenpyxlSink(wb), report)
        mark_workbook(wb, "annotated")
    except Exception as exc:  # noqa: BLE001 - hostile content openpyxl cannot handle
        raise AnnotateError(f"未能生成标注副本：openpyxl 无法处理“{shown_path(source.name)}”"
                            f"（{type(exc).__name__}: {xml_text(str(exc), 200)}），校验结果见上") from None
    from ..workbook.cached import save_with_results  # previews of the copy show the scores too

    return write_atomically(target, save_with_results(wb), what="标注副本", protect=(source,))
