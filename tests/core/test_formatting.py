"""The engine's number formatting (``fmt_pts``, ``fmt_rate``): their fast paths give exactly the text of the
reference formatting (``quantize`` then ``normalize``/``format``) on any Decimal, including zeros, negative
zeros, whole values, values at the fast path's magnitude limit and beyond, NaN and infinities."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlperf.engine.rules import fmt_pts, fmt_rate
from xlperf.expr import quantize


def reference_pts(value: Decimal) -> str:
    return f"{quantize(value, 4).normalize():f}"


def reference_rate(value: Decimal) -> str:
    return f"{quantize(value * 100, 2):.2f}%"


decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**6, max_value=10**6),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.integers(-10**30, 10**30).map(Decimal),
    st.builds(lambda i, e: Decimal(i).scaleb(e), st.integers(-10**9, 10**9), st.integers(-40, 40)),
)


EDGES = [Decimal(v) for v in (
    "0", "-0", "0.0000", "-0.00001", "0.00005", "-0.00005", "0.000049", "-0.000051", "100", "1E+2", "3.0000", "0.2176",
    "1.5", "0.9765", "1", "9999999999999999999999.99995", "9.99999E+19", "1E+20", "1E+21", "9.99999E+21", "1E+22",
    "1E+24", "1E+30", "-1E+22", "1E-30", "123456789012345678901.23456")]


@pytest.mark.parametrize("value", EDGES, ids=str)
def test_edges_are_the_reference(value: Decimal) -> None:
    assert fmt_pts(value) == reference_pts(value)
    assert fmt_rate(value) == reference_rate(value)


@settings(max_examples=800, deadline=None)
@given(decimals)
def test_fmt_pts_is_the_reference(value: Decimal) -> None:
    assert fmt_pts(value) == reference_pts(value)


@settings(max_examples=800, deadline=None)
@given(decimals)
def test_fmt_rate_is_the_reference(value: Decimal) -> None:
    assert fmt_rate(value) == reference_rate(value)


def test_non_finite_values_are_formatted_as_before() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        assert fmt_pts(value) == reference_pts(value)
        assert fmt_rate(value) == reference_rate(value)


def test_known_texts() -> None:  # by hand
    assert [fmt_pts(Decimal(v)) for v in ("0.21764", "3.00", "-0.00001", "100", "0.00005")] == \
        ["0.2176", "3", "-0", "100", "0.0001"]
    assert [fmt_rate(Decimal(v)) for v in ("0.21764", "1", "0.000049", "-0.000051")] == \
        ["21.76%", "100.00%", "0.00%", "-0.01%"]
