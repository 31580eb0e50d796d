"""Framework expressions: one parse, two back ends (exact Decimal evaluation and an Excel formula).

Frameworks define ratios and conditions as small expressions over named inputs, e.g.
``sangong_actual / sangong_budget`` or ``procurement_actual > procurement_plan``. The same parsed
expression is evaluated by the engine in ``Decimal`` and rendered as a native Excel formula for the
workbook, so the two can never drift apart.

The grammar is a whitelisted subset of Python's: numbers, names, ``+ - * /``, unary minus,
comparisons (``< <= > >= == !=``), ``and``/``or``/``not`` and the functions ``min``, ``max``,
``abs``, ``if_(cond, a, b)``, ``round_(x, n)``, ``date(y, m, d)``.

A date is its spreadsheet serial number (days since 1899-12-30, see :mod:`xlperf.dates`): ``date(y, m, d)`` is
Excel's ``DATE(y,m,d)`` in both back ends, so dates compare and add days as numbers, as in the sheet.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from functools import cached_property, lru_cache
from typing import Any

from xlperf.dates import excel_date, serial_of

__all__ = [
    "ARG",
    "COMPARED",
    "DIVISOR",
    "FACTOR",
    "MINUEND",
    "NEGATED",
    "SHOWN_OPERATORS",
    "SUBTRAHEND",
    "Expr",
    "ExprError",
    "NumberText",
    "UndefinedName",
    "arithmetic",
    "compile_tree",
    "decimal_of",
    "parse",
    "quantize",
    "shown_expr",
    "undefined_name",
]

Value = Decimal | bool | str
Evaluator = Callable[[Mapping[str, Value]], Value]


class ExprError(ValueError):
    """An expression that cannot be parsed or evaluated (message in Chinese)."""


class UndefinedName(ExprError):
    """A name with no value (an empty input): callers say which figure is missing instead of guessing."""

    def __init__(self, name: str) -> None:
        super().__init__(f"未定义的名称 {name}")
        self.name = name


def undefined_name(exc: BaseException) -> str | None:
    """The name whose value was missing, when that is why an evaluation failed."""
    return exc.name if isinstance(exc, UndefinedName) else None


_MAX_PLACES = 400
_EXPONENTS: dict[int, Decimal] = {}
"""10^-places by places (at most 801 entries): quantize is called for every rate and score."""


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half away from zero, as Excel's ROUND does.

    The context is as precise as the result needs, so a large value rounded to many places (a sum of
    products, ``round_(x, 30)``) is rounded rather than raising ``decimal.InvalidOperation``; places are
    bounded, as Excel's are in effect (ROUND(x, 400) is x, ROUND(x, -400) is 0).
    """
    exponent = _EXPONENTS.get(places)  # places seen before (so within the bounds): the usual case, ~1 µs
    if exponent is not None and value.is_finite() and value.adjusted() + places <= 25:
        return value.quantize(exponent, ROUND_HALF_UP)
    places = max(-_MAX_PLACES, min(_MAX_PLACES, places))
    if not value.is_finite():
        return value
    digits = value.adjusted() + places + 3
    if digits <= 28:  # the default context suffices (no context to build)
        exponent = _EXPONENTS.get(places)
        if exponent is None:
            exponent = _EXPONENTS[places] = Decimal(1).scaleb(-places)
        return value.quantize(exponent, rounding=ROUND_HALF_UP)
    context = Context(prec=digits, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)


_BINOPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Lt: ("<", "<"),
    ast.LtE: ("<=", "<="),
    ast.Gt: (">", ">"),
    ast.GtE: (">=", ">="),
    ast.Eq: ("==", "="),
    ast.NotEq: ("!=", "<>"),
}
_FUNCS = {"min": "MIN", "max": "MAX", "abs": "ABS", "if_": "IF", "round_": "ROUND", "sum": "SUM",
          "count": "COUNT", "avg": "AVERAGE", "sumif": "SUMIF", "sumproduct": "SUMPRODUCT", "date": "DATE"}
_ARITY = {"min": (1, 255), "max": (1, 255), "abs": (1, 1), "if_": (3, 3), "round_": (2, 2), "sum": (1, 255),
          "count": (1, 1), "avg": (1, 1), "sumif": (2, 2), "sumproduct": (2, 2), "date": (3, 3)}
AGGREGATES = frozenset({"sum", "count", "avg", "sumif", "sumproduct"})
"""Functions over a table column (``t.col``); min and max take columns too."""


@dataclass(frozen=True)
class Expr:
    """A parsed, validated expression."""

    source: str
    tree: ast.expr

    @property
    def names(self) -> frozenset[str]:
        funcs = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return frozenset(n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in funcs)

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """The value in ``env``: the compiled form (:attr:`run`), exactly :meth:`evaluate_tree`'s value or error."""
        return self.run(env)

    def evaluate_tree(self, env: Mapping[str, Value]) -> Value:
        """The reference evaluation, walking the tree (the tests hold :meth:`evaluate` to it)."""
        return _eval(self.tree, env)

    @cached_property
    def run(self) -> Evaluator:
        """The expression compiled once into nested closures (see :func:`compile_tree`): an Excel function
        evaluates a handful of expressions per call, and walking the tree was ~40 % of its cost."""
        try:
            return compile_tree(self.tree)
        except RecursionError:  # compiling takes two frames per level: a tree this deep is walked (or fails so)
            return self.evaluate_tree

    def __getstate__(self) -> dict[str, object]:
        """Pickled (and deep-copied) without what is cached on it: closures do not pickle."""
        return {"source": self.source, "tree": self.tree}

    @cached_property
    def strict_names(self) -> frozenset[str]:
        """The names every evaluation reads (all but those in an ``if_`` branch): one of them missing from the
        environment, evaluating fails (a caller that would catch the failure can skip the evaluation)."""
        out: set[str] = set()
        stack: list[ast.expr] = [self.tree]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                out.add(node.id)
            elif isinstance(node, ast.Call):
                is_if = isinstance(node.func, ast.Name) and node.func.id == "if_"
                stack.extend(node.args[:1] if is_if else node.args)
            else:
                stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
        return frozenset(out)

    @property
    def is_condition(self) -> bool:
        """True/false whatever the data (a comparison, and/or/not): the sheet shows TRUE/FALSE for it."""
        return _is_boolean(self.tree)

    def to_excel(self, name_of: Callable[[str], str] = lambda n: n, within: int = 0) -> str:
        """Excel formula text (without the leading '='); ``name_of`` maps variables to cell names.

        ``within`` says where the text is spliced into a larger formula (``ARG``: a whole formula or a
        function argument; ``COMPARED``, ``MINUEND``, ``SUBTRAHEND``, ``FACTOR``, ``DIVISOR``, ``NEGATED``:
        an operand of that operator), so the text is parenthesised exactly where precedence requires
        and a true/false value compared with a number is turned into 1/0 first (see ``_compared``).
        """
        if within == COMPARED:
            return _compared(self.tree, name_of)
        return _excel(self.tree, name_of, within)


def parse(source: str) -> Expr:
    """Parse and whitelist an expression; raises ExprError with a Chinese message."""
    hit = _PARSED.get(source)  # rules name their measures as text: a rule evaluated per call parses them again
    if hit is None:
        hit = _parse_cached(source.strip())
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[source] = hit
    return hit


_PARSED: dict[str, Expr] = {}
"""The expressions parsed, by their text as given (a dict lookup is ~4× cheaper than the lru_cache's strip and call)."""


_ATTR = re.compile(r"^[a-z][a-z0-9_]*$")


class _Dotted(ast.NodeTransformer):
    """``prev.x`` → the name ``prev_x`` (last year's figure); ``t.col`` → the column name ``t.col``."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not isinstance(node.value, ast.Name) or not _ATTR.match(node.attr) or not _ATTR.match(node.value.id):
            raise ExprError(f"表达式中不允许使用 {ast.unparse(node)}：名称中只能有一个点，"
                            "如 prev.x（上年数）或 t.col（表 t 的列 col）")
        name = f"prev_{node.attr}" if node.value.id == "prev" else f"{node.value.id}.{node.attr}"
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)


@lru_cache(maxsize=4096)
def _parse_cached(source: str) -> Expr:
    try:
        tree = ast.parse(source, mode="eval").body
        if any(isinstance(n, ast.Attribute) for n in ast.walk(tree)):
            tree = _Dotted().visit(tree)
    except SyntaxError as exc:
        raise ExprError(f"表达式语法错误：{source!r}（{exc.msg}）") from None
    except RecursionError:
        raise ExprError(f"表达式嵌套过深：{source[:80]!r}") from None
    for node in ast.walk(tree):
        _check_node(node, source)
    return Expr(source, tree)


def _check_node(node: ast.AST, source: str) -> None:
    allowed = (
        ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Name, ast.Constant,
        ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, *_BINOPS, *_CMPOPS,
    )
    if not isinstance(node, allowed):
        raise ExprError(f"表达式中不允许使用 {type(node).__name__}：{source!r}")
    if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                           or not isinstance(node.value, int | float | str)):
        raise ExprError(f"表达式中只允许数字和文字常量：{source!r}")
    if isinstance(node, ast.Constant) and isinstance(node.value, float) and not math.isfinite(node.value):
        raise ExprError(f"数字超出范围：{source!r}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
            raise ExprError(f"表达式中只能调用 {', '.join(_FUNCS)}：{source!r}")
        low, high = _ARITY[node.func.id]
        if not low <= len(node.args) <= high or any(isinstance(a, ast.Starred) for a in node.args):
            want = str(low) if low == high else f"至少 {low}"
            raise ExprError(f"函数 {node.func.id} 需要 {want} 个参数：{source!r}")
    if isinstance(node, ast.Compare) and len(node.ops) != 1:
        raise ExprError(f"比较请只写一个运算符（如 a < b）：{source!r}")


# Evaluation ---------------------------------------------------------------------------------------


class NumberText(str):
    """Text in a cell of a number column that holds text in some rows (a qualitative row's 指标值 "高"). The
    sheet reads such a cell through N() (0) in arithmetic and comparisons, and as its text only where it is
    compared with a text constant (``actual == "达成"``, see ``_text_compared``); so does the engine."""

    __slots__ = ()


def _num(value: Value, node: ast.AST) -> Decimal:
    if isinstance(value, NumberText):
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    raise ExprError(f"需要数值，得到文字 {value!r}（{ast.unparse(node)}）")


def _eval(node: ast.expr, env: Mapping[str, Value]) -> Value:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        try:
            return env[node.id]
        except KeyError:
            raise UndefinedName(node.id) from None
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not _truth(operand)
        value = _num(operand, node)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _binop(node, env)
    if isinstance(node, ast.BoolOp):
        # Every operand is evaluated, as Excel's AND/OR do: an error in any operand is an error of the
        # whole (Python's short circuit would score a case the sheet shows as #DIV/0!).
        values = [_truth(_eval(v, env)) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        return _compare(node, env)
    if isinstance(node, ast.Call):
        return _call(node, env)
    raise ExprError(f"无法计算：{ast.unparse(node)}")  # pragma: no cover - whitelisted above



def _binop(node: ast.BinOp, env: Mapping[str, Value]) -> Value:
    left, right = _num(_eval(node.left, env), node), _num(_eval(node.right, env), node)
    result = arithmetic(node.op, left, right)
    if result is None:
        raise ExprError(f"除数为 0：{ast.unparse(node)}")
    return result


def arithmetic(op: ast.operator, left: Decimal, right: Decimal) -> Decimal | None:
    """``left op right`` for + - * / exactly in Decimal; None for a division by 0 (the caller says why)."""
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    return None if right == 0 else left / right


def decimal_of(value: object) -> Decimal | None:
    """A number as Decimal (a float by its shortest text, as the sheet shows it); None for anything else,
    a logical value included."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def _compare(node: ast.Compare, env: Mapping[str, Value]) -> Value:
    lhs, rhs = _eval(node.left, env), _eval(node.comparators[0], env)
    lhs, rhs = _as_compared(lhs, node.comparators[0]), _as_compared(rhs, node.left)
    op = type(node.ops[0])
    if isinstance(lhs, str) or isinstance(rhs, str):
        if op is ast.Eq:
            return lhs == rhs
        if op is ast.NotEq:
            return lhs != rhs
        raise ExprError(f"文字只能比较相等：{ast.unparse(node)}")
    a, b = _num(lhs, node), _num(rhs, node)
    return {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b, ast.Eq: a == b,
            ast.NotEq: a != b}[op]


def _call(node: ast.Call, env: Mapping[str, Value]) -> Value:
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    if fn == "if_":
        if len(node.args) != 3:
            raise ExprError("if_ 需要三个参数：if_(条件, 真值, 假值)")
        cond = _truth(_eval(node.args[0], env))
        return _eval(node.args[1] if cond else node.args[2], env)
    if fn in AGGREGATES or fn in ("min", "max"):
        return _aggregate(fn, [_eval(a, env) for a in node.args], node)
    args = [_num(_eval(a, env), node) for a in node.args]
    if fn == "abs":
        return abs(args[0])
    if fn == "round_":
        return _round(args, node)
    if fn == "date":
        return _date(args, node)
    raise ExprError(f"无法计算：{ast.unparse(node)}")  # pragma: no cover - whitelisted at parse


def _as_compared(value: Value, other: ast.expr) -> Value:
    """A NumberText is its text against a text constant, else 0 (as N() reads it in the sheet)."""
    if isinstance(value, NumberText) and not (isinstance(other, ast.Constant) and isinstance(other.value, str)):
        return Decimal(0)
    return value


def _date(args: list[Decimal], node: ast.AST) -> Decimal:
    """DATE(y, m, d): each argument truncated, as Excel truncates them; the day's 1900-system serial."""
    if any(abs(a) > 100000 for a in args):
        raise ExprError(f"date 的参数超出范围：{ast.unparse(node)}")
    day = excel_date(*(int(a) for a in args))
    if day is None:
        raise ExprError(f"date 的年份应在 1900 至 9999 之间：{ast.unparse(node)}")
    return serial_of(day)


def _column(value: object, node: ast.AST) -> list[Decimal]:
    if isinstance(value, tuple):  # SUM, MIN, MAX … of a range skip its text (a qualitative row's target)
        return [_num(v, node) for v in value if v is not None and not isinstance(v, str)]
    return [_num(value, node)]  # type: ignore[arg-type]


def _aggregate(fn: str, values: list[object], node: ast.AST) -> Value:
    """Table aggregates: a column is a tuple of its filled rows' values (empty cells are None)."""
    if fn == "count":
        col = values[0]
        return Decimal(sum(1 for v in col if v is not None and v != "")) if isinstance(col, tuple) else Decimal(1)
    if fn in ("sumif", "sumproduct"):
        return _two_columns(fn, values, node)
    flat = [d for v in values for d in _column(v, node)]
    if fn == "sum":
        return sum(flat, Decimal(0))
    if not flat:
        if fn == "avg":
            raise ExprError(f"没有可平均的行：{ast.unparse(node)}")
        return Decimal(0)  # Excel's MIN/MAX of an empty range
    if fn == "avg":
        return sum(flat, Decimal(0)) / len(flat)
    return min(flat) if fn == "min" else max(flat)


def _two_columns(fn: str, values: list[object], node: ast.AST) -> Decimal:
    """sumif(values, condition) and sumproduct(a, b) over two columns of one table."""
    a, b = values
    if not isinstance(a, tuple) or not isinstance(b, tuple) or len(a) != len(b):
        raise ExprError(f"{fn} 需要同一张表的两列：{ast.unparse(node)}")
    total = Decimal(0)
    for x, y in zip(a, b, strict=False):  # the same table: equal lengths
        if isinstance(x, str) or (fn == "sumproduct" and isinstance(y, str)):
            continue  # SUMPRODUCT reads a text cell of a range as 0
        if fn == "sumif":
            total += _num(x, node) if (x is not None and x != "" and _truth(y if y is not None else False)) \
                else Decimal(0)
        elif x not in (None, "") and y not in (None, ""):
            total += _num(x, node) * _num(y, node)
    return total


def _truth(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return value != 0
    return bool(value)


# Compilation --------------------------------------------------------------------------------------
# The same semantics as ``_eval`` above, node for node: the same evaluation order (so the same first error), the
# same helpers for everything but the hot paths (names, arithmetic, comparisons, min/max of numbers), where the
# closure does inline what ``_num`` would do for a Decimal (any other value still goes through ``_num``). Python
# has no library that compiles a whitelisted expression to exact Decimal arithmetic with these error rules
# (``compile``/``eval`` of the source would compute in float and raise Python's errors), hence by hand.


def compile_tree(node: ast.expr) -> Evaluator:
    """A closure computing ``_eval(node, env)`` for any ``env``, built once per parsed expression."""
    return _COMPILE[type(node)](node)


def _c_constant(node: ast.Constant) -> Evaluator:
    value: Value = node.value if isinstance(node.value, str) else Decimal(str(node.value))
    return lambda env: value


def _c_name(node: ast.Name) -> Evaluator:
    name = node.id

    def load(env: Mapping[str, Value]) -> Value:
        try:
            return env[name]
        except KeyError:
            raise UndefinedName(name) from None

    return load


def _c_unary(node: ast.UnaryOp) -> Evaluator:
    operand = compile_tree(node.operand)
    if isinstance(node.op, ast.Not):
        return lambda env: not _truth(operand(env))
    negate = isinstance(node.op, ast.USub)

    def signed(env: Mapping[str, Value]) -> Value:
        value = operand(env)
        number = value if type(value) is Decimal else _num(value, node)
        return -number if negate else number

    return signed


def _c_binop(node: ast.BinOp) -> Evaluator:
    left, right = compile_tree(node.left), compile_tree(node.right)
    op = _ARITH.get(type(node.op))

    def operands(env: Mapping[str, Value]) -> tuple[Decimal, Decimal]:
        a = left(env)
        a_num = a if type(a) is Decimal else _num(a, node)
        b = right(env)
        return a_num, b if type(b) is Decimal else _num(b, node)

    if op is not None:
        return lambda env: op(*operands(env))

    def divide(env: Mapping[str, Value]) -> Value:
        a, b = operands(env)
        if b == 0:
            raise ExprError(f"除数为 0：{ast.unparse(node)}")
        return a / b

    return divide


_ARITH: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _c_boolop(node: ast.BoolOp) -> Evaluator:
    values = tuple(compile_tree(v) for v in node.values)
    combine = all if isinstance(node.op, ast.And) else any
    return lambda env: combine([_truth(value(env)) for value in values])  # every operand, as in _eval


def _text_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _c_compare(node: ast.Compare) -> Evaluator:
    left, right = compile_tree(node.left), compile_tree(node.comparators[0])
    op = type(node.ops[0])
    order = _ORDER[op]
    # _as_compared: a NumberText is its text only against a text constant on the other side
    left_text, right_text = _text_constant(node.comparators[0]), _text_constant(node.left)

    def compare(env: Mapping[str, Value]) -> Value:
        lhs, rhs = left(env), right(env)
        if isinstance(lhs, NumberText) and not left_text:
            lhs = Decimal(0)
        if isinstance(rhs, NumberText) and not right_text:
            rhs = Decimal(0)
        if isinstance(lhs, str) or isinstance(rhs, str):
            return _compare_text(lhs, rhs, op, node)
        a = lhs if type(lhs) is Decimal else _num(lhs, node)
        b = rhs if type(rhs) is Decimal else _num(rhs, node)
        if a.is_nan() or b.is_nan():  # _compare computes every ordering, so any NaN raises as < does
            return a < b
        return order(a, b)

    return compare


_ORDER: dict[type[ast.cmpop], Callable[[Decimal, Decimal], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _compare_text(lhs: Value, rhs: Value, op: type[ast.cmpop], node: ast.Compare) -> bool:
    if op is ast.Eq:
        return lhs == rhs
    if op is ast.NotEq:
        return lhs != rhs
    raise ExprError(f"文字只能比较相等：{ast.unparse(node)}")


def _c_call(node: ast.Call) -> Evaluator:
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    args = tuple(compile_tree(a) for a in node.args)
    if fn == "if_":
        cond, then, other = args
        return lambda env: then(env) if _truth(cond(env)) else other(env)
    if fn in ("min", "max"):
        return _c_extreme(fn, args, node)
    if fn in AGGREGATES:
        return lambda env: _aggregate(fn, [a(env) for a in args], node)

    def numbers(env: Mapping[str, Value]) -> list[Decimal]:
        return [_num(a(env), node) for a in args]

    if fn == "abs":
        return lambda env: abs(numbers(env)[0])
    if fn == "round_":
        return lambda env: _round(numbers(env), node)
    return lambda env: _date(numbers(env), node)


def _c_extreme(fn: str, args: tuple[Evaluator, ...], node: ast.Call) -> Evaluator:
    """min/max: of numbers directly (what _aggregate computes for them), else as _aggregate does."""
    pick = min if fn == "min" else max

    def extreme(env: Mapping[str, Value]) -> Value:
        values = [a(env) for a in args]
        for value in values:
            if type(value) is not Decimal:
                return _aggregate(fn, values, node)  # type: ignore[arg-type]
        return pick(values)

    return extreme


def _round(args: list[Decimal], node: ast.AST) -> Decimal:
    places = int(args[1])  # truncated, as ROUND truncates its digits (2.7 → 2)
    if not -32768 <= places <= 32767:  # where the spreadsheet's ROUND gives #VALUE!
        raise ExprError(f"round_ 的小数位数超出范围（{places}）：{ast.unparse(node)}")
    return quantize(args[0], places)


_COMPILE: dict[type[ast.expr], Callable[[Any], Evaluator]] = {
    ast.Constant: _c_constant, ast.Name: _c_name, ast.UnaryOp: _c_unary, ast.BinOp: _c_binop,
    ast.BoolOp: _c_boolop, ast.Compare: _c_compare, ast.Call: _c_call}


# Excel rendering ----------------------------------------------------------------------------------

# Binding strengths. Text rendered for a slot is parenthesised when its operator binds less tightly
# than the slot needs: ``1-x`` as a FACTOR is ``(1-x)``, ``b/c`` as a DIVISOR is ``(b/c)``.
ARG = 0         # a whole formula, or an argument of a function
COMPARED = -1   # an operand of a comparison (not a strength: see _compared; arithmetic binds tighter)
MINUEND = 2     # the left operand of + or -
SUBTRAHEND = 3  # the right operand of + or - (left-associative: a-(b-c) keeps its parentheses)
FACTOR = 3      # the left operand of * or /
DIVISOR = 4     # the right operand of * or /
NEGATED = 4     # the operand of unary minus

_PREC = {ast.Or: 0, ast.And: 0, ast.Compare: 1, ast.Add: 2, ast.Sub: 2, ast.Mult: 3, ast.Div: 3}


def _is_boolean(node: ast.expr) -> bool:
    """An expression whose Excel value is TRUE/FALSE whatever the data (a comparison, and/or/not, an
    if_ that can return one of those)."""
    if isinstance(node, ast.Compare | ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "if_" and len(node.args) == 3:
        return _is_boolean(node.args[1]) or _is_boolean(node.args[2])
    return False


_CONDITION_TEXT = re.compile(r'^\((?:[^"]|"[^"]*")*[=<>](?:[^"]|"[^"]*")*\)$')
"""A name rendered as a parenthesised comparison, as a 是/否 flag is (``(flag_x="是")``)."""


_FLAG_COLUMN = re.compile(r'^--\(([A-Za-z_][A-Za-z0-9_.]*)="是"\)$')
"""A 是/否 column of a table as an aggregate's argument sees it (``--(tbl_rows_core="是")``: 1/0 per row)."""


def _compared(node: ast.expr, name_of: Callable[[str], str]) -> str:
    """An operand of a comparison. Excel compares TRUE with a number by type (TRUE=1 is FALSE, TRUE>5
    is TRUE) where the engine compares 1 with 1, so a true/false operand (a condition, or a name that
    ``name_of`` renders as one) is made a number with N() (LibreOffice agrees either way; Excel not)."""
    if _is_boolean(node):
        return f"N({_excel(node, name_of, ARG)})"
    text = _excel(node, name_of, 2)
    if isinstance(node, ast.Name) and _CONDITION_TEXT.match(text):
        return f"N{text}"
    return text


def _text_compared(node: ast.expr, other: ast.expr, name_of: Callable[[str], str]) -> str:
    """An operand of a comparison with a text constant: a cell that holds text in some rows (a qualitative
    row's target) is compared as it is, not through N() (which would make every text 0); a renderer says how
    with its ``text`` attribute (None: as usual)."""
    text_of = getattr(name_of, "text", None)
    if (text_of is not None and isinstance(node, ast.Name) and isinstance(other, ast.Constant)
            and isinstance(other.value, str) and (raw := text_of(node.id)) is not None):
        return str(raw)
    return _compared(node, name_of)


def _excel(node: ast.expr, name_of: Callable[[str], str], parent_prec: int) -> str:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return '"' + node.value.replace('"', '""') + '"'
        return format(Decimal(str(node.value)), "f")
    if isinstance(node, ast.Name):
        return name_of(node.id)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return f"NOT({_excel(node.operand, name_of, ARG)})"
        # A binary operand is parenthesised (-(a-b), -(a*b)); Excel's unary minus binds tighter than
        # * and / as Python's does (the grammar has no ^, where the two would differ).
        inner = _excel(node.operand, name_of, NEGATED)
        return f"-{inner}" if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        prec = _PREC[type(node.op)]
        left = _excel(node.left, name_of, prec)
        right = _excel(node.right, name_of, prec + 1)  # left-associative
        text = f"{left}{_BINOPS[type(node.op)]}{right}"
        return f"({text})" if prec < parent_prec else text
    if isinstance(node, ast.BoolOp):
        fn = "AND" if isinstance(node.op, ast.And) else "OR"
        return f"{fn}({','.join(_excel(v, name_of, ARG) for v in node.values)})"
    if isinstance(node, ast.Compare):
        op = _CMPOPS[type(node.ops[0])][1]
        lhs, rhs = node.left, node.comparators[0]
        text = f"{_text_compared(lhs, rhs, name_of)}{op}{_text_compared(rhs, lhs, name_of)}"
        return f"({text})" if parent_prec > 1 else text
    if isinstance(node, ast.Call):
        return _excel_call(node, name_of)
    raise ExprError(f"无法转换为公式：{ast.unparse(node)}")  # pragma: no cover


def _excel_call(node: ast.Call, name_of: Callable[[str], str]) -> str:
    assert isinstance(node.func, ast.Name)
    texts = [_excel(a, name_of, ARG) for a in node.args]
    if node.func.id == "count":
        # A renderer may say how its column counts (numbers only, as the engine counts a number column
        # whose text cells it reads as empty); otherwise the filled cells: computed columns show "" in
        # empty rows, where COUNTA would count them.
        count_of = getattr(name_of, "count", None)
        arg = node.args[0]
        if count_of is not None and isinstance(arg, ast.Name) and (text := count_of(arg.id)) is not None:
            return str(text)
        ranges = [m.group(1) if (m := _FLAG_COLUMN.match(t)) else t for t in texts]  # a 是/否 column: its cells
        return f'SUMPRODUCT(--({",".join(ranges)}<>""))'
    if node.func.id == "sum":  # a 是/否 column is an array of 1/0: SUM alone would not evaluate it as one
        texts = [f"SUMPRODUCT({t})" if _FLAG_COLUMN.match(t) else t for t in texts]
    args = ",".join(texts)
    if node.func.id == "sumif":  # the flag column renders as --(range="是"): a product selects the rows
        return f"SUMPRODUCT({args})"
    return f"{_FUNCS[node.func.id]}({args})"


# Shown to a person ----------------------------------------------------------------------------------------

SHOWN_OPERATORS = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "=", "*": "×", "/": "÷", "-": "−",
                   "and": "且", "or": "或", "not": "非"}
"""The one notation of every operator a person reads (messages, 计算过程, notices): × ÷ − ≤ ≥ ≠."""
_SHOWN_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|\d[\d,]*(?:\.\d+)?|<=|>=|!=|==|"
                          r"[*/-]|.", re.S)


def shown_expr(text: str, name: Callable[[str], str | None] = lambda _: None) -> str:
    """An expression as a person reads it: each name replaced by ``name(n)`` (kept when that is None) and the
    operators in :data:`SHOWN_OPERATORS`' notation; everything else as written."""
    out = []
    for m in _SHOWN_TOKEN.finditer(text):
        token = m.group(0)
        if token[0].isalpha() or token[0] == "_":
            shown = SHOWN_OPERATORS.get(token) if token in ("and", "or", "not") else name(token)
            out.append(token if shown is None else shown)
        else:
            out.append(SHOWN_OPERATORS.get(token, token))
    return "".join(out)
