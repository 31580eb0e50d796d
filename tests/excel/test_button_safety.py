"""The button on real Excel's terms (issue 18, item 2), on the fake Excel of fake_xlwings.py.

- Excel asks the user for a password when ``Unprotect`` is called without one on a sheet that has one:
  the button never does that (the fake counts such prompts). A sheet with the department's password is
  never unprotected, also when the saved copy could not tell (then Unprotect gets xlperf's empty password
  and fails quietly); its findings are only listed.
- A sheet protected without a password is protected again exactly as found (every option, and
  EnableSelection, which ``Protect`` resets).
- Only the rows of 校验结果 xlperf wrote are read: a stray cell at row 90,000 costs nothing.
- Any failure, ``xw.Book.caller()`` included, is a Chinese message box.
- Book names with "=", spaces, Chinese and long names work (xlwings' own caller() would look up
  预算=2021.xlsx as 预算).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from xlperf.addins.excel import button
from xlperf.addins.excel.button import caller_book, run_button, run_from_excel
from xlperf.data.values import data_values
from xlperf.plan.layout import RESULT_SHEET, SCORE_SHEET
from xlperf.write.template import write_template

from . import fake_xlwings as fx
from .helpers import futian, seed_data
from .test_button import open_book, result_rows

PROTECTION_FIELDS = ("sheet", "objects", "scenarios", "formatCells", "formatColumns", "formatRows", "insertColumns",
                     "insertRows", "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells",
                     "selectUnlockedCells", "sort", "autoFilter", "pivotTables", "password")


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(futian(), tmp_path_factory.mktemp("safety") / "自评.xlsx", values=data_values(seed_data()))


def _protection(ws: Any) -> dict[str, Any]:
    return {f: getattr(ws.protection, f) for f in PROTECTION_FIELDS}


def test_a_password_sheet_is_never_unprotected(seed_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for copy_tells in (True, False):
        book, addin = open_book(seed_file)
        book.wb[SCORE_SHEET].protection.password = "单位的密码"
        before = _protection(book.wb[SCORE_SHEET])
        if not copy_tells:
            monkeypatch.setattr(button, "password_sheets", lambda path: frozenset())
        fx.CALLS.clear()
        report = run_button(addin)
        assert report is not None
        assert fx.CALLS["PasswordPrompt"] == 0  # Excel never asked the user for a password
        assert _protection(book.wb[SCORE_SHEET]) == before
        # not even tried when the saved copy says it has a password; else tried once with xlperf's empty one
        assert fx.CALLS[f"Unprotect:{SCORE_SHEET}"] == (0 if copy_tells else 1)
        assert fx.CALLS["Unprotect"] > fx.CALLS[f"Unprotect:{SCORE_SHEET}"]  # the other sheets were annotated
        prompt = book.app.alerts[-1][0]
        assert f"工作表“{SCORE_SHEET}”设有密码保护" in prompt
        listed = {(r[3], r[4]) for r in result_rows(book.wb)[1:]}
        assert any(sheet == SCORE_SHEET for sheet, _ in listed)  # its findings are listed in 校验结果


def test_sheets_are_protected_again_exactly_as_found(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    ws = book.wb[SCORE_SHEET]
    ws.protection.formatCells = False  # allowed
    ws.protection.objects = True
    ws.protection.selectLockedCells = True  # EnableSelection = xlUnlockedCells
    before = {s.title: _protection(s) for s in book.wb.worksheets if s.title != RESULT_SHEET}
    fx.CALLS.clear()
    assert run_button(addin) is not None
    assert fx.CALLS["Protect"] >= 1 and fx.CALLS["PasswordPrompt"] == 0
    after = {s.title: _protection(s) for s in book.wb.worksheets if s.title in before}
    assert after == before


def test_only_the_result_rows_are_read(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    assert run_button(addin) is not None
    first = result_rows(book.wb)
    book.wb[RESULT_SHEET].cell(row=90_000, column=3, value="随手写的")
    book.wb[RESULT_SHEET].cell(row=90_000, column=30, value="另一格")
    fx.CALLS.clear()
    assert run_button(addin) is not None
    rows = len(first)
    # the rows xlperf wrote plus one empty block of 500 rows, 12 columns: not 90,000 rows
    assert fx.CALLS["cells read"] <= (rows + 2 * button.READ_BLOCK) * 12 + 10_000
    assert book.wb[RESULT_SHEET].cell(row=90_000, column=3).value == "随手写的"  # not ours: left alone
    assert result_rows(book.wb)[:rows] == first


def _excel(book: fx.FakeBook, hwnd: int = 4242, caller: Any = None) -> Any:
    """An xlwings module as far as run_from_excel uses it: apps (with hwnd and books by name), Book.caller."""
    app = book.app
    app.hwnd = hwnd
    books = {book.name: book}
    app_view = SimpleNamespace(hwnd=hwnd, books=SimpleNamespace(__getitem__=None))
    app_view.books = _Books(books, app.books.active)
    apps = _Apps([app_view], app)

    def default_caller(cls: Any = None) -> Any:
        raise AssertionError("xlwings' caller() must not be used for a name with '='")

    return SimpleNamespace(apps=apps, Book=SimpleNamespace(caller=caller or default_caller))


class _Books:
    def __init__(self, books: dict[str, Any], active: Any) -> None:
        self.books, self.active = books, active

    def __getitem__(self, name: str) -> Any:
        return self.books[name]


class _Apps(list):  # type: ignore[type-arg]
    def __init__(self, apps: list[Any], active: Any) -> None:
        super().__init__(apps)
        self.active = active


@pytest.mark.parametrize("name", ["预算=2021.xlsx", "部门 整体 支出=自评 (终稿).xlsx",
                                  "深圳市福田区科技创新局" * 12 + "=2021年度部门整体支出绩效自评.xlsx"])
def test_book_names_with_equals_spaces_chinese_and_long(seed_file: Path, name: str) -> None:
    book, _addin = open_book(seed_file, name=name, fullname="D:\\" + "报送材料\\" * 20 + name)
    argv = ["-c", f"--wb={name}", "--from_xl=1", "--app=C:\\Office\\EXCEL.EXE", "--hwnd=4242"]
    xw = _excel(book)
    assert caller_book(xw, argv) is book
    report = run_from_excel(xw, argv)
    assert report is not None and book.app.alerts[-1][0].startswith("校验完成")
    (copy,) = book.api.copies
    assert len(Path(copy).name) <= button.COPY_STEM_MAX + len(".xlsx")
    assert report.path.endswith(name)


def test_caller_failures_are_chinese_messages(seed_file: Path) -> None:
    book, _ = open_book(seed_file)

    def broken(cls: Any = None) -> Any:
        raise RuntimeError("Could not find the calling workbook")

    xw = _excel(book, caller=broken)
    assert run_from_excel(xw, ["-c", "--wb=自评.xlsx", "--from_xl=1", "--hwnd=4242"]) is None
    text = book.app.alerts[-1][0]
    assert text.startswith("未能找到要校验的工作簿") and "再点击“一键校验”" in text
    # a window handle that matches no Excel: also a message, not a traceback
    xw = _excel(book)
    assert run_from_excel(xw, ["--wb=预算=2021.xlsx", "--from_xl=1", "--hwnd=1"]) is None
    assert book.app.alerts[-1][0].startswith("未能找到要校验的工作簿")


def test_main_passes_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlperf_udfs.main() hands sys.argv to run_from_excel (where --wb= is parsed whole)."""
    from .helpers import load_udf_module

    seen: list[Any] = []
    monkeypatch.setattr(button, "run_from_excel", lambda xw, argv: seen.append(list(argv)))
    monkeypatch.setattr("sys.argv", ["-c", "--wb=a=b.xlsx"])
    load_udf_module().main()
    assert seen == [["-c", "--wb=a=b.xlsx"]]
