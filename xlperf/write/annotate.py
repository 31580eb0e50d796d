"""Write validation findings into a workbook: the 校验结果 sheet, highlights and comments.

The logic talks to a small :class:`BookSink` interface, so the same code serves the CLI's
``--annotate`` (an openpyxl copy of the submitted file) and the Excel button (xlwings, the live book),
and is tested on Linux. It never changes a cell's value outside xlperf's own sheets; highlights it made
on a previous run are undone first, so re-running is clean.

Where the undo information lives: one record per highlighted cell (sheet, cell, original fill, original
note) in the very hidden sheet :data:`MARKS_SHEET`, which the user cannot unhide from Excel's menus and
which does not go when 校验结果 is deleted or renamed. Workbooks annotated before it existed keep their
records in 校验结果's hidden column L (read, then cleared); that column is written again only when the
record sheet cannot be (a sheet protected with a password). A workbook with neither (very old files, or a
record sheet deleted through VBA) gets a last resort: highlights found by colour and note are undone
against the regenerated template of a built-in framework, and a stale note of ours is never quoted again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from xlperf.findings import FileReport, Severity, plain_value
from xlperf.write.cellsafe import CELL_MAX, put, xml_text
from xlperf.safe_io import OutputError, mark_workbook, same_file, write_atomically
from xlperf.review.explanations import EXPLAIN_COL, EXPLAIN_HEADER, ORPHAN_NOTE, RULE_COL, RULE_HEADER, key_of
from xlperf.review.explanations import explanations_from_rows
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET

__all__ = ["AnnotateError", "BookSink", "MARKS_SHEET", "OpenpyxlSink", "SEVERITY_COLORS", "annotate_copy",
           "apply_findings", "clear_highlights"]

SEVERITY_COLORS = {Severity.error: "FFC7CE", Severity.warning: "FFEB9C", Severity.info: "D9D2E9"}
"""Distinct from every fill the template uses (inputs, stated figures, computed cells)."""
HEADERS = ("序号", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为", RULE_HEADER, EXPLAIN_HEADER)
FIRST_ROW = 3
RESULT_PRINT_WIDTHS = (4, 6, 5, 10, 6, 40, 8, 8, 7, 24)
"""序号 代码 严重程度 工作表 单元格 说明 发现值 应为 规则编号 出错说明: fits A4 landscape at 100 %."""
LEGACY_MARK_COL = 12
"""Column L (hidden) of 校验结果: a JSON [sheet, cell, original fill, original note] per highlight (older runs)."""
RESULT_COLS = LEGACY_MARK_COL
"""Columns of 校验结果's rows that a run rewrites (the old record column included, so it is cleared)."""
COMMENT_AUTHOR = "xlperf"
RESULT_ROWS_MAX = 100_000
"""Rows of an existing 校验结果 sheet that are cleared (a submitted sheet may claim a million)."""
MARKS_TITLE = "xlperf 标色记录：下次校验时据此还原单元格原来的填充色和批注，请勿修改"
MARKS_HEADERS = ("工作表", "单元格", "原填充色", "原批注")
MARKS_FIRST_ROW = 3
RESULT_PRINT_WIDTHS = (4, 6, 5, 10, 6, 40, 8, 8, 7, 24)
"""序号 代码 严重程度 工作表 单元格 说明 发现值 应为 规则编号 出错说明: fits A4 landscape at 100 %."""
MARKS_COLS = len(MARKS_HEADERS)
MARKS_MAX = RESULT_ROWS_MAX
"""Highlights made (and records read) per run at most; a hostile record sheet may claim a million rows."""

Mark = tuple[str, str, str | None, str | None]
"""(sheet, cell, original fill as RRGGBB or None, original note or None) of one highlight we made."""
_CELL_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_RGB = re.compile(r"^[0-9A-Fa-f]{6}$")
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


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
    def read_marks(self, limit: int) -> list[list[Any]] | None:
        """The first ``limit`` rows (columns A–D) of the record sheet; None when the book has none.
        The sheet is found whatever the case of its name (Excel's sheet names ignore case)."""
        ...
    def write_marks(self, rows: list[list[Any]]) -> bool:
        """Replace the record sheet's content with ``rows`` as text cells and make it very hidden
        (creating it if needed); False when it cannot be written."""
        ...


def apply_findings(sink: BookSink, report: FileReport) -> int:
    """Replace previous results with this report's; returns the number of highlighted cells."""
    had_results = sink.has_sheet(RESULT_SHEET)
    sink.ensure_result_sheet()
    last = min(sink.result_rows(), FIRST_ROW + RESULT_ROWS_MAX)
    # 0. the department's 出错说明 of the previous run, by finding key (never by row)
    explained = explanations_from_rows(sink.read_result, FIRST_ROW + 1, last)
    # 1. undo the highlights of the previous run (fill and the user's own note restored)
    stored = sink.read_marks(MARKS_FIRST_ROW - 1 + MARKS_MAX)
    intact = bool(stored) and stored[0][:1] == [MARKS_TITLE]  # type: ignore[index]
    legacy = _records(sink, (_legacy_row(sink.read_result(row, LEGACY_MARK_COL))
                             for row in range(FIRST_ROW, last + 1)))
    # column L is cleared by every run that could write the record sheet: when it holds records, they are newer
    marks = legacy or _records(sink, (stored or [])[MARKS_FIRST_ROW - 1:])
    for mark in reversed(marks):  # last made, first undone: two records of one merged cell end right
        _restore(sink, mark)
    if not marks and not intact and (not had_results or sink.read_result(FIRST_ROW + 1, 2)):
        _recover_stranded(sink, report)  # records lost (very old file, record sheet deleted via VBA)
    # 2. clear old rows
    for row in range(FIRST_ROW, last + 1):
        for col in range(1, RESULT_COLS + 1):
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
        if f.sheet and f.cell and _highlightable(sink, f.sheet, f.cell):
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
    # 4. remember every original first (two cells of one merged range share it), then highlight
    targets = list(worst.items())[:MARKS_MAX]
    records = [_original(sink, sheet, cell) for (sheet, cell), _ in targets]
    if not sink.write_marks([[MARKS_TITLE], list(MARKS_HEADERS), *[list(r) for r in records]]):
        for row, record in enumerate(records, start=FIRST_ROW + 1):  # the old place, rather than none
            sink.write_result(row, LEGACY_MARK_COL, json.dumps(list(record), ensure_ascii=False))
    for ((sheet, cell), severity), (_, _, _, note) in zip(targets, records, strict=True):
        sink.set_fill(sheet, cell, SEVERITY_COLORS[severity])
        text = "\n".join(comments[(sheet, cell)])
        if note:
            text += f"{ORIGINAL_NOTE}{note}"
        sink.set_comment(sheet, cell, text[:30000])
    fit = getattr(sink, "fit_print", None)  # a workbook file (not a live Excel) also gets its print sizing
    if fit is not None:
        fit(FIRST_ROW + len(report.findings) + len(orphans))
    return len(targets)


def clear_highlights(sink: BookSink) -> int:
    """清除标注 (the WPS button): undo the last run's highlights and notes from its records, as the next
    run would, and empty the records; 校验结果 and the department's 出错说明 in it stay. Returns the number
    of cells given back their original fill and note."""
    stored = sink.read_marks(MARKS_FIRST_ROW - 1 + MARKS_MAX)
    legacy: list[Mark] = []
    if sink.has_sheet(RESULT_SHEET):
        sink.ensure_result_sheet()
        last = min(sink.result_rows(), FIRST_ROW + RESULT_ROWS_MAX)
        legacy = _records(sink, (_legacy_row(sink.read_result(row, LEGACY_MARK_COL))
                                 for row in range(FIRST_ROW, last + 1)))
        for row in range(FIRST_ROW, last + 1):
            if sink.read_result(row, LEGACY_MARK_COL) is not None:
                sink.write_result(row, LEGACY_MARK_COL, None)
    marks = legacy or _records(sink, (stored or [])[MARKS_FIRST_ROW - 1:])
    for mark in reversed(marks):
        _restore(sink, mark)
    if stored is not None:
        sink.write_marks([[MARKS_TITLE], list(MARKS_HEADERS)])
    return len(marks)


ORIGINAL_NOTE = "\n——原批注："
"""Our notes end with the user's own note after this marker, so it survives even without 校验结果."""
OUR_NOTE = "[XP"
"""How every note we write begins: ``[<code> <severity>] <message>``."""


def _ours(note: str | None) -> bool:
    return isinstance(note, str) and note.startswith(OUR_NOTE)


def _quoted(note: str) -> str | None:
    """The user's own note that one of our notes quotes at its end, if any."""
    return (note.split(ORIGINAL_NOTE, 1)[1] or None) if ORIGINAL_NOTE in note else None


def _highlightable(sink: BookSink, sheet: str, cell: str) -> bool:
    """A single cell on a sheet of the book other than xlperf's own."""
    if sheet == RESULT_SHEET or sheet.casefold() == MARKS_SHEET.casefold() or not sink.has_sheet(sheet):
        return False
    m = _CELL_REF.match(cell)
    if m is None or int(m.group(2)) > _MAX_ROW:
        return False
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col <= _MAX_COL


def _original(sink: BookSink, sheet: str, cell: str) -> Mark:
    """What the cell looks like before we highlight it. A highlight of ours still there (its record was
    lost) is not taken for the original: its note gives back the user's note it quotes, its colour none."""
    fill, note = sink.get_fill(sheet, cell), sink.get_comment(sheet, cell)
    if _ours(note):
        note = _quoted(note)  # type: ignore[arg-type]
        if fill in SEVERITY_COLORS.values():
            fill = None
    return sheet, cell, fill, note


def _restore(sink: BookSink, mark: Mark) -> None:
    """Undo one highlight: the original fill, and the original note unless the user has since written a
    note of their own in place of ours (theirs is kept)."""
    sheet, cell, fill, note = mark
    sink.set_fill(sheet, cell, fill)
    current = sink.get_comment(sheet, cell)
    if current is None or _ours(current):
        sink.set_comment(sheet, cell, note)


def _records(sink: BookSink, rows: Iterable[Any]) -> list[Mark]:
    """The valid highlight records among ``rows`` ([sheet, cell, fill, note] each): the sheet exists and
    is not ours, the cell is one cell, the fill is RRGGBB or empty, the note is text (else: no record)."""
    out: list[Mark] = []
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) < 2:
            continue
        sheet, cell = row[0], row[1]
        fill = row[2] if len(row) > 2 else None
        note = row[3] if len(row) > 3 else None
        if not isinstance(sheet, str) or not isinstance(cell, str) or not _highlightable(sink, sheet, cell):
            continue
        if fill not in (None, "") and not (isinstance(fill, str) and _RGB.match(fill)):
            continue  # not a colour we wrote: a forged record, left alone
        if note is not None and not isinstance(note, str):
            continue
        fill = fill.upper() if fill else None
        note = xml_text(note, CELL_MAX) if note else None
        out.append((sheet, cell, fill, note))
        if len(out) >= MARKS_MAX:
            break
    return out


def _legacy_row(value: Any) -> list[Any] | None:
    """A record in 校验结果's hidden column L (workbooks annotated before the record sheet): JSON."""
    if not isinstance(value, str) or not value.startswith("[") or len(value) > 4 * CELL_MAX:
        return None
    try:
        row = json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return None
    return row if isinstance(row, list) and len(row) == 4 else None


def _recover_stranded(sink: BookSink, report: FileReport) -> None:
    """Undo highlights whose record is gone: every cell of the standard workbook that carries one of our
    highlight colours and one of our notes gets back the template's fill (the workbook of a framework is
    deterministic) and the user's own note, which our note quotes at its end. Built-in frameworks only:
    a reviewer's own framework file is unknown here."""
    from xlperf.resolve import builtin_registry, resolve
    from xlperf.plan.formulas import plan_for
    from xlperf.write.template import build_workbook

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
        if not _ours(note):
            continue  # the user's own colour and note: not ours to touch
        fill = template[sheet][cell].fill
        rgb = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" and fill.fgColor is not None else None
        sink.set_fill(sheet, cell, rgb[-6:] if isinstance(rgb, str) else None)
        sink.set_comment(sheet, cell, _quoted(note))


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

        ws.column_dimensions[get_column_letter(LEGACY_MARK_COL)].hidden = True

    def result_rows(self) -> int:
        return self._ws().max_row

    def fit_print(self, last_row: int) -> None:
        """校验结果 printed at full type size: 说明 and 出错说明 wrapped, rows as high as their text."""
        from xlperf.write.printfit import fit_table

        fit_table(self._ws(), RESULT_PRINT_WIDTHS, first_row=FIRST_ROW - 1, last_row=last_row, title_rows="1:2")

    def _marks_sheet(self) -> Any:
        key = MARKS_SHEET.casefold()
        return next((self.wb[n] for n in self.wb.sheetnames if n.casefold() == key), None)  # chartsheets too

    def read_marks(self, limit: int) -> list[list[Any]] | None:
        from openpyxl.worksheet.worksheet import Worksheet

        ws = self._marks_sheet()
        if ws is None:
            return None
        if not isinstance(ws, Worksheet):  # a chartsheet of that name holds no records
            return []
        return [list(r) for r in ws.iter_rows(min_row=1, max_row=min(ws.max_row, limit), max_col=MARKS_COLS,
                                               values_only=True)]

    def write_marks(self, rows: list[list[Any]]) -> bool:
        old = self._marks_sheet()
        if old is not None:  # whatever it held (junk, a chartsheet, protection) goes with it
            self.wb.remove(old)
        ws = self.wb.create_sheet(MARKS_SHEET)
        ws.sheet_state = "veryHidden"
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row[:MARKS_COLS], start=1):
                if value is not None:
                    put(ws, r, c, value)
        return True

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

    from xlperf.safe_io import shown_path

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
    from xlperf.write.cached import save_with_results  # previews of the copy show the scores too

    return write_atomically(target, save_with_results(wb), what="标注副本", protect=(source,))
