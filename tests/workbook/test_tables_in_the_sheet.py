"""Tables and defaults in the sheet (recalculated by LibreOffice) agree with the engine.

- A computed flag column (``kind: bool`` with ``expr``) is read by ``sumif``, ``sum`` and by later computed
  columns exactly as a typed 是/否 column is; before the fix its cells held TRUE/FALSE while every reference
  compared them with "是", so ``sumif`` gave 0 and ``sum`` #VALUE! in the sheet while the engine was right.
- A declared ``default`` the sheet would read otherwise (是, a number other than 0, a text) is written into
  the cell, in the blank form and in a form filled from a data file that leaves the value out; before, the
  engine used the default while the sheet's formulas read the empty cell as 0 / 否 (XP406 after Excel
  recalculated: the department blamed for the template).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf.compiled import data_model
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from xlperf.framework.models import Framework
from xlperf.engine.scoring import data_env
from xlperf.compiled import build_env, score
from xlperf.validate import validate_file
from xlperf.compiled import plan_for
from xlperf.write.template import write_template
from xlperf.ingest.xlsx import open_book

D = Decimal
FW: dict[str, Any] = {
    "id": "flag-cols", "version": "1", "name": "标记列测试", "region": "测试", "year": 2025, "total_points": 10,
    "form": {
        "inputs": [{"name": "dept_name", "label": "部门", "kind": "text", "role": "department", "group": "info"}],
        "tables": [{"name": "rows", "label": "明细", "rows": 6, "columns": [
            {"name": "title", "label": "名称", "kind": "text"},
            {"name": "category", "label": "类型", "kind": "text"},
            {"name": "core", "label": "核心", "kind": "bool"},
            {"name": "pts", "label": "得分", "kind": "points"},
            {"name": "is_a", "label": "甲类", "kind": "bool", "expr": 'category == "甲"'},
            {"name": "a_pts", "label": "甲类得分", "kind": "points", "expr": "if_(is_a, pts, 0)"},
            {"name": "a_core", "label": "甲类核心", "kind": "bool", "expr": "is_a and core"},
        ]}],
        "derived": [
            {"name": "a_sum", "label": "甲类得分合计", "kind": "points", "expr": "sumif(rows.pts, rows.is_a)"},
            {"name": "core_sum", "label": "核心得分合计", "kind": "points", "expr": "sumif(rows.pts, rows.core)"},
            {"name": "a_rows", "label": "甲类行数", "kind": "count", "expr": "sum(rows.is_a)"},
            {"name": "core_rows", "label": "核心行数", "kind": "count", "expr": "sum(rows.core)"},
            {"name": "a_core_rows", "label": "甲类核心行数", "kind": "count", "expr": "sum(rows.a_core)"},
            {"name": "a_pts_sum", "label": "甲类得分（逐行）合计", "kind": "points", "expr": "sum(rows.a_pts)"},
        ],
    },
    "indicators": [{"id": "only", "name": "唯一", "points": 10,
                    "rule": {"kind": "linear", "points": 10, "measure": "a_sum", "factor": 1}}],
}
ROWS = [
    {"title": "一", "category": "甲", "core": True, "pts": 2.5},
    {"title": "二", "category": "乙", "core": True, "pts": 1},
    {"title": "三", "category": "甲", "core": False, "pts": 3},
    {"title": "四", "category": "丙", "core": False, "pts": 4},
]
# by hand: 甲 rows are 一 and 三 (2.5 + 3 = 5.5); core rows 一 and 二 (2.5 + 1 = 3.5); 甲 and core: 一 only
EXPECTED = {"a_sum": D("5.5"), "core_sum": D("3.5"), "a_rows": D(2), "core_rows": D(2), "a_core_rows": D(1),
            "a_pts_sum": D("5.5")}


@pytest.mark.libreoffice
def test_flag_columns_in_the_sheet_equal_the_engine(tmp_path: Path) -> None:
    fw = Framework.model_validate(FW)
    data = data_model(fw).model_validate({"info": {"dept_name": "测试局"}, "tables": {"rows": ROWS}})
    env, _ = build_env(fw, data_env(data), {})
    assert {k: env[k] for k in EXPECTED} == EXPECTED
    assert score(fw, data).total.computed == D("5.5")
    filled = write_template(fw, tmp_path / "filled.xlsx", values=data_values(data))
    blank = write_template(fw, tmp_path / "blank.xlsx")
    out_filled, out_blank = recalculate([filled, blank], tmp_path / "lo")
    plan = plan_for(fw)
    book = open_book(out_filled)
    got = {}
    for name in EXPECTED:
        cell = book.cell(plan.cells[name].sheet, plan.cells[name].cell)
        got[name] = D(cell.value) if cell is not None and cell.type == "n" else (cell.type, cell.value) if cell else None
    assert got == EXPECTED
    # the computed columns row by row: 甲类 shows 是/否 like the typed 核心 column; 甲类得分 follows it
    tp = plan.tables["rows"]
    shown = [[book.cell(tp.sheet, f"{tp.columns[c]}{tp.first_row + i}").value for c in ("is_a", "a_pts", "a_core")]
             for i in range(len(ROWS))]
    assert shown == [["是", "2.5", "是"], ["否", "0", "否"], ["是", "3", "否"], ["否", "0", "否"]]
    blank_book = open_book(out_blank)
    errors = [(s, ref, c.value) for s, cells in blank_book.sheets.items() for ref, c in cells.items()
              if c.type == "e" or (isinstance(c.value, str) and c.value.startswith(("#", "Err:")))]
    assert not errors


DEFAULTS: dict[str, Any] = {
    "id": "defaults", "version": "1", "name": "默认值测试", "region": "测试", "year": 2025, "total_points": 10,
    "form": {
        "inputs": [{"name": "dept_name", "label": "部门", "kind": "text", "role": "department", "group": "info"},
                   {"name": "has_projects", "label": "有项目", "kind": "bool", "default": True, "group": "info"},
                   {"name": "base_pts", "label": "基础分", "kind": "points", "default": 1.5, "group": "info"},
                   {"name": "violation", "label": "违规", "kind": "bool", "default": False, "group": "info"}],
        "tables": [{"name": "rows", "label": "明细", "rows": 4, "columns": [
            {"name": "title", "label": "名称", "kind": "text"},
            {"name": "weight", "label": "分值", "kind": "points", "default": 2},
            {"name": "direction", "label": "方向", "kind": "choice", "options": ["正向", "逆向"], "default": "正向"},
            {"name": "pts", "label": "得分", "kind": "points", "expr": 'if_(direction == "逆向", 0, weight)'},
        ]}],
        "derived": [
            {"name": "rows_pts", "label": "行得分合计", "kind": "points", "expr": "sum(rows.pts)"},
            {"name": "weights", "label": "分值合计", "kind": "points", "expr": "sum(rows.weight)"},
            {"name": "total_pts", "label": "合计", "kind": "points",
             "expr": "if_(has_projects and not violation, rows_pts + base_pts, 0)"},
        ],
    },
    "indicators": [{"id": "only", "name": "唯一", "points": 10,
                    "rule": {"kind": "linear", "points": 10, "measure": "total_pts", "factor": 1}}],
}


@pytest.mark.libreoffice
def test_defaults_are_in_the_cells(tmp_path: Path) -> None:
    fw = Framework.model_validate(DEFAULTS)
    rows = [{"title": "一"}, {"title": "二", "weight": 3}, {"title": "三", "direction": "逆向"}]
    data = data_model(fw).model_validate({"info": {"dept_name": "测试局"}, "tables": {"rows": rows}})
    # by hand: weights 2 (default) + 3 + 2 (default) = 7; row 三 is 逆向 → 0; 2 + 3 + 0 + 基础分 1.5 = 6.5
    expected = {"weights": D(7), "rows_pts": D(5), "total_pts": D("6.5")}
    env, _ = build_env(fw, data_env(data), {})
    assert {k: env[k] for k in expected} == expected
    plan = plan_for(fw)
    tp = plan.tables["rows"]
    filled = write_template(fw, tmp_path / "filled.xlsx", values=data_values(data))
    blank = write_template(fw, tmp_path / "blank.xlsx")
    # the department empties row 一's 分值 in the workbook: the sheet reads 0 there, and so must the engine
    wb = openpyxl.load_workbook(filled)
    wb[tp.sheet][f"{tp.columns['weight']}{tp.first_row}"] = None
    emptied = tmp_path / "emptied.xlsx"
    wb.save(emptied)
    out_filled, out_blank, out_emptied = recalculate([filled, blank, emptied], tmp_path / "lo")
    book = open_book(out_filled)
    assert {n: D(book.cell(plan.cells[n].sheet, plan.cells[n].cell).value) for n in expected} == expected
    # the blank form shows the defaults the sheet would otherwise read as 否 / 0; 违规 (否) stays empty
    blank_book = open_book(out_blank)
    shown = {n: getattr(blank_book.cell(plan.cells[n].sheet, plan.cells[n].cell), "value", None)
             for n in ("has_projects", "base_pts", "violation")}
    assert shown == {"has_projects": "是", "base_pts": "1.5", "violation": None}
    # emptied: 0 + 3 + 0 = 3 (the cell is empty, not the data file's default 2); 3 + 1.5 = 4.5
    book = open_book(out_emptied)
    assert D(book.cell(plan.cells["total_pts"].sheet, plan.cells["total_pts"].cell).value) == D("4.5")
    for path, total in ((out_filled, D("6.5")), (out_emptied, D("4.5"))):
        report = validate_file(path, fw)
        assert report.total_computed == total
        assert not [f for f in report.findings if f.code in ("XP406", "XP000")], report.findings


def test_a_table_column_has_one_validation_range_and_one_text_rule_whatever_its_rows(tmp_path: Path) -> None:
    """Validation and the amber text mark are declared once per column range (per cell is quadratic in openpyxl:
    a 15,000-row table took minutes), and the text rule's formula names the range's top-left cell, relative."""
    from xlperf.loader import load_framework
    from xlperf.compiled import plan_for
    from xlperf.write.template import write_template

    source = Path(__file__).parents[1] / "data" / "frameworks" / "families" / "coef-2024.yaml"
    big = tmp_path / "coef-big.yaml"
    big.write_text(source.read_text(encoding="utf-8").replace("rows: 15\n", "rows: 400\n", 1), encoding="utf-8")
    fw = load_framework(big)
    out = write_template(fw, tmp_path / "big.xlsx")
    table = next(iter(plan_for(fw).tables.values()))
    assert table.last_row - table.first_row + 1 == 400
    wb = openpyxl.load_workbook(out)
    ws = next(w for w in wb.worksheets if any(str(dv.sqref).startswith(next(iter(table.columns.values())))
                                               for dv in w.data_validations.dataValidation))
    spans = {f"{letter}{table.first_row}:{letter}{table.last_row}" for letter in table.columns.values()}
    validated = [str(dv.sqref) for dv in ws.data_validations.dataValidation]
    assert all(" " not in s for s in validated if s.split(":")[0].rstrip("0123456789") in table.columns.values())
    assert spans & set(" ".join(validated).split()), validated
    rules = {str(cf.sqref): cf.rules[0].formula[0] for cf in ws.conditional_formatting
             if cf.rules and cf.rules[0].formula and cf.rules[0].formula[0].startswith("ISTEXT(")}
    for span in spans & set(rules):
        assert rules[span] == f"ISTEXT({span.split(':')[0]})"
    assert spans & set(rules), "no numeric table column carries the amber text mark"
