"""The expression engine: parsing/whitelisting, exact evaluation and Excel rendering.

Every expected value below is worked out by hand from ordinary arithmetic / Excel syntax.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xlperf.devtools.libreoffice import FormulaBatch, evaluate_formulas
from xlperf.expr import COMPARED, DIVISOR, FACTOR, MINUEND, SUBTRAHEND, ExprError, parse, quantize
from xlperf.framework.models import BandsRule, DeductionRule, LinearRule
from xlperf.engine.rules import Ctx, MeasureDef, evaluate_rule, excel_rule

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


def test_quantize_a_large_value_to_many_places_does_not_raise() -> None:
    # 28 significant digits is the default context: 10**30 to 4 places needs 35
    assert quantize(D(10) ** 30 + D("0.00005"), 4) == D(10) ** 30 + D("0.0001")
    assert quantize(D("1.5"), 10_000) == D("1.5")  # as ROUND(1.5, 10000) in a spreadsheet
    assert quantize(D("123"), -10_000) == 0


# Regressions found by tests/properties/test_engine_equals_sheet.py ----------------------------------------


@pytest.mark.parametrize(
    ("source", "within", "excel"),
    [
        ("1 - r_a", FACTOR, "(1-r_a)"),          # MIN(2,1-r_a*2) was 0.4 in the sheet, 1.4 in the engine
        ("a * b", FACTOR, "a*b"),
        ("a / b", DIVISOR, "(a/b)"),
        ("a * b", DIVISOR, "(a*b)"),
        ("a - b", SUBTRAHEND, "(a-b)"),          # 0.9-a-b is not 0.9-(a-b)
        ("a + b", MINUEND, "a+b"),
        ("a < b", MINUEND, "(a<b)"),
        ("a < b", FACTOR, "(a<b)"),
        ("-a", SUBTRAHEND, "-a"),                # 0.9--a is 0.9+a in Excel too
        ("a - b", COMPARED, "a-b"),
        ("a < b", COMPARED, "N(a<b)"),           # TRUE>=0.5 is TRUE in Excel whatever the data
        ("not a", COMPARED, "N(NOT(a))"),
        ("if_(a, b < c, 0)", COMPARED, "N(IF(a,b<c,0))"),
        ("a", COMPARED, "a"),
    ],
)
def test_to_excel_parenthesises_for_the_slot_it_is_spliced_into(source: str, within: int, excel: str) -> None:
    assert parse(source).to_excel(within=within) == excel


@pytest.mark.parametrize(
    ("source", "excel"),
    [
        ("(a < b) == 1", "N(a<b)=1"),           # Excel: TRUE=1 is FALSE; the engine: 1 == 1
        ("(a < b) >= (c < d)", "N(a<b)>=N(c<d)"),
        ("(a < b) < c", "N(a<b)<c"),
        ("-(a - b)", "-(a-b)"),
        ("-(a / b)", "-(a/b)"),
        ("a / (b / c)", "a/(b/c)"),
        ("a - (b + c)", "a-(b+c)"),
        ("(a < b) * c", "(a<b)*c"),
        ("min(a < b, c)", "MIN(a<b,c)"),
        ("not (a - b)", "NOT(a-b)"),
    ],
)
def test_to_excel_precedence_traps(source: str, excel: str) -> None:
    assert parse(source).to_excel() == excel


def test_and_or_evaluate_every_operand_as_excel_does() -> None:
    """OR(x=0, a/x>1) is #DIV/0! in the sheet when x is 0: the engine must fail too, not answer True."""
    with pytest.raises(ExprError, match="除数为 0"):
        ev("zero_v == 0 or a / zero_v > 1")
    with pytest.raises(ExprError, match="除数为 0"):
        ev("zero_v != 0 and a / zero_v > 1")
    assert ev("zero_v == 0 or a > b") is True


def test_round_digits_beyond_the_spreadsheet_range_are_an_expr_error() -> None:
    """ROUND(x, 58034) is #VALUE! in LibreOffice; round_ with digits from an input must fail alike."""
    assert ev("round_(1.25, 32767)") == D("1.25")
    assert ev("round_(1.255, a / 4)") == D("1.26")  # 10 / 4 = 2.5 digits → 2, as ROUND truncates them
    with pytest.raises(ExprError, match="位数超出范围"):
        ev("round_(1.25, 32768)")
    with pytest.raises(ExprError, match="位数超出范围"):
        ev("round_(1.25, -32769)")


def _rules_env(**values: str) -> dict[str, Decimal]:
    return {k: D(v) for k, v in values.items()}


def test_linear_rule_parenthesises_its_measure() -> None:
    rule = LinearRule(kind="linear", points=D(2), measure="1 - r_a", factor=D(2))
    assert excel_rule(rule) == "MIN(2,(1-r_a)*2)"
    # (1 - 0.3) × 2 = 1.4, not 1 - 0.3 × 2 = 0.4
    assert evaluate_rule(rule, Ctx(_rules_env(r_a="0.3"), str))[0] == D("1.4")


def test_deduction_under_parenthesises_its_measure() -> None:
    rule = DeductionRule(kind="deduction", points=D(3), measure="a_x - b_x", threshold=D("0.9"),
                         direction="under", per_unit=D("0.5"))
    assert excel_rule(rule) == "MAX(0,3-MAX(0,ROUND((0.9-(a_x-b_x))/0.01,6))*0.5)"
    # 0.9 − (0.5 − 0.4) = 0.8 → 80 points under → 3 − 40 → floor 0; 0.9 − 0.5 − 0.4 would be 0 → 3
    assert evaluate_rule(rule, Ctx(_rules_env(a_x="0.5", b_x="0.4"), str))[0] == D(0)


def test_bands_compare_a_condition_measure_as_a_number() -> None:
    rule = BandsRule(kind="bands", points=D(2), measure="a_x > 0.5",
                     bands=[{"lower": D("0.5"), "score": D(2)}], otherwise=D(0))
    assert excel_rule(rule) == "IF(N(a_x>0.5)>=0.5,2,0)"


def test_measure_renders_conditions_and_sums_in_parentheses() -> None:
    m = MeasureDef("m_x", "m", parse("a_x < b_x"), parse("c_x - d_x"), D(0), 4)
    assert m.excel() == "IF(c_x-d_x=0,0,ROUND((a_x<b_x)/(c_x-d_x),4))"


def test_measure_with_denominator_zero_ignores_an_error_in_its_numerator() -> None:
    """IF(den=0, den_zero, …) never computes the numerator: 1 / 0 in it is no error of the rate."""
    m = MeasureDef("m_x", "m", parse("a_x / b_x"), parse("b_x"), D(1), 4)
    assert m.value(_rules_env(a_x="5", b_x="0"))[0] == D(1)
    guarded = MeasureDef("m_x", "m", parse("a_x / b_x"), parse("b_x"), D(1), 4, den_zero_num_positive=D(0))
    with pytest.raises(ExprError):  # IF(a_x/b_x>0, …) is computed, and is #DIV/0! in the sheet too
        guarded.value(_rules_env(a_x="5", b_x="0"))


@pytest.mark.libreoffice
def test_regressions_recalculated_by_libreoffice_equal_the_engine(tmp_path: Path) -> None:
    """The cases above, computed by a real spreadsheet: expected values by hand."""
    linear = LinearRule(kind="linear", points=D(2), measure="1 - r_a", factor=D(2))
    deduction = DeductionRule(kind="deduction", points=D(3), measure="a_x - b_x", threshold=D("0.9"),
                              direction="under", per_unit=D("0.5"))
    formulas = [excel_rule(linear), excel_rule(deduction), parse("(a_x < b_x) + 1").to_excel(),
                parse("(a_x > b_x) == 1").to_excel(), parse("zero_x == 0 or a_x / zero_x > 1").to_excel(),
                parse("-(a_x - b_x) * 10").to_excel()]
    inputs = {"r_a": D("0.3"), "a_x": D("0.5"), "b_x": D("0.4"), "zero_x": D(0)}
    (cells,) = evaluate_formulas([FormulaBatch(inputs, formulas)], tmp_path)
    assert [c.number for c in cells[:4]] == [D("1.4"), D(0), D(1), D(1)]
    assert cells[4].kind == "e" and cells[4].text == "#DIV/0!"
    assert cells[5].number is not None and abs(cells[5].number - D(-1)) < D("1e-12")


def test_a_band_without_bounds_first_scores_even_when_the_measure_fails() -> None:
    """IF(TRUE,2.5,…) never computes the measure: 0.5 / (1 − 1) is no error there, in the engine neither."""
    rule = BandsRule(kind="bands", points=D("2.5"), measure="0.5 / (1 - r_a)", bands=[{"score": D("2.5")}],
                     otherwise=D("1.25"))
    assert excel_rule(rule) == "IF(TRUE,2.5,1.25)"
    assert evaluate_rule(rule, Ctx(_rules_env(r_a="1"), str))[0] == D("2.5")
    bounded_first = BandsRule(kind="bands", points=D("2.5"), measure="0.5 / (1 - r_a)",
                              bands=[{"lower": D(1), "score": D(1)}, {"score": D("2.5")}])
    with pytest.raises(ExprError, match="除数为 0"):  # IF(0.5/(1-r_a)>=1,…) is #DIV/0!
        evaluate_rule(bounded_first, Ctx(_rules_env(r_a="1"), str))


def test_a_flag_rendered_as_a_condition_is_compared_as_a_number() -> None:
    """The workbook renders a 是/否 flag as (flag="是"), TRUE/FALSE: compared with 1, Excel says FALSE."""
    def name_of(name: str) -> str:
        return f'({name}="是")' if name.startswith("flag_") else name

    assert parse("flag_x == 1").to_excel(name_of) == 'N(flag_x="是")=1'
    assert parse("flag_x != flag_y").to_excel(name_of) == 'N(flag_x="是")<>N(flag_y="是")'
    assert parse("if_(flag_x, 1, 0)").to_excel(name_of) == 'IF((flag_x="是"),1,0)'
    assert parse("flag_x + a > 1").to_excel(name_of) == '(flag_x="是")+a>1'   # arithmetic makes it 1/0
    assert parse("t_label == 'x'").to_excel(name_of) == 't_label="x"'
    assert parse("a_b == 1").to_excel(lambda n: f"ROUND({n},4)") == "ROUND(a_b,4)=1"
