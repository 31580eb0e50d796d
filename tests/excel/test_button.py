"""The 一键校验 button on Linux: ``xlperf_udfs.main()`` → run_button → XlwingsSink, on a fake Excel.

The fake (tests/excel/fake_xlwings.py) is an xlwings-shaped book over an openpyxl workbook that
refuses to format or comment a protected sheet, like Excel. What the live book gets is compared with
what the openpyxl adapter (OpenpyxlSink, used by ``xlperf validate --annotate``) writes for the same
report: the two sinks must produce the same 校验结果 rows, highlights and comments.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
import xlwings
from openpyxl import Workbook

from xlperf.data.values import data_values
from xlperf.addins.excel import button as xlwings_sink
from xlperf.write.annotate import (FIRST_ROW, MARKS_FIRST_ROW, RESULT_COLS, SEVERITY_COLORS, OpenpyxlSink,
                                   apply_findings)
from xlperf.addins.excel.button import XlwingsSink, copy_name, run_button, target_book
from xlperf.findings import FileReport, Finding, Severity
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET, SCORE_SHEET
from xlperf.compiled import plan_for
from xlperf.write.template import INPUT_FILL, write_template

from . import fake_xlwings as fx
from .helpers import futian, load_udf_module, seed_data

FW = futian()
PLAN = plan_for(FW, "native")
NAME = "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
FULLNAME = "C:\\Users\\财务科\\Desktop\\" + NAME


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(FW, tmp_path_factory.mktemp("button") / NAME, values=data_values(seed_data()))


def open_book(path: Path, name: str = NAME, fullname: str = FULLNAME, **kwargs: Any) -> tuple[fx.FakeBook, fx.FakeBook]:
    """(the workbook, the add-in whose VBA calls RunPython) in one fake Excel; the workbook is active."""
    app = fx.FakeApp()
    book = fx.FakeBook(openpyxl.load_workbook(path), name, app, fullname=fullname, **kwargs)
    addin = fx.FakeBook(Workbook(), "xlperf.xlam", app, fullname="C:\\xlperf\\xlperf.xlam", is_addin=True)
    app.books.active = book
    return book, addin


def values(wb: Workbook) -> dict[tuple[str, str], Any]:
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets if ws.title not in (RESULT_SHEET, MARKS_SHEET)
            for row in ws.iter_rows() for c in row if c.value is not None}


def protection(wb: Workbook) -> dict[str, tuple[bool, bool, bool, bool]]:
    return {ws.title: (bool(ws.protection.sheet), bool(ws.protection.formatColumns), bool(ws.protection.formatRows),
                       bool(ws.protection.formatCells)) for ws in wb.worksheets if ws.title != MARKS_SHEET}


def result_rows(wb: Workbook) -> list[list[Any]]:
    ws = wb[RESULT_SHEET]
    rows = [[ws.cell(row=r, column=c).value for c in range(1, RESULT_COLS + 1)] for r in range(FIRST_ROW, ws.max_row + 1)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def fill(wb: Workbook, sheet: str, cell: str) -> str | None:
    f = wb[sheet][cell].fill
    return f.fgColor.rgb[-6:] if f is not None and f.fill_type == "solid" else None


def reference(path: Path, report: FileReport) -> Workbook:
    """What OpenpyxlSink writes for the same report on the same file."""
    wb = openpyxl.load_workbook(path)
    apply_findings(OpenpyxlSink(wb), report)
    return wb


def set_value(book: fx.FakeBook, name: str, value: Any) -> tuple[str, str]:
    cp = PLAN.cells[name]
    book.wb[cp.sheet][cp.cell].value = value
    return cp.sheet, cp.cell


# The whole button --------------------------------------------------------------------------------


def test_main_validates_the_unsaved_book_and_annotates_it(seed_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book, addin = open_book(seed_file)
    # an unsaved edit: only the in-memory book says 编外人员控制率 scores 1 (the rule gives 0)
    at = set_value(book, "self_offpost_control", 1)
    before_values, before_protection = values(book.wb), protection(book.wb)
    fx.CALLS.clear()
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: addin))  # RunPython from the add-in
    assert load_udf_module().main() is None

    copies = book.api.copies
    assert len(copies) == 1 and Path(copies[0]).name == NAME and not Path(copies[0]).exists()
    assert addin.api.copies == []  # the add-in itself is never validated
    assert fx.CALLS["SaveCopyAs"] == 1
    assert fx.CALLS["Range.value.set"] == 2  # all 校验结果 rows in one write, all highlight records in another
    # what the user sees
    prompt, title = book.app.alerts[-1]
    assert title == "xlperf 一键校验" and prompt.startswith("校验完成：错误 ")
    assert book.activated == [RESULT_SHEET] and book.app.screen_updating is True
    # the unsaved edit was validated
    ws = book.wb[RESULT_SHEET]
    found = {(r[3], r[4]): r for r in result_rows(book.wb)[1:]}
    assert found[at][1] == "XP402"
    assert fill(book.wb, *at) == SEVERITY_COLORS[Severity.error]
    assert "[XP402 错误]" in book.wb[at[0]][at[1]].comment.text
    # nothing else changed: every value outside 校验结果, every protection
    assert values(book.wb) == before_values
    assert protection(book.wb) == before_protection
    assert ws.column_dimensions["L"].hidden


def test_live_annotations_equal_the_openpyxl_adapter(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    report = run_button(addin)
    assert report is not None and report.path == FULLNAME and report.errors > 0
    ref = reference(seed_file, report)
    assert result_rows(book.wb) == result_rows(ref)
    rows = result_rows(book.wb)
    assert rows[0][0] == "汇总" and f"错误 {report.errors} 条" in rows[0][5]
    highlighted = 0
    for i, f in enumerate(report.findings, start=1):
        row = FIRST_ROW + i
        assert rows[i][:6] == [i, f.code, f.severity.zh, f.sheet or "", f.cell or "", f.message]
        link = book.wb[RESULT_SHEET][f"E{row}"].hyperlink
        if f.sheet and f.cell and f.sheet in book.wb.sheetnames and f.sheet != RESULT_SHEET:
            highlighted += 1
            assert link is not None and link.location == f"'{f.sheet}'!{f.cell}"
            assert fill(book.wb, f.sheet, f.cell) == fill(ref, f.sheet, f.cell)
            assert book.wb[f.sheet][f.cell].comment.text == ref[f.sheet][f.cell].comment.text
        else:
            assert link is None
    assert highlighted > 5


def test_rerun_restores_fixed_cells_and_clears_old_rows(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    at = set_value(book, "self_offpost_control", 1)
    first = run_button(addin)
    assert first is not None
    records = book.wb[MARKS_SHEET]
    assert records.sheet_state == "veryHidden"
    marks = [[c.value for c in row] for row in records.iter_rows(min_row=MARKS_FIRST_ROW, max_col=4)]
    assert [at[0], at[1], INPUT_FILL.fgColor.rgb[-6:], None] in marks  # fill remembered
    n_first = len(result_rows(book.wb))

    set_value(book, "self_offpost_control", 0)  # the user fixes the self-score
    fx.CALLS.clear()
    second = run_button(addin)
    assert second is not None
    gone = {(f.code, f.sheet, f.cell) for f in first.findings} - {(f.code, f.sheet, f.cell) for f in second.findings}
    assert ("XP402", *at) in gone and len(second.findings) == len(first.findings) - len(gone)
    assert fill(book.wb, *at) == INPUT_FILL.fgColor.rgb[-6:]  # highlight undone
    assert book.wb[at[0]][at[1]].comment is None
    rows = result_rows(book.wb)
    assert len(rows) == n_first - len(gone)
    ws = book.wb[RESULT_SHEET]
    for row in range(FIRST_ROW + len(rows), FIRST_ROW + n_first):  # the old rows below are empty again
        assert all(ws.cell(row=row, column=c).value is None for c in range(1, RESULT_COLS + 1))
        assert ws[f"E{row}"].hyperlink is None  # and their links went with them
    assert rows == result_rows(reference(seed_file, second))  # as if written afresh
    # and a third run with nothing changed is stable
    third = run_button(addin)
    assert third is not None and result_rows(book.wb) == rows


def test_unsaved_new_book_is_validated_through_a_copy(seed_file: Path) -> None:
    book, _ = open_book(seed_file, name="工作簿1", fullname="")
    report = run_button(book)  # a workbook calling main() from its own VBA is its own target
    assert report is not None and report.path == "工作簿1"
    assert Path(book.api.copies[0]).name == "工作簿1.xlsx"
    assert result_rows(book.wb)[0][0] == "汇总"


def test_a_book_without_a_result_sheet_gets_one(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    del book.wb[RESULT_SHEET]
    report = run_button(addin)
    assert report is not None
    assert [ws.title for ws in book.wb.worksheets if ws.sheet_state == "visible"][-1] == RESULT_SHEET
    ws = book.wb[RESULT_SHEET]
    assert [c.value for c in ws[2]][:8] == ["序号", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为"]
    assert len(result_rows(book.wb)) == 1 + len(report.findings)


def test_password_protected_sheets_are_left_alone(seed_file: Path) -> None:
    book, addin = open_book(seed_file)
    book.wb[SCORE_SHEET].protection.password = "secret"
    before = {(c.coordinate): (c.fill.fgColor.rgb, c.comment) for row in book.wb[SCORE_SHEET].iter_rows() for c in row}
    report = run_button(addin)
    assert report is not None
    prompt = book.app.alerts[-1][0]
    assert "未能完成的标注" in prompt and f"工作表“{SCORE_SHEET}”设有密码保护" in prompt
    after = {(c.coordinate): (c.fill.fgColor.rgb, c.comment) for row in book.wb[SCORE_SHEET].iter_rows() for c in row}
    assert after == before
    assert book.wb[SCORE_SHEET].protection.sheet
    assert any(f.sheet == SCORE_SHEET for f in report.findings)  # still listed in 校验结果


def test_nothing_to_validate_and_failures_are_messages(seed_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book, addin = open_book(seed_file)
    addin.app.books.active = None
    assert run_button(addin) is None
    assert addin.app.alerts[-1][0].startswith("请先打开（激活）要校验的绩效自评工作簿")

    book, addin = open_book(seed_file)

    def broken(path: Any) -> FileReport:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("xlperf.validate.validate_file", broken)
    assert run_button(addin) is None
    assert book.app.alerts[-1][0] == "校验未能完成：RuntimeError：磁盘已满"
    assert not Path(book.api.copies[0]).parent.exists()  # the temporary folder is removed anyway


# XlwingsSink on its own ---------------------------------------------------------------------------


def test_long_comments_are_added_in_pieces_and_rows_stay_text(seed_file: Path) -> None:
    book, _ = open_book(seed_file)
    cell = PLAN.cells["paid_q1"]
    long = "很长的说明" * 40
    findings = [Finding(code=f"XP2{i:02d}", name="x", severity=Severity.warning, message=f"{i}：{long}",
                        sheet=cell.sheet, cell=cell.cell, found="=SUM(A1)", expected="-5") for i in range(3)]
    report = FileReport(path="x", status="warnings", findings=findings, total_computed=Decimal("90.5"))
    fx.CALLS.clear()
    with XlwingsSink(book) as sink:
        assert apply_findings(sink, report) == 1
    ref = openpyxl.load_workbook(seed_file)
    apply_findings(OpenpyxlSink(ref), report)
    text = book.wb[cell.sheet][cell.cell].comment.text
    assert len(text) > 255 and text == ref[cell.sheet][cell.cell].comment.text
    assert fx.CALLS["AddComment"] == 1 and fx.CALLS["Comment.Text"] == -(-len(text) // 250) - 1 >= 2
    rows = result_rows(book.wb)
    assert rows[1][6:8] == ["=SUM(A1)", "-5"]  # stored as text, not a formula or a number
    assert rows == result_rows(ref)
    assert book.wb[cell.sheet].protection.sheet  # re-protected


def test_fill_colours_round_trip() -> None:
    wb = Workbook()
    wb.active.title = "S"
    wb["S"]["A1"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFF2CC")
    book = fx.FakeBook(wb, "b.xlsx", fx.FakeApp())
    sink = XlwingsSink(book)
    assert sink.get_fill("S", "A1") == "FFF2CC" and sink.get_fill("S", "B1") is None
    sink.set_fill("S", "B1", "FFC7CE")
    sink.set_fill("S", "A1", None)
    assert sink.get_fill("S", "B1") == "FFC7CE" and sink.get_fill("S", "A1") is None
    bgr = SimpleNamespace(sheets={"S": SimpleNamespace(range=lambda ref: SimpleNamespace(color=0xCCF2FF))})
    assert XlwingsSink(bgr).get_fill("S", "A1") == "FFF2CC"  # an Excel colour number is BGR
    with pytest.raises(ValueError):
        sink.write_result(2, 1, "表头")


def test_target_book_and_copy_names() -> None:
    app = fx.FakeApp()
    book = fx.FakeBook(Workbook(), "a.xlsx", app)
    addin = fx.FakeBook(Workbook(), "xlperf.xlam", app, is_addin=True)
    app.books.active = book
    assert target_book(addin) is book and target_book(book) is book
    assert copy_name(fx.FakeBook(Workbook(), "工作簿1", app)) == "工作簿1.xlsx"
    assert copy_name(fx.FakeBook(Workbook(), "自评.xlsm", app, file_format=52)) == "自评.xlsm"
    assert copy_name(fx.FakeBook(Workbook(), "自评.xlsx", app, file_format=52)) == "自评.xlsm"
    assert copy_name(fx.FakeBook(Workbook(), 'a/b:c*?"<>|.xls', app, file_format=56)) == "a_b_c______.xls"
    assert copy_name(fx.FakeBook(Workbook(), "v1.2 报告", app)) == "v1.2 报告.xlsx"
    assert xlwings_sink.summary(FileReport(path="p", status="ok"), []).startswith("校验完成：错误 0 条，警告 0 条")


@pytest.mark.subprocess
def test_the_validate_path_never_imports_xlwings() -> None:
    code = ("import sys, xlperf.cli, xlperf.validate, xlperf.addins.excel, xlperf.addins.excel.functions, "
            "xlperf.write.annotate, xlperf.addins.excel.button; assert 'xlwings' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
