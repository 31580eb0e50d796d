"""XP30x (budget): budget against expenditure, adjustments, and the quarterly payment table."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..findings import Finding, Severity
from ..framework.models import DeductionRule, Framework, Indicator, Rule
from ..framework.rules import fmt_edge, fmt_rate
from ..framework.rules import fmt_money as fmt_num
from .base import Check
from .context import CheckContext

__all__ = ["DeductionTriggered", "ExceedsAvailableFunds", "ExpenditureExceedsBudget", "PaidExceedsQuota",
           "Q4NotActual", "QuarterlyNotCumulative", "QuotaNotAdjusted", "SpendingWithoutBudget"]

BUDGET_PAIRS = (  # (budget, actual, what)
    ("personnel_adjusted", "personnel_actual", "人员经费"),
    ("public_adjusted", "public_actual", "日常公用经费"),
    ("project_adjusted", "project_actual", "项目支出"),
    ("abroad_budget", "abroad_actual", "因公出国（境）费"),
    ("reception_budget", "reception_actual", "公务接待费"),
    ("vehicle_budget", "vehicle_actual", "公务用车购置及运行维护费"),
    ("procurement_plan", "procurement_actual", "政府采购"),
)


class ExpenditureExceedsBudget(Check):
    """检查内容：某项实际支出超过其调整后预算（或预算、采购计划）。
    为何重要：超预算支出违反预算约束，通常还意味着控制率、执行率类指标得 0 分；也可能是填错了栏目。
    示例：公务接待费预算 5.00 万元，实际支出 6.20 万元。
    如何修改：核对数据；确属超支的，在自评说明中说明原因和审批依据。"""

    code, name, severity, title, family = "XP304", "expenditure-exceeds-budget", Severity.warning, "支出超过预算", "budget"
    template = "{what}实际支出 {actual} 万元，超过预算 {budget} 万元（超出 {diff} 万元）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for budget, actual, what in BUDGET_PAIRS:
            b, a = ctx.num(budget), ctx.num(actual)
            if b is not None and a is not None and b > 0 and a > b:
                yield self.finding(ctx, at=actual, what=what, actual=fmt_num(a), budget=fmt_num(b),
                                   diff=fmt_num(a - b), found=a, expected=b)


class SpendingWithoutBudget(Check):
    """检查内容：预算（或计划）为 0，却有实际支出。
    为何重要：无预算支出不符合预算法；控制率的分母为 0，按超预算处理。
    示例：因公出国（境）费预算 0.00，实际支出 2.30 万元。
    如何修改：核对是否漏填预算，或在说明中写明追加预算的依据。"""

    code, name, severity, title, family = "XP315", "spending-without-budget", Severity.warning, "无预算有支出", "budget"
    template = "{what}预算为 0，实际支出 {actual} 万元"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for budget, actual, what in BUDGET_PAIRS:
            b, a = ctx.num(budget), ctx.num(actual)
            if b == 0 and a is not None and a > 0:
                yield self.finding(ctx, at=actual, what=what, actual=fmt_num(a), found=a, expected=Decimal(0))


class ExceedsAvailableFunds(Check):
    """检查内容：年度总支出超过可用资金（调整后预算总指标 + 年初结转结余）。
    为何重要：财政拨款支出不可能超过可用资金，超出说明收支数据有误。
    示例：调整后指标 81,164.95 万元、年初结转 0，支出填报 82,000.00 万元。
    如何修改：核对支出和指标数据，或补填年初结转结余。"""

    code, name, severity, title, family = "XP316", "exceeds-available-funds", Severity.error, "支出超过可用资金", "budget"
    template = "年度总支出 {actual} 万元，超过调整后预算总指标 {budget} 万元与年初结转结余 {carry} 万元之和"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        a, b = ctx.env.get("total_actual"), ctx.env.get("total_adjusted")
        carry = ctx.num("carryover_begin") or Decimal(0)
        if isinstance(a, Decimal) and isinstance(b, Decimal) and a > b + carry:
            yield self.finding(ctx, at="total_actual", actual=fmt_num(a), budget=fmt_num(b), carry=fmt_num(carry),
                               found=a, expected=b + carry)


def _deductions(rule: Rule | None) -> Iterator[DeductionRule]:
    if rule is None:
        return
    if isinstance(rule, DeductionRule):
        yield rule
    for part in getattr(rule, "parts", []):
        yield from _deductions(part)
    inner = getattr(rule, "rule", None)
    if inner is not None:
        yield from _deductions(inner)


_DEDUCTIONS: dict[int, tuple[Framework, list[tuple[Indicator, DeductionRule]]]] = {}


def _deduction_rules(fw: Framework) -> list[tuple[Indicator, DeductionRule]]:
    """Every (leaf indicator, deduction rule) of a framework, in order; built once per framework object."""
    hit = _DEDUCTIONS.get(id(fw))
    if hit is None or hit[0] is not fw:
        hit = (fw, [(ind, rule) for ind in fw.leaves() for rule in _deductions(ind.rule)])
        _DEDUCTIONS[id(fw)] = hit
    return hit[1]


class DeductionTriggered(Check):
    """检查内容：某个扣分规则的阈值被突破（例如资金调整、调剂累计超过预算总规模的 10%），提示扣分依据。
    为何重要：评审需要知道扣分从何而来；阈值本身由评价框架规定。
    示例：年初预算 43,189.21 万元，调整后 81,164.95 万元，调整比例 87.93%，超过 10%。
    如何修改：无需修改数据；在自评说明中说明调整原因。"""

    code, name, severity, title, family = "XP305", "deduction-triggered", Severity.info, "触发扣分规则", "budget"
    template = "{measure} {value}，{side}阈值 {threshold}：“{indicator}”{part}按规则扣分"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for ind, rule in _deduction_rules(ctx.read.framework):
            value = ctx.env.get(rule.measure)
            if not isinstance(value, Decimal):
                continue
            over = value > rule.threshold if rule.direction == "over" else value < rule.threshold
            if over:
                yield self.finding(ctx, at=rule.measure, measure=ctx.label(rule.measure), value=fmt_rate(value),
                                   side="超过" if rule.direction == "over" else "低于",
                                   threshold=fmt_edge(rule.threshold), indicator=ind.name,
                                   part=f"中的“{rule.label}”" if rule.label else "", found=value,
                                   expected=rule.threshold)


QUARTERS = ("paid_q1", "paid_q2", "paid_q3", "paid_q4")


class QuarterlyNotCumulative(Check):
    """检查内容：季度末累计已支付金额没有逐季递增（后一季度小于前一季度）。
    为何重要：累计数只能增加；减少说明填的是当季发生额而不是累计数，执行率会被严重低估。
    示例：一季度 12,693.28、二季度 8,000.00（应填截至二季度末的累计数）。
    如何修改：按截至 3、6、9、12 月末的累计支付金额填写。"""

    code, name, severity, title, family = "XP306", "quarterly-not-cumulative", Severity.error, "季度累计数未递增", "quarterly"
    template = "{later}（{b}）小于{earlier}（{a}），累计支付金额应逐季递增"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for earlier, later in zip(QUARTERS, QUARTERS[1:]):
            a, b = ctx.num(earlier), ctx.num(later)
            if a is not None and b is not None and b < a:
                yield self.finding(ctx, at=later, later=ctx.label(later), earlier=ctx.label(earlier),
                                   a=fmt_num(a), b=fmt_num(b), found=b, expected=a)


class Q4NotActual(Check):
    """检查内容：四季度末累计已支付金额与年度总支出不一致。
    为何重要：12 月末累计支付就是全年支出，两者不一致说明其中一处数据有误。
    示例：四季度累计 79,260.57，年度总支出 78,900.00。
    如何修改：核对季度支付表与决算支出，统一口径。"""

    code, name, severity, title, family = "XP307", "q4-not-actual", Severity.warning, "四季度累计≠年度支出", "quarterly"
    template = "四季度末累计已支付 {q4} 万元，与年度总支出 {actual} 万元不一致（相差 {diff} 万元）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        q4, actual = ctx.num("paid_q4"), ctx.env.get("total_actual")
        if q4 is not None and isinstance(actual, Decimal) and q4 != actual:
            yield self.finding(ctx, at="paid_q4", q4=fmt_num(q4), actual=fmt_num(actual), diff=fmt_num(q4 - actual),
                               found=q4, expected=actual)


class QuotaNotAdjusted(Check):
    """检查内容：季度支付表中的全年预算指标与调整后年度预算总指标不一致。
    为何重要：两处应是同一个数；不一致时季度执行率与全年执行率口径不同。
    示例：季度表指标 81,164.95，预算执行表调整后总指标 80,454.91。
    如何修改：核对并统一全年预算指标。"""

    code, name, severity, title, family = "XP308", "quota-not-adjusted", Severity.warning, "季度指标≠调整后指标", "quarterly"
    template = "季度支付表的全年预算指标 {quota} 万元，与调整后年度预算总指标 {adjusted} 万元不一致"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        quota, adjusted = ctx.num("quota_total"), ctx.env.get("total_adjusted")
        if quota is not None and isinstance(adjusted, Decimal) and quota != adjusted:
            yield self.finding(ctx, at="quota_total", quota=fmt_num(quota), adjusted=fmt_num(adjusted),
                               found=quota, expected=adjusted)


class PaidExceedsQuota(Check):
    """检查内容：某季度末累计已支付金额超过全年预算指标。
    为何重要：支付不可能超过指标；超过说明指标或支付数据填错。
    示例：全年指标 81,164.95，四季度累计 82,000.00。
    如何修改：核对指标和支付数据。"""

    code, name, severity, title, family = "XP309", "paid-exceeds-quota", Severity.warning, "累计支付超过指标", "quarterly"
    template = "{what} {paid} 万元超过全年预算指标 {quota} 万元"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        quota = ctx.num("quota_total")
        if quota is None:
            return
        for q in QUARTERS:
            paid = ctx.num(q)
            if paid is not None and paid > quota:
                yield self.finding(ctx, at=q, what=ctx.label(q), paid=fmt_num(paid), quota=fmt_num(quota),
                                   found=paid, expected=quota)
