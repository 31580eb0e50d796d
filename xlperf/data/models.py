"""The department data model: every input a self-evaluation needs, as pydantic models.

Field names are the stable ASCII names used everywhere else: in framework expressions, as workbook
defined names and in data files. Each field carries its Chinese label, unit and kind in
``json_schema_extra`` so the workbook, the input listing and error messages all come from here.
A field named ``*_stated`` holds a figure as the department *stated* it in its report (a typed
total, a rate quoted in the text); its ``expect`` expression says what it should equal, and the
validator compares the two.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Assets", "Budget", "DepartmentData", "Info", "Procurement", "Projects", "Quarterly", "SanGong",
    "SelfScore", "Service", "Staff", "Stated",
]

Kind = Literal["money", "count", "rate", "bool", "text", "int", "points"]

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Count = Annotated[int, Field(ge=0)]
Rate = Annotated[Decimal, Field(ge=0, le=10, decimal_places=6)]


def f(
    label: str,
    kind: Kind,
    *,
    default: Any = ...,
    unit: str | None = None,
    expect: str | None = None,
    note: str | None = None,
) -> Any:
    """A field with the metadata the workbook and the messages need."""
    units = {"money": "万元", "count": "人", "rate": "%", "bool": "是/否", "text": "", "int": "", "points": "分"}
    extra: dict[str, Any] = {"label": label, "kind": kind, "unit": unit if unit is not None else units[kind]}
    if expect:
        extra["expect"] = expect
    if note:
        extra["note"] = note
    return Field(default, title=label, description=note, json_schema_extra=extra)


YES_NO = {"是": True, "否": False}


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    @model_validator(mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        """Data files may say 是/否 for yes/no fields, as the workbook does."""
        if isinstance(value, dict):
            bools = {n for n, fld in cls.model_fields.items() if fld.annotation is bool}
            return {k: YES_NO.get(v, v) if k in bools and isinstance(v, str) else v for k, v in value.items()}
        return value


class Info(Section):
    """基本信息."""

    department: str = f("部门名称", "text")
    year: int = f("评价年度", "int", unit="年")
    preparer: str = f("填报人", "text", default="")
    head: str = f("单位负责人", "text", default="")
    classified: bool = f("是否涉密部门（单位）", "bool", default=False,
                         note="涉密部门按规定不需要公开预决算信息的，预决算信息公开直接得分")


class Budget(Section):
    """预算编制与执行（财政拨款收支，万元）."""

    personnel_initial: Money = f("人员经费 年初预算", "money")
    personnel_adjusted: Money = f("人员经费 调整后年度预算总指标", "money")
    personnel_actual: Money = f("人员经费 年度总支出", "money")
    public_initial: Money = f("日常公用经费 年初预算", "money")
    public_adjusted: Money = f("日常公用经费 调整后年度预算总指标", "money")
    public_actual: Money = f("日常公用经费 年度总支出", "money")
    project_initial: Money = f("项目支出 年初预算", "money")
    project_adjusted: Money = f("项目支出 调整后年度预算总指标", "money")
    project_actual: Money = f("项目支出 年度总支出", "money")
    carryover_begin: Money = f("年初财政拨款结转和结余", "money", default=Decimal("0.00"))
    violation: bool = f("是否发生超范围、超标准支出，虚列支出，截留、挤占、挪用资金等", "bool", default=False)


class Quarterly(Section):
    """季度支付进度：各季度末累计已支付金额与全年预算指标."""

    quota_total: Money = f("全年预算指标金额", "money")
    paid_q1: Money = f("一季度末累计已支付金额", "money")
    paid_q2: Money = f("二季度末累计已支付金额", "money")
    paid_q3: Money = f("三季度末累计已支付金额", "money")
    paid_q4: Money = f("四季度末累计已支付金额", "money")


class SanGong(Section):
    """“三公”经费预算与实际支出（万元）."""

    abroad_budget: Money = f("因公出国（境）费 预算数", "money")
    abroad_actual: Money = f("因公出国（境）费 实际支出", "money")
    reception_budget: Money = f("公务接待费 预算数", "money")
    reception_actual: Money = f("公务接待费 实际支出", "money")
    vehicle_budget: Money = f("公务用车购置及运行维护费 预算数", "money")
    vehicle_actual: Money = f("公务用车购置及运行维护费 实际支出", "money")


class Procurement(Section):
    """政府采购."""

    procurement_plan: Money = f("政府采购预算（计划）金额", "money")
    procurement_actual: Money = f("政府采购实际金额", "money")


class Staff(Section):
    """人员情况（年末人数）."""

    staff_authorized: Count = f("核定编制数（含工勤）", "count")
    staff_onpost: Count = f("实有在职在编人员（不含工勤）", "count")
    staff_workers: Count = f("工勤人员", "count", default=0)
    staff_employees: Count = f("雇员", "count", default=0)
    staff_dispatched: Count = f("劳务派遣人员", "count", default=0)
    staff_other_hired: Count = f("其他直接聘用的编外人员", "count", default=0)
    staff_retired: Count = f("离退休人员", "count", default=0)


class Assets(Section):
    """资产（年末，万元）."""

    fa_count: Count = f("固定资产数量", "count", unit="件")
    fa_original: Money = f("固定资产账面原值", "money")
    fa_net: Money = f("固定资产账面净值", "money")
    fa_in_use: Money = f("实际在用固定资产原值", "money")
    ia_count: Count = f("无形资产数量", "count", unit="项", default=0)
    ia_original: Money = f("无形资产账面原值", "money", default=Decimal("0.00"))
    ia_net: Money = f("无形资产账面净值", "money", default=Decimal("0.00"))
    assets_total: Money | None = f("资产账面总额", "money", default=None)


class Projects(Section):
    """项目与重点工作."""

    projects_planned: Count = f("计划完成项目总数", "count", unit="个")
    projects_on_time: Count = f("按计划时间完成项目数", "count", unit="个")
    key_tasks_total: Count = f("重点工作任务数", "count", unit="项", default=0)
    key_tasks_failed: Count = f("未完成的重点工作数", "count", unit="项", default=0)


class Service(Section):
    """信访与满意度."""

    petition_channel: bool = f("已建立群众意见反映渠道和办理回复机制", "bool")
    petition_reply_rate: Rate = f("群众信访办理回复率", "rate")
    petition_ontime_rate: Rate = f("群众信访及时办理回复率", "rate")
    satisfaction: Rate = f("公众或服务对象满意度", "rate")


class Stated(Section):
    """Figures as the department stated them (typed totals, rates quoted in its report).

    Each is optional; when given, it must equal its ``expect`` expression within rounding.
    """

    basic_initial_stated: Money | None = f("基本支出 年初预算（填报）", "money", default=None,
                                           expect="personnel_initial + public_initial")
    basic_adjusted_stated: Money | None = f("基本支出 调整后指标（填报）", "money", default=None,
                                            expect="personnel_adjusted + public_adjusted")
    basic_actual_stated: Money | None = f("基本支出 年度总支出（填报）", "money", default=None,
                                          expect="personnel_actual + public_actual")
    total_initial_stated: Money | None = f("总计 年初预算（填报）", "money", default=None,
                                           expect="total_initial")
    total_adjusted_stated: Money | None = f("总计 调整后指标（填报）", "money", default=None,
                                            expect="total_adjusted")
    total_actual_stated: Money | None = f("总计 年度总支出（填报）", "money", default=None,
                                          expect="total_actual")
    rate_basic_stated: Rate | None = f("基本支出 预算执行率（填报）", "rate", default=None,
                                       expect="basic_actual / basic_adjusted")
    rate_personnel_stated: Rate | None = f("人员经费 预算执行率（填报）", "rate", default=None,
                                           expect="personnel_actual / personnel_adjusted")
    rate_public_stated: Rate | None = f("日常公用经费 预算执行率（填报）", "rate", default=None,
                                        expect="public_actual / public_adjusted")
    rate_project_stated: Rate | None = f("项目支出 预算执行率（填报）", "rate", default=None,
                                         expect="project_actual / project_adjusted")
    rate_total_stated: Rate | None = f("部门整体预算执行率（填报）", "rate", default=None,
                                       expect="total_actual / total_adjusted")
    budget_text_personnel: Money | None = f("报告正文：年初预算 人员支出", "money", default=None,
                                            expect="personnel_initial")
    budget_text_public: Money | None = f("报告正文：年初预算 公用支出", "money", default=None,
                                         expect="public_initial")
    budget_text_retiree: Money | None = f("报告正文：年初预算 离退休人员支出", "money", default=None)
    budget_text_project: Money | None = f("报告正文：年初预算 项目支出", "money", default=None,
                                          expect="project_initial")
    budget_text_total: Money | None = f("报告正文：年初预算 支出合计", "money", default=None,
                                        expect="total_initial")
    procurement_plan_budget_table: Money | None = f(
        "预算安排表中的政府采购预算", "money", default=None, expect="procurement_plan")
    sangong_budget_stated: Money | None = f("“三公”经费预算小计（填报）", "money", default=None,
                                            expect="sangong_budget")
    budget_table_total_stated: Money | None = f(
        "政府采购与“三公”经费预算合计（填报）", "money", default=None,
        expect="procurement_plan_budget_table + sangong_budget")
    sangong_actual_stated: Money | None = f("“三公”经费实际支出（填报）", "money", default=None,
                                            expect="sangong_actual")
    sangong_rate_stated: Rate | None = f("“三公”经费控制率（填报）", "rate", default=None,
                                         expect="sangong_actual / sangong_budget")
    public_rate_stated: Rate | None = f("日常公用经费控制率（填报）", "rate", default=None,
                                        expect="public_actual / public_adjusted")
    exec_q1_stated: Rate | None = f("一季度执行率（填报）", "rate", default=None,
                                    expect="paid_q1 / quota_total / 0.25")
    exec_q2_stated: Rate | None = f("二季度执行率（填报）", "rate", default=None,
                                    expect="paid_q2 / quota_total / 0.5")
    exec_q3_stated: Rate | None = f("三季度执行率（填报）", "rate", default=None,
                                    expect="paid_q3 / quota_total / 0.75")
    exec_q4_stated: Rate | None = f("四季度执行率（填报）", "rate", default=None,
                                    expect="paid_q4 / quota_total")
    exec_avg_stated: Rate | None = f("全年平均执行率（填报）", "rate", default=None, expect="exec_avg",
                                     note="应等于四个季度执行率（按0.01%舍入、单季封顶后）的平均值")
    progress_q1_stated: Rate | None = f("一季度支出进度（报告正文）", "rate", default=None,
                                        expect="paid_q1 / quota_total")
    progress_q2_stated: Rate | None = f("二季度支出进度（报告正文）", "rate", default=None,
                                        expect="paid_q2 / quota_total")
    project_adjusted_text: Money | None = f("报告正文：项目预算总指标", "money", default=None,
                                            expect="project_adjusted")
    project_actual_text: Money | None = f("报告正文：项目实际支出", "money", default=None,
                                          expect="project_actual")
    project_rate_text: Rate | None = f("报告正文：项目预算执行率", "rate", default=None,
                                       expect="project_actual / project_adjusted")
    personnel_wages_text: Money | None = f("报告正文：人员经费中 工资福利支出", "money", default=None)
    personnel_subsidy_text: Money | None = f("报告正文：人员经费中 对个人和家庭的补助", "money", default=None)
    offpost_rate_stated: Rate | None = f("编外人员控制率（填报）", "rate", default=None,
                                         expect="(staff_dispatched + staff_other_hired) / (staff_onpost"
                                                " + staff_workers + staff_employees + staff_dispatched"
                                                " + staff_other_hired)")
    fa_use_rate_stated: Rate | None = f("固定资产利用率（填报）", "rate", default=None,
                                        expect="fa_in_use / fa_original")
    self_total_stated: Decimal | None = f("自评总得分（报告正文）", "points", default=None,
                                         expect="self_total")


class SelfScore(BaseModel):
    """A self-score for one level-3 indicator, with the reason a reviewer reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    score: Decimal = Field(ge=0, decimal_places=2)
    reason: str = ""


class DepartmentData(BaseModel):
    """Everything one department reports for one year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: str | None = Field(None, description="framework id the data was prepared for")
    info: Info
    budget: Budget
    quarterly: Quarterly
    sangong: SanGong
    procurement: Procurement
    staff: Staff
    assets: Assets
    projects: Projects
    service: Service
    stated: Stated = Stated()
    judgements: dict[str, Decimal | bool | str] = Field(
        default_factory=dict, description="answers to judged criteria, keyed by the framework's input names")
    self_scores: dict[str, SelfScore] = Field(default_factory=dict)

    @field_validator("judgements", mode="before")
    @classmethod
    def _numbers_as_decimal(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool)
                        else YES_NO.get(v, v) if isinstance(v, str) else v)
                    for k, v in value.items()}
        return value


SECTIONS: tuple[tuple[str, type[Section]], ...] = (
    ("info", Info), ("budget", Budget), ("quarterly", Quarterly), ("sangong", SanGong),
    ("procurement", Procurement), ("staff", Staff), ("assets", Assets), ("projects", Projects),
    ("service", Service), ("stated", Stated),
)
