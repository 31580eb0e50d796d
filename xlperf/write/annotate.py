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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from xlperf.checks.content import ForeignFormat, ForgedHighlightRecord
from xlperf.findings import FileReport, Finding, Severity, plain_value
from xlperf.framework.models import Framework
from xlperf.ingest.explanations import (
    EXPLAIN_COL,
    EXPLAIN_HEADER,
    ORPHAN_NOTE,
    RULE_COL,
    RULE_HEADER,
    explanations_from_rows,
    key_of,
)
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET, xlwings_sheet_kind
from xlperf.safe_io import OutputError, mark_workbook, same_file, write_atomically
from xlperf.safe_text import CELL_MAX, put, xml_text
from xlperf.write.inert import ORIGINAL_NOTE
from xlperf.write.inert import quoted_note as _quoted

__all__ = [
    "MARKS_SHEET",
    "SEVERITY_COLORS",
    "AnnotateError",
    "BookSink",
    "OpenpyxlSink",
    "annotate_copy",
    "apply_findings",
    "clear_highlights",
    "drop_xlwings_sheets",
]

SEVERITY_COLORS = {Severity.error: "CC79A7", Severity.warning: "56B4E9", Severity.info: "B0B0B0"}
"""Highlight fills (Okabe-Ito reddish purple, sky blue, grey): medium tones, so they differ from the form's
pale fills (input FFF2CC, stated DDEBF7, computed E2EFDA, mismatch F8CBAD, text-number FFC000) in
lightness too, which colour-blind readers see; black text stays legible on them."""
LEGACY_COLORS = frozenset({"FFC7CE", "FFEB9C", "D9D2E9"})
"""Highlights of copies annotated by earlier versions: still recognised as ours when undone."""
"""Distinct from every fill the template uses (inputs, stated figures, computed cells)."""
_OUR_COLOURS = frozenset(SEVERITY_COLORS.values()) | LEGACY_COLORS
"""Every highlight colour xlperf has written: never a cell's original fill in a record."""
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
"""Highlights made per run at most."""
RECORDS_MAX = 10_000
"""Restore records read per run at most (the standard workbook has about 1,500 cells); a hostile record
sheet may claim a million rows, or 5,000 pointing at one 32,000-character note."""
RECORD_TEXT_MAX = 1_000_000
"""Characters of original notes restored per run at most, all records together."""
ORPHANS_MAX = 1_000
"""Explanations whose finding is gone kept below the findings at most; the rest are counted in one row."""
FORGED_CODE = ForgedHighlightRecord.code
"""Code of the one row reporting records that were ignored."""

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
    ignored = _undo_previous(sink, report, had_results, last)
    # 2. clear old rows
    for row in range(FIRST_ROW, last + 1):
        for col in range(1, RESULT_COLS + 1):
            sink.write_result(row, col, None)
    # 3. write the summary line and the findings
    comments, worst = _write_findings(sink, report, explained)
    # 3b. explanations whose finding did not come back this time are kept below, not lost
    current = {key_of(f) for f in report.findings}
    orphans = [(k, v) for k, v in explained.items() if k not in current]
    _write_tail(sink, FIRST_ROW + len(report.findings), orphans, ignored)
    # 4. remember every original first (two cells of one merged range share it), then highlight
    highlighted = _highlight(sink, comments, worst)
    fit = getattr(sink, "fit_print", None)  # a workbook file (not a live Excel) also gets its print sizing
    if fit is not None:
        fit(FIRST_ROW + len(report.findings) + len(orphans))
    return highlighted


def _write_findings(sink: BookSink, report: FileReport, explained: Mapping[Any, str]
                    ) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], Severity]]:
    """The summary line and one row per finding; returns each highlightable cell's notes and worst severity."""
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
    return comments, worst


def _highlight(sink: BookSink, comments: Mapping[tuple[str, str], list[str]],
               worst: Mapping[tuple[str, str], Severity]) -> int:
    """Record each cell's original (fill, note) first, then fill it and set the findings as its note."""
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
        sink.set_comment(sheet, cell, text[:NOTE_MAX])
    return len(targets)


def _undo_previous(sink: BookSink, report: FileReport, had_results: bool, last: int) -> str:
    """Undo the previous run's highlights from its records (verified first); returns how many records were
    ignored, as the row reporting them says it ("" when none)."""
    stored = sink.read_marks(MARKS_FIRST_ROW + RECORDS_MAX)
    intact = bool(stored) and stored[0][:1] == [MARKS_TITLE]  # type: ignore[index]
    legacy, legacy_ignored = _records(sink, (_legacy_row(sink.read_result(row, LEGACY_MARK_COL))
                                             for row in range(FIRST_ROW, last + 1)))
    # column L is cleared by every run that could write the record sheet: when it holds records, they are newer
    marks, ignored = (legacy, legacy_ignored) if legacy else _records(sink, (stored or [])[MARKS_FIRST_ROW - 1:])
    at_least = "至少 " if stored is not None and len(stored) >= MARKS_FIRST_ROW + RECORDS_MAX else ""
    marks, unverified = _verified(sink, marks)  # evidence, not instructions: checked against the cell first
    ignored += unverified
    for mark in reversed(marks):  # last made, first undone: two records of one merged cell end right
        _restore(sink, mark)
    if not marks and not intact and (not had_results or sink.read_result(FIRST_ROW + 1, 2)):
        _recover_stranded(sink, report)  # records lost (very old file, record sheet deleted via VBA)
    return f"{at_least}{ignored}" if ignored else ""


def _write_tail(sink: BookSink, row: int, orphans: list[tuple[Any, str]], ignored: str) -> None:
    """Below the findings: the orphaned explanations (bounded, the rest counted) and the one row
    reporting ignored records."""
    kept = orphans[:ORPHANS_MAX]
    for at, ((code, rule, sheet, cell), text) in enumerate(kept, start=row + 1):
        for col, value in ((2, code), (4, sheet), (5, cell), (6, ORPHAN_NOTE), (RULE_COL, rule), (EXPLAIN_COL, text)):
            if value:
                sink.write_result(at, col, value)
    row += len(kept)
    if len(orphans) > ORPHANS_MAX:
        row += 1
        sink.write_result(row, 6, f"另有 {len(orphans) - ORPHANS_MAX} 条对应问题已不存在的出错说明未保留"
                                  f"（最多保留 {ORPHANS_MAX} 条）")
    if ignored:  # reported once, as a row of its own
        row += 1
        for col, value in ((1, "—"), (2, FORGED_CODE), (3, ForgedHighlightRecord.severity.zh), (4, MARKS_SHEET),
                           (6, f"标色记录中 {ignored} 条与单元格现状不符（单元格不是 xlperf 所标的颜色和批注，"
                               f"或超出 {RECORDS_MAX} 条、{RECORD_TEXT_MAX:,} 字的上限），已忽略，未据以还原")):
            sink.write_result(row, col, value)


NOTE_MAX = 30000
"""Characters of one note we write at most."""


def clear_highlights(sink: BookSink) -> int:
    """清除标注 (the WPS button): undo the last run's highlights and notes from its records, as the next
    run would, and empty the records; 校验结果 and the department's 出错说明 in it stay. Returns the number
    of cells given back their original fill and note."""
    stored = sink.read_marks(MARKS_FIRST_ROW + RECORDS_MAX)
    legacy: list[Mark] = []
    if sink.has_sheet(RESULT_SHEET):
        sink.ensure_result_sheet()
        last = min(sink.result_rows(), FIRST_ROW + RESULT_ROWS_MAX)
        legacy = _records(sink, (_legacy_row(sink.read_result(row, LEGACY_MARK_COL))
                                 for row in range(FIRST_ROW, last + 1)))[0]
        for row in range(FIRST_ROW, last + 1):
            if sink.read_result(row, LEGACY_MARK_COL) is not None:
                sink.write_result(row, LEGACY_MARK_COL, None)
    marks = legacy or _records(sink, (stored or [])[MARKS_FIRST_ROW - 1:])[0]
    marks = _verified(sink, marks)[0]  # records are evidence: only where the cell still carries ours
    for mark in reversed(marks):
        _restore(sink, mark)
    if stored is not None:
        sink.write_marks([[MARKS_TITLE], list(MARKS_HEADERS)])
    return len(marks)


OUR_NOTE = "[XP"
"""How every note we write begins: ``[<code> <severity>] <message>``."""


def _ours(note: str | None) -> bool:
    return isinstance(note, str) and note.startswith(OUR_NOTE)


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
        if fill in SEVERITY_COLORS.values() or fill in LEGACY_COLORS:
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


def _records(sink: BookSink, rows: Iterable[Any]) -> tuple[list[Mark], int]:
    """The well-formed highlight records among ``rows`` ([sheet, cell, fill, note] each): the sheet exists
    and is not ours, the cell is one cell, the fill is RRGGBB (not one of our highlight colours) or empty,
    the note is text; and how many non-empty rows were none (or beyond :data:`RECORDS_MAX`)."""
    out: list[Mark] = []
    ignored = 0
    for row in rows:
        if row is None or (isinstance(row, (list, tuple)) and not any(v not in (None, "") for v in row)):
            continue  # an empty row is no record, forged or not
        mark = _record(sink, row) if len(out) < RECORDS_MAX else None
        if mark is None:
            ignored += 1  # not a record we wrote (or one too many): left alone
        else:
            out.append(mark)
    return out, ignored


def _record(sink: BookSink, row: Any) -> Mark | None:
    """One well-formed record (see :func:`_records`), or None."""
    if not isinstance(row, (list, tuple)) or len(row) < 2:
        return None
    sheet, cell = row[0], row[1]
    fill = row[2] if len(row) > 2 else None
    note = row[3] if len(row) > 3 else None
    if not isinstance(sheet, str) or not isinstance(cell, str) or not _highlightable(sink, sheet, cell):
        return None
    if fill not in (None, "") and not (isinstance(fill, str) and _RGB.match(fill) and fill.upper() not in _OUR_COLOURS):
        return None
    if note is not None and not isinstance(note, str):
        return None
    return (sheet, cell, fill.upper() if fill else None, note or None)  # the sheet's own string: no copy per record


def _verified(sink: BookSink, marks: list[Mark]) -> tuple[list[Mark], int]:
    """The records whose cell still carries what xlperf wrote there: one of our highlight colours, and our
    note quoting the record's original note (a note the user wrote over ours, or none, is theirs: only
    the fill is restored then); at most one record per cell and :data:`RECORD_TEXT_MAX` characters of
    notes. Checked before anything is restored (two cells of one merged range share the cell their
    records restore). Returns them and how many were not."""
    colours = _OUR_COLOURS  # a copy highlighted by an earlier version carries an older colour of ours
    out: list[Mark] = []
    seen: set[tuple[str, str]] = set()
    text = 0
    for sheet, cell, fill, note in marks:
        text += len(note or "")
        if text > RECORD_TEXT_MAX or (sheet, cell) in seen:
            continue
        if sink.get_fill(sheet, cell) not in colours:
            continue
        current = sink.get_comment(sheet, cell)
        if current is None or not _ours(current):  # the user removed or replaced our note: theirs stays,
            out.append((sheet, cell, fill, None))  # and no recorded note is written in its place
        elif _same_note(_quoted(current), note, len(current)):
            out.append((sheet, cell, fill, xml_text(note, CELL_MAX) if note else None))
        else:
            continue
        seen.add((sheet, cell))
    return out, len(marks) - len(out)


def _same_note(quoted: str | None, recorded: str | None, written: int) -> bool:
    """Our note quotes the original note at its end; a note cut at :data:`NOTE_MAX` quotes its start."""
    if not quoted or not recorded:
        return not quoted and not recorded
    return quoted == recorded or (written >= NOTE_MAX and recorded.startswith(quoted))


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
    from xlperf.compiled import plan_for
    from xlperf.resolve import builtin_registry, resolve
    from xlperf.write.template import build_workbook

    fw = resolve(report.framework or "", builtin_registry()) if report.framework else None
    if fw is None:
        return
    plan = plan_for(fw)
    template = build_workbook(fw)
    ours = set(SEVERITY_COLORS.values()) | LEGACY_COLORS
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


def drop_xlwings_sheets(wb: Any) -> list[str]:
    """Remove every sheet named like xlwings' configuration (``*.conf``) or embedded code (``*.py``), of
    any visibility, from a copy xlperf writes (XP131/XP132 report them): opened in the reviewer's or the
    department's Excel, such a sheet could set what an xlwings add-in runs. Returns the names removed."""
    removed = []
    for ws in list(wb.worksheets) + list(getattr(wb, "chartsheets", [])):
        if xlwings_sheet_kind(ws.title) is not None:
            removed.append(ws.title)
            wb.remove(ws)
    if removed and wb.worksheets:  # the removed sheet may have been the active one
        index = next((i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible"), 0)
        wb.worksheets[index].sheet_state = "visible"
        wb.active = index
    return removed


def annotate_copy(source: str | Path, target: str | Path, report: FileReport,
                  framework: Framework | str | None = None) -> Path:
    """Write an annotated copy of ``source`` to ``target``; the source file is never opened for writing.

    The copy is written to a temporary file beside ``target`` and renamed, so a failure leaves nothing;
    any failure is an :class:`AnnotateError` with a Chinese message, never a traceback. The copy is marked
    as xlperf's output. ``framework``: the reviewer's choice as given to the validator (a Framework, an
    id, a file or a folder), which names the framework whose template the copy is held to.
    """
    source, target = Path(source), Path(target)
    if same_file(source, target):
        raise AnnotateError("标注结果必须另存为新文件，不能覆盖提交的工作簿")
    return write_annotated(source, target, report, framework, kind="annotated", protect=(source,))


def framework_of(report: FileReport, framework: Framework | str | None = None) -> Framework | None:
    """The framework the report was made with: the reviewer's framework object, file or folder, or a
    built-in one; None when it cannot be found (the copy then keeps no formula at all)."""
    from xlperf.resolve import registry_for, resolve

    if isinstance(framework, Framework):
        return framework
    try:
        if framework is not None and not Path(framework).is_dir():
            from xlperf.loader import load_framework

            return load_framework(framework)
        return resolve(report.framework, registry_for(framework)) if report.framework else None
    except Exception:  # noqa: BLE001 - the validator already reported a framework it could not load
        return None


def write_annotated(source: Path, target: Path, report: FileReport, framework: Framework | str | None, *,
                    kind: str | None, protect: tuple[Path, ...]) -> Path:
    """The annotated copy of a submitted workbook (``--annotate``; ``kind`` None: the returns copy, which is
    the department's to correct and send back, so not marked as xlperf's output), made inert first
    (xlperf/write/inert.py); rebuilt from the template when openpyxl cannot load or save the submission."""
    import io

    from xlperf.ingest.xlsx import open_book
    from xlperf.safe_io import shown_path
    from xlperf.write.cached import cache_results

    fw = framework_of(report, framework)
    try:
        book = open_book(source)  # the values as the validator read them: every formula's cached result
    except Exception as exc:  # noqa: BLE001 - changed since it was validated
        raise AnnotateError(f"未能生成标注副本：“{shown_path(source.name)}”已无法读取（{type(exc).__name__}）") from None
    problems: list[str] = []
    data: bytes | None = None
    for attempt in ("copy", "rebuild") if fw is not None else ("copy",):
        try:
            wb = _inert_copy(source, fw, book, report) if attempt == "copy" else _rebuilt(fw, book, report)  # type: ignore[arg-type]
            if kind:
                mark_workbook(wb, kind)
            buf = io.BytesIO()
            wb.save(buf)  # into memory first: a copy openpyxl cannot save falls back to the rebuild
            data = buf.getvalue()
            break
        except Exception as exc:  # noqa: BLE001 - hostile content openpyxl cannot handle
            problems.append("内存不足" if isinstance(exc, MemoryError) else f"程序错误 {type(exc).__name__}")
    if data is None:
        raise AnnotateError(f"未能生成标注副本：openpyxl 无法处理“{shown_path(source.name)}”"
                            f"（{problems[0]}），校验结果见上")

    def write(path: Path) -> None:
        path.write_bytes(data)
        cache_results(path, fw)  # previews of the copy show the scores too

    return write_atomically(target, write, what="标注副本", protect=protect)


def _with_notes(report: FileReport, findings: list[Finding]) -> FileReport:
    return report.model_copy(update={"findings": [*report.findings, *findings]}) if findings else report


def _highlights(sink: OpenpyxlSink, report: FileReport) -> set[tuple[str, str]]:
    """(sheet, cell) of every cell this report highlights, as the sink addresses it (merged: top-left)."""
    out = set()
    for f in report.findings:
        if f.sheet and f.cell and _highlightable(sink, f.sheet, f.cell):
            target = sink._cell(f.sheet, f.cell)
            if target is not None:
                out.add((f.sheet, target.coordinate))
    return out


def _inert_copy(source: Path, fw: Framework | None, book: Any, report: FileReport) -> Any:
    from openpyxl import load_workbook

    from xlperf.write.inert import make_inert, sweep_highlights

    # Never keep_vba: a copy xlperf writes carries no macro project of the submission (it is always .xlsx).
    wb = load_workbook(source)  # opened read-only by openpyxl
    drop_xlwings_sheets(wb)  # XP131/XP132: an xlwings configuration or code sheet never reaches a copy
    done = make_inert(wb, fw, book)
    notes = [ForeignFormat.make(f"工作表“{sheet}”有 {n} 条模板以外的条件格式或数据验证，标注副本中已恢复为模板的设置",
                                sheet=sheet) for sheet, n in done.formats.items()]
    notes += [ForeignFormat.make(f"工作表“{sheet}”（模板以外）有 {n} 条条件格式、数据验证或表格公式，标注副本中已去除",
                                 sheet=sheet) for sheet, n in done.added.items() if sheet != MARKS_SHEET]
    rep = _with_notes(report, notes)
    sink = OpenpyxlSink(wb)
    apply_findings(sink, rep)
    sweep_highlights(wb, _highlights(sink, rep), set(SEVERITY_COLORS.values()), OUR_NOTE, done.template)
    return wb


def _rebuilt(fw: Framework, book: Any, report: FileReport) -> Any:
    from xlperf.write.inert import rebuild

    wb = rebuild(fw, book)
    sink = OpenpyxlSink(wb)
    apply_findings(sink, report)
    sink.write_result(FIRST_ROW, 6, f"{sink.read_result(FIRST_ROW, 6) or ''}。{REBUILT_NOTE}")
    return wb


REBUILT_NOTE = ("提交的工作簿无法原样复制，本副本按标准模板和校验时读取的数值重建"
                "（原文件的批注、填充色和自加格式未保留）")
