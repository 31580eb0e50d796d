"""XP305 (budget): a deduction rule of the framework whose threshold the department passed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.compiled import CompiledFramework
from xlperf.engine.rules import fmt_edge, fmt_rate, sub_rules
from xlperf.findings import Finding, Severity
from xlperf.framework.models import DeductionRule, Indicator

__all__ = ["DeductionTriggered"]


def _deduction_rules(comp: CompiledFramework) -> list[tuple[Indicator, DeductionRule]]:
    """Every (leaf indicator, deduction rule) of a framework, in order."""
    return [(ind, rule) for ind in comp.fw.leaves() for rule in sub_rules(ind.rule) if isinstance(rule, DeductionRule)]


class DeductionTriggered(Check):
    """检查内容：某个扣分规则的阈值被突破（例如资金调整、调剂累计超过预算总规模的 10%），提示扣分依据。
    为何重要：评审需要知道扣分从何而来；阈值本身由评价框架规定。
    示例：年初预算 43,189.21 万元，调整后 81,164.95 万元，调整比例 87.93%，超过 10%。
    如何修改：无需修改数据；在自评说明中说明调整原因。"""

    code, name, severity, title, family = "XP305", "deduction-triggered", Severity.info, "触发扣分规则", "budget"
    template = "{measure} {value}，{side}阈值 {threshold}：“{indicator}”{part}按规则扣分"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for ind, rule in ctx.compiled.derived("budget.deductions", _deduction_rules):
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
