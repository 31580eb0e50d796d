"""XP32x (audit): the framework's own audit rules (审核公式), one generic check per level.

A region's data-collection form comes with coded audit rules: an expression that must hold, a level
(强制 must be fixed; 提示 is accepted with a written explanation) and a message. They are data in the
framework (``form.audits``); these two checks evaluate them, so a new rule is never new Python.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import ClassVar

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.dates import shown
from xlperf.engine.rules import fmt_money, fmt_num, fmt_rate
from xlperf.expr import ExprError, Value, _truth, parse
from xlperf.findings import Finding, Severity
from xlperf.framework.form import AuditRule
from xlperf.plan.names import NameSpec

__all__ = ["AuditRuleFailed", "AuditRuleWarning", "render_message"]

_ROW_BLANK: dict[str, Value] = {"bool": False, "text": "", "choice": ""}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _is_date(node: ast.expr, cat: Mapping[str, NameSpec]) -> bool:
    """A date's value (a date input or column, date(y, m, d), a date plus or minus days), not a number of days."""
    if isinstance(node, ast.Name):
        spec = cat.get(node.id)
        return spec is not None and spec.kind == "date"
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id in ("date", "min", "max") and (
            node.func.id == "date" or all(_is_date(a, cat) for a in node.args))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return _is_date(node.left, cat) != _is_date(node.right, cat) and not (
            isinstance(node.op, ast.Sub) and _is_date(node.right, cat))
    return False


def _kind_of(ctx: CheckContext, expr: str, row: Mapping[str, NameSpec] | None = None) -> str:
    """How to show an expression's value: as a date if it is one, as a rate if it reads only rates, as money if
    it reads money; ``row``: a table row's columns by their own names (an each_row rule)."""
    cat = {**ctx.cat, **row} if row else ctx.cat
    if _is_date(parse(expr).tree, cat):
        return "date"
    own = ctx.cat.get(expr.strip())
    if own is not None and own.role == "measure":
        return "rate"
    kinds = {ctx.cat[n].kind for n in parse(expr).names if n in ctx.cat}
    if kinds and kinds <= {"rate"}:
        return "rate"
    if "money" in kinds:
        return "money"
    return "number"


def _show(value: Value, kind: str) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if not isinstance(value, Decimal):
        return str(value)
    if kind == "date":
        return shown(value)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "money":
        return fmt_money(value)
    return fmt_num(value)


def render_message(ctx: CheckContext, template: str, env: Mapping[str, Value] | None = None,
                   row: Mapping[str, NameSpec] | None = None) -> str:
    """``{expr}`` → its value (money with two decimals, rates as percentages); ``{name:label}`` → the label."""
    scope = ctx.env if env is None else env

    def sub(match: re.Match[str]) -> str:
        body = match.group(1)
        if body.endswith(":label"):
            return ctx.label(body[: -len(":label")].strip())
        try:
            return _show(parse(body).evaluate(scope), _kind_of(ctx, body, row))
        except ExprError:
            return "（无数据）"

    return _PLACEHOLDER.sub(sub, template)


def _as_shown(ctx: CheckContext, expr: str | None, value: Value | None,
              row: Mapping[str, NameSpec] | None = None) -> Value | None:
    """A date's value as its ISO date (a finding's found / expected), any other value as it is."""
    if expr is not None and value is not None and _kind_of(ctx, expr, row) == "date":
        return shown(value)
    return value


def _evaluate(ctx: CheckContext, expr: str | None) -> Value | None:
    if expr is None:
        return None
    try:
        return parse(expr).evaluate(ctx.env)
    except ExprError:
        return None


def _at(expr: str | None, env: Mapping[str, Value]) -> Value | None:
    if expr is None:
        return None
    try:
        return parse(expr).evaluate(env)
    except ExprError:
        return None


def _first_name(expr: str) -> str | None:
    """The name written first in an expression (``prev.x`` is the name ``prev_x``)."""
    import ast

    parsed = parse(expr)
    names = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.Name) and n.id in parsed.names]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return names[0].id if names else None


def _fails(rule: AuditRule, env: Mapping[str, Value]) -> bool:
    """The rule applies (its ``when`` holds) and its assertion does not; a rule that cannot be evaluated (a
    missing figure: XP207 says so) does not fail."""
    try:
        if rule.when is not None and not _truth(parse(rule.when).evaluate(env)):
            return False
        return not _truth(parse(rule.assert_).evaluate(env))
    except ExprError:
        return False


class _AuditCheck(Check):
    level: ClassVar[str]

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for rule in ctx.read.framework.form.audits:
            if rule.severity != self.level:
                continue
            if rule.each_row is not None:
                yield from self._each_row(ctx, rule, rule.each_row)
                continue
            finding = self._check(ctx, rule)
            if finding is not None:
                yield finding

    def _each_row(self, ctx: CheckContext, rule: AuditRule, table_name: str) -> Iterator[Finding]:
        """The rule in every filled row (first column not empty), the row's columns by name over the form's
        names; a failing row is reported at its own cell."""
        table = next(t for t in ctx.read.framework.form.tables if t.name == table_name)
        columns: dict[str, tuple[Value | None, ...]] = {}
        for c in table.columns:
            got = ctx.env.get(f"{table.name}.{c.name}")
            columns[c.name] = got if isinstance(got, tuple) else ()
        kinds = {c.name: c.kind for c in table.columns}
        specs = {c.name: ctx.cat[f"{table.name}.{c.name}"] for c in table.columns if f"{table.name}.{c.name}" in ctx.cat}
        key = columns[table.columns[0].name]
        at = rule.at or next((c for c in parse(rule.assert_).names if c in columns), table.columns[0].name)
        for i, first in enumerate(key):
            if first is None or str(first).strip() == "":
                continue
            row = {c: v[i] if i < len(v) and v[i] is not None else _ROW_BLANK.get(kinds[c], Decimal(0))
                   for c, v in columns.items()}  # an empty cell reads as the row's formulas read it
            env: dict[str, Value] = {**ctx.env, **row}  # type: ignore[dict-item]
            if not _fails(rule, env):
                continue
            sheet, cell = ctx.location(f"{table.name}.{at}@{i}") or (None, None)
            message = f"第 {i + 1} 行：" + render_message(ctx, rule.message, env, specs)
            finding = self.finding(ctx, sheet=sheet, cell=cell, rule_id=rule.id, message=message,
                                   found=_as_shown(ctx, rule.found, _at(rule.found, env), specs),
                                   expected=_as_shown(ctx, rule.expected, _at(rule.expected, env), specs))
            yield finding.model_copy(update={"rule": rule.id})

    def _check(self, ctx: CheckContext, rule: AuditRule) -> Finding | None:
        """A finding when the rule applies and fails; a rule over a missing figure does not apply
        (the missing input is reported by XP207)."""
        if not _fails(rule, ctx.env):
            return None
        at = rule.at or _first_name(rule.assert_)
        finding = self.finding(ctx, at=at, rule_id=rule.id, message=render_message(ctx, rule.message),
                               found=_as_shown(ctx, rule.found, _evaluate(ctx, rule.found)),
                               expected=_as_shown(ctx, rule.expected, _evaluate(ctx, rule.expected)))
        return finding.model_copy(update={"rule": rule.id})


class AuditRuleFailed(_AuditCheck):
    """检查内容：评价框架（或地区数据采集表）规定的强制性审核公式不成立，例如季度累计支付逐季递增、
    年度总支出不超过可用资金、净值不大于原值。每条规则的编号、公式和提示文字都写在框架文件的 form.audits 中。
    为何重要：强制性审核不通过的报表不能被财政部门接收，必须修改后重新报送。
    示例：规则 JD-02：二季度末累计已支付金额（8,000.00）小于一季度末累计已支付金额（12,693.28）。
    如何修改：按提示核对相关单元格的数据并改正；规则本身见 xlperf rules --framework 框架。"""

    code, name, severity, title, family = "XP320", "audit-rule-failed", Severity.error, "强制性审核不通过", "audit"
    template = f"审核规则 {{rule_id}}（{Severity.error.level_zh}）：{{message}}"
    level = "强制"


class AuditRuleWarning(_AuditCheck):
    """检查内容：评价框架规定的提示性审核公式不成立，例如支出超过预算、四季度累计支付与年度支出不一致。
    为何重要：提示性审核不通过的数据可能是合理的，但需要部门书面说明原因（出错说明），评审据此判断。
    示例：规则 YS-05：公务接待费实际支出 6.20 万元，超过预算 5.00 万元（超出 1.20 万元）。
    如何修改：数据有误的改正；数据无误的，在自评说明或出错说明中写明原因和依据。"""

    code, name, severity, title, family = "XP321", "audit-rule-warning", Severity.warning, "提示性审核不通过", "audit"
    template = f"审核规则 {{rule_id}}（{Severity.warning.level_zh}）：{{message}}"
    level = "提示"
