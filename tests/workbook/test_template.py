"""The generated workbook: same content as the committed files, and what a person filling it relies on —
named, unlocked, validated inputs with Chinese prompts; locked formulas; protected sheets; number
formats; frozen headers; A4 pages; the two charts; a ``score_*`` name for every indicator.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlperf.data.values import data_values
from xlperf.framework.models import Framework
from xlperf.plan.layout import GUIDE_SHEET, RESULT_SHEET, SCORE_SHEET
from xlperf.plan.formulas import CHART_COLS
from xlperf.compiled import plan_for
from xlperf.write.template import write_template

from .helpers import CHINESE, EXAMPLE_XLSX, EXAMPLE_YAML, TEMPLATE_XLSX, run_cli, seed_data

SHEETS = ["填报说明", "基本信息", "预算编制", "预算执行", "季度支付", "三公经费与政府采购", "人员", "资产",
          "项目与重点工作", "信访与满意度", "评分表", "校验结果"]
MONEY_FORMAT = re.compile(r"^(#,##)?0\.00(_\S*)?$")  # 0.00-style, optionally with thousands separators
A1_LIKE = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$")
R1C1_LIKE = re.compile(r"^[Rr]([0-9]*|\[-?[0-9]+\])?([Cc]([0-9]*|\[-?[0-9]+\])?)?$|^[Cc]([0-9]*|\[-?[0-9]+\])?$")

QUARTER_CHART = ("季度支付", *CHART_COLS)  # the 福田 framework's schedule chart: sheet, label, progress, schedule


# Snapshots: everything a person or a program sees in the file, not its zip bytes ---------------------


def _dv(dv: Any) -> tuple[Any, ...]:
    return (dv.type, dv.operator, dv.formula1, dv.formula2, " ".join(sorted(str(dv.sqref).split())), dv.prompt,
            dv.promptTitle, dv.error, dv.errorTitle, dv.showInputMessage, dv.showErrorMessage, dv.allow_blank)


def _chart(chart: Any) -> tuple[Any, ...]:
    series = tuple((s.val.numRef.f if s.val and s.val.numRef else None,
                    s.cat.numRef.f if s.cat and s.cat.numRef else (s.cat.strRef.f if s.cat and s.cat.strRef else None))
                   for s in chart.series)
    anchor = chart.anchor._from if hasattr(chart.anchor, "_from") else chart.anchor
    return (chart.tagname, getattr(chart, "type", None), series, (anchor.col, anchor.row))


def sheet_snapshot(ws: Worksheet) -> dict[str, Any]:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None or not c.protection.locked:
                cells[c.coordinate] = (c.value, c.number_format, c.protection.locked, c.fill.fgColor.rgb)
    prot = ws.protection
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "validations": sorted(_dv(dv) for dv in ws.data_validations.dataValidation),
        "conditional": sorted((str(cf.sqref), tuple(tuple(r.formula or ()) for r in cf.rules))
                              for cf in ws.conditional_formatting),
        "protection": (prot.sheet, prot.password, prot.formatColumns, prot.formatRows),
        "freeze": ws.freeze_panes,
        "page": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                 ws.page_setup.fitToHeight, ws.print_title_rows),
        "widths": {k: v.width for k, v in ws.column_dimensions.items() if v.width},
        "charts": [_chart(ch) for ch in ws._charts],
    }


def book_snapshot(wb: Workbook) -> dict[str, Any]:
    return {
        "sheets": wb.sheetnames,
        "names": {n: d.attr_text for n, d in wb.defined_names.items()},
        "calc": wb.calculation.fullCalcOnLoad,
        **{f"sheet {ws.title}": sheet_snapshot(ws) for ws in wb.worksheets},
    }


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                out.append(f"{path}/{key}: only in the regenerated file: {b[key]!r}")
            elif key not in b:
                out.append(f"{path}/{key}: only in the committed file: {a[key]!r}")
            else:
                out += differences(a[key], b[key], f"{path}/{key}")
        return out
    return [] if a == b else [f"{path}: committed {a!r} ≠ regenerated {b!r}"]


# Fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_file(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Path:
    return write_template(fw, tmp_path_factory.mktemp("template") / "template.xlsx")


@pytest.fixture(scope="module")
def wb(template_file: Path) -> Workbook:
    return load_workbook(template_file)


@pytest.fixture(scope="module")
def inputs() -> list[dict[str, Any]]:
    run = run_cli(["inputs", "--json"])
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    assert rows, "xlperf inputs --json listed no input"
    return rows


def _dest(wb: Workbook, name: str) -> tuple[str, str]:
    dests = list(wb.defined_names[name].destinations)
    assert len(dests) == 1, f"{name} → {dests}"
    sheet, ref = dests[0]
    return sheet, ref.replace("$", "")


def _validations(ws: Worksheet, coord: str) -> list[Any]:
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


# Same content as the committed files ------------------------------------------------------------------


def test_regenerated_template_matches_committed_file(wb: Workbook) -> None:
    diff = differences(book_snapshot(load_workbook(TEMPLATE_XLSX)), book_snapshot(wb))
    assert not diff, (f"{TEMPLATE_XLSX.name} is out of date with the generator ({len(diff)} differences; "
                      "regenerate it with `xlperf template -o workbooks/futian-2021.xlsx`):\n" + "\n".join(diff[:30]))


def test_regenerated_example_matches_committed_file(tmp_path: Path, fw: Framework) -> None:
    out = write_template(fw, tmp_path / "example.xlsx", values=data_values(seed_data()))
    diff = differences(book_snapshot(load_workbook(EXAMPLE_XLSX)), book_snapshot(load_workbook(out)))
    assert not diff, (f"{EXAMPLE_XLSX.name} does not regenerate from {EXAMPLE_YAML.name} ({len(diff)} differences):\n"
                      + "\n".join(diff[:30]))


def test_cli_template_with_data_matches_write_template(tmp_path: Path, fw: Framework) -> None:
    out = tmp_path / "cli.xlsx"
    run = run_cli(["template", "-o", out, "--data", EXAMPLE_YAML])
    assert run.code == 0, run.err
    direct = write_template(fw, tmp_path / "direct.xlsx", values=data_values(seed_data()))
    assert not differences(book_snapshot(load_workbook(direct)), book_snapshot(load_workbook(out)))


def test_template_with_year_sets_the_year_and_nothing_else(tmp_path: Path, wb: Workbook, fw: Framework) -> None:
    out = tmp_path / "2022.xlsx"
    run = run_cli(["template", "--year", "2022", "-o", out])
    assert run.code == 0, run.err
    assert out.exists() and "已生成" in run.out
    got = load_workbook(out)
    sheet, cell = _dest(got, "eval_year")
    assert got[sheet][cell].value == 2022
    sheet_id, cell_id = _dest(got, "fw_id")
    assert got[sheet_id][cell_id].value == fw.id
    sheet_v, cell_v = _dest(got, "fw_version")
    assert got[sheet_v][cell_v].value == fw.version
    diff = differences(book_snapshot(wb), book_snapshot(got))
    assert len(diff) == 1 and f"/{cell}" in diff[0], diff


# Structure ---------------------------------------------------------------------------------------------


def test_sheet_names_and_order(wb: Workbook) -> None:
    assert wb.sheetnames == SHEETS


def test_every_input_is_a_named_unlocked_validated_cell_with_a_chinese_prompt(wb: Workbook,
                                                                             inputs: list[dict[str, Any]]) -> None:
    problems = []
    for row in inputs:
        name, sheet, cell = row["name"], row["sheet"], row["cell"]
        if name not in wb.defined_names:
            problems.append(f"{name}: no defined name")
            continue
        if _dest(wb, name) != (sheet, cell):
            problems.append(f"{name}: defined name → {_dest(wb, name)}, xlperf inputs says {sheet}!{cell}")
        ws = wb[sheet]
        if ws[cell].protection.locked:
            problems.append(f"{name} {sheet}!{cell}: locked")
        dvs = _validations(ws, cell)
        if not dvs:
            problems.append(f"{name}（{row['label']}，{row['type']}）{sheet}!{cell}: no data validation / input message")
            continue
        dv = dvs[0]
        if not dv.showInputMessage or not dv.prompt or not CHINESE.search(dv.prompt):
            problems.append(f"{name} {sheet}!{cell}: no Chinese input message (prompt={dv.prompt!r})")
        if not dv.showErrorMessage or not dv.error or not CHINESE.search(dv.error):
            problems.append(f"{name} {sheet}!{cell}: no Chinese error message (error={dv.error!r})")
    assert not problems, f"{len(problems)} of {len(inputs)} inputs:\n" + "\n".join(problems)


def test_input_prompt_titles_name_their_own_cell(wb: Workbook, inputs: list[dict[str, Any]]) -> None:
    """An input message titled with another input's label misleads the person filling the cell."""
    labels = {row["label"][:32]: row["name"] for row in inputs}
    wrong = []
    for row in inputs:
        for dv in _validations(wb[row["sheet"]], row["cell"]):
            other = labels.get(dv.promptTitle or "")
            if other is not None and other != row["name"]:
                wrong.append(f"{row['sheet']}!{row['cell']} {row['label']}: input message titled “{dv.promptTitle}” "
                             f"(the label of {other})")
    assert not wrong, f"{len(wrong)} inputs:\n" + "\n".join(wrong)


def test_inputs_cover_every_input_of_the_plan(inputs: list[dict[str, Any]], fw: Framework) -> None:
    plan = plan_for(fw)
    planned = {n for n, c in plan.cells.items() if c.spec is not None and c.spec.is_input}
    assert {r["name"] for r in inputs} == planned
    assert all(CHINESE.search(r["label"]) for r in inputs)


def test_every_computed_cell_is_a_locked_formula(wb: Workbook, fw: Framework) -> None:
    problems = []
    for (sheet, cell), formula in plan_for(fw).formulas().items():
        c = wb[sheet][cell]
        if c.value != "=" + formula:
            problems.append(f"{sheet}!{cell}: {c.value!r} ≠ ={formula}")
        if not c.protection.locked:
            problems.append(f"{sheet}!{cell}: computed cell not locked")
    for name in ("fw_id", "fw_version"):
        sheet, cell = _dest(wb, name)
        if not wb[sheet][cell].protection.locked:
            problems.append(f"{name} {sheet}!{cell}: framework cell not locked")
    assert not problems, "\n".join(problems)


def test_every_unlocked_cell_is_an_input(wb: Workbook, inputs: list[dict[str, Any]]) -> None:
    allowed = {(r["sheet"], r["cell"]) for r in inputs}
    stray = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets if ws.title != RESULT_SHEET
             for row in ws.iter_rows() for c in row if not c.protection.locked and (ws.title, c.coordinate) not in allowed]
    assert not stray, stray


def test_sheets_are_protected_without_password_except_results(wb: Workbook) -> None:
    for ws in wb.worksheets:
        if ws.title == RESULT_SHEET:
            assert not ws.protection.sheet, "校验结果 must stay writable for the validator"
        else:
            assert ws.protection.sheet, f"{ws.title} is not protected"
            assert not ws.protection.password, f"{ws.title} is protected with a password"
    assert wb.calculation.fullCalcOnLoad


def test_number_formats(wb: Workbook, fw: Framework) -> None:
    plan = plan_for(fw)
    wrong = []
    for name, cp in plan.cells.items():
        if cp.spec is None:
            continue
        fmt = wb[cp.sheet][cp.cell].number_format
        kind = cp.spec.kind
        if kind == "money" and not MONEY_FORMAT.match(fmt):
            wrong.append(f"{name} {cp.ref} (万元): {fmt!r}")
        elif kind == "rate" and fmt != "0.00%":
            wrong.append(f"{name} {cp.ref} (rate): {fmt!r}")
        elif kind == "points" and not MONEY_FORMAT.match(fmt):
            wrong.append(f"{name} {cp.ref} (分): {fmt!r}")
        elif kind in ("count", "int") and fmt != "0":
            wrong.append(f"{name} {cp.ref} (count): {fmt!r}")
    for h in plan.helpers:  # check values beside stated figures, chart data
        fmt = wb[h.sheet][h.cell].number_format
        if h.sheet == QUARTER_CHART[0] and fmt != "0.00%":
            wrong.append(f"{h.sheet}!{h.cell} (progress): {fmt!r}")
    assert not wrong, "\n".join(wrong)


def test_frozen_headers_and_a4_pages(wb: Workbook) -> None:
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, f"{ws.title}: paper size {ws.page_setup.paperSize}, not A4"
        if ws.title == GUIDE_SHEET:
            continue
        assert ws.freeze_panes == "A3", f"{ws.title}: header rows not frozen ({ws.freeze_panes})"
        assert ws.print_title_rows in ("1:2", "$1:$2"), ws.title
        assert ws.page_setup.orientation in ("portrait", "landscape"), ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title


def test_quarterly_progress_line_chart(wb: Workbook) -> None:
    sheet, label, prog, sched = QUARTER_CHART
    charts = wb[sheet]._charts
    assert len(charts) == 1 and charts[0].tagname == "lineChart"
    refs = [s.val.numRef.f for s in charts[0].series]
    assert refs == [f"'{sheet}'!${prog}$3:${prog}$6", f"'{sheet}'!${sched}$3:${sched}$6"]
    assert [wb[sheet][f"{sched}{r}"].value for r in range(3, 7)] == [0.25, 0.5, 0.75, 1]
    assert all(str(wb[sheet][f"{prog}{r}"].value).startswith("=") for r in range(3, 7))
    assert CHINESE.search(str(wb[sheet][f"{label}3"].value))


def test_level2_computed_vs_self_bar_chart(wb: Workbook, fw: Framework) -> None:
    plan = plan_for(fw)
    charts = wb[SCORE_SHEET]._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart" and charts[0].type == "bar"
    level2 = [r for r in plan.score_rows if r.indicator is not None and r.level == 2]
    refs = [s.val.numRef.f for s in charts[0].series]
    assert len(refs) == 2
    rows = {int(m) for ref in refs for m in re.findall(r"\$(\d+)", ref)}
    first, last = min(rows), max(rows)
    assert last - first + 1 == len(level2)
    names = [wb[SCORE_SHEET][f"B{r}"].value for r in range(first, last + 1)]
    assert names == [r.indicator.name for r in level2]  # type: ignore[union-attr]
    for r, srow in zip(range(first, last + 1), level2, strict=True):
        assert wb[SCORE_SHEET][f"C{r}"].value == f"=F{srow.row}"
        assert wb[SCORE_SHEET][f"D{r}"].value == f"=G{srow.row}"


def test_score_name_for_every_indicator_scored(wb: Workbook, fw: Framework) -> None:
    run = run_cli(["score", EXAMPLE_YAML, "--json"])
    assert run.code == 0, run.err
    ids = [i["id"] for i in json.loads(run.out)["indicators"]]
    assert len(ids) == len(list(fw.walk()))
    plan = plan_for(fw)
    missing = [f"score_{i}" for i in ids if f"score_{i}" not in wb.defined_names]
    assert not missing and "score_total" in wb.defined_names, missing
    for i in [*ids, "total"]:
        sheet, cell = _dest(wb, f"score_{i}")
        assert (sheet, cell) == (plan.cells[f"score_{i}"].sheet, plan.cells[f"score_{i}"].cell)
        assert str(wb[sheet][cell].value).startswith("="), f"score_{i} is not a formula"


def test_defined_names_are_never_cell_references(wb: Workbook, fw: Framework) -> None:
    bad = [n for n in wb.defined_names
           if A1_LIKE.match(n) or R1C1_LIKE.match(n) or not re.match(r"^[A-Za-z_\\][A-Za-z0-9_.]*$", n)
           or n.upper() in ("TRUE", "FALSE")]
    assert not bad, f"defined names that Excel reads as cell references or rejects: {bad}"
    assert set(wb.defined_names) == set(plan_for(fw).cells)
