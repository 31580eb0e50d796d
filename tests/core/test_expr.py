"""The expression engine: parsing/whitelisting, exact evaluation and Excel rendering.

Every expected value below is worked out by hand from ordinary arithmetic / Excel syntax.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.framework.expr import ExprError, parse, quantize

D = Decimal

ENV = {"a": D(10), "b": D(4), "c": D(2), "d": D(5), "zero_v": D(0), "t_label": "按规定公开"}


def ev(source: str, **extra):
    return parse(source).evaluate({**ENV, **extra})


# Evaluation: precedence and associativity -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", D(7)),            # * before +
        ("(1 + 2) * 3", D(9)),
        ("10 - 4 - 3", D(3)),           # left-associative: (10-4)-3
        ("10 - (4 - 3)", D(9)),
        ("a - (b - c)", D(8)),          # 10 - (4 - 2)
        ("a - b - c", D(4)),            # (10 - 4) - 2
        ("a / (b * c)", D("1.25")),     # 10 / 8
        ("a / b * c", D(5)),            # (10 / 4) * 2
        ("a / b / c", D("1.25")),       # (10 / 4) / 2
        ("-b * c", D(-8)),
        ("-(b + c)", D(-6)),
        ("+b", D(4)),
        ("a - -b", D(14)),
        ("2 * 3 / 4", D("1.5")),
        ("0.1 + 0.2", D("0.3")),        # exact decimal arithmetic, not binary floats
        ("min(a, b, c)", D(2)),
        ("max(a, b, c)", D(10)),
        ("abs(c - a)", D(8)),
        ("round_(2.675, 2)", D("2.68")),  # half up (Excel ROUND), not banker's / binary float
        ("round_(0.125, 2)", D("0.13")),
        ("round_(-0.125, 2)", D("-0.13")),  # half away from zero
        ("if_(a > b, a, b)", D(10)),
        ("if_(a < b, a, b)", D(4)),
        ("b + c * d - a / c", D(9)),    # 4 + 10 - 5
    ],
)
def test_arithmetic(source: str, expected: Decimal) -> None:
    value = ev(source)
    assert isinstance(value, Decimal)
    assert value == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a > b", True),
        ("a < b", False),
        ("b >= 4", True),
        ("b > 4", False),
        ("b <= 4", True),
        ("b < 4", False),
        ("b == 4", True),
        ("b != 4", False),
        ("a > b and c > d", False),
        ("a > b or c > d", True),
        ("not a > b", False),
        ("not zero_v", True),
        ("a + b > c * d", True),        # 14 > 10: arithmetic binds tighter than comparison
        ("a > b and b > c and c > zero_v", True),
        ("zero_v or c < b and a < b", False),  # and before or: 0 or (True and False)
        ("t_label == '按规定公开'", True),
        ("t_label != '未公开'", True),
    ],
)
def test_conditions(source: str, expected: bool) -> None:
    assert ev(source) is expected


def test_booleans_count_as_numbers_in_arithmetic() -> None:
    # a flag (True/False) used in arithmetic counts as 1/0
    assert ev("flag_x + 1", flag_x=True) == D(2)
    assert ev("flag_x * 5", flag_x=False) == D(0)


def test_if_is_lazy_so_a_guarded_division_does_not_fail() -> None:
    assert ev("if_(zero_v == 0, 0, a / zero_v)") == D(0)


def test_division_by_zero_is_a_chinese_expr_error() -> None:
    with pytest.raises(ExprError) as info:
        ev("a / zero_v")
    message = str(info.value)
    assert "除数为 0" in message
    assert "a / zero_v" in message


def test_division_by_zero_literal() -> None:
    with pytest.raises(ExprError, match="除数为 0"):
        ev("1 / (b - 4)")


def test_undefined_name_is_reported() -> None:
    with pytest.raises(ExprError, match="未定义的名称 missing_v"):
        ev("a + missing_v")


def test_text_in_arithmetic_is_an_expr_error() -> None:
    with pytest.raises(ExprError, match="需要数值"):
        ev("t_label + 1")


def test_text_ordering_is_rejected() -> None:
    with pytest.raises(ExprError, match="文字只能比较相等"):
        ev("t_label < 'x'")


# Whitelisting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "a.b.c",                             # attribute access (one dot names a table column or prev.x)
        "a.__class__",
        "(1).__class__.__bases__",
        "lambda: 1",
        "__import__('os')",
        "__import__('os').system('echo hi')",
        "eval('1')",
        "open('x')",
        "[x for x in a_b]",                  # comprehensions
        "{x for x in a_b}",
        "{x: 1 for x in a_b}",
        "sum(x for x in a_b)",
        "a[0]",                              # subscripts
        "[1, 2]",
        "(1, 2)",
        "{'k': 1}",
        "a ** 2",                            # power is not in the grammar
        "a % 2",
        "a // 2",
        "a if b else c",                     # Python ternary (use if_)
        "f'{a}'",
        "None",
        "1j",
        "(x := 1)",
        "min(*a_b)",
        "min(a, key=abs)",
        "1 < a < 3",                         # chained comparisons
        "a in b",
        "a is b",
        "a & b",
        "~a",
    ],
)
def test_whitelist_rejects(source: str) -> None:
    with pytest.raises(ExprError):
        parse(source)


@pytest.mark.parametrize("source", ["import os", "a = 1", "a +", "", "1 +* 2", "def f(): pass"])
def test_syntax_errors_are_expr_errors(source: str) -> None:
    with pytest.raises(ExprError):
        parse(source)


def test_rejection_message_is_chinese_and_quotes_the_source() -> None:
    with pytest.raises(ExprError) as info:
        parse("a.__class__")
    assert "不允许" in str(info.value)
    assert "a.__class__" in str(info.value)


def test_only_whitelisted_functions_are_callable() -> None:
    with pytest.raises(ExprError, match="只能调用"):
        parse("exec('1')")
    with pytest.raises(ExprError, match="只能调用"):
        parse("round(a, 2)")  # the framework function is round_, Python's round is not exposed


@pytest.mark.parametrize("source", ["True", "False", "x_flag == True"])
def test_boolean_literals_are_rejected_or_evaluate(source: str) -> None:
    """``True`` is an ``int`` in Python, so it slips through the constant check.

    Either parse must refuse it (ExprError) or the whole pipeline must work; it must never blow up
    later with a decimal.InvalidOperation.
    """
    try:
        expr = parse(source)
    except ExprError:
        return
    value = expr.evaluate({"x_flag": True})
    assert value in (True, False, D(0), D(1))
    expr.to_excel()


@pytest.mark.parametrize("source", ["abs()", "min()", "max()", "round_(a)", "round_()", "if_(a, b)"])
def test_wrong_arity_is_an_expr_error(source: str) -> None:
    """A function called with the wrong number of arguments must give a Chinese ExprError (at parse
    time or at evaluation), never an IndexError/ValueError that surfaces as a traceback."""
    with pytest.raises(ExprError):
        parse(source).evaluate(ENV)


def test_extra_arguments_are_not_silently_dropped() -> None:
    """abs(a, b) would be #VALUE!/an error in Excel; Python must not silently return abs(a)."""
    with pytest.raises(ExprError):
        parse("abs(a, b)").evaluate(ENV)


# names ---------------------------------------------------------------------------------------------


def test_names_exclude_function_names() -> None:
    expr = parse("min(sangong_actual, max(a_b, c_d)) / abs(x_y) + if_(flag_z, round_(r_s, 2), 0)")
    assert expr.names == frozenset({"sangong_actual", "a_b", "c_d", "x_y", "flag_z", "r_s"})


def test_names_of_constants_only_is_empty() -> None:
    assert parse("1 + 2 * 3").names == frozenset()


def test_names_keep_a_variable_that_looks_like_a_function() -> None:
    # 'min_x' is a variable, not a call
    assert parse("min_x + min(1, 2)").names == frozenset({"min_x"})


def test_parse_strips_whitespace() -> None:
    assert parse("  a + b \n").evaluate(ENV) == D(14)


# Excel rendering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "excel"),
    [
        ("a - (b - c)", "a-(b-c)"),
        ("a - b - c", "a-b-c"),
        ("(a - b) - c", "a-b-c"),
        ("a / (b * c)", "a/(b*c)"),
        ("a / b * c", "a/b*c"),
        ("a / (b / c)", "a/(b/c)"),
        ("(a + b) * c", "(a+b)*c"),
        ("a + b * c", "a+b*c"),
        ("a + (b + c)", "a+(b+c)"),
        ("a * (b + c)", "a*(b+c)"),
        ("-(a + b)", "-(a+b)"),
        ("-a * b", "-a*b"),
        ("a < b", "a<b"),
        ("a <= b", "a<=b"),
        ("a > b", "a>b"),
        ("a >= b", "a>=b"),
        ("a == b", "a=b"),
        ("a != b", "a<>b"),
        ("a + b > c * d", "a+b>c*d"),
        ("(a > b) + 1", "(a>b)+1"),
        ("a > b and c < d", "AND(a>b,c<d)"),
        ("a > b or c < d", "OR(a>b,c<d)"),
        ("a and b and c", "AND(a,b,c)"),
        ("a or b and c", "OR(a,AND(b,c))"),
        ("not a", "NOT(a)"),
        ("not (a > b)", "NOT(a>b)"),
        ("if_(a > b, 1, 0)", "IF(a>b,1,0)"),
        ("if_(a > b and c, a - b, 0)", "IF(AND(a>b,c),a-b,0)"),
        ("min(a, b)", "MIN(a,b)"),
        ("max(a, b, c)", "MAX(a,b,c)"),
        ("abs(a - b)", "ABS(a-b)"),
        ("round_(a / b, 4)", "ROUND(a/b,4)"),
        ("0.25 * a", "0.25*a"),
        ("a == 'x\"y'", 'a="x""y"'),     # Excel doubles quotes inside strings
        ("t_label == '按规定公开'", 't_label="按规定公开"'),
    ],
)
def test_to_excel(source: str, excel: str) -> None:
    assert parse(source).to_excel() == excel


def test_to_excel_maps_names_to_cells() -> None:
    cells = {"sangong_actual": "Data!$C$5", "sangong_budget": "Data!$C$6"}
    assert parse("sangong_actual / sangong_budget").to_excel(cells.__getitem__) == "Data!$C$5/Data!$C$6"


def test_to_excel_does_not_map_function_names() -> None:
    seen: list[str] = []

    def name_of(name: str) -> str:
        seen.append(name)
        return name.upper()

    assert parse("min(a_b, 1)").to_excel(name_of) == "MIN(A_B,1)"
    assert seen == ["a_b"]


def test_small_numbers_are_not_in_scientific_notation() -> None:
    # Excel reads 1E-05 fine but the renderer promises plain decimals; 0.00001 must not become "1E-5"
    assert parse("a * 0.00001").to_excel() == "a*0.00001"


# quantize ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D("4.9375"), 2, D("4.94")),
        (D("1.3783"), 2, D("1.38")),
        (D("0.822925"), 4, D("0.8229")),
        (D("0.89995"), 4, D("0.9000")),
        (D("0.005"), 2, D("0.01")),
        (D("-0.005"), 2, D("-0.01")),
        (D("2.5"), 0, D("3")),
    ],
)
def test_quantize_half_up(value: Decimal, places: int, expected: Decimal) -> None:
    assert quantize(value, places) == expected
