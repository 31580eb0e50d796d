"""Random expressions, rules and values for the engine = sheet property tests.

One generator serves two sources of choices (a seeded ``random.Random`` or hypothesis' ``draw``), so
the rule cases and the hypothesis expression cases share the grammar. Expressions are written fully
parenthesised: the parsed tree is what counts, and the renderer must put back every parenthesis
that precedence needs. The generator leans on the traps: ``1 - x`` as a factor, ``a / (b / c)``,
``-(a - b)``, comparisons inside arithmetic, a true/false value compared with a number.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlperf.expr import Expr, ExprError, Value, parse, quantize

D = Decimal
EDGES = [D("-0.5"), D(0), D("0.05"), D("0.1"), D("0.5"), D("0.6"), D("0.75"), D("0.8"), D("0.9"), D("0.95"), D(1),
         D("1.2")]
CONSTS = ["0", "1", "2", "3", "0.5", "0.25", "0.9", "10", "100", "0.01", "1.5"]
LABELS = ["按规定公开", "公开但不规范", "未公开", 'A"B']
FLAG_YES = "是"


class Chooser:
    """Where choices come from: ``int(lo, hi)`` inclusive."""

    def __init__(self, draw_int: Callable[[int, int], int]) -> None:
        self.int = draw_int

    @classmethod
    def seeded(cls, seed: int) -> Chooser:
        rnd = random.Random(seed)
        return cls(rnd.randint)

    def pick(self, items: list[Any]) -> Any:
        return items[self.int(0, len(items) - 1)]

    def chance(self, percent: int) -> bool:
        return self.int(0, 99) < percent


@dataclass
class Names:
    """The names an expression may use, by type."""

    numbers: list[str]
    flags: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


# Expressions -------------------------------------------------------------------------------------------


def number_expr(ch: Chooser, names: Names, depth: int) -> str:
    """A numeric expression (true/false values may appear inside it, counting as 1/0)."""
    if depth <= 0 or ch.chance(20):
        return _leaf(ch, names)
    k = ch.int(0, 12)
    a = number_expr(ch, names, depth - 1)
    if k <= 3:
        return f"({a} {ch.pick(['+', '-', '*', '/'])} {number_expr(ch, names, depth - 1)})"
    if k == 4:
        return f"(-{a})"
    if k == 5:
        args = [a] + [number_expr(ch, names, depth - 1) for _ in range(ch.int(1, 2))]
        return f"{ch.pick(['min', 'max'])}({', '.join(args)})"
    if k == 6:
        return f"abs({a})"
    if k == 7:  # places from a name too: Excel truncates them (2.7 → 2), clamps huge ones
        return f"round_({a}, {ch.pick([0, 1, 2, 4, -1, ch.pick(names.numbers)])})"
    if k == 8:
        return f"if_({bool_expr(ch, names, depth - 1)}, {a}, {number_expr(ch, names, depth - 1)})"
    if k == 9:  # a true/false value as a number: in arithmetic, or bare (an argument of MIN, ABS, …)
        if ch.chance(30):
            return bool_expr(ch, names, depth - 1)
        return f"({bool_expr(ch, names, depth - 1)} {ch.pick(['+', '*', '-'])} {a})"
    if k == 10:
        b, c = number_expr(ch, names, depth - 1), number_expr(ch, names, depth - 1)
        return ch.pick([f"(1 - {a})", f"({a} / ({b} / {c}))", f"(-({a} - {b}))", f"({a} - ({b} - {c}))",
                        f"({a} - ({b} + {c}))", f"({a} * ({b} - {c}))", f"(-({a} / {b}))"])
    if k == 11:
        return f"(+{a})"
    return f"({a} {ch.pick(['+', '-', '*', '/'])} {_leaf(ch, names)})"


def bool_expr(ch: Chooser, names: Names, depth: int) -> str:
    """A condition (numbers may appear as conditions: non-zero is true)."""
    ops = ["<", "<=", ">", ">=", "==", "!="]
    if depth <= 0:
        if names.flags and ch.chance(30):
            return ch.pick(names.flags)
        return f"({_leaf(ch, names)} {ch.pick(ops)} {_leaf(ch, names)})"
    k = ch.int(0, 9)
    if k <= 2:
        return f"({number_expr(ch, names, depth - 1)} {ch.pick(ops)} {number_expr(ch, names, depth - 1)})"
    if k == 3:
        parts = [bool_expr(ch, names, depth - 1) for _ in range(ch.int(2, 3))]
        return "(" + f" {ch.pick(['and', 'or'])} ".join(parts) + ")"
    if k == 4:
        return f"(not {bool_expr(ch, names, depth - 1)})"
    if k == 5 and names.flags:
        return ch.pick(names.flags)
    if k == 6 and names.texts:
        label = ch.pick(LABELS)
        return f"({ch.pick(names.texts)} {ch.pick(['==', '!='])} '{label}')"
    if k == 7:  # a true/false value compared with a number: TRUE=1 is FALSE in Excel
        return f"({bool_expr(ch, names, depth - 1)} {ch.pick(ops)} {ch.pick(['0', '1', '0.5'])})"
    if k == 8:
        if ch.chance(50):  # a division guarded by and/or: Excel's AND/OR evaluate every operand
            x, a = ch.pick(names.numbers), number_expr(ch, names, depth - 1)
            return ch.pick([f"(({x} == 0) or (({a} / {x}) > 1))", f"(({x} != 0) and (({a} / {x}) < 1))"])
        return number_expr(ch, names, depth - 1)
    return f"({bool_expr(ch, names, depth - 1)} {ch.pick(ops)} {bool_expr(ch, names, depth - 1)})"


def _leaf(ch: Chooser, names: Names) -> str:
    k = ch.int(0, 9)
    if k <= 5:
        return ch.pick(names.numbers)
    if k == 6 and names.flags:
        return ch.pick(names.flags)
    return ch.pick(CONSTS)


# Values ------------------------------------------------------------------------------------------------


def number(ch: Chooser) -> Decimal:
    """Zero, small counts, money in 万元 (cents), negatives, rates to 0.01%, and band edges exactly."""
    k = ch.int(0, 6)
    if k == 0:
        return D(0)
    if k == 1:
        return D(ch.int(-3, 12))
    if k == 2:
        return D(ch.int(0, 10_000_000)).scaleb(-2)
    if k == 3:
        return -D(ch.int(1, 100_000)).scaleb(-2)
    if k == 4:
        return D(ch.int(0, 15_000)).scaleb(-4)
    if k == 5:
        return ch.pick(EDGES)
    return D(ch.int(1, 2_000)).scaleb(-2)


def text_answer(ch: Chooser) -> str | None:
    """A chosen tier: a label, something else, or nothing (a blank cell)."""
    return ch.pick([*LABELS, "其他", None])


def judged_answer(ch: Chooser, top: Decimal) -> Decimal | None:
    """Points awarded: within, above and below [0, top], or a blank cell."""
    k = ch.int(0, 5)
    if k == 0:
        return None
    if k == 1:
        return top
    if k == 2:
        return -D(ch.int(1, 300)).scaleb(-2)
    return D(ch.int(0, int(top * 100) + 300)).scaleb(-2)


# Rules -------------------------------------------------------------------------------------------------

RULE_NAMES = Names(numbers=["x_a", "x_b", "x_c", "r_a", "m_a", "m_b"], flags=["f_a", "f_b"], texts=[])
MEASURE_NAMES = Names(numbers=["x_a", "x_b", "x_c", "x_d", "r_a"], flags=[])
KINDS = ["linear", "bands", "deduction", "penalty", "tiers", "checklist", "judged", "sum", "override", "either",
         "schedule"]


def points(ch: Chooser) -> Decimal:
    return ch.pick([D(1), D(2), D(3), D("2.5"), D(4), D(5), D(6), D(10), D("1.5")])


def measure_source(ch: Chooser) -> str:
    """What a rule scores: a measure, an input, or an expression over them (the traps first)."""
    traps = ["m_a", "r_a", "1 - r_a", "1 - m_a", "m_a - m_b", "m_a / m_b", "-(m_a - r_a)", "m_a * 2 - 1",
             "abs(m_a - 1)", "min(m_a, 1)", "max(m_a, r_a)", "round_(m_a, 2)", "if_(m_a > 1, 1, m_a)",
             "m_a > 0.5", "(m_a > 0.5) + r_a", "x_a / (x_b / x_c)", "r_a - (m_a - m_b)", "-r_a", "2 - r_a * 2",
             "(r_a + m_a) / 2", "1 - x_a / x_b"]
    if ch.chance(55):
        return ch.pick(traps)
    return number_expr(ch, RULE_NAMES, 2)


def measure_decl(ch: Chooser, mid: str) -> dict[str, Any]:
    decl: dict[str, Any] = {"id": mid, "name": mid, "num": number_expr(ch, MEASURE_NAMES, ch.int(0, 2)),
                            "den": number_expr(ch, MEASURE_NAMES, ch.int(0, 1)),
                            "den_zero": ch.pick(["0", "1"])}
    if ch.chance(30):
        decl["den_zero_num_positive"] = ch.pick(["0", "9.9999", "1"])
    return decl


def rule(ch: Chooser, kind: str, pts: Decimal, depth: int = 0) -> dict[str, Any]:
    """A rule of ``kind`` worth ``pts`` as framework YAML would declare it."""
    p = str(pts)
    if kind == "linear":
        out: dict[str, Any] = {"kind": "linear", "points": p, "measure": measure_source(ch),
                               "factor": ch.pick(["1", "2", "5", "10", "0.5", "6.5", "-1", str(pts)])}
        if ch.chance(40):
            out["zero_if"] = bool_expr(ch, RULE_NAMES, ch.int(0, 2))
        return out
    if kind == "bands":
        bands = []
        for _ in range(ch.int(1, 4)):
            lo, hi = ch.pick([None, *EDGES]), ch.pick([None, *EDGES])
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            band: dict[str, Any] = {"score": str(quantize(pts * D(ch.int(0, 4)) / 4, 2))}
            if lo is not None:
                band |= {"lower": str(lo), "lower_inclusive": ch.chance(60)}
            if hi is not None:
                band |= {"upper": str(hi), "upper_inclusive": ch.chance(40)}
            bands.append(band)
        return {"kind": "bands", "points": p, "measure": measure_source(ch), "bands": bands,
                "otherwise": str(quantize(pts * D(ch.int(0, 2)) / 4, 2))}
    if kind == "deduction":
        return {"kind": "deduction", "points": p, "measure": measure_source(ch),
                "threshold": str(ch.pick(EDGES)), "direction": ch.pick(["over", "under"]),
                "unit": ch.pick(["0.01", "0.05", "0.1", "1", "0.001"]),
                "per_unit": ch.pick(["0.1", "0.5", "1", "0.25", "0.8", "0.05"]),
                "units": ch.pick(["exact", "floor", "ceil"]), "floor": ch.pick(["0", "0", "0.5", "1"])}
    if kind == "penalty":
        count = ch.pick(["j_a", "j_a + j_b", "x_a - x_b", "f_a + f_b", "(x_a > 1) + (x_b > 1)", "2 - j_a",
                         number_expr(ch, RULE_NAMES, 1)])
        return {"kind": "penalty", "points": p, "count": count, "per": ch.pick(["0.5", "1", "0.25", "2"]),
                "floor": ch.pick(["0", "0", "0.5"])}
    if kind == "tiers":
        labels = LABELS[:]
        ch_labels = [labels.pop(ch.int(0, len(labels) - 1)) for _ in range(ch.int(2, 4))]
        tiers = [{"label": lab, "score": str(quantize(pts * D(ch.int(0, 4)) / 4, 2))} for lab in ch_labels]
        return {"kind": "tiers", "points": p, "input": "t_a", "tiers": tiers,
                "default": str(quantize(pts * D(ch.int(0, 1)) / 4, 2))}
    if kind == "checklist":
        items = []
        for n in range(ch.int(1, 4)):
            item: dict[str, Any] = {"text": f"第{n + 1}条", "points": ch.pick(["0.5", "1", "1.5", "2"])}
            if ch.chance(50):
                item["input"] = ["j_a", "j_b", "j_c", "j_d"][n]
            else:
                item["when"] = bool_expr(ch, RULE_NAMES, ch.int(0, 2))
            items.append(item)
        return {"kind": "checklist", "points": p, "items": items}
    if kind == "judged":
        return {"kind": "judged", "points": p, "input": "j_e"}
    if kind == "sum":
        parts, left = [], pts
        for _ in range(ch.int(1, 3)):
            part_pts = min(left, ch.pick([D(1), D("0.5"), D(2), D("1.5")]))
            if part_pts <= 0:
                break
            left -= part_pts
            sub = ch.pick([k for k in KINDS if k not in ("sum", "schedule", "tiers", "judged", "checklist")]
                          if depth else ["linear", "bands", "deduction", "penalty", "override"])
            parts.append(rule(ch, sub, part_pts, depth + 1))
        if not parts:
            parts = [rule(ch, "linear", pts, depth + 1)]
        return {"kind": "sum", "points": p, "parts": parts}
    if kind == "override":
        inner = ch.pick(["linear", "bands", "deduction", "penalty"] + ([] if depth else ["sum"]))
        return {"kind": "override", "points": p, "when": bool_expr(ch, RULE_NAMES, ch.int(0, 2)),
                "value": ch.pick(["zero", "full"]), "when_text": "条件成立",
                "rule": rule(ch, inner, pts, depth + 1)}
    if kind == "either":
        inner = ["linear", "bands", "deduction", "penalty"] + ([] if depth else ["sum"])
        return {"kind": "either", "points": p, "when": bool_expr(ch, RULE_NAMES, ch.int(0, 2)), "when_text": "条件成立",
                "parts": [rule(ch, ch.pick(inner), pts, depth + 1), rule(ch, ch.pick(inner), pts, depth + 1)]}
    if kind == "schedule":
        n = ch.pick([1, 2, 4])
        schedule = sorted(ch.pick(["0.25", "0.5", "0.75", "1", "0.3", "0.6"]) for _ in range(n))
        paid = [ch.pick(["x_a", "x_b", "x_c", "x_a + x_b", "x_c - x_a", "x_b * 0.5"]) for _ in range(n)]
        return {"kind": "schedule", "points": p, "paid": paid, "total": ch.pick(["x_d", "x_d - x_a", "x_d + x_c"]),
                "schedule": schedule, "quarter_points": ch.pick(["1", "0.5", "1.5"]),
                "average_points": ch.pick(["0", "1", "2"]), "cap": ch.pick([None, "1", "1.2"]),
                "measure_prefix": "s_p"}
    raise AssertionError(kind)


# Engine-side fragility ---------------------------------------------------------------------------------

TIE = D("1e-14")  # relative: above the error of a few double operations, far below a cent or 0.01%
SMALL = D("1e-9")  # absolute: a non-zero exact result this small is rounding noise in doubles


def near_tie(expr: Expr, env: Mapping[str, Value]) -> bool:
    """True when a decision the expression takes (a comparison, a truth test, a divisor, a half-way
    rounding) sits within 1e-14 (relative) of its edge without being on it: there the exact Decimal engine and a
    spreadsheet's binary doubles (LibreOffice rounds near-equal values to equal) may legitimately part.
    Exact ties are not near ties: on those both must agree."""
    return _near(expr.tree, env)


def _value(node: ast.expr, env: Mapping[str, Value]) -> Value | None:
    try:
        return Expr("", node).evaluate(env)
    except ExprError:
        return None


def _small(v: Value | None) -> bool:
    if isinstance(v, Decimal):
        return D(0) < abs(v) <= SMALL
    return False


def _near(node: ast.expr, env: Mapping[str, Value]) -> bool:
    if isinstance(node, ast.Compare):
        left, right = _value(node.left, env), _value(node.comparators[0], env)
        if isinstance(left, Decimal | bool) and isinstance(right, Decimal | bool):
            a, b = D(left), D(right)
            if D(0) < abs(a - b) <= TIE * max(D(1), abs(a), abs(b)):
                return True
        return _near(node.left, env) or _near(node.comparators[0], env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "if_":
        cond = _value(node.args[0], env)
        if _small(cond) or _near(node.args[0], env):
            return True
        if cond is None:
            return False
        taken = node.args[1] if (cond if isinstance(cond, bool) else cond != 0 if isinstance(cond, Decimal)
                                 else bool(cond)) else node.args[2]
        return _near(taken, env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "round_":
        v, k = _value(node.args[0], env), _value(node.args[1], env)
        if isinstance(v, Decimal) and isinstance(k, Decimal) and half_way(v, int(k),
                                                                         divided=divides(Expr("", node.args[0]))):
            return True
    if isinstance(node, ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        operands = node.values if isinstance(node, ast.BoolOp) else [node.operand]
        if any(_small(_value(v, env)) for v in operands):
            return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _small(_value(node.right, env)):
        return True
    return any(_near(child, env) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))


def half_way(value: Decimal, places: int, *, divided: bool = False,
             quotient: tuple[Decimal, Decimal] | None = None) -> bool:
    """Within 1e-14 (relative) of a rounding half-way point at ``places`` but not on it, or on it when
    the value is ``divided`` out: 2825 / 45.2 is 62.5 exactly but 62.49999999999999 in binary, and
    LibreOffice's ROUND gives 62 (about 2% of exact half-way quotients; none of 400 money / money rates
    at 4 places, where its ROUND corrects the last bit). For a known ``quotient`` (num, den), only where
    the binary quotient falls short of the half (1 / 8 does not; those above it round away from 0 too)."""
    scaled = value.scaleb(places)
    frac = abs(scaled - scaled.to_integral_value(rounding="ROUND_FLOOR"))
    margin = abs(frac - D("0.5")).scaleb(-places)
    if quotient is not None and margin == 0:
        num, den = quotient
        divided = abs(D(float(num) / float(den))) < abs(value)
    return (divided or D(0) < margin) and margin <= TIE * max(D(1), abs(value))


def divides(expr: Expr) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(expr.tree))
