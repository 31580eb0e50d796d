"""A rule the data cannot compute (a division by an input that is 0) is a finding, never a crash (XP409)."""

from __future__ import annotations

import pytest

import json
from decimal import Decimal
from pathlib import Path

import yaml

from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework
from xlperf.compiled import score
from xlperf.validate import validate_file
from xlperf.write.template import write_template
from xlperf.data.values import data_values

FRAMEWORK = {
    "id": "div-test", "version": "1", "name": "除零测试", "region": "测试", "year": 2024, "total_points": 10,
    "form": {"inputs": [
        {"name": "unit_name", "label": "单位", "kind": "text", "role": "department"},
        {"name": "amount_a", "label": "金额甲", "kind": "money"},
        {"name": "amount_b", "label": "金额乙", "kind": "money"}],
        "sheets": [{"name": "数据", "blocks": [{"title": "金额", "names": ["unit_name", "amount_a", "amount_b"]}]}]},
    "measures": [{"id": "ratio_ab", "name": "甲乙比", "num": "amount_a / amount_b", "den": "1"}],
    "indicators": [{"id": "only_one", "name": "唯一指标", "points": 10,
                    "rule": {"kind": "linear", "points": 10, "measure": "ratio_ab", "factor": 10}}],
}


def _files(tmp_path: Path, b: str) -> tuple[Path, Path]:
    fw = tmp_path / "fw.yaml"
    fw.write_text(yaml.safe_dump(FRAMEWORK, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "data.yaml"
    data.write_text(yaml.safe_dump({"framework": "div-test", "inputs": {"unit_name": "测试局", "amount_a": "5",
                                                                        "amount_b": b}}, allow_unicode=True),
                    encoding="utf-8")
    return fw, data


def test_division_by_zero_input_scores_zero_with_the_reason(tmp_path: Path) -> None:
    fw_path, data_path = _files(tmp_path, "0")
    fw = load_framework(fw_path)
    result = score(fw, load_data(data_path, fw))
    item = result.by_id("only_one")
    assert item.computed == Decimal(0)
    assert item.error is not None and "甲乙比" in item.error and "除数为 0" in item.error


def test_division_by_zero_input_is_xp409_at_the_score_cell(tmp_path: Path) -> None:
    fw_path, data_path = _files(tmp_path, "0")
    fw = load_framework(fw_path)
    book = write_template(fw, tmp_path / "wb.xlsx", values=data_values(load_data(data_path, fw)))
    report = validate_file(book, str(fw_path))
    hits = [f for f in report.findings if f.code == "XP409"]
    assert [(f.sheet, f.cell) for f in hits] == [("评分表", "F3")]  # row 1 title, row 2 headers, row 3 the indicator
    assert "甲乙比" in hits[0].message and "0 分" in hits[0].message


def test_the_cli_json_is_complete(tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    fw_path, data_path = _files(tmp_path, "0")
    run = xlperf("score", data_path, "-f", fw_path, "--json")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    out = json.loads(run.out)
    assert out["total"]["computed"] in (0, "0", "0.00", 0.0)


def test_a_nonzero_input_scores_by_the_rule(tmp_path: Path) -> None:
    fw_path, data_path = _files(tmp_path, "10")
    fw = load_framework(fw_path)
    assert score(fw, load_data(data_path, fw)).by_id("only_one").computed == Decimal(5)  # 5/10 = 50% × 10
