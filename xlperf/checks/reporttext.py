"""XP5xx (report): the 绩效自评报告 checked against the workbook, one check per kind of problem.

The notes come from :mod:`xlperf.reporttext` (extraction, tying, text rules); these classes only turn them
into findings. Each kind's level is the framework's: ``report.rules`` (:class:`TextRules`) says 强制 (an
error), 提示 (a warning) or 关闭 (not run) per rule, so one code names one kind of problem whatever the level
a region gives it — unlike the audit rules' XP320/XP321 pair, where the code *is* the level because each
audit rule carries its own. The class ``severity`` is the level when the framework says nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.findings import Finding, Severity, TextLocation
from xlperf.framework.report import TextRules
from xlperf.reporttext.extract import Where

__all__ = ["REPORT_CHECKS", "ReportCheck", "level_of"]

LEVELS = {"强制": Severity.error, "提示": Severity.warning}


def level_of(ctx: CheckContext, rule: str) -> Severity | None:
    """The framework's level of a text rule: error, warning, or None when the framework turns it off."""
    spec = ctx.read.framework.report
    rules = spec.rules if spec is not None else TextRules()
    return LEVELS.get(getattr(rules, rule, "强制"))


class ReportCheck(Check):
    family: ClassVar[str] = "report"
    rule: ClassVar[str]  # the TextRules field (or "unreadable": always an error)
    template = "{detail}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        analysis = ctx.report
        if analysis is None:
            return
        severity = Severity.error if self.rule == "unreadable" else level_of(ctx, self.rule)
        if severity is None:
            return
        for note in analysis.notes:
            if note.kind != self.rule:
                continue
            where = note.where
            place = f"【报告 {where.describe()}】" if where else "【报告】"
            quote = f"原文：“{where.sentence}”" if where and where.sentence else ""
            cell = f"（工作簿 {note.cell}）" if note.cell else ""
            difference = f"，{note.difference}" if note.difference else ""
            also = _also(note.also)
            detail = f"{place}{note.detail}{cell}{difference}{also}{'；' + quote if quote else ''}"
            text = TextLocation(section=where.section, paragraph=where.paragraph or None, table=where.table or None,
                                row=where.row or None, column=where.column or None,
                                sentence=where.sentence) if where else None
            finding = self.finding(ctx, severity=severity, found=note.found, expected=note.expected, detail=detail)
            yield finding.model_copy(update={"text": text})


MAX_PLACES = 5
"""A wrong figure quoted again is named at most this many more places (then 等N处)."""


def _also(places: list[Where]) -> str:
    """；同一数字另见第3段、表2第4行第3列 (and 等N处 beyond ``MAX_PLACES``)."""
    if not places:
        return ""
    shown = "、".join(w.place() for w in places[:MAX_PLACES])
    more = f"等{len(places)}处" if len(places) > MAX_PLACES else ""
    return f"；同一数字另见{shown}{more}"


class ReportUnreadable(ReportCheck):
    """检查内容：随工作簿提交的绩效自评报告无法读取：旧版 .doc、WPS 的 .wps、扫描件 PDF（没有文字层）、
    损坏或加密的文件，或超出读取上限（只核对了前一部分）。
    为何重要：报告中的数字无法与工作簿核对，评审只能人工比对。
    示例：提交的“自评报告.doc”是 Word 97-2003 格式。
    如何修改：在 Word 或 WPS 中打开，“另存为”Word 文档（.docx）后重新提交；扫描件请改交 .docx 或从 Word 直接导出的 PDF。"""

    code, name, severity, title = "XP501", "report-unreadable", Severity.error, "自评报告无法读取"
    rule = "unreadable"


class ReportFigureMismatch(ReportCheck):
    """检查内容：报告引用的数字与工作簿中同一项目的数值不一致（按报告显示的精度比较：55.23% 与 55.25% 不一致，
    97.6% 与 97.65% 一致）。数字通过框架的文字词表（科目名称 + 口径，如“公务接待费 实际支出”）与工作簿名称对应。
    为何重要：报告与报表不一致是财政部门退回最常见的原因之一。
    示例：报告写“政府采购预算数为7.30万元”，工作簿中政府采购预算（计划）金额为 1,931.52 万元。
    如何修改：核对后改正报告或工作簿中错误的一方，使两者一致。"""

    code, name, severity, title = "XP502", "report-figure-mismatch", Severity.error, "报告数字与工作簿不一致"
    rule = "figure_mismatch"


class ReportYearLabel(ReportCheck):
    """检查内容：报告把本年度的数字标注为其他年份（或把上年数标注为非上一年度）。
    为何重要：年份写错会让读者把本年数误作上年数，比较和增减分析随之出错。
    示例：“2020年科创局部门预算支出43,189.21万元”，而 43,189.21 万元是 2021 年度的年初预算。
    如何修改：改正年份，或核对该数字是否应为其他年度的数。"""

    code, name, severity, title = "XP503", "report-year-label", Severity.warning, "报告数字的年份标注有误"
    rule = "year_label"


class ReportPartsExceedTotal(ReportCheck):
    """检查内容：报告中“其中”列出的各部分之和超过总数（报告表格中“其中”各行之和超过所属行）。
    为何重要：部分不可能大于整体，说明某个数字写错或把不属于该项的内容列了进去。
    示例：“部门预算支出43,189.21万元。其中：人员支出642.21万元、公用支出39.15万元、离退休人员支出22.33万元、
    项目支出42,507.85万元”，各项合计 43,211.54 万元。
    如何修改：核对各部分和总数，删除不属于该总数的部分或改正数字。"""

    code, name, severity, title = "XP504", "report-parts-exceed-total", Severity.error, "“其中”各项超过总数"
    rule = "parts_exceed_total"


class ReportPartsSum(ReportCheck):
    """检查内容：报告中“包括”列出的各部分（未以“等”结尾，即列举完整）之和不等于总数。
    为何重要：完整列举的各部分应当加总为总数，不等说明遗漏或写错。
    示例：“总指标为81,164.95万元，包括基本支出710.04万元和项目支出80,000.00万元”。
    如何修改：补全遗漏的部分或改正数字；只列举部分时请用“其中”或在末尾加“等”。"""

    code, name, severity, title = "XP505", "report-parts-sum", Severity.warning, "“包括”各项之和不等于总数"
    rule = "parts_sum"


class ReportGrowthArithmetic(ReportCheck):
    """检查内容：“比上年（比2020年）增加X万元，增长r%”中的增长率与本期数、增加额不符（上期 = 本期 − 增加额，
    增长率 = 增加额 ÷ 上期）。
    为何重要：增减分析是报告的核心结论之一，算错会误导评价。
    示例：“收入43,189.21万元，比2020年增加1,607.45万元，增长5.00%”（应为 3.87%）。
    如何修改：按本期数和增加额重新计算增长率，或改正增加额。"""

    code, name, severity, title = "XP506", "report-growth-arithmetic", Severity.warning, "增减额与增减率不符"
    rule = "growth_arithmetic"


class ReportCountList(ReportCheck):
    """检查内容：报告写明的个数与随后（或之前）列举的项目数不一致，如“设置了“产出”、“效益”三个一级指标”。
    为何重要：个数与列举不符，说明遗漏了某项或个数写错。
    示例：“分别设置了“产出”、“效益”三个一级绩效指标”只列举了两项。
    如何修改：补全列举或改正个数；只列举部分时请加“等”。"""

    code, name, severity, title = "XP507", "report-count-list", Severity.warning, "个数与列举项目不符"
    rule = "count_list"


class ReportTableTotal(ReportCheck):
    """检查内容：报告中的表格，“合计/总计”行不等于上方各行之和，或“合计”列不等于左侧各项之和（“小计”列不重复计入）。
    为何重要：表格合计错误会直接影响汇总数。
    示例：政府采购 7.30、公务接待费 5.00、因公出国（境）费 0.00、公务用车运行维护费 3.67、“三公”经费小计 8.67，
    合计却写 24.64（把小计重复计入；应为 15.97）。
    如何修改：重新计算合计并改正。"""

    code, name, severity, title = "XP508", "report-table-total", Severity.error, "报告表格合计有误"
    rule = "table_total"


class ReportOtherUnit(ReportCheck):
    """检查内容：报告写的单位名称或标题年度与工作簿不同（报告可能属于其他单位或其他年度），或报告的一级标题
    与评价框架规定的提纲（report.sections）大多不符（可能用了其他地区或年度的模板）。
    为何重要：把别的单位或上年的报告与本工作簿对照，所有核对都没有意义。
    示例：工作簿是“深圳市福田区科技创新局”2021 年度，报告抬头写“深圳市福田区教育局”或标题为“2020年度…自评报告”。
    如何修改：提交与本工作簿对应的报告。"""

    code, name, severity, title = "XP509", "report-other-unit", Severity.error, "报告与工作簿的单位或年度不符"
    rule = "identity"


class ReportPlaceholderLeft(ReportCheck):
    """检查内容：报告中仍留有【请填写…】等待填写的占位内容（如 xlperf report 生成的草稿中需部门自己撰写的部分）。
    为何重要：未完成的报告不能作为正式材料报送。
    示例：“三、存在问题和整改措施 【请填写：本年度存在的主要问题】”。
    如何修改：按提示撰写该部分，并删除【】占位内容。"""

    code, name, severity, title = "XP510", "report-placeholder-left", Severity.error, "报告中仍有待填写的内容"
    rule = "placeholder_left"


REPORT_CHECKS: tuple[type[ReportCheck], ...] = (
    ReportUnreadable, ReportFigureMismatch, ReportYearLabel, ReportPartsExceedTotal, ReportPartsSum,
    ReportGrowthArithmetic, ReportCountList, ReportTableTotal, ReportOtherUnit, ReportPlaceholderLeft,
)
