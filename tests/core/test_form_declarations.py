"""Declaring the form: mistakes a newcomer makes get a message naming the file and key, at load time."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlperf.errors import InputError
from xlperf.loader import load_framework

BASE = {
    "id": "decl-test", "version": "1", "name": "声明测试", "region": "测试", "year": 2024, "total_points": 10,
    "form": {
        "inputs": [{"name": "spent_total", "label": "支出", "kind": "money"},
                   {"name": "budget_total", "label": "预算", "kind": "money"},
                   {"name": "sangong_now", "label": "三公", "kind": "money"}],
        "tables": [{"name": "rows", "label": "明细", "columns": [
            {"name": "title", "label": "名称", "kind": "text"}, {"name": "pts", "label": "得分", "kind": "points"}]}],
    },
    "measures": [{"id": "exec_rate", "name": "执行率", "num": "spent_total", "den": "budget_total"}],
    "indicators": [{"id": "only_one", "name": "唯一", "points": 10,
                    "rule": {"kind": "linear", "points": 10, "measure": "exec_rate", "factor": 10}}],
}


TITLE = {"name": "title", "label": "名称", "kind": "text"}


def _load(tmp_path: Path, patch: dict) -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    for key, value in patch.items():
        target = raw
        *path, last = key.split(".")
        for p in path:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    load_framework(path)


def test_the_base_loads(tmp_path: Path) -> None:
    _load(tmp_path, {})


@pytest.mark.parametrize(("patch", "words"), [
    ({"indicators.0.rule.measure": "rows.pts"}, ["表的列 rows.pts", "sum、count"]),
    ({"indicators.0.rule.zero_if": "rows.pts > 1"}, ["表的列 rows.pts"]),
    ({"form.derived": [{"name": "sg_change", "label": "变动", "expr": "sangong_now - prev.sangong_now"}]},
     ["prev_sangong_now", "prior: true"]),
    ({"measures.0.num": "spent_totl"}, ["比率 exec_rate", "spent_totl"]),
    ({"form.inputs.0.name": "ab12"}, ["ab12", "单元格地址"]),
    ({"form.audits": [{"id": "A1", "assert": "spent_total <= budget_totl", "severity": "强制", "message": "x"}]},
     ["审核规则 A1", "budget_totl"]),
    ({"form.audits": [{"id": "A1", "assert": "spent_total <= budget_total", "severity": "必须", "message": "x"}]},
     ["form.audits.0.severity"]),
    ({"form.sheets": [{"name": "数据", "blocks": [{"title": "t", "names": ["spent_totl"]}]}]}, ["布局", "spent_totl"]),
    ({"form.sheets": [{"name": "数据", "tables": ["rowz"]}]}, ["表 rowz"]),
    ({"indicators.0.rule": {"kind": "either", "points": 10, "when": "spent_total > 0", "when_text": "有支出",
                            "parts": [{"kind": "judged", "points": 12, "input": "j_a_1"},
                                      {"kind": "judged", "points": 10, "input": "j_b_1"}]}}, ["二者择其一"]),
    # a column compared inside sumif: the message says how to do it (a computed 是/否 column), not only where
    ({"form.derived": [{"name": "title_pts", "label": "x", "kind": "points",
                        "expr": 'sumif(rows.pts, rows.title == "甲")'}]}, ["rows.title", "kind: bool", "sumif(t.pts"]),
    # max of a 是/否 column has no formula the sheet can evaluate over the column
    ({"form.tables.0.columns": [{"name": "title", "label": "名称", "kind": "text"},
                                {"name": "core", "label": "核心", "kind": "bool"}],
      "form.derived": [{"name": "any_core", "label": "x", "kind": "number", "expr": "max(rows.core)"}]},
     ["max", "是/否列 rows.core"]),
    # a condition in a number column would be TRUE/FALSE in the sheet, which SUM skips
    ({"form.tables.0.columns": [{"name": "title", "label": "名称", "kind": "text"},
                                {"name": "pts", "label": "得分", "kind": "points"},
                                {"name": "big", "label": "大", "kind": "number", "expr": "pts > 3"}]},
     ["计算列 big", "kind: bool"]),
    # choice columns: options required, only on choice columns, presets and defaults among them
    ({"form.tables.0.columns": [TITLE, {"name": "kind_of", "label": "类型", "kind": "choice"}]},
     ["form.tables.0.columns.1", "选项列 kind_of", "options"]),
    ({"form.tables.0.columns": [TITLE, {"name": "pts", "label": "得分", "kind": "points", "options": ["a", "b"]}]},
     ["只有 kind: choice 的列"]),
    ({"form.tables.0.columns": [TITLE, {"name": "kind_of", "label": "类型", "kind": "choice", "options": ["甲", "乙"],
                                        "default": "丙"}]}, ["default", "丙"]),
    ({"form.tables.0.columns": [TITLE, {"name": "kind_of", "label": "类型", "kind": "choice", "options": ["甲", "乙"]}],
      "form.tables.0.preset": [{"title": "一", "kind_of": "甲"}, {"title": "二", "kind_of": "丁"}]},
     ["第 2 个预置行", "丁"]),
    # a tiers rule may read a form choice input, but its tiers must be that input's options
    ({"form.inputs.2.name": "disclosure", "form.inputs.2.kind": "choice", "form.inputs.2.options": ["公开", "未公开"],
      "indicators.0.rule": {"kind": "tiers", "points": 10, "input": "disclosure",
                            "tiers": [{"label": "公开", "score": 10}, {"label": "不公开", "score": 0}]}},
     ["指标 only_one", "档位 不公开", "disclosure", "公开、未公开"]),
    # a judged rule reading a form input: the judged answer is the 评分表's own cell, with a name of its own
    # (before: “'disclosure' 须为小写字母、数字加下划线” of an all-lower-case name, then “与输入…重名”)
    ({"form.inputs.2.name": "disclosure", "form.inputs.2.kind": "number",
      "indicators.0.rule": {"kind": "judged", "points": 10, "input": "disclosure"}},
     ["指标 only_one", "input disclosure", "评分表", "j_disclosure"]),
    ({"indicators.0.rule": {"kind": "judged", "points": 10, "input": "judged"}},
     ["评判输入名 'judged'", "至少一个下划线"]),
])
def test_mistakes_are_named(tmp_path: Path, patch: dict, words: list[str]) -> None:
    with pytest.raises(InputError) as info:
        _load(tmp_path, patch)
    text = str(info.value)
    assert "fw.yaml" in text
    for word in words:
        assert word in text, text


@pytest.mark.parametrize("taken", ["评分表", "校验结果", "填报说明", "XLPERF_MARKS"])
def test_a_form_sheet_may_not_take_the_name_of_one_of_xlperfs_own(tmp_path: Path, taken: str) -> None:
    """The annotation would replace it (xlperf_marks) or the template would write two sheets of one name."""
    families = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"
    raw = yaml.safe_load((families / "ppd-2024.yaml").read_text(encoding="utf-8"))
    raw["form"]["sheets"][0]["name"] = taken
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_framework(str(path))
    assert taken in str(err.value) and "xlperf 自己的工作表" in str(err.value)
