"""XP30x (money): stated totals, rates and repeated figures against what the inputs give."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.compiled import CompiledFramework
from xlperf.engine.rules import fmt_money, fmt_num, fmt_rate
from xlperf.expr import ExprError, parse, quantize, shown_expr
from xlperf.findings import Finding, Severity
from xlperf.plan.names import NameSpec, shown_places

__all__ = ["FigureDisagrees", "StatedRateMismatch", "StatedSumMismatch", "stated_category"]


def stated_category(expr: str, kind: str) -> str:
    """sum | rate | same: how a stated figure relates to the inputs (decides its code)."""
    if kind == "rate" or "/" in expr:
        return "rate"
    if "+" in expr:
        return "sum"
    return "same"


def _show(value: Decimal, kind: str) -> str:
    return fmt_rate(value) if kind == "rate" else fmt_money(value) if kind == "money" else f"{value:.2f}"


def _stated_specs(ctx: CheckContext, category: str) -> list[tuple[str, NameSpec, str]]:
    """The stated figures of a category with their expressions, in catalogue order (built once per compiled
    framework)."""
    return ctx.compiled.derived("money.stated", _by_category).get(category, [])


def _by_category(comp: CompiledFramework) -> dict[str, list[tuple[str, NameSpec, str]]]:
    declared = {s.name: s.compare for s in comp.fw.form.stated}
    by_category: dict[str, list[tuple[str, NameSpec, str]]] = {"sum": [], "rate": [], "same": []}
    for name, spec in comp.catalog.items():
        if spec.role == "stated" and spec.expr:
            kind = declared.get(name) or stated_category(spec.expr, spec.kind)
            by_category.setdefault(kind, []).append((name, spec, spec.expr))
    return by_category


def _stated(ctx: CheckContext, category: str) -> Iterator[tuple[str, Decimal, Decimal, int, str]]:
    """(name, stated, expected, places, explanation of the expectation), both rounded to the places the
    stated figure's cell shows (a rate 0.00%, money 0.00), as the sheet's highlight compares them."""
    for name, spec, expr in _stated_specs(ctx, category):
        stated = ctx.num(name)
        if stated is None:
            continue
        try:
            raw = parse(expr).evaluate(ctx.env)
        except (ExprError, ZeroDivisionError):
            continue
        if not isinstance(raw, Decimal):
            continue
        places = shown_places(spec.kind)
        yield name, quantize(stated, places), quantize(raw, places), places, expr
    for ident in ctx.read.framework.form.identities:
        total, parts_expr = ident.figure, ident.equals
        kind = ctx.cat[total].kind if total in ctx.cat else "money"
        if (ident.compare or stated_category(parts_expr, kind)) != category:
            continue
        parts = parse(parts_expr)
        if total not in ctx.values or any(n not in ctx.values for n in parts.names):
            continue  # an identity among stated figures holds only when the report gives every part
        stated = ctx.num(total)
        try:
            value = parts.evaluate({n: ctx.num(n) for n in parts.names})  # type: ignore[misc]
        except ExprError:
            continue
        if stated is None or not isinstance(value, Decimal):
            continue
        places = shown_places(kind)
        yield total, quantize(stated, places), quantize(value, places), places, parts_expr


def _figure(ctx: CheckContext, name: str, value: Decimal) -> str:
    """A figure as the explanations word it: money (万元) always with two decimals, a count as a count."""
    spec = ctx.cat.get(name)
    return fmt_money(value) if spec is not None and spec.kind == "money" else fmt_num(value)


def _describe(ctx: CheckContext, expr: str) -> str:
    """'人员经费 年初预算 642.21 + 日常公用经费 年初预算 39.00' for the names of an expression."""
    names = sorted(parse(expr).names, key=expr.index)
    parts = []
    for n in names:
        value = ctx.env.get(n)
        parts.append(f"{ctx.label(n)} {_figure(ctx, n, value)}" if isinstance(value, Decimal) else ctx.label(n))
    return " + ".join(parts)


class StatedSumMismatch(Check):
    """检查内容：填报（或报告中引用）的合计、小计不等于其组成部分之和，例如基本支出 ≠ 人员经费 + 日常公用经费、
    “三公”经费小计 ≠ 各项之和、报告正文中的预算构成之和 ≠ 合计。
    为何重要：合计错误说明报表存在漏项、重复计算或录入错误，后续所有比率都会受影响。
    示例：政府采购与“三公”经费预算合计填报 24.64 万元，而 7.30 + 8.67 = 15.97 万元（“三公”小计被重复计入）。
    如何修改：核对各组成部分，修正合计或漏填、错填的部分。"""

    code, name, severity, title, family = "XP301", "stated-sum-mismatch", Severity.error, "合计与分项之和不符", "money"
    template = "{label}填报为 {found}，但 {parts} = {expected}，相差 {diff}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, stated, expected, _, expr in _stated(ctx, "sum"):
            if stated != expected:
                kind = ctx.cat[name].kind
                yield self.finding(ctx, at=name, label=ctx.label(name), found=_show(stated, kind),
                                   expected=_show(expected, kind), parts=_describe(ctx, expr),
                                   diff=_show(stated - expected, kind))


class FigureDisagrees(Check):
    """检查内容：同一个数字在两处出现（如报表与正文、预算安排表与政府采购情况）但数值不同。
    为何重要：同一数据两处不一致，评审无法判断哪一个正确，依赖它的得分也无法确认。
    示例：预算安排表中政府采购预算为 7.30 万元，政府采购执行情况中为 1,931.52 万元。
    如何修改：确认正确的数字，统一修改两处。"""

    code, name, severity, title, family = "XP302", "figure-disagrees", Severity.error, "同一数字两处不一致", "money"
    template = "{label}为 {found}，而{other_label}为 {expected}，相差 {diff}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, stated, expected, _, expr in _stated(ctx, "same"):
            if stated != expected:
                kind = ctx.cat[name].kind
                yield self.finding(ctx, at=name, label=ctx.label(name), found=_show(stated, kind),
                                   expected=_show(expected, kind),
                                   other_label="、".join(ctx.label(n) for n in sorted(parse(expr).names)),
                                   diff=_show(stated - expected, kind))


class StatedRateMismatch(Check):
    """检查内容：填报（或报告中引用）的比率与按输入数据重新计算的结果不一致，例如执行率、控制率、季度执行率。
    两者都按表中显示的精度（0.01%）四舍五入后比较，与表中核对值、标红的规则相同：填报 0.015（显示 1.50%）
    而计算值为 1.49% 时报告；填报 0.01494（显示 1.49%）与 1.49% 一致。
    为何重要：报告中的比率是评分的依据，算错的比率会导致档位判断错误。
    示例：“三公”经费控制率填报 55.23%，而 4.79 ÷ 8.67 = 55.25%。
    如何修改：按公式重新计算比率，或核对分子、分母的数据。"""

    code, name, severity, title, family = "XP303", "stated-rate-mismatch", Severity.error, "比率与数据不符", "money"
    template = "{label}填报为 {found}，按数据计算 {formula} = {expected}（均按 0.01% 四舍五入后比较）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, stated, expected, _places, expr in _stated(ctx, "rate"):
            if stated != expected:
                kind = ctx.cat[name].kind
                formula = _formula_text(ctx, expr)
                yield self.finding(ctx, at=name, label=ctx.label(name), found=_show(stated, kind),
                                   expected=_show(expected, kind), formula=formula)


def _formula_text(ctx: CheckContext, expr: str) -> str:
    """e.g. '(paid_q2 - paid_q1) / quota_total' → '(33,284.43 − 12,693.28) ÷ 81,164.95' (the notation of
    every text a person reads, :data:`xlperf.expr.SHOWN_OPERATORS`)."""

    def number(n: str) -> str | None:
        value = ctx.env.get(n)
        return _figure(ctx, n, value) if isinstance(value, Decimal) else None

    return shown_expr(expr, number)
