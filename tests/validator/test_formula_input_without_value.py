"""An input cell holding a formula that no program calculated must not read as merely 'empty'."""

from __future__ import annotations

from xlperf.compiled import catalog
from xlperf.loader import load_framework
from decimal import Decimal

from xlperf.ingest.cells import constant_formula, parse_cell
from xlperf.ingest.xlsx import RawCell
from xlperf.ingest.notes import Noted


def test_formula_without_cached_value_is_refused_with_the_reason() -> None:
    spec = catalog(load_framework())["paid_q1"]
    parsed = parse_cell(RawCell(None, "n", "SUM(B1:B3)"), spec)
    assert parsed.value is None and parsed.error is not None
    assert parsed.error.kind is Noted.FORMULA_WITHOUT_RESULT and "没有保存计算结果" in parsed.error.message


def test_constant_formula_without_cached_value_is_read_by_its_value() -> None:
    """=12000+693.28 saved without a result is still 12,693.28 (checked like a typed figure, formula noted)."""
    spec = catalog(load_framework())["paid_q1"]
    parsed = parse_cell(RawCell(None, "n", "12000+693.28"), spec)
    assert parsed.value == Decimal("12693.28") and parsed.error is None
    assert [n.kind for n in parsed.notes] == [Noted.FORMULA_IN_INPUT] and "=12000+693.28" in parsed.notes[0].message


def test_constant_formula_refuses_anything_but_arithmetic() -> None:
    for formula in ("A1+1", "1/0", "2**3", "1e400", "(1", "__import__('os')", "9" * 300):
        assert constant_formula(formula) is None, formula
    assert constant_formula("-(3+4)*2/4") == Decimal("-3.5")


def test_formula_with_cached_value_is_read_and_noted() -> None:
    spec = catalog(load_framework())["paid_q1"]
    parsed = parse_cell(RawCell("12693.28", "n", "12000+693.28"), spec)
    assert str(parsed.value) == "12693.28" and [n.kind for n in parsed.notes] == [Noted.FORMULA_IN_INPUT]
