"""The Excel button (一键校验): validate the open workbook and annotate it live, through xlwings.

:class:`XlwingsSink` is the :class:`~xlperf.write.annotate.BookSink` over an xlwings ``Book``;
:func:`run_button` is what ``xlperf_udfs.main()`` calls. This module never imports xlwings itself:
it only talks to the Book object it is given (duck typing), so the validate path stays free of
xlwings and the logic runs on Linux against a fake book.

How an unsaved workbook is validated
------------------------------------
The copy on disk may be stale or may not exist at all (a new "工作簿1"), and the validator reads
files. So the button asks Excel for ``Workbook.SaveCopyAs(<temp>\\<name>.xlsx)``: Excel writes the
*current* in-memory state, with freshly calculated cached values, to a temporary file without
touching the book itself (its path, its "saved" state and its format stay as they were; nothing is
saved over the user's file). That copy is validated with :func:`xlperf.validate.validate_file` —
exactly what reviewers run — and deleted. The findings are then written into the live book:
the 校验结果 sheet, cell highlights and notes. Input values are never written.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from xlperf.findings import FileReport
from xlperf.ingest.explanations import EXPLAIN_HEADER
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET
from xlperf.write.annotate import (
    FIRST_ROW,
    HEADERS,
    LEGACY_MARK_COL,
    MARKS_COLS,
    RESULT_COLS,
    RESULT_ROWS_MAX,
    apply_findings,
)

__all__ = ["XlwingsSink", "caller_book", "copy_name", "password_sheets", "run_button", "run_from_excel",
           "target_book", "validate_book"]

ALERT_TITLE = "xlperf 一键校验"
NOTE_CHUNK = 250  # Excel truncates strings over 255 characters passed to objects; notes are added in pieces
ALLOW_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows", "AllowInsertingColumns",
               "AllowInsertingRows", "AllowInsertingHyperlinks", "AllowDeletingColumns", "AllowDeletingRows",
               "AllowSorting", "AllowFiltering", "AllowUsingPivotTables")
FILE_FORMATS = {51: ".xlsx", 52: ".xlsm", 50: ".xlsb", 56: ".xls", 54: ".xltx", 53: ".xltm"}
"""Excel XlFileFormat → extension, so the temporary copy is named after what SaveCopyAs writes."""
SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm", ".et"}
VERY_HIDDEN = 2
"""Excel's XlSheetVisibility.xlSheetVeryHidden: not listed under 取消隐藏, only VBA shows it again."""
OUR_PASSWORD = ""
"""The password xlperf protects its sheets with: none. ``Unprotect`` is always called with it, so Excel
never asks the user for a password (a call without the argument prompts on a sheet that has one)."""
READ_BLOCK = 500
"""校验结果 is read in blocks of rows from FIRST_ROW; a block with nothing in columns A–L ends it. The rows
xlperf wrote are contiguous, so a stray cell at row 200,000 is never read."""
COPY_STEM_MAX = 64
"""Characters of the book's name kept in the temporary copy's name: the copy's path stays far below
Windows' 260-character limit whatever the book is called."""


class XlwingsSink:
    """BookSink over an xlwings Book (or anything shaped like one).

    The 校验结果 rows xlperf wrote are read once (block by block, up to the first empty block), edited in
    memory and written back in one block on :meth:`close` (one COM call instead of one per cell). Sheets
    protected *without* a password are unprotected (with xlperf's empty password, so Excel never prompts)
    on first formatting and re-protected exactly as found on close; a sheet with a password is never
    unprotected, only reported in :attr:`problems`. Use it as a context manager.
    """

    def __init__(self, book: Any, locked: frozenset[str] = frozenset()) -> None:
        """``locked``: sheets (names casefolded) protected with a password, as the saved copy says
        (:func:`password_sheets`); they are never unprotected."""
        self.book = book
        self.locked = locked
        self.problems: list[str] = []
        self._names: list[str] | None = None
        self._sheet: Any = None
        self._grid: list[list[Any]] = []
        self._old_rows = 0
        self._links: dict[tuple[int, int], tuple[str, str]] = {}
        self._protection: dict[str, dict[str, bool] | bool | None] = {}
        self._selection: dict[str, Any] = {}

    def __enter__(self) -> XlwingsSink:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # BookSink ---------------------------------------------------------------------------------

    def has_sheet(self, name: str) -> bool:
        if self._names is None:
            self._names = [s.name for s in self.book.sheets]
        return name in self._names

    def ensure_result_sheet(self) -> None:
        if self._sheet is not None:
            return
        sheets = self.book.sheets
        if not self.has_sheet(RESULT_SHEET):
            sheet = sheets.add(RESULT_SHEET, after=self._last_visible())
            sheet.range((2, 1)).value = [list(HEADERS)]
            self._names = None
        sheet = sheets[RESULT_SHEET]
        self._unlock(RESULT_SHEET)
        try:
            sheet.api.Columns(LEGACY_MARK_COL).Hidden = True
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        rows = _read_rows(sheet)
        self._grid = [list(r)[:RESULT_COLS] + [None] * (RESULT_COLS - len(r)) for r in rows]
        self._old_rows = len(self._grid)
        while self._grid and all(v in (None, "") for v in self._grid[-1]):
            self._grid.pop()
        self._sheet = sheet

    def result_rows(self) -> int:
        return FIRST_ROW - 1 + len(self._grid)

    def read_result(self, row: int, col: int) -> Any:
        i = row - FIRST_ROW
        if not 0 <= i < len(self._grid) or not 1 <= col <= RESULT_COLS:
            return None
        value = self._grid[i][col - 1]
        return None if value == "" else value

    def write_result(self, row: int, col: int, value: Any) -> None:
        if row < FIRST_ROW or not 1 <= col <= RESULT_COLS:
            raise ValueError(f"校验结果只写在第 {FIRST_ROW} 行起、第 1–{RESULT_COLS} 列：({row}, {col})")
        i = row - FIRST_ROW
        while len(self._grid) <= i:
            self._grid.append([None] * RESULT_COLS)
        self._grid[i][col - 1] = value
        if value is None:
            self._links.pop((row, col), None)

    def link_result(self, row: int, col: int, sheet: str, cell: str) -> None:
        self._links[(row, col)] = (sheet, cell)

    def _last_visible(self) -> Any:
        """Where a new sheet goes: after the last visible sheet (the record sheet at the end is very hidden)."""
        sheets = self.book.sheets
        for i in range(len(sheets) - 1, -1, -1):
            try:
                if sheets[i].api.Visible == -1:  # xlSheetVisible
                    return sheets[i]
            except Exception:  # noqa: BLE001 - a host without the property: the last sheet
                break
        return sheets[len(sheets) - 1]

    def _marks_name(self) -> str | None:
        """The record sheet's name as the book spells it (Excel's sheet names ignore case)."""
        self.has_sheet(MARKS_SHEET)
        key = MARKS_SHEET.casefold()
        return next((n for n in self._names or [] if n.casefold() == key), None)

    def read_marks(self, limit: int) -> list[list[Any]] | None:
        name = self._marks_name()
        if name is None:
            return None
        try:
            sheet = self.book.sheets[name]
            last = min(int(sheet.used_range.last_cell.row), limit)
            rows = sheet.range((1, 1), (max(last, 1), MARKS_COLS)).options(ndim=2).value or []
        except Exception:  # noqa: BLE001 - an unreadable record sheet holds no records
            return []
        return [[None if v == "" else v for v in r] for r in rows if isinstance(r, list)]

    def write_marks(self, rows: list[list[Any]]) -> bool:
        sheets = self.book.sheets
        try:
            name = self._marks_name()
            if name is None:
                sheet = sheets.add(MARKS_SHEET, after=self._last_visible())
                self._names = None
            else:
                if not self._unlock(name):  # protected with a password (through VBA)
                    self.problems.append(f"标色记录改存在“{RESULT_SHEET}”的隐藏列")
                    return False
                sheet = sheets[name]
                sheet.clear_contents()
            values = [[_as_cell(v) for v in (list(row[:MARKS_COLS]) + [None] * (MARKS_COLS - len(row)))]
                      for row in rows]
            sheet.range((1, 1), (len(values), MARKS_COLS)).value = values
            sheet.api.Visible = VERY_HIDDEN
        except Exception as exc:  # noqa: BLE001 - the records then go to 校验结果's hidden column
            self.problems.append(f"未能写入标色记录工作表（{exc}），记录改存在“{RESULT_SHEET}”的隐藏列")
            return False
        return True

    def get_fill(self, sheet: str, cell: str) -> str | None:
        color = self.book.sheets[sheet].range(cell).color
        if color is None:
            return None
        if isinstance(color, int):  # an Excel colour number is BGR
            color = (color & 0xFF, (color >> 8) & 0xFF, (color >> 16) & 0xFF)
        return "{:02X}{:02X}{:02X}".format(*color)

    def set_fill(self, sheet: str, cell: str, color: str | None) -> None:
        if not self._unlock(sheet):
            return
        rgb = tuple(int(color[i:i + 2], 16) for i in (0, 2, 4)) if color else None
        try:
            self.book.sheets[sheet].range(cell).color = rgb
        except Exception as exc:  # noqa: BLE001 - one cell must not stop the others
            self.problems.append(f"{sheet}!{cell} 未能标色（{exc}）")

    def get_comment(self, sheet: str, cell: str) -> str | None:
        try:
            note = self.book.sheets[sheet].range(cell).note
            return None if note is None else note.text
        except Exception:  # noqa: BLE001 - an unreadable note is treated as none
            return None

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        if not self._unlock(sheet):
            return
        rng = self.book.sheets[sheet].range(cell)
        try:
            note = rng.note
            if note is not None:
                note.delete()
            if text:
                comment = rng.api.AddComment(text[:NOTE_CHUNK])
                for start in range(NOTE_CHUNK, len(text), NOTE_CHUNK):
                    comment.Text(Text=text[start:start + NOTE_CHUNK], Start=start + 1, Overwrite=False)
        except Exception as exc:  # noqa: BLE001
            self.problems.append(f"{sheet}!{cell} 未能写批注（{exc}）")

    # Writing back -----------------------------------------------------------------------------

    def close(self) -> None:
        """Write the 校验结果 rows and links in one go, then re-protect what was unprotected."""
        try:
            if self._sheet is not None:
                self._flush()
        finally:
            self._relock()

    def _flush(self) -> None:
        sheet = self._sheet
        n = max(self._old_rows, len(self._grid))
        if n:
            area = sheet.range((FIRST_ROW, 1), (FIRST_ROW + n - 1, RESULT_COLS))
            try:
                area.api.Hyperlinks.Delete()
            except Exception:  # noqa: BLE001 - no links to delete
                pass
            rows = [[_as_cell(v) for v in row] for row in self._grid]
            rows += [[None] * RESULT_COLS for _ in range(n - len(rows))]
            area.value = rows
        for (row, col), (target, cell) in sorted(self._links.items()):
            rng = sheet.range((row, col))
            shown = self._grid[row - FIRST_ROW][col - 1]
            quoted = target.replace("'", "''")
            try:
                # Hyperlinks.Add with SubAddress: the documented form of a link inside the workbook
                # (xlwings' add_hyperlink only sets Address, which Excel treats as a file/URL).
                rng.api.Hyperlinks.Add(Anchor=rng.api, Address="", SubAddress=f"'{quoted}'!{cell}",
                                       ScreenTip=f"转到 {target}!{cell}", TextToDisplay=str(shown or cell))
            except Exception as exc:  # noqa: BLE001
                self.problems.append(f"校验结果第 {row} 行未能加链接（{exc}）")
        self._sheet = None

    # Protection -------------------------------------------------------------------------------

    def _unlock(self, name: str) -> bool:
        """Unprotect a sheet protected without a password (once); False when it has a password."""
        if name in self._protection:
            return self._protection[name] is not False
        if name.casefold() in self.locked:  # never try: the password is the department's, not ours
            self._protection[name] = False
            self.problems.append(f"工作表“{name}”设有密码保护，未能标注其中的单元格（问题已列在“{RESULT_SHEET}”中）")
            return False
        api = self.book.sheets[name].api
        try:
            protected = bool(api.ProtectContents)
        except Exception:  # noqa: BLE001
            protected = False
        if not protected:
            self._protection[name] = None
            return True
        saved: dict[str, bool] = {"DrawingObjects": bool(api.ProtectDrawingObjects), "Contents": True,
                                  "Scenarios": bool(api.ProtectScenarios)}
        for flag in ALLOW_FLAGS:
            try:
                saved[flag] = bool(getattr(api.Protection, flag))
            except Exception:  # noqa: BLE001 - older Excel/WPS without that option
                pass
        try:
            selection = api.EnableSelection
        except Exception:  # noqa: BLE001 - a host without it
            selection = None
        try:
            api.Unprotect(Password=OUR_PASSWORD)
        except Exception:  # noqa: BLE001 - protected with a password (the copy did not say so)
            self._protection[name] = False
            self.problems.append(f"工作表“{name}”设有密码保护，未能标注其中的单元格（问题已列在“{RESULT_SHEET}”中）")
            return False
        self._protection[name] = saved
        if selection is not None:
            self._selection[name] = selection
        return True

    def _relock(self) -> None:
        """Protect again exactly as found: the same options, no password (there was none), the same
        EnableSelection (which Protect does not take)."""
        for name, saved in self._protection.items():
            if isinstance(saved, dict):
                try:
                    api = self.book.sheets[name].api
                    api.Protect(**saved)
                    if name in self._selection:
                        api.EnableSelection = self._selection[name]
                except Exception as exc:  # noqa: BLE001
                    self.problems.append(f"工作表“{name}”未能恢复保护（{exc}）")
        self._protection.clear()
        self._selection.clear()


def _read_rows(sheet: Any) -> list[list[Any]]:
    """The 校验结果 rows from FIRST_ROW, columns A–L, block by block until a block is empty (at most
    RESULT_ROWS_MAX rows, the bound ``apply_findings`` clears): never the sheet's whole used range."""
    rows: list[list[Any]] = []
    while len(rows) < RESULT_ROWS_MAX:
        first = FIRST_ROW + len(rows)
        block = sheet.range((first, 1), (first + READ_BLOCK - 1, RESULT_COLS)).options(ndim=2).value or []
        block = [list(r) if isinstance(r, list | tuple) else [r] for r in block]
        if not any(v not in (None, "") for r in block for v in r):
            break
        rows += block
    return rows[:RESULT_ROWS_MAX]


def password_sheets(path: Path) -> frozenset[str]:
    """Names (casefolded) of the sheets of a saved workbook protected with a password.

    Read from the copy Excel just wrote (SaveCopyAs), since Excel's object model cannot tell without
    trying ``Unprotect``. A copy that cannot be read gives no names; Unprotect is then still called
    with xlperf's empty password, which fails on such a sheet without prompting."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    out: set[str] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            wb = etree.fromstring(zf.read("xl/workbook.xml"), parser)
            rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), parser)
            targets = {r.get("Id"): "xl/" + (r.get("Target") or "").lstrip("/").removeprefix("xl/") for r in rels}
            for sh in wb.iter(f"{main}sheet"):
                part = targets.get(sh.get(rel))
                if part is None or part not in zf.namelist():
                    continue
                with zf.open(part) as fh:
                    for _, el in etree.iterparse(fh, tag=f"{main}sheetProtection", resolve_entities=False,
                                                 no_network=True):
                        if el.get("sheet") in ("1", "true") and (el.get("password") or el.get("hashValue")):
                            out.add((sh.get("name") or "").casefold())
                        break
    except Exception:  # noqa: BLE001 - Excel's own copy; unreadable means: decide by trying, safely
        return frozenset()
    return frozenset(out)


def _as_cell(value: Any) -> Any:
    """Text stays text: a leading apostrophe stops Excel reading "=…", "-5" or "2021-1" as a formula,
    number or date (Excel stores the apostrophe as the cell's prefix, not as part of the value)."""
    if isinstance(value, str) and value:
        return "'" + value
    return value


# The button ---------------------------------------------------------------------------------------


def _is_addin(book: Any) -> bool:
    try:
        if bool(book.api.IsAddin):
            return True
    except Exception:  # noqa: BLE001
        pass
    return str(getattr(book, "name", "")).lower().endswith((".xlam", ".xla"))


def target_book(caller: Any) -> Any:
    """The workbook to validate.

    ``xw.Book.caller()`` is the workbook whose VBA ran ``RunPython`` (xlwings passes
    ``ThisWorkbook.Name``): for the ribbon button that is the add-in ``xlperf.xlam`` itself, so the
    book meant is the active workbook of the same Excel instance. A workbook that calls ``main()``
    from its own VBA is its own target.
    """
    if not _is_addin(caller):
        return caller
    return caller.app.books.active


def copy_name(book: Any) -> str:
    """File name for the temporary copy: the book's name with the extension of its file format."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(book.name))
    path = Path(name)
    suffix = path.suffix.lower() if path.suffix.lower() in SUFFIXES else ""
    stem = path.stem if suffix else name
    try:
        suffix = FILE_FORMATS.get(int(book.api.FileFormat), suffix)
    except Exception:  # noqa: BLE001
        pass
    stem = stem.strip(" .")[:COPY_STEM_MAX].strip(" .") or "workbook"
    return stem + (suffix or ".xlsx")


def validate_book(book: Any) -> tuple[FileReport, list[str]]:
    """Validate the in-memory state of ``book`` (via SaveCopyAs) and annotate it; (report, problems)."""
    from xlperf.validate import validate_file

    folder = Path(tempfile.mkdtemp(prefix="xlperf-"))
    try:
        copy = folder / copy_name(book)
        book.api.SaveCopyAs(str(copy))
        report = validate_file(copy)
        locked = password_sheets(copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = report.model_copy(update={"path": str(getattr(book, "fullname", "") or book.name)})
    app = book.app
    try:
        updating = app.screen_updating
        app.screen_updating = False
    except Exception:  # noqa: BLE001
        updating = None
    try:
        with XlwingsSink(book, locked) as sink:
            apply_findings(sink, report)
    finally:
        if updating is not None:
            app.screen_updating = updating
    try:
        book.sheets[RESULT_SHEET].activate()
    except Exception:  # noqa: BLE001
        pass
    return report, sink.problems


def summary(report: FileReport, problems: list[str]) -> str:
    text = (f"校验完成：错误 {report.errors} 条，警告 {report.warnings} 条。审核结论：{report.review_zh}。"
            f"\n详见“{RESULT_SHEET}”工作表；有问题的单元格已标色并加批注。")
    if report.review == "explain":
        text += f"\n警告（提示性问题）需在“{RESULT_SHEET}”工作表“{EXPLAIN_HEADER}”列逐条填写出错说明（不少于 5 个字）。"
    if problems:
        text += "\n\n未能完成的标注：\n" + "\n".join(problems[:10])
    return text


def _alert(app: Any, text: str) -> None:
    try:
        app.alert(text, title=ALERT_TITLE)
    except Exception:  # noqa: BLE001 - no message box available (tests, other hosts)
        pass


def caller_book(xw: Any, argv: Sequence[str]) -> Any:
    """The book whose VBA called RunPython: ``xw.Book.caller()``, except that the ``--wb=`` argument is
    read whole (xlwings splits it at every "=", so 预算=2021.xlsx would be looked up as 预算). The
    Excel instance is the one whose window handle RunPython passed (``--hwnd``)."""
    args: dict[str, str] = {}
    for arg in argv:
        key, sep, value = str(arg).partition("=")
        if sep and key in ("--wb", "--from_xl", "--hwnd") and key not in args:
            args[key] = value.strip().strip('"')
    name, hwnd = args.get("--wb"), args.get("--hwnd")
    if args.get("--from_xl") != "1" or not name or not hwnd or "=" not in name:
        return xw.Book.caller()
    for app in xw.apps:
        if str(app.hwnd) == hwnd:
            return app.books[name]
    raise LookupError(f"找不到调用按钮的 Excel 窗口（{hwnd}）")


def run_from_excel(xw: Any, argv: Sequence[str]) -> FileReport | None:
    """``xlperf_udfs.main()``: find the calling book, then :func:`run_button`. Whatever fails, even
    finding the book, ends in a Chinese message box, never in a Python traceback."""
    try:
        caller = caller_book(xw, argv)
    except Exception as exc:  # noqa: BLE001 - a message box, not a traceback
        app = None
        try:
            app = xw.apps.active
        except Exception:  # noqa: BLE001
            pass
        _alert(app, f"未能找到要校验的工作簿（{type(exc).__name__}：{exc}）。请先保存并激活该工作簿，再点击“一键校验”；"
                    "如仍不行，请关闭后重新打开 Excel。")
        return None
    return run_button(caller)


def run_button(caller: Any) -> FileReport | None:
    """一键校验: what ``xlperf_udfs.main()`` runs. Shows a message box; never raises into Excel."""
    app = getattr(caller, "app", None)
    try:
        book = target_book(caller)
        if book is None or _is_addin(book):
            _alert(app, "请先打开（激活）要校验的绩效自评工作簿，再点击“一键校验”。")
            return None
        report, problems = validate_book(book)
    except Exception as exc:  # noqa: BLE001 - a message box, not a traceback
        _alert(app, f"校验未能完成：{type(exc).__name__}：{exc}")
        return None
    try:
        text = summary(report, problems)
    except Exception as exc:  # noqa: BLE001
        text = f"校验已完成，但未能显示摘要（{type(exc).__name__}），详见“{RESULT_SHEET}”工作表"
    _alert(getattr(book, "app", app), text)
    return report
