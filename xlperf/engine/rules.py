"""The rule engine: each rule kind evaluated exactly (Decimal) and rendered as an Excel formula.

Both back ends live side by side per kind so a reader can check that they say the same thing; the
LibreOffice tests prove it on many workbooks. Scores here are *raw*: the caller clamps to
[0, points] and rounds (see :func:`finish`), identically in Python and in the formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from xlperf.expr import (
    ARG,
    COMPARED,
    DIVISOR,
    FACTOR,
    MINUEND,
    SUBTRAHEND,
    Expr,
    ExprError,
    Value,
    _truth,
    parse,
    quantize,
)
from xlperf.framework.form import PRIOR_PREFIX
from xlperf.framework.models import (
    BandsRule,
    Bounds,
    Cap,
    ChecklistItem,
    ChecklistRule,
    DeductionRule,
    EitherRule,
    Framework,
    Indicator,
    JudgedRule,
    LinearRule,
    Measure,
    OverrideRule,
    PenaltyRule,
    Rule,
    ScheduleRule,
    SumRule,
    TiersRule,
)

__all__ = [
    "Compiled", "JudgedInput", "MeasureDef", "cap_of", "capped_excel", "compile_framework", "evaluate_rule",
    "excel_rule",
    "finish", "finish_excel", "fmt_edge", "fmt_money", "fmt_num", "fmt_rate", "worded_names",
]

NameOf = Callable[[str], str]


# Formatting ---------------------------------------------------------------------------------------


def fmt_num(value: Decimal) -> str:
    """Money/counts as people read them: thousands separators, two decimals unless whole."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{quantize(value, 2):,.2f}"


def fmt_money(value: Decimal) -> str:
    """万元 amounts always with two decimals: 1,931.52 / 3.00."""
    return f"{quantize(value, 2):,.2f}"


_E2, _E4 = Decimal("0.01"), Decimal("0.0001")
_ZERO = Decimal(0)  # made once: rules clamp at 0 several times per call
_FAST_ADJUSTED = 21
"""A finite value whose adjusted exponent is at most this is rounded to 4 places in the default context (as
:func:`quantize`'s fast path), and ``str`` of the result is plain notation with exactly the places asked for."""


def fmt_rate(value: Decimal) -> str:
    """A rate as a percentage with two decimals: 97.65%."""
    pct = value * 100
    if pct.is_finite() and pct.adjusted() <= _FAST_ADJUSTED:  # the usual case: str of a 2-place Decimal is its
        return f"{pct.quantize(_E2, ROUND_HALF_UP)}%"         # ".2f" text (~3× cheaper per explanation)
    return f"{quantize(pct, 2):.2f}%"


def fmt_pts(value: Decimal) -> str:
    """Points (or a factor) with up to 4 decimals and no trailing zeros: 0.2176, 3, 1.5."""
    if value.is_finite() and value.adjusted() <= _FAST_ADJUSTED:
        # the usual case, without normalize() and format(): the 4-place text with its trailing zeros (and then a
        # trailing point) stripped is the same text (tests/core/test_formatting.py compares them on any value)
        return str(value.quantize(_E4, ROUND_HALF_UP)).rstrip("0").rstrip(".")
    return f"{quantize(value, 4).normalize():f}"


# Compiled framework -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureDef:
    id: str
    name: str
    num: Expr
    den: Expr
    den_zero: Decimal
    decimals: int
    note: str | None = None
    den_zero_num_positive: Decimal | None = None
    schedule: Decimal | None = None  # set for schedule-rule quarter rates: den = total × schedule

    def value(self, env: Mapping[str, Value]) -> tuple[Decimal, Decimal, Decimal]:
        """(rate, numerator, denominator), the rate rounded to the framework's decimals."""
        den = _dec(self.den.evaluate(env))
        if den == 0 and self.den_zero_num_positive is None:
            # The sheet's IF(den=0,den_zero,…) never computes the numerator here, so an error in it (a
            # division by an input that is 0) is no error of the rate; it is then reported as 0.
            try:
                num = _dec(self.num.evaluate(env))
            except ExprError:
                num = Decimal(0)
            return self.den_zero, num, den
        num = _dec(self.num.evaluate(env))
        if den == 0:
            assert self.den_zero_num_positive is not None
            return (self.den_zero_num_positive if num > 0 else self.den_zero), num, den
        return quantize(num / den, self.decimals), num, den

    def excel(self, name_of: NameOf = lambda n: n) -> str:
        num_p, den_p = self.num.to_excel(name_of, FACTOR), self.den.to_excel(name_of, DIVISOR)
        zero = fmt_pts(self.den_zero)
        if self.den_zero_num_positive is not None:
            zero = f"IF({self.num.to_excel(name_of, COMPARED)}>0,{fmt_pts(self.den_zero_num_positive)},{zero})"
        return f"IF({self.den.to_excel(name_of, COMPARED)}=0,{zero},ROUND({num_p}/{den_p},{self.decimals}))"


@dataclass(frozen=True)
class JudgedInput:
    """An answer the department gives for a judged criterion (points awarded, or a chosen tier)."""

    name: str
    label: str
    indicator_id: str
    max_points: Decimal | None
    options: tuple[str, ...] = ()
    kind: str = "points"  # points | tier | count | flag

    @property
    def is_tier(self) -> bool:
        return self.kind == "tier"


@dataclass
class Compiled:
    framework: Framework
    measures: list[MeasureDef] = field(default_factory=list)
    judged: list[JudgedInput] = field(default_factory=list)
    input_labels: dict[str, str] = field(default_factory=dict)
    """name → Chinese label of every declared input, derived and stated figure."""
    rate_inputs: frozenset[str] = frozenset()
    """Typed rates (this year's and last year's), rounded like computed ones (framework decision)."""

    def measure(self, measure_id: str) -> MeasureDef:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)


def compile_framework(fw: Framework) -> Compiled:
    """Collect measures (declared and generated by schedule rules), judged inputs, input labels and typed rates."""
    out = Compiled(fw, input_labels=_input_labels(fw), rate_inputs=_rate_inputs(fw))
    dec = fw.rounding.rate_decimals
    for m in fw.measures:
        out.measures.append(_measure(m, dec))

    form_choices = tier_inputs(fw)

    def visit(rule: Rule, ind_id: str, ind_name: str) -> None:
        if isinstance(rule, ScheduleRule):
            names = ["一", "二", "三", "四"]
            quarterly = len(rule.paid) == 4
            for n, (paid, sched) in enumerate(zip(rule.paid, rule.schedule, strict=True), start=1):
                label = f"{names[n - 1]}季度执行率" if quarterly else f"第{n}期执行率"
                out.measures.append(MeasureDef(
                    f"{rule.measure_prefix}_q{n}", label, parse(paid),
                    parse(f"({rule.total}) * {sched}"), Decimal(0), dec, schedule=sched))
            qs = [f"{rule.measure_prefix}_q{n}" for n in range(1, len(rule.paid) + 1)]
            capped = [f"min({q}, {rule.cap})" if rule.cap is not None else q for q in qs]
            out.measures.append(MeasureDef(
                f"{rule.measure_prefix}_avg", "全年平均执行率", parse(" + ".join(capped)),
                parse(str(len(qs))), Decimal(0), dec))
        elif isinstance(rule, SumRule | EitherRule):
            for part in rule.parts:
                visit(part, ind_id, ind_name)
        elif isinstance(rule, OverrideRule):
            visit(rule.rule, ind_id, ind_name)
        elif isinstance(rule, ChecklistRule):
            for item in rule.items:
                if item.input:
                    out.judged.append(JudgedInput(item.input, item.text, ind_id, item.points))
        elif isinstance(rule, JudgedRule):
            out.judged.append(JudgedInput(rule.input, rule.label or ind_name, ind_id, rule.points))
        elif isinstance(rule, TiersRule) and rule.input not in form_choices:
            out.judged.append(JudgedInput(rule.input, rule.label or ind_name, ind_id, rule.points,
                                          tuple(t.label for t in rule.tiers), "tier"))

    for ind in fw.leaves():
        assert ind.rule is not None
        visit(ind.rule, ind.id, ind.name)
    users = {name: ind.id for ind in fw.leaves() for name in _rule_names(ind.rule)}
    for extra in fw.extra_inputs:
        out.judged.append(JudgedInput(extra.name, extra.label, users.get(extra.name, ""), None, (), extra.kind))
    return out


def _input_labels(fw: Framework) -> dict[str, str]:
    out = {d.name: d.label for d in fw.form.inputs}
    out.update({PRIOR_PREFIX + d.name: f"上年 {d.label}" for d in fw.form.inputs if d.prior})
    out.update({d.name: d.label for d in fw.form.derived})
    out.update({d.name: d.label for d in fw.form.stated})
    return out


def _rate_inputs(fw: Framework) -> frozenset[str]:
    names = {d.name for d in fw.form.inputs if d.kind == "rate"}
    return frozenset(names | {PRIOR_PREFIX + n for n in names})


TIER_INPUT_KINDS = ("choice", "bool")
"""Kinds of a form input a tiers rule may read (the choice the department picks on the form)."""


def tier_inputs(fw: Framework) -> frozenset[str]:
    """The form's choice and 是/否 inputs: a tiers rule naming one reads the department's choice on the form,
    not a judged answer on the score sheet."""
    return frozenset(d.name for d in fw.form.inputs if d.kind in TIER_INPUT_KINDS)


def tier_answer(value: object) -> object:
    """A tiers rule's answer as the sheet holds it: a 是/否 input's True/False is the text 是/否 in its cell."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def sub_rules(rule: Rule | None) -> list[Rule]:
    """A rule and every rule nested in it (sum parts, override inner rules), depth first."""
    if rule is None:
        return []
    out: list[Rule] = [rule]
    for part in getattr(rule, "parts", []):
        out += sub_rules(part)
    inner = getattr(rule, "rule", None)
    if inner is not None:
        out += sub_rules(inner)
    return out


def _rule_names(rule: Rule | None) -> set[str]:
    """Every name a rule's expressions refer to."""
    if rule is None:
        return set()
    names: set[str] = set()
    for key in ("measure", "zero_if", "count", "when", "total"):
        value = getattr(rule, key, None)
        if isinstance(value, str):
            names |= parse(value).names
    for paid in getattr(rule, "paid", []):
        names |= parse(paid).names
    for item in getattr(rule, "items", []):
        if item.when:
            names |= parse(item.when).names
    for part in getattr(rule, "parts", []):
        names |= _rule_names(part)
    if isinstance(rule, OverrideRule):
        names |= _rule_names(rule.rule)
    return names


def compiled_names(fw: Framework, indicator: object) -> set[str]:
    """Names an indicator's rule reads directly: inputs, measures (incl. schedule rates), judged answers."""
    assert isinstance(indicator, Indicator)
    rule = indicator.rule
    names = _rule_names(rule)
    stack: list[Rule] = [rule] if rule is not None else []
    while stack:
        r = stack.pop()
        if isinstance(r, ScheduleRule):
            names -= {n for p in r.paid for n in parse(p).names} | parse(r.total).names
            names |= {f"{r.measure_prefix}_q{n}" for n in range(1, len(r.paid) + 1)} | {f"{r.measure_prefix}_avg"}
        elif isinstance(r, TiersRule | JudgedRule):
            names.add(r.input)
        elif isinstance(r, ChecklistRule):
            names |= {i.input for i in r.items if i.input}
        elif isinstance(r, SumRule | EitherRule):
            stack.extend(r.parts)
        elif isinstance(r, OverrideRule):
            stack.append(r.rule)
    return names


def _measure(m: Measure, decimals: int) -> MeasureDef:
    return MeasureDef(m.id, m.name, parse(m.num), parse(m.den), m.den_zero, decimals, m.note,
                      m.den_zero_num_positive)


def _dec(value: Value) -> Decimal:
    if type(value) is Decimal:  # the usual value, checked first
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    raise ExprError(f"需要数值，得到文字 {value!r}")


# Evaluation ---------------------------------------------------------------------------------------


class Ctx(NamedTuple):
    """What a rule needs besides the environment: measure explanations. ``worded=False``: the score only — each
    rule returns the same raw score with an empty explanation, without wording it (an Excel function asking
    for a score would otherwise spend most of its time on text it throws away). A named tuple: made once per
    Excel function call, ~3× cheaper to build than a frozen dataclass."""

    env: Mapping[str, Value]
    measure_text: Callable[[str], str]
    worded: bool = True

    def num(self, name_or_expr: str) -> Decimal:
        value = self.env.get(name_or_expr)
        if type(value) is Decimal:  # a name bound to a number, the usual case: what evaluating the name gives
            return value
        return _dec(parse(name_or_expr).evaluate(self.env))


def evaluate_rule(rule: Rule, ctx: Ctx) -> tuple[Decimal, str]:
    """Raw score (before clamping/rounding) and its Chinese explanation."""
    return _EVAL[type(rule)](rule, ctx)


def _linear(rule: LinearRule, ctx: Ctx) -> tuple[Decimal, str]:
    if rule.zero_if and _truth(parse(rule.zero_if).evaluate(ctx.env)):
        return Decimal(0), (f"{rule.zero_if_text or rule.zero_if} → 0 分" if ctx.worded else "")
    rate = ctx.num(rule.measure)
    score = min(rule.points, rate * rule.factor)
    if not ctx.worded:
        return score, ""
    cap = "（封顶）" if rate * rule.factor > rule.points else ""
    return score, f"{ctx.measure_text(rule.measure)} × {fmt_pts(rule.factor)} = {fmt_pts(score)} 分{cap}"


def fmt_edge(value: Decimal) -> str:
    """A band edge as written in frameworks: 90%, 5%, 100%."""
    return f"{(value * 100).normalize():f}%"


_TEXTS: dict[int, tuple[object, Callable[..., str], str]] = {}
_TEXTS_MAX = 4096


def _text_of(fmt: Callable[[Any], str], obj: Any) -> str:
    """``fmt(obj)`` for a part of a framework's rule (a band, a rule's points or threshold), made once per object
    and kept: rules are frozen, the same object always has the same text, and the entry holds the object (so
    its id is not reused while the entry lives). Only objects of a rule get in, never a value of a cell."""
    hit = _TEXTS.get(id(obj))
    if hit is not None and hit[0] is obj and hit[1] is fmt:
        return hit[2]
    text = fmt(obj)
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[id(obj)] = (obj, fmt, text)
    return text


def _band_text(band: Bounds) -> str:
    return _text_of(_band_words, band)


def _band_words(band: Bounds) -> str:
    if band.lower is not None and band.upper is not None:
        left = "[" if band.lower_inclusive else "("
        right = "]" if band.upper_inclusive else ")"
        return f"在 {left}{fmt_edge(band.lower)}, {fmt_edge(band.upper)}{right} 区间"
    if band.lower is not None:
        return f"{'≥' if band.lower_inclusive else '>'} {fmt_edge(band.lower)}"
    if band.upper is not None:
        return f"{'≤' if band.upper_inclusive else '<'} {fmt_edge(band.upper)}"
    return "任何值"


def _in_band(value: Decimal, band: Bounds) -> bool:
    if band.lower is not None and (value < band.lower or (value == band.lower and not band.lower_inclusive)):
        return False
    if band.upper is not None and (value > band.upper or (value == band.upper and not band.upper_inclusive)):
        return False
    return True


def _bands(rule: BandsRule, ctx: Ctx) -> tuple[Decimal, str]:
    value: Decimal | None = None
    for band in rule.bands:
        if band.lower is None and band.upper is None:
            # A band without bounds is IF(TRUE,…) in the sheet: reached before any bounded band, the
            # measure is never computed (so a measure that cannot be, a division by 0, is no error).
            return band.score, (f"{_band_text(band)} → {fmt_pts(band.score)} 分" if ctx.worded else "")
        if value is None:
            value = ctx.num(rule.measure)
        if _in_band(value, band):
            if not ctx.worded:
                return band.score, ""
            return band.score, f"{ctx.measure_text(rule.measure)} {_band_text(band)} → {fmt_pts(band.score)} 分"
    if not ctx.worded:
        return rule.otherwise, ""
    return rule.otherwise, f"{ctx.measure_text(rule.measure)}，不在任何档位 → {fmt_pts(rule.otherwise)} 分"


def _units(rule: DeductionRule, value: Decimal) -> Decimal:
    diff = value - rule.threshold if rule.direction == "over" else rule.threshold - value
    units = max(_ZERO, quantize(diff / rule.unit, 6))
    if rule.units == "floor":
        return Decimal(int(units))
    if rule.units == "ceil":
        return units.to_integral_value(rounding="ROUND_CEILING")
    return units


def _deduction(rule: DeductionRule, ctx: Ctx) -> tuple[Decimal, str]:
    value = ctx.num(rule.measure)
    units = _units(rule, value)
    deducted = units * rule.per_unit
    score = max(rule.floor, rule.points - deducted)
    if not ctx.worded:
        return score, ""
    side = "超过" if rule.direction == "over" else "低于"
    unit = "个百分点" if rule.unit == _E2 else f"个单位（{fmt_pts(rule.unit)}）"
    if units == 0:
        return score, (f"{ctx.measure_text(rule.measure)}，未{side} {_text_of(fmt_edge, rule.threshold)} → "
                       f"{fmt_pts(score)} 分")
    exact = max(_ZERO, (value - rule.threshold if rule.direction == "over" else rule.threshold - value) / rule.unit)
    counted = "" if quantize(exact, 2) == units else (
        f"（{'不足1个按1个计' if rule.units == 'ceil' else '不足1个不计'}，计 {fmt_pts(units)} 个）")
    return score, (f"{ctx.measure_text(rule.measure)}，{side} {fmt_edge(rule.threshold)} {fmt_pts(quantize(exact, 2))}"
                   f" {unit}{counted}，扣 {fmt_pts(quantize(deducted, 2))} 分 → {fmt_pts(quantize(score, 2))} 分"
                   + ("（扣完为止）" if score == rule.floor else ""))


def _penalty(rule: PenaltyRule, ctx: Ctx) -> tuple[Decimal, str]:
    count = ctx.num(rule.count)
    score = max(rule.floor, rule.points - count * rule.per)
    if not ctx.worded:
        return score, ""
    # without count_label, the count as the form labels it (“财经纪律检查发现问题数 1”), never its name
    counted = f"{rule.count_label} {fmt_num(count)}" if rule.count_label else ctx.measure_text(rule.count)
    return score, f"{counted} 项，每项扣 {fmt_pts(rule.per)} 分 → {fmt_pts(score)} 分"


def _tiers(rule: TiersRule, ctx: Ctx) -> tuple[Decimal, str]:
    answer = tier_answer(ctx.env.get(rule.input, ""))
    for tier in rule.tiers:
        if answer == tier.label:
            if not ctx.worded:
                return tier.score, ""
            return tier.score, f"{rule.label or '档位'}：{tier.label} → {fmt_pts(tier.score)} 分"
    if not ctx.worded:
        return rule.default, ""
    shown = answer if answer not in ("", None) else "未选择"
    return rule.default, f"{rule.label or '档位'}：{shown} → {fmt_pts(rule.default)} 分"


def _item_score(item: object, ctx: Ctx) -> Decimal:
    assert isinstance(item, ChecklistItem)
    if item.when is not None:
        return item.points if _truth(parse(item.when).evaluate(ctx.env)) else _ZERO
    assert item.input is not None
    return min(item.points, max(_ZERO, _dec(ctx.env.get(item.input, _ZERO))))


def _checklist(rule: ChecklistRule, ctx: Ctx) -> tuple[Decimal, str]:
    scores = [_item_score(item, ctx) for item in rule.items]
    total = min(rule.points, sum(scores, _ZERO))
    if not ctx.worded:
        return total, ""
    detail = " + ".join([fmt_pts(s) for s in scores])
    lost = [f"第{n}条" for n, (s, item) in enumerate(zip(scores, rule.items, strict=True), 1) if s < item.points]
    tail = f"（{ '、'.join(lost)}未得满分）" if lost else ""
    return total, f"{rule.label + '：' if rule.label else ''}{detail} = {fmt_pts(total)} 分{tail}"


def _judged(rule: JudgedRule, ctx: Ctx) -> tuple[Decimal, str]:
    value = min(rule.points, max(_ZERO, _dec(ctx.env.get(rule.input, _ZERO))))
    if not ctx.worded:
        return value, ""
    return value, f"{rule.label or '评判得分'} {fmt_pts(value)} 分（满分 {_text_of(fmt_pts, rule.points)}）"


def _sum(rule: SumRule, ctx: Ctx) -> tuple[Decimal, str]:
    results = [evaluate_rule(p, ctx) for p in rule.parts]
    parts = [min(p.points, max(_ZERO, s)) for p, (s, _) in zip(rule.parts, results, strict=True)]
    total = min(rule.points, sum(parts, _ZERO))
    if not ctx.worded:
        return total, ""
    texts = "；".join([t for _, t in results])
    return total, f"{texts}；合计 {fmt_pts(quantize(total, 4))} 分"


def _override(rule: OverrideRule, ctx: Ctx) -> tuple[Decimal, str]:
    if _truth(parse(rule.when).evaluate(ctx.env)):
        value = Decimal(0) if rule.value == "zero" else rule.points
        return value, (f"{rule.when_text} → {fmt_pts(value)} 分" if ctx.worded else "")
    return evaluate_rule(rule.rule, ctx)


def _either(rule: EitherRule, ctx: Ctx) -> tuple[Decimal, str]:
    chosen = _truth(parse(rule.when).evaluate(ctx.env))
    value, text = evaluate_rule(rule.parts[0] if chosen else rule.parts[1], ctx)
    if not ctx.worded:
        return value, ""
    return value, f"{rule.when_text}：{'是' if chosen else '否'} → {text}"


def _schedule(rule: ScheduleRule, ctx: Ctx) -> tuple[Decimal, str]:
    names, avg_name = _period_names(rule.measure_prefix, len(rule.paid))
    rates = [ctx.num(n) for n in names]
    capped = [min(r, rule.cap) if rule.cap is not None else r for r in rates]
    avg = ctx.num(avg_name)
    periods = [c * rule.quarter_points for c in capped]
    avg_points = avg * rule.average_points
    score = sum(periods, _ZERO) + avg_points
    if not ctx.worded:
        return score, ""
    qtext = "；".join([ctx.measure_text(n) for n in names])
    cap_note = (f"（单期执行率按 {fmt_edge(rule.cap)} 封顶计分）" if rule.cap is not None and rates != capped else "")
    period = "季度得分" if len(names) == 4 else "各期得分"
    return score, (f"{qtext}；{period} {' + '.join([fmt_pts(p) for p in periods])}{cap_note}；"
                   f"全年平均执行率 {fmt_rate(avg)} × {_text_of(fmt_pts, rule.average_points)} = "
                   f"{fmt_pts(avg_points)}；合计 {fmt_pts(quantize(score, 4))} 分")


def worded_names(rule: Rule) -> frozenset[str]:
    """The measures whose own text (``Ctx.measure_text``) a rule's explanation may include, nested rules included:
    an explanation never reads the numerator and denominator of any other rate (so a rate passed to an Excel
    function need not be recomputed to word it)."""
    found: set[str] = set()
    stack = [rule]
    while stack:
        r = stack.pop()
        if isinstance(r, LinearRule | BandsRule | DeductionRule):
            found.add(r.measure)
        elif isinstance(r, ScheduleRule):
            found.update(_period_names(r.measure_prefix, len(r.paid))[0])
        elif isinstance(r, PenaltyRule):  # its count, worded by measure_text when the rule has no count_label
            found.add(r.count)
        stack.extend(getattr(r, "parts", None) or ())
        inner = getattr(r, "rule", None)
        if inner is not None:
            stack.append(inner)
    return frozenset(found)


@lru_cache(maxsize=64)
def _period_names(prefix: str, periods: int) -> tuple[tuple[str, ...], str]:
    """The rates a schedule rule reads: each period's, then the year's average (named once, not per call)."""
    return tuple(f"{prefix}_q{n}" for n in range(1, periods + 1)), f"{prefix}_avg"


_EVAL: dict[type, Callable[..., tuple[Decimal, str]]] = {
    LinearRule: _linear, BandsRule: _bands, DeductionRule: _deduction, PenaltyRule: _penalty,
    TiersRule: _tiers, ChecklistRule: _checklist, JudgedRule: _judged, SumRule: _sum,
    OverrideRule: _override, EitherRule: _either, ScheduleRule: _schedule,
}


def finish(raw: Decimal, points: Decimal, decimals: int) -> Decimal:
    """Clamp to [0, points] and round: the one rounding step of an indicator score."""
    return quantize(min(points, max(_ZERO, raw)), decimals)


def cap_of(cap: Cap, ctx: Ctx) -> tuple[Decimal | None, str]:
    """The cap a measure's band puts on the target (None: in no band, not capped) and why, in Chinese.

    Bands are tried in order, as the sheet's nested IF tries them; a band without bounds holds before the
    measure is computed (the sheet's IF(TRUE,…) never reads it either)."""
    value: Decimal | None = None
    flag = False  # a 是/否 measure (一票否决): its 是/否 says it all, a band "≥ 100%" on it would not
    for band in cap.bands:
        if band.lower is None and band.upper is None:
            return band.cap, f"{cap.name}：最高 {fmt_pts(band.cap)} 分"
        if value is None:
            raw = parse(cap.measure).evaluate(ctx.env)
            flag, value = isinstance(raw, bool), _dec(raw)
        if _in_band(value, band):
            where = "" if flag else f" {_band_text(band)}"
            return band.cap, f"{cap.name}：{ctx.measure_text(cap.measure)}{where}，最高 {fmt_pts(band.cap)} 分"
    return None, ""


# Excel rendering ----------------------------------------------------------------------------------


def _cap_x(cap: Cap, uncapped: Decimal, name_of: NameOf) -> str:
    """The cap as a nested IF over the measure's bands, in the order declared; ``uncapped`` (the target's
    points, which its score never exceeds) outside every band."""
    ref = _x(cap.measure, name_of, COMPARED)
    formula = fmt_pts(uncapped)
    for band in reversed(cap.bands):
        formula = f"IF({_band_cond(band, ref)},{fmt_pts(band.cap)},{formula})"
    return formula


def capped_excel(formula: str, caps: list[Cap], points: Decimal, name_of: NameOf = lambda n: n) -> str:
    """A score's formula with the caps on it: MIN(score, cap₁, cap₂ …); the formula itself when none."""
    if not caps:
        return formula
    return f"MIN({formula},{','.join(_cap_x(c, points, name_of) for c in caps)})"


def excel_rule(rule: Rule, name_of: NameOf = lambda n: n) -> str:
    """Formula text (no '=') computing the raw score of a rule from named cells."""
    return _EXCEL[type(rule)](rule, name_of)


def finish_excel(raw: str, points: Decimal, decimals: int) -> str:
    return f"ROUND(MIN({fmt_pts(points)},MAX(0,{raw})),{decimals})"


def _x(source: str, name_of: NameOf, within: int = ARG) -> str:
    """A framework expression as formula text for the slot ``within`` (see :meth:`Expr.to_excel`):
    parenthesised where the operator around it binds tighter (``1-offpost_rate`` times a factor)."""
    return parse(source).to_excel(name_of, within)


def _linear_x(rule: LinearRule, name_of: NameOf) -> str:
    body = f"MIN({fmt_pts(rule.points)},{_x(rule.measure, name_of, FACTOR)}*{fmt_pts(rule.factor)})"
    if rule.zero_if:
        return f"IF({_x(rule.zero_if, name_of)},0,{body})"
    return body


def _band_cond(band: Bounds, ref: str) -> str:
    conds = []
    if band.lower is not None:
        conds.append(f"{ref}{'>=' if band.lower_inclusive else '>'}{fmt_pts(band.lower)}")
    if band.upper is not None:
        conds.append(f"{ref}{'<=' if band.upper_inclusive else '<'}{fmt_pts(band.upper)}")
    if not conds:
        return "TRUE"
    return conds[0] if len(conds) == 1 else f"AND({','.join(conds)})"


def _bands_x(rule: BandsRule, name_of: NameOf) -> str:
    ref = _x(rule.measure, name_of, COMPARED)
    formula = fmt_pts(rule.otherwise)
    for band in reversed(rule.bands):
        formula = f"IF({_band_cond(band, ref)},{fmt_pts(band.score)},{formula})"
    return formula


def _deduction_x(rule: DeductionRule, name_of: NameOf) -> str:
    if rule.direction == "over":
        diff = f"{_x(rule.measure, name_of, MINUEND)}-{fmt_pts(rule.threshold)}"
    else:
        diff = f"{fmt_pts(rule.threshold)}-{_x(rule.measure, name_of, SUBTRAHEND)}"
    units = f"MAX(0,ROUND(({diff})/{fmt_pts(rule.unit)},6))"
    if rule.units == "floor":
        units = f"INT({units})"
    elif rule.units == "ceil":
        units = f"ROUNDUP({units},0)"
    return f"MAX({fmt_pts(rule.floor)},{fmt_pts(rule.points)}-{units}*{fmt_pts(rule.per_unit)})"


def _penalty_x(rule: PenaltyRule, name_of: NameOf) -> str:
    return f"MAX({fmt_pts(rule.floor)},{fmt_pts(rule.points)}-({_x(rule.count, name_of)})*{fmt_pts(rule.per)})"


def _tiers_x(rule: TiersRule, name_of: NameOf) -> str:
    ref = name_of(rule.input)
    if ref == f'({rule.input}="是")':  # a 是/否 input reads as a condition elsewhere; its tiers compare the text
        ref = rule.input
    formula = fmt_pts(rule.default)
    for tier in reversed(rule.tiers):
        label = tier.label.replace('"', '""')
        formula = f'IF({ref}="{label}",{fmt_pts(tier.score)},{formula})'
    return formula


def _item_x(item: object, name_of: NameOf) -> str:
    assert isinstance(item, ChecklistItem)
    if item.when is not None:
        return f"IF({_x(item.when, name_of)},{fmt_pts(item.points)},0)"
    assert item.input is not None
    return f"MIN({fmt_pts(item.points)},MAX(0,N({name_of(item.input)})))"


def _checklist_x(rule: ChecklistRule, name_of: NameOf) -> str:
    return f"MIN({fmt_pts(rule.points)},{'+'.join(_item_x(i, name_of) for i in rule.items)})"


def _judged_x(rule: JudgedRule, name_of: NameOf) -> str:
    return f"MIN({fmt_pts(rule.points)},MAX(0,N({name_of(rule.input)})))"


def _sum_x(rule: SumRule, name_of: NameOf) -> str:
    parts = [f"MIN({fmt_pts(p.points)},MAX(0,{excel_rule(p, name_of)}))" for p in rule.parts]
    return f"MIN({fmt_pts(rule.points)},{'+'.join(parts)})"


def _override_x(rule: OverrideRule, name_of: NameOf) -> str:
    value = "0" if rule.value == "zero" else fmt_pts(rule.points)
    return f"IF({_x(rule.when, name_of)},{value},{excel_rule(rule.rule, name_of)})"


def _either_x(rule: EitherRule, name_of: NameOf) -> str:
    first, second = (excel_rule(p, name_of) for p in rule.parts)
    return f"IF({_x(rule.when, name_of)},{first},{second})"


def _schedule_x(rule: ScheduleRule, name_of: NameOf) -> str:
    names = [name_of(f"{rule.measure_prefix}_q{n}") for n in range(1, len(rule.paid) + 1)]
    capped = [f"MIN({n},{fmt_pts(rule.cap)})" if rule.cap is not None else n for n in names]
    quarters = "+".join(f"{c}*{fmt_pts(rule.quarter_points)}" for c in capped)
    return f"{quarters}+{name_of(rule.measure_prefix + '_avg')}*{fmt_pts(rule.average_points)}"


_EXCEL: dict[type, Callable[..., str]] = {
    LinearRule: _linear_x, BandsRule: _bands_x, DeductionRule: _deduction_x, PenaltyRule: _penalty_x,
    TiersRule: _tiers_x, ChecklistRule: _checklist_x, JudgedRule: _judged_x, SumRule: _sum_x,
    OverrideRule: _override_x, EitherRule: _either_x, ScheduleRule: _schedule_x,
}
