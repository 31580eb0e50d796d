"""What Excel shows (read from the OOXML, not from openpyxl's defaults): conditional fills Excel can draw,
charts with visible axes and text categories, numbers stored as text marked, the score sheet's print area."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from xlperf.data.values import data_values
from xlperf.findings import Report
from xlperf.framework.models import Framework
from xlperf.render.excel import write_report
from xlperf.validate import validate_file
from xlperf.plan.layout import SCORE_SHEET
from xlperf.plan.formulas import SCORE_COLS
from xlperf.compiled import plan_for
from xlperf.write.template import write_template

from .helpers import seed_data

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NUMERIC = ("money", "rate", "points", "count", "int")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Path:
    return write_template(fw, tmp_path_factory.mktemp("vis") / "example.xlsx", values=data_values(seed_data()))


def _charts(path: Path) -> list[etree._Element]:
    with zipfile.ZipFile(path) as zf:
        return [etree.fromstring(zf.read(n)) for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


def test_every_conditional_fill_sets_bg_color(example: Path) -> None:
    """Excel draws a conditional solid fill from bgColor; a dxf with fgColor only shows nothing."""
    with zipfile.ZipFile(example) as zf:
        styles = etree.fromstring(zf.read("xl/styles.xml"))
    fills = styles.findall(f"{M}dxfs/{M}dxf/{M}fill/{M}patternFill")
    assert len(fills) >= 2
    for fill in fills:
        bg, fg = fill.find(f"{M}bgColor"), fill.find(f"{M}fgColor")
        assert fill.get("patternType") == "solid" and bg is not None and bg.get("rgb"), etree.tostring(fill)
        assert fg is not None and fg.get("rgb") == bg.get("rgb")


def test_numbers_stored_as_text_are_marked_on_every_numeric_input(example: Path, fw: Framework) -> None:
    wb = load_workbook(example)
    plan = plan_for(fw)
    wanted = {(cp.sheet, cp.cell) for cp in plan.cells.values()
              if cp.spec is not None and cp.spec.is_input and cp.spec.kind in NUMERIC and cp.spec.role != "const"}
    assert len(wanted) > 40
    marked = set()
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.formula and rule.formula[0] == f"ISTEXT({str(cf.sqref)})":
                    assert rule.dxf.fill.bgColor.rgb.endswith("FFC000")
                    marked.add((ws.title, str(cf.sqref)))
    assert not wanted - marked, f"numeric inputs without the text mark: {sorted(wanted - marked)[:10]}"
    kinds = {(cp.sheet, cp.cell): cp.spec.kind for cp in plan.cells.values() if cp.spec is not None}
    wrong = {cell: kinds.get(cell) for cell in marked if kinds.get(cell) not in NUMERIC}
    assert not wrong, f"cells marked as numbers stored as text that are not numbers: {wrong}"


def test_charts_have_visible_axes_and_text_categories(example: Path) -> None:
    charts = _charts(example)
    assert len(charts) == 2
    for chart in charts:
        axes = chart.findall(f".//{C}catAx") + chart.findall(f".//{C}valAx")
        assert len(axes) == 2 and all(ax.find(f"{C}delete").get("val") == "0" for ax in axes)
        for ser in chart.iter(f"{C}ser"):
            cat = ser.find(f"{C}cat")
            assert cat.find(f"{C}numRef") is None and cat.find(f"{C}strRef") is not None
            labels = [v.text for v in cat.iter(f"{C}v")]
            assert labels and all(re.search(r"[\u4e00-\u9fff]", t or "") for t in labels), labels
            values = [v.text for v in ser.find(f"{C}val").iter(f"{C}v")]
            assert len(values) == len(labels), "series values are not cached for previews"


def test_score_sheet_prints_without_ids_and_with_room_for_the_criteria(example: Path, fw: Framework) -> None:
    ws = load_workbook(example)[SCORE_SHEET]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.print_area).replace("$", "").split("!")[-1].startswith(f"{SCORE_COLS['name']}1:")
    plan = plan_for(fw)
    width = ws.column_dimensions[SCORE_COLS["criteria"]].width
    for srow in plan.score_rows:
        ind = srow.indicator
        if ind is None or not ind.criteria:
            continue
        # independent estimate: at most `width` Latin characters or width/2 Chinese ones per line, 12 points each
        lines = sum(-(-sum(2 if ord(ch) > 0x2E80 else 1 for ch in para) // int(width)) or 1
                    for para in ind.criteria.split("\n"))
        height = ws.row_dimensions[srow.row].height or 15
        assert height >= 12 * lines, f"{ind.name}: {lines} lines of criteria in a row {height} points high"


def test_bureau_report_counts_departments_in_whole_numbers(tmp_path: Path, fw: Framework) -> None:
    book = write_template(fw, tmp_path / "d.xlsx", values=data_values(seed_data()))
    out = write_report(Report(files=[validate_file(book, fw)]), tmp_path / "report.xlsx")
    (chart,) = _charts(out)
    val = chart.find(f".//{C}valAx")
    assert val.find(f"{C}majorUnit").get("val") == "1" and val.find(f"{C}numFmt").get("formatCode") == "0"
    assert val.find(f"{C}delete").get("val") == "0"
    assert all(s.find(f"{C}cat/{C}strRef") is not None for s in chart.iter(f"{C}ser"))
    # one department in one score band: the cached counts a preview draws add up to it
    cached = [int(v.text) for v in chart.find(f".//{C}ser/{C}val").iter(f"{C}v")]
    assert sum(cached) == 1 and len(cached) == 6
    ws = load_workbook(out)["汇总"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows in ("1:1", "$1:$1")


def test_a_number_stored_as_text_is_reported_at_its_cell(tmp_path: Path, fw: Framework) -> None:
    """The sheet's formulas do not compute with a text (the cell is marked amber); the validator says so."""
    plan = plan_for(fw)
    name = next(n for n, cp in plan.cells.items()
                if cp.spec is not None and cp.spec.role == "input" and cp.spec.kind == "money")
    values = data_values(seed_data())
    values[name] = f"{values[name]:.2f}"  # written by openpyxl as a text cell
    book = write_template(fw, tmp_path / "text.xlsx", values=values)
    cp = plan.cells[name]
    assert load_workbook(book)[cp.sheet][cp.cell].data_type == "s"
    found = [f for f in validate_file(book, fw).findings if (f.sheet, f.cell) == (cp.sheet, cp.cell)]
    assert any(f.code == "XP214" for f in found), found
