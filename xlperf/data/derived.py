"""Identities of the department's money and staff tables, written once as expressions.

These are not scoring rules (they hold in every region's framework); they define the subtotals that
the workbook computes with formulas and that the validator compares with stated figures.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DERIVED", "STATED_IDENTITIES", "Derived"]


@dataclass(frozen=True)
class Derived:
    name: str
    label: str
    expr: str
    kind: str = "money"


DERIVED: tuple[Derived, ...] = (
    Derived("basic_initial", "基本支出 年初预算", "personnel_initial + public_initial"),
    Derived("basic_adjusted", "基本支出 调整后指标", "personnel_adjusted + public_adjusted"),
    Derived("basic_actual", "基本支出 年度总支出", "personnel_actual + public_actual"),
    Derived("total_initial", "总计 年初预算", "basic_initial + project_initial"),
    Derived("total_adjusted", "总计 调整后指标", "basic_adjusted + project_adjusted"),
    Derived("total_actual", "总计 年度总支出", "basic_actual + project_actual"),
    Derived("sangong_budget", "“三公”经费 预算小计", "abroad_budget + reception_budget + vehicle_budget"),
    Derived("sangong_actual", "“三公”经费 实际支出小计", "abroad_actual + reception_actual + vehicle_actual"),
    Derived("staff_in_post", "在编人数（含工勤）", "staff_onpost + staff_workers", "count"),
    Derived("staff_offpost", "编外人员（劳务派遣及直接聘用）", "staff_dispatched + staff_other_hired", "count"),
    Derived("staff_all", "在职人员总数（在编+编外）",
            "staff_onpost + staff_workers + staff_employees + staff_offpost", "count"),
    Derived("total_adjustment", "预算调整金额（|调整后−年初|）", "abs(total_adjusted - total_initial)"),
    Derived("exec_rate_personnel", "人员经费 预算执行率",
            "if_(personnel_adjusted == 0, 0, round_(personnel_actual / personnel_adjusted, 4))", "rate"),
    Derived("exec_rate_public", "日常公用经费 预算执行率",
            "if_(public_adjusted == 0, 0, round_(public_actual / public_adjusted, 4))", "rate"),
    Derived("exec_rate_basic", "基本支出 预算执行率",
            "if_(basic_adjusted == 0, 0, round_(basic_actual / basic_adjusted, 4))", "rate"),
    Derived("exec_rate_project", "项目支出 预算执行率",
            "if_(project_adjusted == 0, 0, round_(project_actual / project_adjusted, 4))", "rate"),
    Derived("exec_rate_total", "部门整体预算执行率",
            "if_(total_adjusted == 0, 0, round_(total_actual / total_adjusted, 4))", "rate"),
)


STATED_IDENTITIES: tuple[tuple[str, str], ...] = (
    # (stated total, sum of stated parts): a total quoted in the report must equal its quoted parts.
    ("budget_text_total", "budget_text_personnel + budget_text_public + budget_text_retiree + budget_text_project"),
    # 人员经费 = 工资福利支出 + 对个人和家庭的补助 (政府收支分类), when the report breaks it down.
    ("personnel_actual", "personnel_wages_text + personnel_subsidy_text"),
)
"""Identities among stated figures themselves (checked only when every part is given)."""
