"""An input cell holding a formula that no program calculated must not read as merely 'empty'."""

from __future__ import annotations

from xlperf.plan.names import catalog
from xlperf.framework.loader import load_framework
from xlperf.ingest.cells import parse_cell
from xlperf.ingest.xlsx import RawCell


def test_formula_without_cached_value_is_refused_with_the_reason() -> None:
    spec = catalog(load_framework())["paid_q1"]
    parsed = parse_cell(RawCell(None, "n", "12000+693.28"), spec)
    assert parsed.value is None and parsed.error is not None
    assert parsed.error.code == "XP215" and "没有保存计算结果" in parsed.error.message


def test_formula_with_cached_value_is_read_and_noted() -> None:
    spec = catalog(load_framework())["paid_q1"]
    parsed = parse_cell(RawCell("12693.28", "n", "12000+693.28"), spec)
    assert str(parsed.value) == "12693.28" and [n.code for n in parsed.notes] == ["XP213"]
