"""xlperf 的 Excel 函数（xlwings UDF）和“一键校验”按钮的宏 ``main()``.

Thin wrappers in the style of xlwings' ``examples/udf/udf.py``: every function body is one call into
:mod:`xlperf.addins.excel.functions`, where the conversion of Excel values, the rule engine and the error
texts (``#XLPERF! …``) live. The docstring and the ``doc=`` of each argument are what Excel's
function wizard shows (category “xlperf”). Every function is generic: the framework, the
indicator or measure and the names of the values are arguments, so another region's framework
needs no change here. Ranges are accepted where a user selects a row or column of periods
(``ndim=2``, checked in Chinese); cell errors arrive as text (``err_to_str``) or, for errors newer
than xlwings knows, as integer codes that the functions recognise.

Installed into ``%LOCALAPPDATA%\\xlperf\\udfs`` and listed under “UDF Modules” of the add-in; the
ribbon button runs ``RunPython "import xlperf_udfs;xlperf_udfs.main()"``. A stray ``xlperf_udfs.py``
beside a workbook never shadows this one: the xlwings VBA of both add-ins the installer ships (xlperf.xlam and
its patched xlwings.xlam, which starts the UDF server) never puts the workbook's folder on ``sys.path`` and
reads no setting from the workbook (no ``*.conf`` sheet, no ``*.conf`` file beside it; install/build_addin.py),
and the installer sets ``ADD_WORKBOOK_TO_PYTHONPATH`` to False in the user's xlwings.conf as well
(tests/test_install.py runs both command lines).
"""

from __future__ import annotations

import xlwings as xw

from xlperf.addins.excel import functions as fn

FRAMEWORK_DOC = ("评价框架编号（或 XLPERF_FRAMEWORK_PATH 所设文件夹中的框架文件路径）；留空则用环境变量 "
                 "XLPERF_FRAMEWORK 指定的框架（未设置时用唯一的内置框架）")
INDICATOR_DOC = "末级指标的编号（评分表中每个指标的编号）"
PAIRS_DOC = "名称与数值成对给出：\"名称1\", 单元格1, \"名称2\", 单元格2 …；也可选两列区域（名称 | 数值）"


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
@xw.arg("measure", doc="比率的编号（评价框架文件 measures 中的 id）", err_to_str=True)
@xw.arg("num", doc="分子（数值或单元格）", err_to_str=True)
@xw.arg("den", doc="分母（数值或单元格）", err_to_str=True)
def xlperf_measure(framework, measure, num, den):
    """按评价框架对该比率的定义（分母为0时的取值、舍入）计算 分子 ÷ 分母。"""
    return fn.measure(framework, measure, num, den)


@xw.func(category="xlperf")
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
@xw.arg("indicator", doc=INDICATOR_DOC, err_to_str=True)
@xw.arg("pairs", doc=PAIRS_DOC, err_to_str=True)
def xlperf_score(framework, indicator, *pairs):
    """按评价框架的评分规则计算一个末级指标的得分（按框架的位数四舍五入）。"""
    return fn.score(framework, indicator, *pairs)


@xw.func(category="xlperf")
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
@xw.arg("indicator", doc=INDICATOR_DOC, err_to_str=True)
@xw.arg("pairs", doc="与 xlperf_score 相同的名称、数值对", err_to_str=True)
def xlperf_explain(framework, indicator, *pairs):
    """用中文写出一个末级指标得分的计算过程（与 xlperf_score 参数相同）。"""
    return fn.explain(framework, indicator, *pairs)


@xw.func(category="xlperf")
@xw.arg("spent", doc="支出数（万元）", err_to_str=True)
@xw.arg("quota", doc="预算指标数（万元），必须大于0", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC + "；决定比率保留的位数", err_to_str=True)
def xlperf_exec_rate(spent, quota, framework=None):
    """预算执行率 = 支出 ÷ 预算指标，按评价框架的位数四舍五入（通常为0.01%）。"""
    return fn.exec_rate(spent, quota, framework)


# paid/schedule take ndim=2: xlwings then passes any selection as a 2-D list, and the Chinese check
# in xlperf.addins.excel.functions refuses a block of several rows and columns (ndim=1 would show
# xlwings' English "Range must be 1-by-n or n-by-1").
@xw.func(category="xlperf")
@xw.arg("paid", ndim=2, doc="各期末累计已支付金额（万元）：选中一行或一列，如四个季度末（3、6、9、12月末）",
        err_to_str=True)
@xw.arg("total", doc="全年预算指标总额（万元），必须大于0", err_to_str=True)
@xw.arg("schedule", ndim=2, doc="序时进度，如 25%,50%,75%,100%；留空按评价框架", err_to_str=True)
@xw.arg("quarter_points", doc="每期执行率的分值；留空按评价框架", err_to_str=True)
@xw.arg("average_points", doc="全年平均执行率的分值；留空按评价框架", err_to_str=True)
@xw.arg("cap", doc="单期执行率计分封顶值，如 100%；留空按评价框架；填“无”不封顶", err_to_str=True)
@xw.arg("framework", doc=FRAMEWORK_DOC, err_to_str=True)
@xw.arg("indicator", doc="框架中有多个按序时进度计分的指标时，给出其编号；否则留空", err_to_str=True)
def xlperf_exec_score(paid, total, schedule=None, quarter_points=None, average_points=None, cap=None,
                      framework=None, indicator=None):
    """预算执行率得分：各期累计支出进度 ÷ 序时进度 × 每期分值 + 全年平均执行率 × 分值（按评价框架的规则）。"""
    return fn.exec_score(paid, total, schedule, quarter_points, average_points, cap, framework, indicator)


def main():
    """一键校验：校验当前工作簿（含未保存的修改），结果写入“校验结果”工作表；不保存、不改动填报数据。"""
    import sys

    from xlperf.addins.excel.button import run_from_excel

    run_from_excel(xw, sys.argv)
