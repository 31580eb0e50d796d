"""``extends`` merges as docs/frameworks.md §5 says: sheets by name, a sheet's blocks by title, tables by name,
a table's columns by name; other lists (a block's names, a column's options) are replaced whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlperf.loader import load_framework

BASE = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks" / "families" / "caiyu-2020.yaml"

CHILD = f"""
extends: {BASE}
id: caiyu-2021
version: "1.0"
year: 2021
form:
  tables:
    - name: targets
      columns:
        - {{name: reason, width: 40}}                       # merged by name: only the width changes
        - {{name: level1, options: [产出指标, 效益指标]}}      # a list inside: replaced whole
        - {{name: note, label: 备注, kind: text}}             # a new column: appended
  sheets:
    - name: 自评表
      blocks:
        - {{title: 基本情况, names: [eval_year, dept_name]}}   # merged by title: the names replaced whole
        - {{title: 附注, names: [rows_short]}}                # a new block: appended
        - {{title: 填报检查, remove: true}}
"""


def test_extends_merges_blocks_by_title_and_columns_by_name(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(CHILD, encoding="utf-8")
    base, child = load_framework(str(BASE)), load_framework(str(path))
    table = child.form.tables[0]
    cols = {c.name: c for c in table.columns}
    assert [c.name for c in table.columns] == [c.name for c in base.form.tables[0].columns] + ["note"]
    assert cols["reason"].width == 40 and cols["reason"].label == "偏差原因分析及改进措施"   # kept
    assert cols["level1"].options == ["产出指标", "效益指标"]
    assert cols["pts"] == {c.name: c for c in base.form.tables[0].columns}["pts"]            # untouched
    blocks = child.form.sheets[0].blocks
    assert [b.title for b in blocks] == ["基本情况", "年度预算执行情况（万元）", "总分", "附注"]
    assert blocks[0].names == ["eval_year", "dept_name"]
    assert blocks[1] == base.form.sheets[0].blocks[1]                                         # the grid kept
    assert child.form.sheets[0].tables == ["targets"] and child.form.sheets[0].title == "部门整体支出绩效自评表"


def test_removing_an_unknown_block_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(CHILD.replace("{title: 填报检查, remove: true}", "{title: 不存在, remove: true}"),
                    encoding="utf-8")
    with pytest.raises(Exception, match="不存在"):
        load_framework(str(path))
