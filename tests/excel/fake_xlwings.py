"""A small xlwings-shaped Excel, backed by an openpyxl workbook, for the button tests on Linux.

It exposes what :class:`xlperf.addins.excel.button.XlwingsSink` and ``run_button`` use — ``book.sheets``,
``sheet.range()``, ``range.value/.color/.note/.options()``, ``range.api.AddComment/Hyperlinks``,
``sheet.api.Protect/Unprotect/ProtectContents/Protection``, ``book.api.SaveCopyAs`` — and behaves
like Excel where it matters for the tests: formatting or commenting a protected sheet fails, a
password-protected sheet cannot be unprotected without it, and SaveCopyAs writes the *current*
in-memory state without saving the book. Every call is counted so tests can bound COM traffic.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.protection import hash_password
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

CALLS: Counter[str] = Counter()

ALLOW_TO_OPENPYXL = {  # Excel's Allow* flag → openpyxl's "this is locked" attribute
    "AllowFormattingCells": "formatCells", "AllowFormattingColumns": "formatColumns",
    "AllowFormattingRows": "formatRows", "AllowInsertingColumns": "insertColumns",
    "AllowInsertingRows": "insertRows", "AllowInsertingHyperlinks": "insertHyperlinks",
    "AllowDeletingColumns": "deleteColumns", "AllowDeletingRows": "deleteRows", "AllowSorting": "sort",
    "AllowFiltering": "autoFilter", "AllowUsingPivotTables": "pivotTables",
}


class ComError(Exception):
    """What pywin32 raises for a failed COM call."""


class FakeComment:
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    def Text(self, Text: str | None = None, Start: int | None = None, Overwrite: bool = True) -> str:  # noqa: N802,N803
        CALLS["Comment.Text"] += 1
        current = self.cell.comment.text if self.cell.comment else ""
        if Text is not None:
            start = (Start or 1) - 1
            new = current[:start] + Text + (current[start:] if not Overwrite else current[start + len(Text):])
            self.cell.comment = Comment(new, "xlperf")
        return self.cell.comment.text if self.cell.comment else ""


class FakeNote:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    @property
    def text(self) -> str:
        return self.rng.cell.comment.text

    def delete(self) -> None:
        CALLS["Note.delete"] += 1
        self.rng.sheet.check_unlocked("删除批注")
        self.rng.cell.comment = None


class FakeHyperlinks:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    def Add(self, Anchor: Any, Address: str, SubAddress: str = "", ScreenTip: str = "",  # noqa: N802,N803
            TextToDisplay: str = "") -> None:  # noqa: N803
        CALLS["Hyperlinks.Add"] += 1
        cell = self.rng.cell
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=SubAddress or None, tooltip=ScreenTip,
                                   display=TextToDisplay)
        cell.value = TextToDisplay

    def Delete(self) -> None:  # noqa: N802
        CALLS["Hyperlinks.Delete"] += 1
        for row in self.rng.cells():
            for cell in row:
                cell.hyperlink = None


class FakeRangeApi:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng
        self.Hyperlinks = FakeHyperlinks(rng)

    def AddComment(self, text: str) -> FakeComment:  # noqa: N802
        CALLS["AddComment"] += 1
        self.rng.sheet.check_unlocked("插入批注")
        if self.rng.cell.comment is not None:
            raise ComError("该单元格已有批注")
        if len(text) > 255:
            raise ComError("字符串超过 255 个字符")  # Excel truncates or fails on long strings
        self.rng.cell.comment = Comment(text, "xlperf")
        return FakeComment(self.rng.cell)


class FakeRange:
    def __init__(self, sheet: FakeSheet, ref: str, ndim: int | None = None) -> None:
        self.sheet, self.ref, self.ndim = sheet, ref, ndim
        self.api = FakeRangeApi(self)

    def cells(self) -> list[list[Any]]:
        ws = self.sheet.ws
        min_col, min_row, max_col, max_row = range_boundaries(self.ref)
        return [[ws.cell(row=r, column=c) for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]

    @property
    def cell(self) -> Any:
        cells = self.cells()
        assert len(cells) == 1 and len(cells[0]) == 1, "single cell expected"
        return cells[0][0]

    def options(self, ndim: int | None = None, **_: Any) -> FakeRange:
        return FakeRange(self.sheet, self.ref, ndim)

    @property
    def value(self) -> Any:
        CALLS["Range.value.get"] += 1
        rows = [[c.value for c in row] for row in self.cells()]
        CALLS["cells read"] += sum(len(r) for r in rows)
        if self.ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows

    @value.setter
    def value(self, value: Any) -> None:
        CALLS["Range.value.set"] += 1
        self.sheet.check_unlocked("写入数值", cells=True)
        rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [[value]]
        cells = self.cells()
        if len(cells) == 1 and len(cells[0]) == 1 and len(rows) * len(rows[0]) > 1:  # top-left anchor grows
            min_col, min_row, _, _ = range_boundaries(self.ref)
            cells = [[self.sheet.ws.cell(row=min_row + i, column=min_col + j) for j in range(len(rows[0]))]
                     for i in range(len(rows))]
        for row_cells, row_values in zip(cells, rows, strict=True):
            for cell, v in zip(row_cells, row_values, strict=True):
                if isinstance(v, str) and v.startswith("="):
                    raise AssertionError(f"text written as a formula: {v!r}")
                cell.value = (v[1:] if isinstance(v, str) and v.startswith("'") else v) if v != "" else None

    @property
    def color(self) -> tuple[int, int, int] | None:
        CALLS["Range.color.get"] += 1
        fill = self.cell.fill
        if fill is None or fill.fill_type != "solid" or not isinstance(fill.fgColor.rgb, str):
            return None
        rgb = fill.fgColor.rgb[-6:]
        return int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16)

    @color.setter
    def color(self, value: tuple[int, int, int] | None) -> None:
        CALLS["Range.color.set"] += 1
        self.sheet.check_unlocked("设置格式", allow="formatCells")
        if value is None:
            self.cell.fill = PatternFill(fill_type=None)
        else:
            self.cell.fill = PatternFill("solid", fgColor="{:02X}{:02X}{:02X}".format(*value))

    @property
    def note(self) -> FakeNote | None:
        CALLS["Range.note"] += 1
        return FakeNote(self) if self.cell.comment is not None else None


class FakeSheetApi:
    def __init__(self, sheet: FakeSheet) -> None:
        self.sheet = sheet

    @property
    def ProtectContents(self) -> bool:  # noqa: N802
        return bool(self.sheet.ws.protection.sheet)

    @property
    def ProtectDrawingObjects(self) -> bool:  # noqa: N802
        return bool(self.sheet.ws.protection.sheet and self.sheet.ws.protection.objects)

    @property
    def ProtectScenarios(self) -> bool:  # noqa: N802
        return bool(self.sheet.ws.protection.sheet and self.sheet.ws.protection.scenarios)

    @property
    def Protection(self) -> Any:  # noqa: N802
        p = self.sheet.ws.protection
        return SimpleNamespace(**{allow: not getattr(p, attr) for allow, attr in ALLOW_TO_OPENPYXL.items()})

    def Unprotect(self, Password: str | None = None) -> None:  # noqa: N802,N803
        """Like Excel: without the argument, a sheet with a password makes Excel *ask the user* (counted
        as a prompt); with a wrong one it fails."""
        CALLS["Unprotect"] += 1
        CALLS[f"Unprotect:{self.sheet.name}"] += 1
        p = self.sheet.ws.protection
        if p.password:
            if Password is None:
                CALLS["PasswordPrompt"] += 1
                raise ComError("密码不正确（Excel 弹出了输入密码的对话框）")
            if hash_password(Password) != p.password:
                raise ComError("您提供的密码不正确")
        p.sheet = False
        p._password = None  # noqa: SLF001 - openpyxl hashes whatever goes through the property

    def Protect(self, Password: str | None = None, DrawingObjects: bool = True, Contents: bool = True,  # noqa: N802,N803
                Scenarios: bool = True, **allow: bool) -> None:  # noqa: N803
        CALLS["Protect"] += 1
        p = self.sheet.ws.protection
        p.sheet = Contents
        p.objects, p.scenarios = DrawingObjects, Scenarios
        if Password:
            p.password = Password
        else:
            p._password = None  # noqa: SLF001
        p.selectLockedCells = p.selectUnlockedCells = False  # Protect resets EnableSelection (not an argument)
        for name, value in allow.items():
            setattr(p, ALLOW_TO_OPENPYXL[name], not value)

    @property
    def EnableSelection(self) -> int:  # noqa: N802 - xlNoRestrictions 0, xlUnlockedCells 1, xlNoSelection -4142
        p = self.sheet.ws.protection
        return -4142 if p.selectUnlockedCells else 1 if p.selectLockedCells else 0

    @EnableSelection.setter
    def EnableSelection(self, value: int) -> None:  # noqa: N802
        p = self.sheet.ws.protection
        p.selectLockedCells, p.selectUnlockedCells = value in (1, -4142), value == -4142

    @property
    def Visible(self) -> int:  # noqa: N802 - XlSheetVisibility: -1 visible, 0 hidden, 2 very hidden
        return {"visible": -1, "hidden": 0, "veryHidden": 2}[self.sheet.ws.sheet_state]

    @Visible.setter
    def Visible(self, value: int | bool) -> None:  # noqa: N802
        CALLS["Sheet.Visible"] += 1
        state = {True: "visible", -1: "visible", False: "hidden", 0: "hidden", 2: "veryHidden"}[value]
        if state != "visible" and not any(ws.sheet_state == "visible" for ws in self.sheet.book.wb.worksheets
                                          if ws is not self.sheet.ws):
            raise ComError("工作簿中至少要有一个可见的工作表")
        self.sheet.ws.sheet_state = state

    def Columns(self, index: int) -> Any:  # noqa: N802
        dim = self.sheet.ws.column_dimensions[get_column_letter(index)]

        class _Column:
            @property
            def Hidden(self) -> bool:  # noqa: N802
                return bool(dim.hidden)

            @Hidden.setter
            def Hidden(self, value: bool) -> None:  # noqa: N802
                dim.hidden = value

        return _Column()


class FakeSheet:
    def __init__(self, book: FakeBook, ws: Any) -> None:
        self.book, self.ws = book, ws
        self.api = FakeSheetApi(self)

    @property
    def name(self) -> str:
        return self.ws.title

    def check_unlocked(self, what: str, *, allow: str | None = None, cells: bool = False) -> None:
        p = self.ws.protection
        if not p.sheet:
            return
        if allow and not getattr(p, allow):
            return
        if cells:  # values may only go into unlocked cells of a protected sheet
            return
        raise ComError(f"工作表“{self.name}”受保护，不能{what}")

    def range(self, a: Any, b: Any = None) -> FakeRange:
        def ref(x: Any) -> str:
            return x if isinstance(x, str) else f"{get_column_letter(x[1])}{x[0]}"

        return FakeRange(self, ref(a) if b is None else f"{ref(a)}:{ref(b)}")

    def __getitem__(self, ref: str) -> FakeRange:
        return self.range(ref)

    def clear_contents(self) -> None:
        CALLS["Sheet.clear_contents"] += 1
        self.check_unlocked("清除内容", cells=True)
        for row in self.ws.iter_rows():
            for cell in row:
                cell.value = None

    @property
    def used_range(self) -> Any:
        return SimpleNamespace(last_cell=SimpleNamespace(row=self.ws.max_row, column=self.ws.max_column))

    def activate(self) -> None:
        self.book.wb.active = self.book.wb.sheetnames.index(self.name)
        self.book.activated.append(self.name)


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def __iter__(self) -> Any:
        return iter([FakeSheet(self.book, ws) for ws in self.book.wb.worksheets])

    def __len__(self) -> int:
        return len(self.book.wb.worksheets)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return FakeSheet(self.book, self.book.wb.worksheets[key])
        found = [ws for ws in self.book.wb.worksheets if ws.title.casefold() == key.casefold()]  # as Excel does
        if not found:
            raise ComError(f"下标越界：{key}")
        return FakeSheet(self.book, found[0])

    def add(self, name: str, before: Any = None, after: Any = None) -> FakeSheet:
        CALLS["Sheets.add"] += 1
        if name.casefold() in {n.casefold() for n in self.book.wb.sheetnames}:  # chartsheets too
            raise ComError(f"工作表名称“{name}”已被占用")
        index = self.book.wb.sheetnames.index(after.name) + 1 if after is not None else 0
        return FakeSheet(self.book, self.book.wb.create_sheet(name, index))


class FakeBookApi:
    def __init__(self, book: FakeBook, file_format: int, is_addin: bool) -> None:
        self.book, self.FileFormat, self.IsAddin = book, file_format, is_addin
        self.copies: list[str] = []

    def SaveCopyAs(self, path: str) -> None:  # noqa: N802
        CALLS["SaveCopyAs"] += 1
        assert not Path(path).exists()
        self.copies.append(path)
        self.book.wb.save(path)


class FakeApp:
    def __init__(self) -> None:
        self.books = SimpleNamespace(active=None)
        self.screen_updating = True
        self.alerts: list[tuple[str, str | None]] = []
        self.updating_during_alert: list[bool] = []

    def alert(self, prompt: str, title: str | None = None, **_: Any) -> str:
        self.alerts.append((prompt, title))
        self.updating_during_alert.append(self.screen_updating)
        return "ok"


class FakeBook:
    def __init__(self, wb: Workbook, name: str, app: FakeApp, *, fullname: str = "", file_format: int = 51,
                 is_addin: bool = False) -> None:
        self.wb, self.name, self.app, self.fullname = wb, name, app, fullname
        self.api = FakeBookApi(self, file_format, is_addin)
        self.sheets = FakeSheets(self)
        self.activated: list[str] = []
