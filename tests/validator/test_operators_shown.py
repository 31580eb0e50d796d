"""Every text a person reads shows operators in one notation — × ÷ − ≤ ≥ ≠, the notation of the 计算过程
(“政府采购执行率 = 730.68 ÷ 1,931.52 = 37.83%”) — never a program's ``-``, ``/``, ``*`` or ``<=``."""

from __future__ import annotations

import re
from pathlib import Path

from xlperf.checks.registry import CHECKS
from xlperf.compiled import score
from xlperf.data.values import data_values
from xlperf.expr import shown_expr
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework
from xlperf.review.consolidate import rule_text
from xlperf.validate import validate_file
from xlperf.write.template import write_template

FAMILIES = Path(__file__).parents[1] / "data" / "frameworks" / "families"
ASCII_OPERATOR = re.compile(r"\s[-/*]\s|<=|>=|!=|==|\d[-/*]\d")


def test_no_message_template_shows_a_program_operator() -> None:
    for check in CHECKS:
        assert not ASCII_OPERATOR.search(check.template), (check.code, check.template)


def test_a_stated_rate_of_a_difference_shows_minus_and_division_alike(tmp_path: Path) -> None:
    """xiangnan-2023: “三公”经费变动率 stated 1.52% where (38.16 − 37.60) ÷ 37.60 = 0.56 ÷ 37.60 = 1.49%; the
    message showed “(38.16 - 37.60) ÷ 37.60”, a hyphen beside a division sign."""
    fw = load_framework(str(FAMILIES / "xiangnan-2023.yaml"))
    path = write_template(fw, tmp_path / "x.xlsx", values=data_values(load_data(FAMILIES / "xiangnan-2023-data.yaml", fw)))
    xp303 = next(f for f in validate_file(path, fw, select=["XP303"]).findings)
    assert "按数据计算 (38.16 − 37.60) ÷ 37.60 = 1.49%" in xp303.message, xp303.message
    assert not ASCII_OPERATOR.search(xp303.message)


def test_the_calculation_shows_division_as_the_messages_do() -> None:
    """The seed's 编外人员控制率 = 14 ÷ 33 = 42.42% (was “14 / 33”)."""
    fw = load_framework("futian-2021")
    seed = Path(__file__).parents[2] / "workbooks" / "examples" / "futian-kcj-2021.yaml"
    result = score(fw, load_data(seed, fw))
    texts = [i.explanation for i in result.indicators]
    assert any("14 ÷ 33 = 42.42%" in t for t in texts)
    assert not any(ASCII_OPERATOR.search(t) for t in texts), [t for t in texts if ASCII_OPERATOR.search(t)]


def test_an_audit_rule_reads_with_labels_and_signs() -> None:
    """YS-01 ``personnel_actual <= personnel_adjusted`` in a 退回修改通知 and the 汇总's rule column."""
    fw = load_framework("futian-2021")
    assert rule_text(fw, "YS-01") == "提示性：人员经费 年度总支出 ≤ 人员经费 调整后年度预算总指标"
    assert shown_expr("(a - b) / c * 2 >= 1 and not d != e") == "(a − b) ÷ c × 2 ≥ 1 且 非 d ≠ e"
