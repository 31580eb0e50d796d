"""Highlight records live in a very hidden sheet, so highlights are undone whatever the user does to 校验结果.

A reviewer's own framework (one of tests/data/frameworks/families/, unknown to the built-in registry) is
annotated through both sinks — the CLI's openpyxl copy and the Excel button's xlwings sink on the fake
Excel — then 校验结果 is deleted or renamed, or the records are tampered with, and the workbook is
annotated again. Every fill is compared with a freshly built blank template of the framework and every
note with the file as the department saved it: independent sources, not the annotation code.
Each run ends with a save and reload, as a user saving the workbook would.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.protection import SheetProtection

from xlperf.ingest.datafile import load_data
from xlperf.data.values import data_values
from xlperf.write import annotate
from xlperf.write.annotate import (FIRST_ROW, LEGACY_MARK_COL, MARKS_FIRST_ROW, MARKS_TITLE, SEVERITY_COLORS,
                                   OpenpyxlSink, annotate_copy, apply_findings)
from xlperf.addins.excel.button import XlwingsSink
from xlperf.findings import FileReport, Finding, Severity
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET
from xlperf.compiled import plan_for
from xlperf.write.template import build_workbook, write_template

from . import fake_xlwings as fx
from .helpers import REPO

FAMILIES = REPO / "tests" / "data" / "frameworks" / "families"
FW_FILE = FAMILIES / "ppd-2024.yaml"
USER_NOTE = "财务科：此数取自决算报表（张三）"
OTHER_NOTE = "财务科：待核实"
OURS = set(SEVERITY_COLORS.values())
_n = itertools.count()

Run = Callable[[Workbook, FileReport, Path], Workbook]


def rgb(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid" or not isinstance(fill.fgColor.rgb, str):
        return None
    return fill.fgColor.rgb[-6:]


def note(wb: Workbook, sheet: str, cell: str) -> str | None:
    c = wb[sheet][cell].comment
    return None if c is None else c.text


def via_openpyxl(wb: Workbook, report: FileReport, tmp: Path) -> Workbook:
    """``xlperf validate --annotate``: the saved workbook in, an annotated copy out."""
    n = next(_n)
    source = tmp / f"in-{n}.xlsx"
    wb.save(source)
    return load_workbook(annotate_copy(source, tmp / f"out-{n}.xlsx", report, str(FW_FILE)))  # as --framework


def via_xlwings(wb: Workbook, report: FileReport, tmp: Path) -> Workbook:
    """The Excel button's sink on the live (fake) book; then the user saves the workbook."""
    book = fx.FakeBook(wb, "自评.xlsx", fx.FakeApp())
    with XlwingsSink(book) as sink:
        apply_findings(sink, report)
    assert sink.problems == []
    path = tmp / f"saved-{next(_n)}.xlsx"
    wb.save(path)
    return load_workbook(path)


SINKS = pytest.mark.parametrize("run", [via_openpyxl, via_xlwings], ids=["openpyxl", "xlwings"])


@pytest.fixture(scope="module")
def fw() -> Any:
    return load_framework(str(FW_FILE))


@pytest.fixture(scope="module")
def template(fw: Any) -> Workbook:
    """The blank template built afresh: where every fill comes from."""
    return build_workbook(fw)


@pytest.fixture(scope="module")
def source(fw: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The department's filled workbook, with a note of its own on a flagged cell and on another cell."""
    folder = tmp_path_factory.mktemp("records")
    filled = write_template(fw, folder / "filled.xlsx", values=data_values(load_data(FAMILIES / "ppd-2024-data.yaml", fw)))
    report = validate_file(filled, str(FW_FILE))
    first = next(f for f in report.findings if f.sheet and f.cell)
    wb = load_workbook(filled)
    wb[first.sheet][first.cell].comment = Comment(USER_NOTE, "张三")
    other = next(c for c in plan_for(fw).cells.values() if (c.sheet, c.cell) not in cells(report))
    wb[other.sheet][other.cell].comment = Comment(OTHER_NOTE, "张三")
    wb.save(folder / "source.xlsx")
    return folder / "source.xlsx"


def cells(report: FileReport) -> list[tuple[str, str]]:
    return list(dict.fromkeys((f.sheet, f.cell) for f in report.findings if f.sheet and f.cell))


@pytest.fixture(scope="module")
def first(source: Path) -> FileReport:
    report = validate_file(source, str(FW_FILE))
    assert report.framework == "ppd-2024" and len(cells(report)) >= 5
    return report


def changed(report: FileReport, fw: Any) -> FileReport:
    """The next run's report: the first two flagged cells fixed, the one with the user's note still flagged
    (now as a warning), and a new cell flagged."""
    old = cells(report)
    kept = [f for f in report.findings if (f.sheet, f.cell) not in old[1:3]]
    kept = [f.model_copy(update={"severity": Severity.warning}) if (f.sheet, f.cell) == old[0] else f for f in kept]
    new = next(c for c in plan_for(fw).cells.values() if c.name and c.name.startswith("self_")
               and (c.sheet, c.cell) not in old)
    kept.append(Finding(code="XP402", severity=Severity.error, sheet=new.sheet, cell=new.cell, message="新的问题"))
    return report.model_copy(update={"findings": kept})


def empty(report: FileReport) -> FileReport:
    return report.model_copy(update={"findings": [], "status": "ok"})


def assert_as_submitted(wb: Workbook, source: Path, template: Workbook, *, skip: set[tuple[str, str]] = set()) -> None:
    """Every fill as in the blank template, every note as the department saved it, on every template sheet."""
    before = load_workbook(source)
    for ws in template.worksheets:
        if ws.title == RESULT_SHEET:
            continue
        got = wb[ws.title]
        coords = {c.coordinate for row in ws.iter_rows() for c in row if rgb(c)}
        coords |= {c.coordinate for row in got.iter_rows() for c in row if rgb(c)}
        for coord in sorted(coords):
            if (ws.title, coord) not in skip:
                assert rgb(got[coord]) == rgb(ws[coord]), (ws.title, coord)
        notes = {c.coordinate: c.comment.text for row in got.iter_rows() for c in row if c.comment}
        expected = {c.coordinate: c.comment.text for row in before[ws.title].iter_rows() for c in row if c.comment}
        assert notes == expected, ws.title


def assert_highlighted(wb: Workbook, report: FileReport) -> None:
    worst: dict[tuple[str, str], Severity] = {}
    for f in report.findings:
        key = (f.sheet or "", f.cell or "")
        if f.sheet and f.cell and (key not in worst or f.severity.rank > worst[key].rank):
            worst[key] = f.severity
    for (sheet, cell), severity in worst.items():
        assert rgb(wb[sheet][cell]) == SEVERITY_COLORS[severity], (sheet, cell)
        assert note(wb, sheet, cell).startswith("[XP"), (sheet, cell)


def records(wb: Workbook) -> list[list[Any]]:
    ws = next(ws for ws in wb.worksheets if ws.title.casefold() == MARKS_SHEET.casefold())
    return [[c.value for c in row] for row in ws.iter_rows(min_row=MARKS_FIRST_ROW, max_col=4)]


# Deleting and renaming 校验结果 -----------------------------------------------------------------------------


@SINKS
def test_deleting_the_results_sheet_loses_nothing(run: Run, source: Path, first: FileReport, fw: Any,
                                                   template: Workbook, tmp_path: Path) -> None:
    wb = run(load_workbook(source), first, tmp_path)
    assert_highlighted(wb, first)
    assert wb[MARKS_SHEET].sheet_state == "veryHidden"
    flagged = cells(first)
    assert note(wb, *flagged[0]).endswith("——原批注：" + USER_NOTE)
    del wb[RESULT_SHEET]  # the guide says it may be deleted

    second = changed(first, fw)
    wb = run(wb, second, tmp_path)
    assert_highlighted(wb, second)
    for sheet, cell in flagged[1:3]:  # fixed: back to the template's fill, no note
        assert rgb(wb[sheet][cell]) == rgb(template[sheet][cell]) and note(wb, sheet, cell) is None
    assert note(wb, *flagged[0]).count(USER_NOTE) == 1  # quoted once, not our old note quoted again
    assert wb[RESULT_SHEET].cell(row=FIRST_ROW + len(second.findings), column=2).value == "XP402"

    del wb[RESULT_SHEET]
    wb = run(wb, empty(first), tmp_path)  # everything fixed
    assert_as_submitted(wb, source, template)
    assert records(wb) == []


@SINKS
def test_renaming_the_results_sheet_loses_nothing(run: Run, source: Path, first: FileReport, fw: Any,
                                                   template: Workbook, tmp_path: Path) -> None:
    wb = run(load_workbook(source), first, tmp_path)
    wb[RESULT_SHEET].title = "校验结果（第一次）"
    kept = [[c.value for c in row] for row in wb["校验结果（第一次）"].iter_rows()]

    second = changed(first, fw)
    wb = run(wb, second, tmp_path)
    assert_highlighted(wb, second)
    assert [[c.value for c in row] for row in wb["校验结果（第一次）"].iter_rows()] == kept  # now the user's sheet
    assert wb[RESULT_SHEET].cell(row=FIRST_ROW + 1, column=2).value == second.findings[0].code

    wb = run(wb, empty(first), tmp_path)
    assert_as_submitted(wb, source, template)


@SINKS
def test_rerunning_is_idempotent(run: Run, source: Path, first: FileReport, template: Workbook,
                                 tmp_path: Path) -> None:
    once = run(load_workbook(source), first, tmp_path)
    twice = run(run(once, first, tmp_path), first, tmp_path)
    for sheet, cell in cells(first):
        assert rgb(twice[sheet][cell]) == rgb(once[sheet][cell]) and note(twice, sheet, cell) == note(once, sheet, cell)
    assert records(twice) == records(once)
    assert note(twice, *cells(first)[0]).count(USER_NOTE) == 1
    assert_as_submitted(run(twice, empty(first), tmp_path), source, template)


@SINKS
def test_the_annotated_workbook_validates_as_before(run: Run, source: Path, first: FileReport,
                                                    tmp_path: Path) -> None:
    """The record sheet is not a submission sheet: no structure finding, the same findings as the original."""
    wb = run(load_workbook(source), first, tmp_path)
    wb[RESULT_SHEET].title = "旧的校验结果"
    path = tmp_path / "annotated.xlsx"
    wb.save(path)
    again = validate_file(path, str(FW_FILE))
    assert [(f.code, f.sheet, f.cell) for f in again.findings] == [(f.code, f.sheet, f.cell) for f in first.findings]
    assert not any(MARKS_SHEET in (f.sheet or "") + f.message for f in again.findings)


# Records of the previous version: 校验结果's hidden column L ---------------------------------------------


def old_version(source: Path, report: FileReport) -> Workbook:
    """A workbook as the previous version left it: highlights and notes, the records in column L."""
    wb = load_workbook(source)
    ws = wb[RESULT_SHEET]
    for row, (sheet, cell) in enumerate(cells(report), start=FIRST_ROW + 1):
        target = wb[sheet][cell]
        original = note(wb, sheet, cell)
        ws.cell(row=row, column=LEGACY_MARK_COL, value=json.dumps([sheet, cell, rgb(target), original],
                                                                   ensure_ascii=False))
        ws.cell(row=row, column=2, value="XP302")
        target.fill = PatternFill("solid", fgColor=SEVERITY_COLORS[Severity.error])
        target.comment = Comment("[XP302 错误] 旧的问题" + (f"\n——原批注：{original}" if original else ""), "xlperf")
    return wb


@SINKS
def test_records_in_the_old_hidden_column_are_read(run: Run, source: Path, first: FileReport, fw: Any,
                                                    template: Workbook, tmp_path: Path) -> None:
    second = changed(first, fw)
    wb = run(old_version(source, first), second, tmp_path)
    assert_highlighted(wb, second)
    assert all(wb[RESULT_SHEET].cell(row=r, column=LEGACY_MARK_COL).value is None
               for r in range(FIRST_ROW, wb[RESULT_SHEET].max_row + 1))  # moved to the record sheet
    assert len(records(wb)) == len(cells(second))
    assert note(wb, *cells(first)[0]).count(USER_NOTE) == 1
    del wb[RESULT_SHEET]
    assert_as_submitted(run(wb, empty(first), tmp_path), source, template)


# The record sheet tampered with (VBA) or forged --------------------------------------------------------


@SINKS
def test_an_unhidden_record_sheet_is_hidden_again_and_read(run: Run, source: Path, first: FileReport,
                                                            template: Workbook, tmp_path: Path) -> None:
    wb = run(load_workbook(source), first, tmp_path)
    wb[MARKS_SHEET].sheet_state = "visible"  # Worksheets("xlperf_marks").Visible = True
    wb = run(wb, first, tmp_path)
    assert wb[MARKS_SHEET].sheet_state == "veryHidden"
    assert_as_submitted(run(wb, empty(first), tmp_path), source, template)


@SINKS
def test_a_deleted_record_sheet_costs_no_note(run: Run, source: Path, first: FileReport, template: Workbook,
                                              tmp_path: Path) -> None:
    """Records gone and a framework unknown to the built-in registry: no crash, the user's note neither lost
    nor quoted twice; the flagged cells end without our colour (their template fill cannot be known)."""
    wb = run(load_workbook(source), first, tmp_path)
    del wb[MARKS_SHEET]
    wb = run(wb, first, tmp_path)
    assert_highlighted(wb, first)
    assert note(wb, *cells(first)[0]).count(USER_NOTE) == 1
    wb = run(wb, empty(first), tmp_path)
    assert note(wb, *cells(first)[0]) == USER_NOTE
    assert not any(rgb(wb[s][c]) in OURS for s, c in cells(first))
    assert_as_submitted(wb, source, template, skip=set(cells(first)))


def junk_rows(wb: Workbook, sheet: str, cell: str) -> list[list[Any]]:
    return [
        ["=HYPERLINK(\"http://example.invalid\",\"点我\")", "=1+1", "=A1", "@SUM(1)"],
        ["不存在的表", "B5", "FF0000", "x"],
        [sheet, "A0", "FF0000", "x"], [sheet, "B5:B6", "FF0000", "x"], [sheet, "ZZZZ1", "FF0000", "x"],
        [sheet, "b5", "FF0000", "x"], [sheet, "XFE1", "FF0000", "x"], [sheet, "A1048577", "FF0000", "x"],
        [RESULT_SHEET, "A1", "FF0000", "x"], [MARKS_SHEET, "A1", "FF0000", "x"], [sheet, 5, "FF0000", "x"],
        [123, cell, "FF0000", "x"], [None, None, None, None],
        [sheet, "Z99", "not a colour", 42],  # a well-formed address: applied, with no fill and no note
    ] + [["垃圾"] * 4 for _ in range(300)]


@SINKS
def test_a_forged_record_sheet_is_handled(run: Run, source: Path, first: FileReport, template: Workbook,
                                          tmp_path: Path) -> None:
    wb = load_workbook(source)
    sheet, cell = cells(first)[0]
    forged = wb.create_sheet("XLPERF_Marks")  # Excel's sheet names ignore case: this is the record sheet
    for row in junk_rows(wb, sheet, cell):
        forged.append(row)
    wb[RESULT_SHEET].cell(row=FIRST_ROW + 1, column=LEGACY_MARK_COL, value="[" * 30_000)  # nested too deep
    wb[RESULT_SHEET].cell(row=FIRST_ROW + 2, column=LEGACY_MARK_COL, value='["未闭合", "B5"')
    wb = run(wb, first, tmp_path)
    ours = [ws for ws in wb.worksheets if ws.title.casefold() == MARKS_SHEET.casefold()]
    assert len(ours) == 1 and ours[0].sheet_state == "veryHidden" and ours[0]["A1"].value == MARKS_TITLE
    assert not any(c.data_type == "f" for row in ours[0].iter_rows() for c in row)
    assert len(records(wb)) == len(cells(first))
    assert_highlighted(wb, first)
    assert_as_submitted(run(wb, empty(first), tmp_path), source, template)


def test_records_read_are_bounded(source: Path, first: FileReport, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the first RECORDS_MAX records of a (forged) record sheet are read, and only where the cell
    still carries our highlight (issue 20: records are evidence, not instructions)."""
    monkeypatch.setattr(annotate, "RECORDS_MAX", 3)
    wb = load_workbook(source)
    sheet = cells(first)[0][0]
    forged = wb.create_sheet(MARKS_SHEET)
    forged.append([MARKS_TITLE])
    forged.append(["工作表", "单元格", "原填充色", "原批注"])
    ours = SEVERITY_COLORS[Severity.error]
    targets = [f"Z{r}" for r in range(100, 110)]
    for ref in targets:
        forged.append([sheet, ref, "00FF00", None])
        wb[sheet][ref].fill = PatternFill("solid", fgColor=ours)
        wb[sheet][ref].comment = Comment("[XP302 错误] 问题", "xlperf")
    forged.append([sheet, "Z200", "00FF00", None])  # a cell without our highlight: never painted
    apply_findings(OpenpyxlSink(wb), empty(first))
    assert [rgb(wb[sheet][ref]) for ref in targets] == ["00FF00"] * 3 + [ours] * 7
    assert rgb(wb[sheet]["Z200"]) is None


def test_a_password_protected_record_sheet_falls_back_to_the_hidden_column(source: Path, first: FileReport,
                                                                           template: Workbook, tmp_path: Path) -> None:
    """The button cannot rewrite a record sheet protected with a password: the records go to column L."""
    wb = via_xlwings(load_workbook(source), first, tmp_path)
    wb[MARKS_SHEET].protection.sheet = True
    wb[MARKS_SHEET].protection.password = "secret"
    book = fx.FakeBook(wb, "自评.xlsx", fx.FakeApp())
    with XlwingsSink(book) as sink:
        apply_findings(sink, first)
    assert any(MARKS_SHEET in p for p in sink.problems)
    legacy = [wb[RESULT_SHEET].cell(row=r, column=LEGACY_MARK_COL).value for r in range(FIRST_ROW + 1, FIRST_ROW + 40)]
    assert len([v for v in legacy if v]) == len(cells(first))
    wb[MARKS_SHEET].protection = SheetProtection()  # the user removes the password again
    assert_as_submitted(via_xlwings(wb, empty(first), tmp_path), source, template)


# A built-in framework with every record gone: the template, regenerated in memory ------------------------


@SINKS
def test_built_in_framework_without_any_record_uses_the_template(run: Run, tmp_path: Path) -> None:
    seed = REPO / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
    report = validate_file(seed)
    wb = run(load_workbook(seed), report, tmp_path)
    del wb[MARKS_SHEET], wb[RESULT_SHEET]
    wb = run(wb, empty(report), tmp_path)
    fresh = load_workbook(REPO / "workbooks" / "futian-2021.xlsx")
    for sheet, cell in cells(report):
        assert rgb(wb[sheet][cell]) == rgb(fresh[sheet][cell]), (sheet, cell)
        assert note(wb, sheet, cell) == note(load_workbook(seed), sheet, cell)


@SINKS
def test_a_note_the_user_wrote_over_ours_is_kept(run: Run, source: Path, first: FileReport, template: Workbook,
                                                 tmp_path: Path) -> None:
    wb = run(load_workbook(source), first, tmp_path)
    sheet, cell = cells(first)[1]
    wb[sheet][cell].comment = Comment("已按决算数改正", "张三")  # in place of our note
    wb = run(wb, empty(first), tmp_path)
    assert note(wb, sheet, cell) == "已按决算数改正"
    assert rgb(wb[sheet][cell]) == rgb(template[sheet][cell])


def test_two_records_of_one_merged_cell_are_undone_last_first() -> None:
    """The previous version recorded a merged range's second cell after highlighting its first, so that
    record holds our colour; undoing last-made-first ends on the true original."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["D5"].fill = PatternFill("solid", fgColor="FFF2CC")
    ws.merge_cells("D5:E5")
    ws["D5"].fill = PatternFill("solid", fgColor=SEVERITY_COLORS[Severity.error])
    ws["D5"].comment = Comment("[XP302 错误] 问题", "xlperf")
    results = wb.create_sheet(RESULT_SHEET)
    for row, record in enumerate((["表", "D5", "FFF2CC", None], ["表", "E5", SEVERITY_COLORS[Severity.error], None]),
                                 start=FIRST_ROW + 1):
        results.cell(row=row, column=2, value="XP302")
        results.cell(row=row, column=LEGACY_MARK_COL, value=json.dumps(record))
    apply_findings(OpenpyxlSink(wb), FileReport(path="x.xlsx", status="ok"))
    assert rgb(ws["D5"]) == "FFF2CC" and ws["D5"].comment is None
