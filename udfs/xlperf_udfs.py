"""xlperf 的 Excel 函数（xlwings UDF）和“一键校验”按钮的宏 ``main()``.

Thin wrappers in the style of xlwings' ``examples/udf/udf.py``: every function body is one call into
:mod:`xlperf.excel.functions`, where the conversion of Excel values, the rule engine and the error
texts (``#XLPERF! …``) live. The docstring and the ``doc=`` of each argument are what Excel's
function wizard shows (category “xlperf”). Ranges are accepted where a user selects a row of
quarters (``ndim=1``); cell errors arrive as text (``err_to_str``) so they can be reported.

Installed into ``%LOCALAPPDATA%\\xlperf\\udfs`` and listed under “UDF Modules” of the add-in; the
ribbon button runs ``RunPython "import xlperf_udfs;xlperf_udfs.main()"``.
"""

from __future__ import annotations

import xlwings as xw

from xlperf.excel import functions as fn

FRAMEWORK_DOC = "评价框架编号或框架文件路径；留空 = futian-2021（福田区2021）"


@xw.func(category="xlperf")
@xw.arg("num", doc="分子（数值或单元格）", err_to_str=True)
@xw.arg("den", doc="分母（数值或单元格）", err_to_str=True)
@xw.arg("den_zero", doc="分母为0时的结果，如 0 或 1（=100%）；默认 0", err_to_str=True)
@xw.arg("den_zero_num_positive", doc="分母为0而分子大于0时的结果（如 9.9999 表示远超100%）；留空则同上一参数",
        err_to_str=True)
@xw.arg("decimals", doc="保留小数位数，默认 4（即 0.01%）", err_to_str=True)
def xlperf_ratio(num, den, den_zero=0, den_zero_num_positive=None, decimals=4):
    """比率 = 分子 ÷ 分母，四舍五入到指定位数；分母为0时按评价框架的约定取值。"""
    return fn.ratio(num, den, den_zero, den_zero_num_positive, decimals)


@xw.func(category="xlperf")
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
@xw.arg("indicator", doc="三级指标编号，如 offpost_control（见评分表 A 列）", err_to_str=True)
@xw.arg("pairs", doc="名称与数值成对给出，如 \"offpost_rate\", offpost_rate；也可选两列区域（名称 | 数值）",
        err_to_str=True)
def xlperf_score(framework, indicator, *pairs):
    """按评价框架的评分规则计算一个三级指标的得分（四舍五入到0.01分）。"""
    return fn.score(framework, indicator, *pairs)


@xw.func(category="xlperf")
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
@xw.arg("indicator", doc="三级指标编号，如 budget_execution（见评分表 A 列）", err_to_str=True)
@xw.arg("pairs", doc="与 xlperf_score 相同的名称、数值对", err_to_str=True)
def xlperf_explain(framework, indicator, *pairs):
    """用中文写出一个三级指标得分的计算过程（与 xlperf_score 参数相同）。"""
    return fn.explain(framework, indicator, *pairs)


@xw.func(category="xlperf")
@xw.arg("spent", doc="年度总支出（万元）", err_to_str=True)
@xw.arg("quota", doc="调整后年度预算总指标（万元），必须大于0", err_to_str=True)
def xlperf_exec_rate(spent, quota):
    """预算执行率 = 支出 ÷ 调整后预算指标，四舍五入到0.01%。"""
    return fn.exec_rate(spent, quota)


@xw.func(category="xlperf")
@xw.arg("paid", ndim=1, doc="各季度末累计已支付金额（万元）：选中一行或一列四个单元格（3、6、9、12月末）",
        err_to_str=True)
@xw.arg("total", doc="全年预算指标金额（万元），必须大于0", err_to_str=True)
@xw.arg("schedule", ndim=1, doc="序时进度，如 25%,50%,75%,100%；留空按评价框架", err_to_str=True)
@xw.arg("quarter_points", doc="每季度执行率的分值；留空按评价框架", err_to_str=True)
@xw.arg("average_points", doc="全年平均执行率的分值；留空按评价框架", err_to_str=True)
@xw.arg("cap", doc="单季执行率计分封顶值，如 100%；留空按评价框架；填“无”不封顶", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_exec_score(paid, total, schedule=None, quarter_points=None, average_points=None, cap=None,
                      framework=None):
    """预算执行率得分：各季度累计支出进度 ÷ 序时进度 × 每季分值 + 全年平均执行率 × 分值。"""
    return fn.exec_score(paid, total, schedule, quarter_points, average_points, cap, framework)


@xw.func(category="xlperf")
@xw.arg("actual", doc="“三公”经费实际支出数（万元）", err_to_str=True)
@xw.arg("budget", doc="“三公”经费预算安排数（万元）", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_sangong_score(actual, budget, framework=None):
    """“三公”经费控制率得分：实际支出 ÷ 预算，按评价框架的分档计分。"""
    return fn.sangong_score(actual, budget, framework)


@xw.func(category="xlperf")
@xw.arg("actual", doc="日常公用经费决算数（万元）", err_to_str=True)
@xw.arg("budget", doc="日常公用经费调整预算数（万元）", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_public_score(actual, budget, framework=None):
    """日常公用经费控制率得分：决算数 ÷ 调整预算数，按评价框架的分档计分。"""
    return fn.public_score(actual, budget, framework)


@xw.func(category="xlperf")
@xw.arg("offpost", doc="编外人员数：劳务派遣人员 + 其他直接聘用的编外人员", err_to_str=True)
@xw.arg("staff_all", doc="在职人员总数（在编 + 工勤 + 雇员 + 编外）", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_offpost_score(offpost, staff_all, framework=None):
    """编外人员控制率得分：编外人员 ÷ 在职人员总数，按评价框架的分档计分。"""
    return fn.offpost_score(offpost, staff_all, framework)


@xw.func(category="xlperf")
@xw.arg("in_post", doc="本年度在编人数（含工勤人员）", err_to_str=True)
@xw.arg("authorized", doc="核定编制数（含工勤人员）", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_staff_score(in_post, authorized, framework=None):
    """财政供养人员控制率得分：在编人数 ÷ 核定编制数，按评价框架计分。"""
    return fn.staff_score(in_post, authorized, framework)


@xw.func(category="xlperf")
@xw.arg("adjusted", doc="调整后年度预算总指标（万元）", err_to_str=True)
@xw.arg("initial", doc="年初预算总额（万元），即调整比例的基数", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_adjust_score(adjusted, initial, framework=None):
    """资金调整、调剂规范性得分：|调整后−年初| ÷ 年初预算，超过阈值的部分按评价框架扣分。"""
    return fn.adjust_score(adjusted, initial, framework)


@xw.func(category="xlperf")
@xw.arg("actual", doc="政府采购实际金额（万元）", err_to_str=True)
@xw.arg("plan", doc="政府采购预算（计划）金额（万元）", err_to_str=True)
@xw.arg("policy", doc="政府采购政策功能执行和落实的评判得分（0–1分）；留空按0分", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_procurement_score(actual, plan, policy=None, framework=None):
    """政府采购执行情况得分：执行率 × 分值（实际大于计划得0分）+ 政策功能落实得分。"""
    return fn.procurement_score(actual, plan, policy, framework)


@xw.func(category="xlperf")
@xw.arg("in_use", doc="实际在用固定资产总额（万元）", err_to_str=True)
@xw.arg("total", doc="所有固定资产总额（账面原值，万元）", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_asset_score(in_use, total, framework=None):
    """固定资产利用率得分：在用 ÷ 全部固定资产，按评价框架的分档计分。"""
    return fn.asset_score(in_use, total, framework)


@xw.func(category="xlperf")
@xw.arg("rate", doc="公众或服务对象满意度，百分数，如 95%", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
def xlperf_satisfaction_score(rate, framework=None):
    """公众或服务对象满意度得分，按评价框架的分档计分。"""
    return fn.satisfaction_score(rate, framework)


def main():
    """一键校验：校验当前工作簿（含未保存的修改），结果写入“校验结果”工作表；不保存、不改动填报数据。"""
    from xlperf.excel.xlwings_sink import run_button

    run_button(xw.Book.caller())
