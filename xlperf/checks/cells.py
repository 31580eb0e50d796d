"""XP2xx (cells): values typed into input cells, as the reader parsed them."""

from __future__ import annotations

from xlperf.checks.base import ReaderCheck
from xlperf.findings import Severity
from xlperf.ingest.notes import Noted

__all__ = [
    "DateAsText",
    "EmptyRequiredInput",
    "ErrorValue",
    "FormulaInInput",
    "FormulaWithoutResult",
    "FullWidthDigits",
    "InvalidChoice",
    "InvalidDate",
    "NegativeAmount",
    "NonIntegerCount",
    "NumberOutOfRange",
    "NumberStoredAsText",
    "PercentString",
    "RateOutOfRange",
    "TextInNumberCell",
    "ThousandsSeparator",
    "TooManyDecimals",
    "UnitSuffix",
    "ValueOutOfBounds",
]


class TextInNumberCell(ReaderCheck):
    """检查内容：数字单元格中是文字，无法识别为数字（以文本格式保存、但能读出的数字见 XP214）。
    为何重要：表内公式把文字按 0 计算，校验也按 0 计算，相关得分和合计因此偏低。
    示例：在“公务接待费 实际支出”中填写“约1.6”。
    如何修改：只填写数字（单位见“单位”列），单元格格式设为数值。"""

    code, name, severity, title, family = "XP201", "text-in-number-cell", Severity.error, "数字单元格中是文字", "cells"
    note = Noted.TEXT_IN_NUMBER_CELL


class UnitSuffix(ReaderCheck):
    """检查内容：数字后带了单位（如“1,234.56万元”“17人”），是文字而不是数值；说明中给出去掉单位后的数。
    为何重要：带单位的文字在 Excel 中不是数字，表内公式按 0 计算，校验也按 0 计算。
    示例：填写“730.68万元”。
    如何修改：只填写数字 730.68，单位已在“单位”列注明。"""

    code, name, severity, title, family = "XP202", "unit-suffix", Severity.error, "数字带单位", "cells"
    note = Noted.UNIT_SUFFIX


class PercentString(ReaderCheck):
    """检查内容：比率以文字“97.65%”输入（而非百分比格式的数字）；说明中给出它表示的百分数。
    为何重要：文字形式的百分数不参与表内计算，表内公式和校验都按 0 计算。
    示例：在设为文本格式的单元格中输入“97.65%”。
    如何修改：把单元格格式设为百分比后输入 97.65%。"""

    code, name, severity, title, family = "XP203", "percent-string", Severity.error, "百分数以文字输入", "cells"
    note = Noted.PERCENT_STRING


class FullWidthDigits(ReaderCheck):
    """检查内容：数字使用了全角字符（如“１２３．４５”），是文字而不是数值；说明中给出对应的半角数字。
    为何重要：全角数字是文字，表内公式按 0 计算，校验也按 0 计算。
    示例：用中文输入法输入“８．６７”。
    如何修改：切换到半角（英文）输入后重新输入数字。"""

    code, name, severity, title, family = "XP204", "fullwidth-digits", Severity.error, "全角数字", "cells"
    note = Noted.FULLWIDTH_DIGITS


class NegativeAmount(ReaderCheck):
    """检查内容：金额、人数、比率或得分为负数。
    为何重要：预算、支出、人数都不可能为负，负数会使合计和得分失真。
    示例：“日常公用经费 年度总支出”填写 -25.00。
    如何修改：核对数据，填写非负数；冲减等情况请在说明中解释并填写净额。"""

    code, name, severity, title, family = "XP205", "negative-amount", Severity.error, "负数", "cells"
    note = Noted.NEGATIVE_AMOUNT


class NonIntegerCount(ReaderCheck):
    """检查内容：人数、个数、项数等计数不是整数。
    为何重要：人数和项目数只能是整数，小数说明填错了栏目或单位。
    示例：“劳务派遣人员”填写 14.5。
    如何修改：填写整数。"""

    code, name, severity, title, family = "XP206", "non-integer-count", Severity.error, "计数不是整数", "cells"
    note = Noted.NON_INTEGER_COUNT


class EmptyRequiredInput(ReaderCheck):
    """检查内容：必填的输入单元格为空。
    为何重要：缺少数据时无法计算相应指标得分。
    示例：“四季度末累计已支付金额”未填写。
    如何修改：填写该单元格；确实为零时填写 0。"""

    code, name, severity, title, family = "XP207", "empty-required-input", Severity.error, "必填项为空", "cells"
    note = Noted.EMPTY_REQUIRED_INPUT


class TooManyDecimals(ReaderCheck):
    """检查内容：金额超过两位小数。
    为何重要：金额以万元为单位、保留两位小数（精确到百元）；多余的小数通常说明单位填错（如填了元）。
    示例：填写 12693.2845。
    如何修改：按万元保留两位小数填写。"""

    code, name, severity, title, family = "XP208", "too-many-decimals", Severity.error, "金额超过两位小数", "cells"
    note = Noted.TOO_MANY_DECIMALS


class ErrorValue(ReaderCheck):
    """检查内容：输入单元格显示错误值（#DIV/0!、#VALUE!、#REF! 等）。
    为何重要：错误值会沿公式传递，使得分无法计算。
    示例：在输入单元格中写了引用已删除单元格的公式，显示 #REF!。
    如何修改：改为直接填写数值。"""

    code, name, severity, title, family = "XP209", "error-value", Severity.error, "单元格为错误值", "cells"
    note = Noted.ERROR_VALUE


class ThousandsSeparator(ReaderCheck):
    """检查内容：数字以带千分位逗号的文字输入（如“1,234.56”），是文字而不是数值；说明中给出去掉逗号后的数。
    为何重要：文字形式的数字不参与表内计算，表内公式和校验都按 0 计算。
    示例：从 Word 报告中复制“42,507.85”粘贴为文本。
    如何修改：粘贴为数值，或手工输入不带逗号的数字。"""

    code, name, severity, title, family = "XP210", "thousands-separator", Severity.error, "千分位逗号", "cells"
    note = Noted.THOUSANDS_SEPARATOR


class InvalidChoice(ReaderCheck):
    """检查内容：是/否或分档选项不在下拉列表中。
    为何重要：表内公式只识别列表中的选项，其他文字得 0 分。
    示例：在“部门预算公开”中填写“已公开”。
    如何修改：从下拉列表中选择。"""

    code, name, severity, title, family = "XP211", "invalid-choice", Severity.error, "选项无效", "cells"
    note = Noted.INVALID_CHOICE


class RateOutOfRange(ReaderCheck):
    """检查内容：比率大于 1000%，通常是把 97.65% 填成了 97.65。
    为何重要：比率按百分数参与计算，数值放大 100 倍会得到错误的档位。
    示例：满意度填写 95（即 9500%）。
    如何修改：输入 95%。"""

    code, name, severity, title, family = "XP212", "rate-out-of-range", Severity.error, "比率数值过大", "cells"
    note = Noted.RATE_OUT_OF_RANGE


class FormulaInInput(ReaderCheck):
    """检查内容：输入单元格中是公式，已按其保存的计算结果读取（没有保存计算结果的公式见 XP215）。
    为何重要：公式结果依赖其他单元格，修改后可能悄然变化；提交的数据应是确定的数值。
    示例：在“基本支出 年初预算（填报）”中输入 =681+0.36。
    如何修改：确认结果无误；最好改为直接填写数值。"""

    code, name, severity, title, family = "XP213", "formula-in-input", Severity.info, "输入单元格含公式", "cells"
    note = Noted.FORMULA_IN_INPUT


class NumberStoredAsText(ReaderCheck):
    """检查内容：数字以文本格式保存（单元格设为文本格式后输入，或从其他系统粘贴为文本），单元格显示为琥珀色；
    说明中给出它表示的数。
    为何重要：表内公式把文本格式的数字按 0 计算，校验与表内一致也按 0 计算，相关得分和合计因此偏低。
    示例：单元格被设为文本格式后输入 1.64。
    如何修改：把单元格格式设为数值后重新输入数字。"""

    code, name, severity, title, family = ("XP214", "number-stored-as-text", Severity.error, "数字以文本格式保存",
                                           "cells")
    note = Noted.NUMBER_STORED_AS_TEXT


class FormulaWithoutResult(ReaderCheck):
    """检查内容：输入单元格中是公式，但文件中没有保存其计算结果，无法读取数值。
    为何重要：没有计算结果就不知道单元格显示的数值；由其他程序生成、未经 Excel 计算的文件常见此情况。
    示例：用脚本写入 =12000+693.28 后直接提交，未在 Excel 中打开保存。
    如何修改：改为直接填写数值；或在 Excel 中打开、重新计算并保存后再提交。"""

    code, name, severity, title, family = ("XP215", "formula-without-result", Severity.error, "公式没有计算结果",
                                           "cells")
    note = Noted.FORMULA_WITHOUT_RESULT


class NumberOutOfRange(ReaderCheck):
    """检查内容：数字位数过多（超过 30 位）、指数过大（如 1E+999999），或数值超出一个部门可能的范围
    （金额小于 1 万亿万元，人数、个数、年度小于 1000 万，得分小于 1 万分，比率小于 1,000,000%）。
    为何重要：这样的数字不可能是真实的填报数据，多为误操作或恶意构造；按它计算会得出无意义的结果。
    示例：在金额单元格中填写 1E+30，或粘贴了 40 位的数字。
    如何修改：核对原始数据和单位，按万元填写实际金额。"""

    code, name, severity, title, family = "XP216", "number-out-of-range", Severity.error, "数值超出合理范围", "cells"
    note = Noted.NUMBER_OUT_OF_RANGE


class ValueOutOfBounds(ReaderCheck):
    """检查内容：填报的数值超出评价框架为该输入规定的取值范围（框架文件中输入的 min / max），例如满意度超过 100%。
    为何重要：超出范围的数值通常是录入错误（把 95% 填成 95、把人数填进比率栏）；按它计算的得分没有意义。
    示例：框架规定“服务对象满意度”最大为 100%，填报 105%。
    如何修改：核对原始数据，按规定的范围和单位重新填写。"""

    code, name, severity, title, family = "XP217", "value-out-of-bounds", Severity.error, "数值超出框架规定的范围", "cells"
    note = Noted.VALUE_OUT_OF_BOUNDS


class DateAsText(ReaderCheck):
    """检查内容：日期单元格中是文字形式的日期（如“2021年12月31日”“2021/12/31”，单元格格式为文本或以撇号开头），
    而不是 Excel 的日期；说明中给出它表示的日期。
    为何重要：Excel、WPS 和 LibreOffice 把日期存为序列号（天数），公式按数值比较日期；文字日期在公式中按 0 计算，
    与日期有关的审核（如报告日期不晚于次年 4 月 30 日）因此失效。
    示例：在设为文本格式的“报告日期”中输入“2021年12月31日”。
    如何修改：把单元格格式设为日期后重新输入 2021-12-31（输入“2021/12/31”或“2021年12月31日”，Excel 会自动识别为日期）。"""

    code, name, severity, title, family = "XP218", "date-as-text", Severity.error, "日期以文字输入", "cells"
    note = Noted.DATE_AS_TEXT


class InvalidDate(ReaderCheck):
    """检查内容：日期单元格中不是日期：不是日期的文字（“去年年底”“2021-13-45”）、写成数字的日期（20211231）、
    含时间的日期、负数，或不在合理范围（1950-01-01 至 2099-12-31）内的日期。
    为何重要：公式把 20211231 当作第 20211231 天（约公元 57000 年），把 5 当作 1900-01-05，日期比较的结果没有意义。
    示例：在“报告日期”中输入 20211231。
    如何修改：按“年-月-日”重新输入日期，如 2021-12-31，单元格格式为日期。"""

    code, name, severity, title, family = "XP219", "invalid-date", Severity.error, "不是有效日期", "cells"
    note = Noted.INVALID_DATE
