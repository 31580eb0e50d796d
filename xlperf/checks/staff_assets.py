"""XP31x (staff, assets, projects, service): identities between counts and amounts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..findings import Finding, Severity
from ..framework.rules import fmt_money, fmt_num, fmt_rate
from .base import Check
from .context import CheckContext

__all__ = ["AssetsTotalTooSmall", "CountExceedsTotal", "NetExceedsOriginal", "ServiceRateOver100"]


class CountExceedsTotal(Check):
    """检查内容：部分大于整体：在用固定资产 > 固定资产原值、按时完成项目数 > 计划项目数、未完成重点工作数 > 重点工作总数。
    为何重要：部分不可能大于整体，比率会超过 100%，得分失真。
    示例：计划完成项目 18 个，按时完成填报 20 个。
    如何修改：核对两处数字。"""

    code, name, severity, title, family = "XP310", "part-exceeds-whole", Severity.error, "部分大于整体", "staff_assets"
    template = "{part}（{a}）大于{whole}（{b}）"
    PAIRS = (("fa_in_use", "fa_original"), ("projects_on_time", "projects_planned"),
             ("key_tasks_failed", "key_tasks_total"))

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for part, whole in self.PAIRS:
            a, b = ctx.num(part), ctx.num(whole)
            if a is None or b is None or a <= b:
                continue
            if part == "key_tasks_failed" and b == 0:
                continue  # total not given
            show = fmt_money if ctx.cat[part].kind == "money" else fmt_num
            yield self.finding(ctx, at=part, part=ctx.label(part), whole=ctx.label(whole), a=show(a),
                               b=show(b), found=a, expected=b)


class NetExceedsOriginal(Check):
    """检查内容：资产账面净值大于账面原值（固定资产、无形资产）。
    为何重要：净值 = 原值 − 累计折旧（摊销），不可能大于原值。
    示例：固定资产原值 186.13 万元，净值填报 196.00 万元。
    如何修改：核对资产负债表或资产卡片中的原值和净值。"""

    code, name, severity, title, family = "XP311", "net-exceeds-original", Severity.error, "净值大于原值", "staff_assets"
    template = "{net_label} {net} 万元大于{orig_label} {orig} 万元"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for net, orig in (("fa_net", "fa_original"), ("ia_net", "ia_original")):
            a, b = ctx.num(net), ctx.num(orig)
            if a is not None and b is not None and a > b:
                yield self.finding(ctx, at=net, net_label=ctx.label(net), orig_label=ctx.label(orig), net=fmt_money(a),
                                   orig=fmt_money(b), found=a, expected=b)


class AssetsTotalTooSmall(Check):
    """检查内容：资产账面总额小于固定资产净值与无形资产净值之和。
    为何重要：资产总额包含固定资产和无形资产，不可能更小。
    示例：资产账面总额 200.00 万元，固定资产净值 108.67 + 无形资产净值 172.00 = 280.67 万元。
    如何修改：核对资产总额口径（账面价值）。"""

    code, name, severity, title, family = "XP314", "assets-total-too-small", Severity.warning, "资产总额小于分项", "staff_assets"
    template = "资产账面总额 {total} 万元小于固定资产净值与无形资产净值之和 {parts} 万元"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        total = ctx.num("assets_total")
        parts = (ctx.num("fa_net") or Decimal(0)) + (ctx.num("ia_net") or Decimal(0))
        if total is not None and total < parts:
            yield self.finding(ctx, at="assets_total", total=fmt_money(total), parts=fmt_money(parts), found=total,
                               expected=parts)


class ServiceRateOver100(Check):
    """检查内容：信访办理回复率、及时回复率、满意度超过 100%。
    为何重要：这些比率最高为 100%，超过说明填成了人数或把 95% 填成了 0.95 以外的值。
    示例：满意度填报 105%。
    如何修改：按百分数填写，不超过 100%。"""

    code, name, severity, title, family = "XP318", "service-rate-over-100", Severity.error, "比率超过 100%", "staff_assets"
    template = "{label} {value} 超过 100%"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name in ("petition_reply_rate", "petition_ontime_rate", "satisfaction"):
            value = ctx.num(name)
            if value is not None and value > 1:
                yield self.finding(ctx, at=name, label=ctx.label(name), value=fmt_rate(value), found=value,
                                   expected=Decimal(1))
