"""XP322 / XP330 (audit): a prior-year figure (上年数) changed by hand after ``xlperf template --prior`` filled it;
an audit rule that cannot run because the prior-year figure it reads is empty."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.engine.rules import fmt_money
from xlperf.engine.scoring import priors_behind
from xlperf.expr import Value
from xlperf.findings import Finding, Severity
from xlperf.framework.form import PRIOR_PREFIX
from xlperf.framework.models import Framework
from xlperf.ingest.prior import recorded_prior

__all__ = ["AuditOnEmptyPrior", "PriorYearAltered"]

TOLERANCE = Decimal("0.005")


class PriorYearAltered(Check):
    """检查内容：上年数（由 xlperf template --prior 从上年报送的工作簿填入并锁定）与工作簿中记录的来源值不一致，
    即上年数被手工改动。
    为何重要：上年数取自上年审定的数据，不应由部门改写；年初结转结余、“三公”经费增减等审核都以它为准。
    示例：上年 公务接待费 实际支出 填为 2.00 万元，而模板记录的上年报送值为 1.64 万元。
    如何修改：恢复为上年报送的数值；上年数确有差错的，请与财政部门联系更正来源数据后重新生成模板。"""

    code, name, severity, title, family = "XP322", "prior-year-altered", Severity.error, "上年数被修改", "audit"
    template = "{label}为 {found_text} 万元，与模板记录的上年报送数 {expected_text} 万元不一致（上年数不得手工修改）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        fw = ctx.read.framework
        if not any(i.prior for i in fw.form.inputs):
            return
        recorded = recorded_prior(ctx.read.path, ctx.read.book)
        if not recorded:
            return
        for decl in fw.form.inputs:
            name = PRIOR_PREFIX + decl.name
            if not decl.prior or name not in recorded:
                continue
            value = ctx.values.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            if value is not None and not isinstance(value, Decimal):
                continue  # text in a number cell is reported by the cell checks
            if value is None or abs(value - recorded[name]) > TOLERANCE:
                yield self.finding(ctx, at=name, label=ctx.label(name),
                                   found_text="（空）" if value is None else fmt_money(value),
                                   expected_text=fmt_money(recorded[name]), found=value, expected=recorded[name])


def _missing_prior(fw: Framework, expr: str | None, env: Mapping[str, Value]) -> str | None:
    """The empty prior-year figure that stops an expression from being evaluated, if that is what stops it
    (read directly, or through a derived figure such as a sum of last year's figures)."""
    from xlperf.expr import ExprError, parse, undefined_name

    if expr is None:
        return None
    try:
        parse(expr).evaluate(env)
    except ExprError as exc:
        missing = priors_behind(fw, undefined_name(exc), env)
        return missing[0] if missing else None
    return None


class AuditOnEmptyPrior(Check):
    """检查内容：评价框架的审核公式用到的上年数（prev_…）为空，这条审核无法进行。
    评价框架写 practices.empty_prior: skip 时不报告（上年数只由 xlperf template --prior 填入的地区）。
    为何重要：上年数为空时审核既不能判为通过，也不能按 0 计算（按 0 计算会使“比上年增减”之类的审核失去意义）；
    评审需要知道哪条审核没有做。
    示例：规则 SG-01（“三公”经费不超过上年）：上年 “三公”经费支出 未填写，本条审核未进行。
    如何修改：填写上年数（取自上年报送、审定的数据）；确无上年数的（新设部门），在自评说明中说明。"""

    code, name, severity, title, family = "XP330", "audit-on-empty-prior", Severity.warning, "审核所需上年数为空", "audit"
    template = "审核规则 {rule_id}：{label}未填写，本条审核未进行"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.read.framework.practices.empty_prior == "skip":
            return  # the region's practice (framework practices.empty_prior)
        from xlperf.framework.form import PRIOR_PREFIX

        # a blank cell is scored as the sheet reads it (0); the audit still did not have last year's figure
        env = {k: v for k, v in ctx.env.items()
               if not (k.startswith(PRIOR_PREFIX) and ctx.read.values.get(k) in (None, ""))}
        for rule in ctx.read.framework.form.audits:
            fw = ctx.read.framework
            missing = _missing_prior(fw, rule.when, env) or _missing_prior(fw, rule.assert_, env)
            if missing is not None:
                finding = self.finding(ctx, at=missing, rule_id=rule.id, label=ctx.label(missing))
                yield finding.model_copy(update={"rule": rule.id})
