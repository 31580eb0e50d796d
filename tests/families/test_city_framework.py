"""haicheng-2024, a city's framework with 加分项 and 一票否决: what its format can and cannot say.

一票否决 is written as a cap: a 是/否 input that zeroes a level-1 section. The explanation (score text, XP413) must read as the department reads its form — 是/否, no Python ``True`` and no
percentage band on a flag; the figures are the family's data with 重大违纪违规 set to 是 (hand arithmetic below)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from xlperf.compiled import score
from xlperf.ingest.datafile import load_data
from xlperf.errors import InputError
from xlperf.loader import framework_from_text, load_framework

HERE = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"


def test_veto_zeroes_the_section_and_says_so_in_chinese(tmp_path: Path) -> None:
    raw = yaml.safe_load((HERE / "haicheng-2024-data.yaml").read_text(encoding="utf-8"))
    raw["flags"]["major_violation"] = True
    data_file = tmp_path / "veto.yaml"
    data_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fw = load_framework(str(HERE / "haicheng-2024.yaml"))
    result = score(fw, load_data(data_file, fw))
    process = next(i for i in result.indicators if i.id == "process")
    assert process.computed == 0  # 19.94 before the veto
    assert result.total.computed == Decimal("69.50")  # 89.44 − 19.94
    cap = next(c for c in result.caps if c.id == "veto_process")
    assert cap.before == Decimal("19.94") and cap.after == 0 and cap.self_after == 0
    assert cap.explanation == "一票否决：是否发生重大违纪违规问题（一票否决） 是，最高 0 分"


def test_a_negative_floor_is_refused() -> None:
    """A 扣分项 (−1 per audit issue, at most −5, off the total) cannot be a leaf with a negative floor: every
    score is clamped to [0, points], so floor −5 silently scored 0 (“-1 分 → 得分 0.00 分”). Refused at load."""
    text = (HERE / "haicheng-2024.yaml").read_text(encoding="utf-8")
    text = text.replace("per: 1, count_label: 发现问题数}", "per: 1, count_label: 发现问题数, floor: -4}")
    with pytest.raises(InputError) as info:
        framework_from_text(text, "t.yaml")
    assert "rule.penalty.floor：不能小于 0（值：-4）" in str(info.value)


def test_a_penalty_without_count_label_names_the_count_by_its_label() -> None:
    """财经纪律执行 4 − 1 issue × 1 = 3; without count_label the explanation named the input (rule_issues)."""
    text = (HERE / "haicheng-2024.yaml").read_text(encoding="utf-8").replace(", count_label: 发现问题数}", "}")
    fw = framework_from_text(text, "t.yaml")
    result = score(fw, load_data(HERE / "haicheng-2024-data.yaml", fw))
    rule_exec = next(i for i in result.indicators if i.id == "rule_exec")
    assert rule_exec.computed == 3
    assert rule_exec.explanation.startswith("财经纪律检查发现问题数 1 项，每项扣 1 分 → 3 分")


def test_rates_worked_out_by_hand() -> None:
    """Every rate the form computes for haicheng-2024-data.yaml, by hand, rounded half up to 0.01%
    (LibreOffice = engine on every formula cell: tests/families/test_families.py)."""
    fw = load_framework(str(HERE / "haicheng-2024.yaml"))
    result = score(fw, load_data(HERE / "haicheng-2024-data.yaml", fw))
    rates = {m.id: m.value for m in result.measures}
    assert {k: rates[k] for k in HAND} == HAND


HAND = {
    "carry_rate": Decimal("0.0867"),    # 130 ÷ 1,500 = 8.666…%
    "proc_rate": Decimal("0.9063"),     # 362.50 ÷ 400 = 90.625%
    "sangong_rate": Decimal("1.0175"),  # 20.35 ÷ 20
    "task_rate": Decimal("0.9167"),     # 11 ÷ 12
    "ontime_rate": Decimal("0.8333"),   # 10 ÷ 12
    "sat_rate": Decimal("0.9188"),      # 441 ÷ 480 = 91.875%
    "hc_exec_q1": Decimal("0.8000"),    # 300 ÷ 1,500 ÷ 25%
    "hc_exec_q2": Decimal("0.9200"),    # 690 ÷ 1,500 ÷ 50%
    "hc_exec_q3": Decimal("0.9333"),    # 1,050 ÷ 1,500 ÷ 75%
    "hc_exec_q4": Decimal("0.9133"),    # 1,370 ÷ 1,500
    "hc_exec_avg": Decimal("0.8917"),   # (0.8 + 0.92 + 0.9333 + 0.9133) ÷ 4 = 0.89165
}
