"""Issue 21 item 3 (part): a column required only in rows where a condition over the row holds (``required_if``),
in the workbook (XP207 at the row's own cell) and in data files (refused, naming the row)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from xlperf.ingest.datafile import load_data
from xlperf.compiled import data_model
from xlperf.data.values import data_values
from xlperf.errors import InputError
from xlperf.framework.form import ColumnDecl
from xlperf.loader import load_framework
from xlperf.compiled import plan_for
from xlperf.validate import validate_file
from xlperf.write.template import write_template

HERE = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks" / "families"


def variant(tmp_path: Path) -> Path:
    """caiyu-2020 with 指标值 required only in 产出指标 rows."""
    raw = yaml.safe_load((HERE / "caiyu-2020.yaml").read_text(encoding="utf-8"))
    for col in raw["form"]["tables"][0]["columns"]:
        if col["name"] == "target":
            col.update(required=False, required_if='level1 == "产出指标"')
    path = tmp_path / "rows.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def rows_without_target(*rows: int) -> dict[str, Any]:
    raw = yaml.safe_load((HERE / "caiyu-2020-data.yaml").read_text(encoding="utf-8"))
    for i in rows:
        del raw["tables"]["targets"][i]["target"]
    return raw


def test_required_if_in_the_workbook(tmp_path: Path) -> None:
    path = variant(tmp_path)
    fw = load_framework(str(path))
    data = data_model(fw).model_validate(rows_without_target(0, 3))   # an 产出 row and the 满意度 row
    book = write_template(fw, tmp_path / "b.xlsx", values=data_values(data))
    tp = plan_for(fw).tables["targets"]
    got = {(f.code, f.location) for f in validate_file(book, str(path)).findings if f.code == "XP207"}
    assert got == {("XP207", f"{tp.sheet}!{tp.columns['target']}{tp.first_row}")}   # row 1 only


def test_required_if_in_data_files(tmp_path: Path) -> None:
    path = variant(tmp_path)
    fw = load_framework(str(path))
    data_file = tmp_path / "d.yaml"
    data_file.write_text(yaml.safe_dump(rows_without_target(1), allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="targets 第 2 行 target"):
        load_data(data_file, fw)
    data_file.write_text(yaml.safe_dump(rows_without_target(3), allow_unicode=True), encoding="utf-8")
    assert load_data(data_file, fw).table_rows()["targets"][3].get("target") is None   # 满意度: not required


def test_required_if_is_checked_when_declared() -> None:
    with pytest.raises(ValueError):
        ColumnDecl.model_validate({"name": "a", "label": "A", "required_if": "b =="})
    with pytest.raises(ValueError, match="不能有 required_if"):
        ColumnDecl.model_validate({"name": "a", "label": "A", "expr": "b + 1", "required_if": "b > 0"})


def test_each_row_audit_reports_every_failing_row_at_its_cell(tmp_path: Path) -> None:
    raw = yaml.safe_load((HERE / "caiyu-2020.yaml").read_text(encoding="utf-8"))
    raw["form"]["audits"].append({"id": "HX-01", "each_row": "targets", "severity": "提示", "at": "reason",
                                  "assert": 'actual >= target or reason != ""',
                                  "message": "{title} 实际完成值 {actual} 低于指标值 {target}，未填写偏差原因"})
    path = tmp_path / "each.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fw = load_framework(str(path))
    data_raw = yaml.safe_load((HERE / "caiyu-2020-data.yaml").read_text(encoding="utf-8"))
    for i in (1, 2):   # 0.95 < 0.98 and 8,000 < 10,000, now without a reason; rows 1 and 4 are over their target
        del data_raw["tables"]["targets"][i]["reason"]
    book = write_template(fw, tmp_path / "e.xlsx", values=data_values(data_model(fw).model_validate(data_raw)))
    tp = plan_for(fw).tables["targets"]
    found = [f for f in validate_file(book, str(path)).findings if f.rule == "HX-01"]
    assert sorted((f.code, f.location) for f in found) == [
        ("XP321", f"{tp.sheet}!{tp.columns['reason']}{tp.first_row + 1}"),
        ("XP321", f"{tp.sheet}!{tp.columns['reason']}{tp.first_row + 2}")]
    assert any("第 2 行：演出验收合格率 实际完成值 0.95 低于指标值 0.98" in f.message for f in found)
    raw["form"]["audits"][-1]["each_row"] = "nosuch"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(Exception, match="nosuch"):
        load_framework(str(path))
