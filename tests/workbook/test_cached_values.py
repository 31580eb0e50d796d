"""Generated workbooks carry cached results equal to what a spreadsheet computes.

Previews that never recalculate (mail, chat apps, mobile, Protected View) show the cached result of a
formula cell. The files write_template saved (``Recalculated.source``) are compared, cell by cell, with
the same files recalculated and saved by LibreOffice (which recalculates every formula on load).
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlperf.framework.models import Framework
from xlperf.write.cached import add_cached_values
from xlperf.compiled import plan_for
from xlperf.ingest.xlsx import RawCell, open_book

from .helpers import EXAMPLE_XLSX, SHIPPED_EXAMPLE, TEMPLATE_XLSX, Recalculated

CASES = [SHIPPED_EXAMPLE, "seed-example", "random-000", "random-007", "random-013", "random-029", "edge-zero-none",
         "edge-quarters-ahead"]
TOL = Decimal("0.000001")


@pytest.mark.libreoffice
@pytest.mark.parametrize("case_id", CASES)
def test_cached_values_equal_libreoffice_results(case_id: str, recalculated: dict[str, Recalculated],
                                                 fw: Framework) -> None:
    case = recalculated[case_id]
    mine, lo = open_book(case.source), open_book(case.saved)
    problems, cached = [], 0
    for (sheet, cell), formula in plan_for(fw).formulas().items():
        raw = mine.cell(sheet, cell)
        assert raw is not None and raw.formula == formula, f"{sheet}!{cell} lost its formula"
        theirs = lo.cell(sheet, cell)
        if raw.value is None and raw.type != "str":  # a cached empty text is <v></v> with t="str"
            problems.append(f"{sheet}!{cell} ={formula}: no cached value (LibreOffice: {theirs})")
            continue
        cached += 1
        if raw.type == "n":  # rounded figures: equal to well below a cent (and a hundredth of a percent)
            if theirs is None or theirs.type != "n" or abs(Decimal(raw.value) - Decimal(theirs.value or "0")) > TOL:
                problems.append(f"{sheet}!{cell} ={formula}: cached {raw.value} ≠ LibreOffice {theirs}")
        elif raw.type == "str":
            shown = "" if theirs is None or theirs.value is None else theirs.value
            if (raw.value or "") != shown:
                problems.append(f"{sheet}!{cell} ={formula}: cached {raw.value!r} ≠ LibreOffice {shown!r}")
        else:
            problems.append(f"{sheet}!{cell}: unexpected cached type {raw.type}")
    assert cached == len(plan_for(fw).formulas())  # complete data: the engine computes every formula cell
    assert not problems, f"{case_id}: {len(problems)} cached value(s) wrong:\n" + "\n".join(problems[:20])


def test_committed_files_keep_full_calc_on_load_and_the_example_is_cached(fw: Framework) -> None:
    for path in (TEMPLATE_XLSX, EXAMPLE_XLSX):
        with zipfile.ZipFile(path) as zf:
            assert b'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml"), path.name
    book = open_book(EXAMPLE_XLSX)
    plan = plan_for(fw)
    total = plan.cells["score_total"]
    raw = book.cell(total.sheet, total.cell)
    assert raw is not None and raw.type == "n" and raw.value not in (None, "")
    empty = [k for k in plan.formulas() if (book.cell(*k) or RawCell(None, "n")).value is None]
    assert not empty, f"formula cells of the committed example without a cached value: {empty[:10]}"


def test_a_changed_formula_gets_no_cached_value(tmp_path: Path, fw: Framework) -> None:
    """Only the plan's own formula is cached: a cell whose formula differs keeps an empty result."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = "=1+1", '="a"&"b"', "=2+2"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    n = add_cached_values(path, {("S", "A1"): ("1+1", Decimal("2")), ("S", "A2"): ('"a"&"b"', "ab<&>"),
                                 ("S", "A3"): ("3+3", Decimal("6"))})
    assert n == 2
    book = open_book(path)
    assert book.cell("S", "A1") == RawCell("2", "n", "1+1")
    assert book.cell("S", "A2") == RawCell("ab<&>", "str", '"a"&"b"')
    assert (book.cell("S", "A3") or RawCell(None, "n")).value in (None, "")


def test_annotated_copy_keeps_the_cached_results(tmp_path: Path, fw: Framework) -> None:
    """openpyxl drops every cached value when it copies a workbook: the annotated copy gets them back."""
    from xlperf.write.annotate import annotate_copy
    from xlperf.validate import validate_file

    report = validate_file(EXAMPLE_XLSX, fw)
    copy = annotate_copy(EXAMPLE_XLSX, tmp_path / "标注.xlsx", report)
    original, annotated = open_book(EXAMPLE_XLSX), open_book(copy)
    formulas = plan_for(fw).formulas()
    differ = [(k, original.cell(*k), annotated.cell(*k)) for k in formulas if original.cell(*k) != annotated.cell(*k)]
    assert not differ, differ[:5]
    with zipfile.ZipFile(copy) as zf:
        assert b'fullCalcOnLoad="1"' not in zf.read("xl/workbook.xml")  # a copy computes nothing on opening (issue 20)


def test_udf_workbook_caches_the_same_results_as_the_native_one(tmp_path: Path, fw: Framework) -> None:
    """A ``--formulas udf`` workbook: its own formulas, the same results (the native ones agree with LibreOffice)."""
    from xlperf.data.values import data_values
    from xlperf.write.template import write_template

    from .helpers import seed_data

    udf = open_book(write_template(fw, tmp_path / "udf.xlsx", values=data_values(seed_data()), flavour="udf"))
    native = open_book(EXAMPLE_XLSX)
    udf_plan = plan_for(fw, "udf")
    assert udf_plan.formulas() != plan_for(fw).formulas()
    wrong = []
    for key, formula in udf_plan.formulas().items():
        mine, ref = udf.cell(*key), native.cell(*key)
        assert mine is not None and mine.formula == formula
        if ref is None or (mine.value, mine.type) != (ref.value, ref.type):
            wrong.append((key, mine, ref))
    assert not wrong, wrong[:5]


def test_a_schedule_of_true_false_figures_keeps_every_cached_value(tmp_path: Path) -> None:
    """A schedule rule whose paid and total figures are comparisons divides TRUE by TRUE, as the sheet does: 1.

    The engine once divided the two booleans in Python (a float, which rounding rejects), and the exception
    cost the workbook every cached value, not just the chart's.
    """
    import yaml

    from xlperf.ingest.datafile import load_data
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.plan.formulas import CHART_COLS
    from xlperf.write.template import write_template

    from tests.core.helpers import DEMO_DATA, DEMO_FW

    doc = yaml.safe_load(DEMO_FW.read_text(encoding="utf-8"))
    schedules = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if node.get("kind") == "schedule" and "paid" in node:
                schedules.append(node)
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(doc)
    assert len(schedules) == 1
    rule = schedules[0]
    rule["paid"] = [f"{p} > 0" for p in rule["paid"]]
    rule["total"] = f"{rule['total']} > 0"
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    fw = load_framework(path)
    values = data_values(load_data(DEMO_DATA, fw))
    assert all(values[n] > 0 for n in [*(p.split()[0] for p in rule["paid"]), rule["total"].split()[0]])

    book = open_book(write_template(fw, tmp_path / "t.xlsx", values=values))
    plan = plan_for(fw)
    assert plan.schedule_chart is not None
    for n in range(len(rule["paid"])):  # TRUE / TRUE
        cell = book.cell(plan.schedule_chart.sheet, f"{CHART_COLS[1]}{plan.schedule_chart.first_row + n}")
        assert cell is not None and cell.type == "n" and cell.value not in (None, "") and Decimal(cell.value) == 1, cell
    total = plan.cells["score_total"]
    cached = book.cell(total.sheet, total.cell)
    assert cached is not None and cached.type == "n" and cached.value not in (None, "")


def test_a_compound_schedule_total_divides_as_a_whole(tmp_path: Path, fw: Framework) -> None:
    """A compound ``total:`` (quota_total + paid_q1) in the chart's progress formula divides as a whole sum,
    not by its first term (the sheet showed paid/quota + paid_q1)."""
    from xlperf.loader import load_framework

    text = (Path(__file__).resolve().parents[2] / "xlperf" / "framework" / "builtin" / "futian-2021.yaml"
            ).read_text(encoding="utf-8").replace("total: quota_total\n", "total: quota_total + paid_q1\n")
    path = tmp_path / "fw.yaml"
    path.write_text(text, encoding="utf-8")
    changed = load_framework(str(path))
    formulas = [h.formula for h in plan_for(changed).helpers if h.formula and "=0,0," in h.formula]
    assert len(formulas) == 4 and all(f.endswith("/(N(quota_total)+N(paid_q1)),4))") for f in formulas), formulas
