"""The compiled form of an expression (``Expr.run``, what ``Expr.evaluate`` uses) equals the tree-walking reference
(``Expr.evaluate_tree``) exactly: the same value of the same type and exponent, or the same error with the same
message — on random expressions over random values (hypothesis), on every expression of every framework in the
repository with random values, and on every evaluation that scoring each framework's data file makes."""

from __future__ import annotations

import copy
import pickle
import random
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlperf.compiled import score
from xlperf.expr import Expr, ExprError, NumberText, Value, parse
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework

from .helpers import REPO, load_yaml

Outcome = tuple[str, str, str]


def outcome(run: Any, env: Mapping[str, Any]) -> Outcome:
    """What an evaluation gives: the value's type and repr (exponent included), or the error's type and text."""
    try:
        value = run(env)
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return ("error", type(exc).__name__, f"{exc}|{getattr(exc, 'name', '')}")
    return ("value", type(value).__name__, repr(value))


def same(expr: Expr, env: Mapping[str, Any]) -> Outcome:
    compiled, reference = outcome(expr.run, env), outcome(expr.evaluate_tree, env)
    assert compiled == reference, (expr.source, dict(env))
    return compiled


# Random expressions over random values -------------------------------------------------------------

SCALARS = ["a", "b", "c", "prev.a", "flag"]
COLUMNS = ["t.x", "t.y"]

numbers = st.sampled_from(["0", "1", "2", "0.5", "100", "0.0001", "3.25", "1e3", "12345678901234567890"])
texts = st.sampled_from(['"是"', '"达成"', '""'])


def _unary(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(inner.map(lambda x: f"-({x})"), inner.map(lambda x: f"+({x})"), inner.map(lambda x: f"not ({x})"))


def _binary(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=", "and", "or"])
    return st.tuples(inner, ops, inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})")


def _calls(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    column = st.sampled_from(COLUMNS)
    several = st.lists(st.one_of(inner, column), min_size=1, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(st.sampled_from(["min", "max", "sum"]), several).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda x: f"abs({x})"),
        st.tuples(inner, inner, inner).map(lambda t: f"if_({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from(["0", "2", "-1", "2.7", "40000", "a"])).map(lambda t: f"round_({t[0]}, {t[1]})"),
        st.tuples(st.sampled_from(["count", "avg"]), column).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["sumif", "sumproduct"]), column, column).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"date({t[0]}, {t[1]}, {t[2]})"),
    )


expressions = st.recursive(
    st.one_of(st.sampled_from(SCALARS), numbers, texts),
    lambda inner: st.one_of(_unary(inner), _binary(inner), _calls(inner)),
    max_leaves=12,
)

cell = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1), Decimal("-2.5"), Decimal("0.3333"), Decimal("2024"), Decimal("1E+30"),
                     Decimal("1.000"), Decimal("NaN"), Decimal("Infinity")]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**6, max_value=10**6),
    st.booleans(),
    st.sampled_from(["", "是", "达成", "x", NumberText("高"), NumberText("达成")]),
)
column_cell = st.one_of(st.none(), cell)


@st.composite
def environments(draw: Any) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for name in SCALARS:
        if draw(st.integers(0, 9)):  # a name is sometimes missing (an empty input)
            env[name.replace(".", "_")] = draw(cell)
    rows = draw(st.integers(0, 4))
    for name in COLUMNS:
        if draw(st.integers(0, 9)):
            env[name] = tuple(draw(column_cell) for _ in range(rows))
    return env


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, environments())
def test_compiled_equals_the_tree_walk_on_random_expressions(source: str, env: dict[str, Any]) -> None:
    try:
        expr = parse(source)
    except ExprError:
        return  # e.g. an arity the grammar refuses: nothing to evaluate
    same(expr, env)


def test_the_random_expressions_reach_values_and_errors() -> None:
    """The property above is not vacuous: on a fixed sample, both values and several kinds of errors occur."""
    kinds: set[str] = set()
    env = {"a": Decimal(3), "b": Decimal(0), "c": True, "flag": "是", "prev_a": NumberText("高"),
           "t.x": (Decimal(1), None, "x", Decimal(2)), "t.y": (True, False, None, Decimal(0))}
    for source in ["a / b", "a + flag", "flag < 1", "missing + 1", "round_(a, 40000)", "avg(t.x)", "prev.a == \"高\"",
                   "min(t.x, a)", "sumif(t.x, t.y)", "date(a, 1, 1)", "if_(b, 1 / b, -a)", "not c or a > b"]:
        kinds.add(same(parse(source), env)[1])
    assert {"Decimal", "bool", "ExprError", "UndefinedName"} <= kinds, kinds


# Every expression of every framework in the repository ---------------------------------------------

FRAMEWORK_FILES = sorted([REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml",
                          *(REPO / "tests" / "data" / "frameworks").rglob("*.yaml")])


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _framework_expressions() -> list[Expr]:
    """Every text of a framework file that parses as an expression (labels do not: they are skipped)."""
    out: dict[str, Expr] = {}
    for path in FRAMEWORK_FILES:
        for text in _strings(load_yaml(path)):
            try:
                out.setdefault(text.strip(), parse(text))
            except ExprError:
                continue
    return list(out.values())


def test_every_framework_expression_on_random_values() -> None:
    exprs = _framework_expressions()
    assert len(exprs) > 300, len(exprs)  # every framework of the repository was read
    rng = random.Random(2026)
    pool: list[Value | None] = [Decimal(0), Decimal(1), Decimal("0.85"), Decimal("-3"), Decimal("1234.56"),
                                Decimal("45000"), True, False, "", "是", "否", NumberText("高"), None]
    outcomes: set[str] = set()
    for expr in exprs:
        for _ in range(25):
            env: dict[str, Any] = {}
            for name in expr.names:
                value = rng.choice(pool)
                if "." in name:  # a table column
                    env[name] = tuple(rng.choice(pool) for _ in range(rng.randint(0, 3)))
                elif value is not None:
                    env[name] = value
            outcomes.add(same(expr, env)[0])
    assert outcomes == {"value", "error"}


DATA_FILES = [*sorted((REPO / "tests" / "data" / "frameworks").rglob("*-data.yaml")),
              REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"]


def _framework_of(data: Path) -> str:
    raw = load_yaml(data)
    ref = raw.get("framework") or "futian-2021"
    sibling = data.with_name(data.name.replace("-data.yaml", ".yaml"))
    return str(sibling) if sibling.exists() and sibling != data else ref


@pytest.mark.parametrize("data", DATA_FILES, ids=lambda p: p.stem)
def test_every_evaluation_of_scoring_each_framework(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring a framework's data file evaluates its expressions on real environments (tables' rows included):
    each evaluation is made both ways and compared."""
    seen: list[Outcome] = []

    def both(self: Expr, env: Mapping[str, Value]) -> Value:
        seen.append(same(self, env))
        return self.run(env)

    fw = load_framework(_framework_of(data))
    loaded = load_data(data, fw)
    monkeypatch.setattr(Expr, "evaluate", both)
    score(fw, loaded)
    assert len(seen) > 5, len(seen)


def test_an_expression_pickles_and_copies_after_it_was_compiled() -> None:
    expr = parse("min(a / b, 1) + round_(a, 2)")
    env = {"a": Decimal("2.345"), "b": Decimal(4)}
    value = expr.evaluate(env)
    for clone in (pickle.loads(pickle.dumps(expr)), copy.deepcopy(expr)):
        assert clone.source == expr.source and clone is not expr
        assert clone.evaluate(env) == value == Decimal("2.93625")  # 2.345/4 = 0.58625; + 2.35


def test_a_tree_too_deep_to_compile_is_walked() -> None:
    """Compiling takes two frames per nesting level, walking one: an expression the walk can evaluate is not
    refused by the compiler (it falls back to the walk)."""
    expr = parse("-" * 600 + "a")  # parses (the parser's limit is deeper), ~1,200 frames to compile
    assert same(expr, {"a": Decimal(7)}) == ("value", "Decimal", "Decimal('7')")
