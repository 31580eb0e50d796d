"""Where every name goes in the standard workbook: sheets, blocks and rows, as data.

The positions are deterministic, so the validator can regenerate the expected template of any
framework and compare a submitted workbook cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BLOCKS", "Block", "FORM_SHEETS", "SCORE_SHEET", "RESULT_SHEET", "GUIDE_SHEET", "OTHER_SHEET"]

GUIDE_SHEET = "填报说明"
SCORE_SHEET = "评分表"
RESULT_SHEET = "校验结果"
OTHER_SHEET = "其他计算指标"


@dataclass(frozen=True)
class Block:
    title: str
    names: tuple[str, ...]


STATED_TITLE = "报告中填报或引用的数值（用于一致性校验；报告中没有的可不填）"

BLOCKS: dict[str, tuple[Block, ...]] = {
    "基本信息": (
        Block("部门信息", ("department", "year", "preparer", "head", "classified")),
        Block("评价框架（自动生成，请勿修改）", ("fw_id", "fw_version")),
        Block(STATED_TITLE, ("self_total_stated",)),
    ),
    "预算编制": (
        Block("年初预算（万元）", ("personnel_initial", "public_initial", "basic_initial", "project_initial",
                              "total_initial")),
        Block(STATED_TITLE, ("basic_initial_stated", "total_initial_stated", "budget_text_personnel",
                             "budget_text_public", "budget_text_retiree", "budget_text_project", "budget_text_total")),
    ),
    "预算执行": (
        Block("调整后年度预算总指标（万元）", ("personnel_adjusted", "public_adjusted", "basic_adjusted",
                                      "project_adjusted", "total_adjusted")),
        Block("年度总支出（万元）", ("personnel_actual", "public_actual", "basic_actual", "project_actual",
                              "total_actual")),
        Block("预算执行率", ("exec_rate_personnel", "exec_rate_public", "exec_rate_basic", "exec_rate_project",
                        "exec_rate_total")),
        Block("预算调整、结转与合规", ("total_adjustment", "adjust_ratio", "carryover_begin", "violation")),
        Block(STATED_TITLE, ("basic_adjusted_stated", "basic_actual_stated", "total_adjusted_stated",
                             "total_actual_stated", "rate_personnel_stated", "rate_public_stated",
                             "rate_basic_stated", "rate_project_stated", "rate_total_stated",
                             "project_adjusted_text", "project_actual_text", "project_rate_text",
                             "personnel_wages_text", "personnel_subsidy_text")),
    ),
    "季度支付": (
        Block("季度末累计支付（万元）", ("quota_total", "paid_q1", "paid_q2", "paid_q3", "paid_q4")),
        Block("季度预算执行率（累计支出进度 ÷ 序时进度）", ("exec_q1", "exec_q2", "exec_q3", "exec_q4", "exec_avg")),
        Block(STATED_TITLE, ("exec_q1_stated", "exec_q2_stated", "exec_q3_stated", "exec_q4_stated",
                             "exec_avg_stated", "progress_q1_stated", "progress_q2_stated")),
    ),
    "三公经费与政府采购": (
        Block("“三公”经费（万元）", ("abroad_budget", "abroad_actual", "reception_budget", "reception_actual",
                               "vehicle_budget", "vehicle_actual", "sangong_budget", "sangong_actual")),
        Block("控制率", ("sangong_rate", "public_rate")),
        Block("政府采购（万元）", ("procurement_plan", "procurement_actual", "procurement_rate")),
        Block(STATED_TITLE, ("procurement_plan_budget_table", "sangong_budget_stated", "budget_table_total_stated",
                             "sangong_actual_stated", "sangong_rate_stated", "public_rate_stated")),
    ),
    "人员": (
        Block("年末人数", ("staff_authorized", "staff_onpost", "staff_workers", "staff_employees",
                       "staff_dispatched", "staff_other_hired", "staff_retired")),
        Block("人员控制", ("staff_in_post", "staff_offpost", "staff_all", "staff_control_rate", "offpost_rate")),
        Block(STATED_TITLE, ("offpost_rate_stated",)),
    ),
    "资产": (
        Block("固定资产（万元）", ("fa_count", "fa_original", "fa_net", "fa_in_use", "fa_use_rate")),
        Block("无形资产与资产总额（万元）", ("ia_count", "ia_original", "ia_net", "assets_total")),
        Block(STATED_TITLE, ("fa_use_rate_stated",)),
    ),
    "项目与重点工作": (
        Block("项目", ("projects_planned", "projects_on_time", "project_timeliness_rate")),
        Block("重点工作", ("key_tasks_total", "key_tasks_failed")),
    ),
    "信访与满意度": (
        Block("群众信访", ("petition_channel", "petition_reply_rate", "petition_ontime_rate")),
        Block("满意度", ("satisfaction",)),
    ),
}

FORM_SHEETS: tuple[str, ...] = tuple(BLOCKS)
