"""Issue 21: a region's form looks like its own. The caiyu-2020 family (tests/data/frameworks/families/) is the
财预〔2020〕10号-style 部门整体支出绩效自评表 written from the docs alone: one sheet with a 资金 grid (年度资金总额 /
其中：基本支出 / 项目支出 / 其他 × 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分), a 总分 grid and the
绩效指标 table (一级 / 二级 / 三级指标, 指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施) with a hidden helper
column; its own workbook title, 填报说明 and print settings.

Scores are worked out by hand; LibreOffice recalculates the workbook and equals the engine on every formula cell
(named, grid copies, table rows); the printed page (LibreOffice PDF, measured with pdfplumber) has the source's rows
and columns in the source's order, the hidden column not printed, and fits A4.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pdfplumber
import pytest
import yaml

from xlperf.ingest.datafile import load_data
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate, soffice_path
from xlperf.compiled import score
from xlperf.loader import load_framework
from xlperf.ingest.xlsx import open_book
from xlperf.compiled import plan_for
from xlperf.validate import validate_file
from xlperf.write.template import write_template
from tests.families.test_families import HERE, engine_values, number, r

FW = HERE / "caiyu-2020.yaml"
D = Decimal
SHEET = "自评表"


def test_scores_by_hand() -> None:
    fw = load_framework(str(FW))
    result = score(fw, load_data(HERE / "caiyu-2020-data.yaml", fw))
    budget = D("1250.00") + D("950.00") + D("50.00")           # 2,250.00
    spent = D("1237.50") + D("836.00") + D("40.00")            # 2,113.50
    execution = r(r(spent / budget, "0.0001") * 10, "0.01")    # 93.93% × 10 = 9.393 → 9.39
    rows = [D(30),                                              # 126 ≥ 120 → 100%
            r(20 * r(D("0.95") / D("0.98"), "0.0001"), "0.01"),  # 96.94% × 20 = 19.388 → 19.39
            30 * D("0.8"),                                      # 8,000 / 10,000 = 80% → 24
            D(10)]                                              # 92% ≥ 90% → 10
    assert (execution, rows) == (D("9.39"), [30, D("19.39"), 24, 10])
    got = {i.id: i.computed for i in result.indicators}
    assert got == {"execution": execution, "targets_done": sum(rows)}
    assert result.total.computed == D("92.78")


@pytest.fixture(scope="module")
def books() -> Iterator[tuple[Path, Path, Path]]:
    root = Path(tempfile.mkdtemp(prefix="xlperf-caiyu-"))
    fw = load_framework(str(FW))
    data = load_data(HERE / "caiyu-2020-data.yaml", fw)
    filled = write_template(fw, root / "caiyu-filled.xlsx", values=data_values(data))
    blank = write_template(fw, root / "caiyu-blank.xlsx")
    yield root, filled, blank
    shutil.rmtree(root, ignore_errors=True)


def test_the_filled_form_validates_clean_and_a_broken_one_does_not(books: tuple[Path, Path, Path],
                                                                   tmp_path: Path) -> None:
    _, filled, _ = books
    assert validate_file(filled, str(FW)).findings == []
    fw = load_framework(str(FW))
    raw = yaml.safe_load((HERE / "caiyu-2020-data.yaml").read_text(encoding="utf-8"))
    del raw["tables"]["targets"][2]["reason"]             # 80% with no 偏差原因 → PC-01 at its count cell
    raw["tables"]["targets"][0]["weight"] = 31            # weights 91 ≠ 90 → FZ-01
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    book = write_template(fw, tmp_path / "b.xlsx", values=data_values(load_data(path, fw)))
    plan = plan_for(fw)
    got = {(f.rule, f.location) for f in validate_file(book, str(FW)).findings if f.rule}
    cell = {n: f"{plan.cells[n].sheet}!{plan.cells[n].cell}" for n in ("rows_short", "weight_total")}
    assert got == {("PC-01", cell["rows_short"]), ("FZ-01", cell["weight_total"])}


def test_layout_is_the_frameworks(books: tuple[Path, Path, Path]) -> None:
    """Grid cells sit row × column in the declared order; titles, guide, widths, hidden column, print settings."""
    _, filled, _ = books
    fw = load_framework(str(FW))
    plan = plan_for(fw)
    wb = openpyxl.load_workbook(filled)
    ws = wb[SHEET]
    grid = [["init_total", "budget_total", "spent_total", "exec_rate"],
            ["init_basic", "budget_basic", "spent_basic", "exec_rate_basic"],
            ["init_project", "budget_project", "spent_project", "exec_rate_project"],
            ["init_other", "budget_other", "spent_other", "exec_rate_other"]]
    first = int(plan.cells["init_total"].cell[1:])
    for i, names in enumerate(grid):
        assert [plan.cells[n].cell for n in names] == [f"{c}{first + i}" for c in "BCDF"]
        assert plan.cells[names[0]].sheet == SHEET
    assert [ws.cell(row=first - 1, column=c).value for c in range(1, 8)] == \
        ["项目", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [ws[f"A{first + i}"].value for i in range(4)] == ["年度资金总额", "其中：基本支出", "项目支出", "其他"]
    assert (ws[f"E{first}"].value, ws[f"G{first}"].value) == (10, "=score_execution")
    assert ws[f"E{first + 1}"].value is None and ws[f"E{first + 1}"].border.left.style == "thin"
    assert ws["A1"].value == "部门整体支出绩效自评表"
    guide = wb["填报说明"]
    assert guide["A1"].value == "某省部门（单位）整体支出绩效自评表" == wb.properties.title
    assert [guide["A3"].value, guide["A4"].value, guide["A5"].value] == ["填报范围", "金额单位", "绩效指标"]
    tp = plan.tables["targets"]
    assert ws.cell(row=tp.title_row, column=1).value == "绩效指标（每行一项三级指标）"
    # the declared widths (三级指标 20, 偏差原因 30, 分值 8) keep their order, narrowed to fit the portrait page
    width = {c: ws.column_dimensions[tp.columns[c]].width for c in ("reason", "title", "weight")}
    assert width["reason"] > width["title"] > width["weight"] and width["reason"] <= 30, width
    assert ws.column_dimensions[tp.columns["short"]].hidden
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "portrait"


def test_header_groups_merge_cells(tmp_path: Path) -> None:
    raw = yaml.safe_load(FW.read_text(encoding="utf-8"))
    grid = raw["form"]["sheets"][0]["blocks"][1]
    grid["header_groups"] = [{"label": "预算数", "span": 2}]
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fw = load_framework(str(path))
    book = write_template(fw, tmp_path / "g.xlsx",
                          values=data_values(load_data(HERE / "caiyu-2020-data.yaml", fw)))
    ws = openpyxl.load_workbook(book)[SHEET]
    row = int(plan_for(fw).cells["init_total"].cell[1:]) - 2   # the group row, then the column headers
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"B{row}:C{row}", f"D{row}:D{row + 1}", f"A{row}:A{row + 1}"} <= merged
    assert (ws[f"B{row}"].value, ws[f"B{row + 1}"].value, ws[f"C{row + 1}"].value) == ("预算数", "年初预算数", "全年预算数")
    assert validate_file(book, str(path)).findings == []  # labels, layout and formulas as planned


def test_grid_declarations_are_checked() -> None:
    from xlperf.framework.form import Block

    with pytest.raises(ValueError, match="应为 2 个"):
        Block.model_validate({"title": "t", "columns": ["a", "b"], "rows": [{"label": "x", "cells": ["x_y"]}]})
    with pytest.raises(ValueError, match="不用 names"):
        Block.model_validate({"title": "t", "columns": ["a"], "names": ["x_y"]})


def _pdf(xlsx: Path, outdir: Path) -> Path:
    """LibreOffice's own PDF of a workbook (a throw-away profile, as a reviewer's printer would)."""
    profile = outdir / "profile"
    subprocess.run([soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    return outdir / (xlsx.stem + ".pdf")


def _x(words: list[dict[str, Any]], text: str, top: float | None = None) -> float:
    # a header wrapped in its column prints as its first line's word ("全年执行" over "数")
    hits = [w for w in words if (w["text"].startswith(text) or (len(w["text"]) > 2 and text.startswith(w["text"])))
            and (top is None or abs(w["top"] - top) < 8)]
    assert hits, text
    return float(hits[0]["x0"])


@pytest.mark.libreoffice
def test_libreoffice_equals_engine_and_the_page_is_the_sources(books: tuple[Path, Path, Path]) -> None:
    root, filled, blank = books
    fw = load_framework(str(FW))
    data = load_data(HERE / "caiyu-2020-data.yaml", fw)
    plan = plan_for(fw)
    out = dict(zip((filled, blank), recalculate([filled, blank], root / "lo"), strict=True))
    env = engine_values(fw, data)
    book = open_book(out[filled])
    bad, compared = {}, 0
    for n, cell in plan.cells.items():
        if cell.formula:
            got, want = number(book, cell.sheet, cell.cell), env[n]
            if not isinstance(got, Decimal) or abs(got - D(want)) > D("1e-9"):  # type: ignore[arg-type]
                bad[n] = (got, want)
            compared += 1
    for helper in plan.helpers:   # the grid's copies of scores: =score_execution, =score_total
        if helper.sheet == SHEET and helper.formula in env:
            got = number(book, helper.sheet, helper.cell)
            bad.update({helper.cell: (got, env[helper.formula])} if got != env[helper.formula] else {})
            compared += 1
    tp = plan.tables["targets"]
    for col in ("pts", "short"):
        for i, want in enumerate(env[f"targets.{col}"]):  # type: ignore[arg-type]
            got = number(book, SHEET, f"{tp.columns[col]}{tp.first_row + i}")
            expected = ("str:是" if want else "str:否") if isinstance(want, bool) else want
            bad.update({f"{col}[{i}]": (got, want)} if got != expected else {})
            compared += 1
    assert not bad and compared >= 20, bad
    assert number(book, plan.cells["score_total"].sheet, plan.cells["score_total"].cell) == D("92.78")
    blank_book = open_book(out[blank])
    errors = [(s, ref) for s, cells in blank_book.sheets.items() for ref, c in cells.items() if c.type == "e"]
    assert not errors, errors[:5]

    pdf_path = _pdf(out[filled], root / "pdf")
    with pdfplumber.open(pdf_path) as pdf:
        pages = [p for p in pdf.pages if any(w["text"] == "部门整体支出绩效自评表" for w in p.extract_words())]
        # the whole form on two pages at the 9 pt floor (one page printed it at 6 pt: tests/print/test_families.py)
        assert 1 <= len(pages) <= 2
        words = []
        for n, page in enumerate(pages):
            assert (round(page.width), round(page.height)) == (595, 842)  # A4 portrait
            on_page = page.extract_words()
            assert max(w["x1"] for w in on_page) <= page.width and max(w["bottom"] for w in on_page) <= page.height
            words += [dict(w, top=w["top"] + 10_000 * n) for w in on_page]  # one long page, in order
        tops = [next(w["top"] for w in words if w["text"] == label or (len(w["text"]) > 2 and label.startswith(w["text"])))
                for label in ("年度资金总额", "其中：基本支出", "项目支出", "其他")]
        assert tops == sorted(tops)   # the source's rows, in its order
        head = next(w["top"] for w in words if w["text"] == "年初预算数")
        xs = [_x(words, h, head) for h in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")]
        assert xs == sorted(xs)       # the source's columns, in its order
        table_head = next(w["top"] for w in words if w["text"] == "一级指标")
        cols = ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值")
        xs = [_x(words, h, table_head) for h in cols] + [_x(words, "得分", table_head - 6),
                                                         _x(words, "偏差原因分析及改进措施", table_head)]
        assert xs == sorted(xs)
        assert not any("未完成且未说明原因" in w["text"] for w in words if w["top"] > table_head - 10)  # hidden
        text = " ".join(w["text"] for w in words)
        assert all(f in text for f in ("2,250.00", "2,113.50", "93.93%", "9.39", "92.78", "19.39"))


def test_score_json_carries_derived_figures_and_table_rows() -> None:
    import json

    from typer.testing import CliRunner

    from xlperf.cli import app

    res = CliRunner().invoke(app, ["score", str(HERE / "caiyu-2020-data.yaml"), "-f", str(FW), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # 1,200 + 800 + 0; 1,250 + 950 + 50; 30 + 20 + 30 + 10 weights; rows' points 30 + 19.39 + 24 + 10
    assert out["derived"] == {"init_total": 2000, "budget_total": 2250, "spent_total": 2113.5, "rows_score": 83.39,
                              "weight_total": 90, "rows_short": 0}
    rows = out["tables"]["targets"]
    assert [r["pts"] for r in rows] == [30, 19.39, 24, 10] and rows[2]["reason"] == "汛期停演一个月"
    assert rows[0]["short"] is False and rows[0]["title"] == "文化下乡演出场次"
