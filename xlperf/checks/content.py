"""XP133–XP137: content of a submission that xlperf must not carry into what it writes back.

An annotated copy and a returns copy are written locally by xlperf (no download mark, so no Protected
View) and shown as xlperf's: a formula that calls out, a link to another workbook, a conditional format
that paints over the highlights or a number format that shows another number would act or lie there.
The validator reports each on the submission; the copy neutralises it (xlperf/write/inert.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from xlperf.checks.base import AnnotationCheck, Check
from xlperf.checks.context import CheckContext
from xlperf.findings import Finding, Severity
from xlperf.plan.formulas import NUMBER_KINDS
from xlperf.plan.normal import external_reason

__all__ = ["ExternalContent", "ForeignFormat", "ForeignFormula", "ForgedHighlightRecord", "MisleadingNumberFormat"]

PER_FILE_MAX = 50
"""Findings of one code per file at most; beyond it one more finding gives the count (never cut silently)."""
_SHOWN_ZH = {"literal": "格式中写有数字，显示的不是单元格的值", "hidden": "格式隐藏了数值（如 ;;;）",
             "scaled": "格式末尾的逗号把数值缩小为千分之一显示", "percent": "百分比格式把数值放大 100 倍显示",
             "date": "日期格式把数值显示为日期"}


def _formula_cells(ctx: CheckContext) -> Iterator[tuple[str, str, str]]:
    for sheet, cells in ctx.read.book.sheets.items():
        for ref, raw in cells.items():
            if raw.formula is not None:
                yield sheet, ref, raw.formula


def _template_cells(ctx: CheckContext) -> frozenset[tuple[str, str]]:
    """The cells where a formula is the template's business: either flavour's formula cells and the plan's
    inputs (built once per compiled framework and plan, not per file)."""
    plan, comp = ctx.read.plan, ctx.compiled

    def build(_: object) -> frozenset[tuple[str, str]]:
        planned = set(plan.formulas()) | set(comp.plan("udf").formulas())  # either flavour's cells
        return frozenset(planned | {(c.sheet, c.cell) for c in plan.cells.values() if c.formula is None})

    if plan is not comp.plan(plan.flavour):  # a plan of its own: nothing to share
        return build(None)
    return comp.derived(f"template-cells:{plan.flavour}", build)


def _capped(check: Check, ctx: CheckContext, items: Iterator[Finding]) -> Iterator[Finding]:
    n = 0
    for f in items:
        n += 1
        if n <= PER_FILE_MAX:
            yield f
    if n > PER_FILE_MAX:
        yield Finding(code=check.code, name=check.name, severity=check.severity,
                      message=f"另有 {n - PER_FILE_MAX} 处同类问题未逐一列出（共 {n} 处）")


class ForeignFormula(Check):
    """检查内容：模板公式以外的公式（空白单元格或自加工作表中的公式，公式型定义名称）；标注副本中改为其计算结果。
    为何重要：标注副本和退回副本由 xlperf 写出，其中只应有模板的公式；其他公式的结果可能随打开的环境变化。
    示例：在表格空白处输入 =B5*1.1，或在名称管理器中定义名称 x 为 =SUM(预算执行!D5:D9)。
    如何修改：删除模板以外的公式，需要的数字直接填写数值；不要在名称管理器中添加名称。"""

    code, name, severity, title, family = "XP133", "foreign-formula", Severity.warning, "模板以外的公式", "structure"
    template = "{detail}；标注副本中已改为其计算结果（或公式文字）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return _capped(self, ctx, self._all(ctx))

    def _all(self, ctx: CheckContext) -> Iterator[Finding]:
        template = _template_cells(ctx)
        for sheet, ref, formula in _formula_cells(ctx):
            if (sheet, ref) in template or external_reason(formula):
                continue
            yield self.finding(ctx, sheet=sheet, cell=ref, found="=" + formula[:200],
                               detail=f"单元格中有模板以外的公式 ={formula[:200]}")
        for name, text in ctx.read.book.formula_names:
            if not external_reason(text):
                yield self.finding(ctx, found=text, detail=f"定义名称“{name}”是公式 {text}，不是模板的名称")


class ExternalContent(Check):
    """检查内容：可访问工作簿以外的内容：DDE 调用（=cmd|' /C calc'!A0）、WEBSERVICE/CALL/RTD 等函数、
    xlwings 加载项的 RunPython/RunFrozenPython 等过程、指向本机文件或网址的 HYPERLINK、对其他工作簿的引用（外部链接），无论在单元格中还是定义名称中；
    数据连接、网页加载项任务窗格、自定义功能区、ActiveX 控件和嵌入的对象（OLE）。
    为何重要：打开文件时可能访问网络、读取本机文件或运行程序；财政局写出的副本不得带有此类内容。
    示例：=WEBSERVICE("http://…"&基本信息!B4)，或 =HYPERLINK("file://…/x.exe","查看附件")。
    如何修改：删除这些公式和外部链接（“数据→编辑链接→断开链接”），只填写数值。"""

    code, name, severity, title, family = "XP134", "external-content", Severity.error, "外部调用或外部链接", "structure"
    template = "{detail}（{why}）；标注副本中已去除"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return _capped(self, ctx, self._all(ctx))

    def _all(self, ctx: CheckContext) -> Iterator[Finding]:
        book = ctx.read.book
        for sheet, ref, formula in _formula_cells(ctx):
            why = external_reason(formula)
            if why:
                yield self.finding(ctx, sheet=sheet, cell=ref, found="=" + formula[:200], why=why,
                                   detail=f"公式 ={formula[:200]}")
        for name, text in book.formula_names:
            why = external_reason(text)
            if why:
                yield self.finding(ctx, found=text, why=why, detail=f"定义名称“{name}”为 {text}")
        if book.external_parts:
            yield self.finding(ctx, found=book.external_parts, why="外部链接",
                               detail=f"工作簿含 {book.external_parts} 个外部链接部件（xl/externalLinks）")
        for part in book.active_parts:
            what, why = part.split("，", 1)
            yield self.finding(ctx, found=what, why=why, detail=f"工作簿含{what}")


class ForeignFormat(AnnotationCheck):
    """检查内容：表单工作表上模板以外的条件格式或数据验证（标注副本中已恢复为模板的设置）；自加工作表上的
    条件格式、数据验证和表格公式（计算列、汇总行公式，标注副本中已去除）；
    这项由标注（--annotate、--returns）报告，写在副本的“校验结果”中。
    为何重要：条件格式可以盖住或伪造校验标出的颜色（如优先级最高、条件为 TRUE 的白色填充）；规则和表格
    公式在打开时即被计算，可以调用网络或其他程序（WEBSERVICE、DDE）。
    示例：对整张工作表添加“=TRUE 时填充白色、如果为真则停止”的条件格式。
    如何修改：在“开始→条件格式→清除规则”中删除自加的规则，用标准模板填报。"""

    code, name, severity, title, family = "XP135", "foreign-format", Severity.warning, "模板以外的条件格式", "structure"


class ForgedHighlightRecord(AnnotationCheck):
    """检查内容：标色记录（隐藏工作表 xlperf_marks，或旧版“校验结果”的 L 列）中与单元格现状不符的记录；
    这些记录被忽略，由标注（--annotate、--returns、按钮）报告一次。
    为何重要：记录只是上次标注的证据：只有单元格仍是 xlperf 所标的颜色和批注时才据以还原，
    否则伪造的记录可以把任意批注和颜色写进财政局的副本。
    示例：在 xlperf_marks 中添加 5,000 条记录，指向同一条 32,000 字的“批注”。
    如何修改：不要修改 xlperf_marks 工作表；用上次标注的副本或标准模板重新填报。"""

    code, name, severity, title, family = ("XP136", "forged-highlight-record", Severity.warning, "标色记录与单元格不符",
                                           "structure")


class MisleadingNumberFormat(Check):
    """检查内容：输入、填报数和得分单元格的数字格式使显示的数与单元格的值不同：格式中写有数字（"1.38"）、
    隐藏数值的格式（;;;）、末尾逗号缩小显示、非比率单元格用百分比或日期格式。标注副本中恢复为模板的格式。
    为何重要：打印或预览的表格与校验结果矛盾：表上显示 1.38，单元格和得分计算用的是 2。
    示例：把“公车运行费 实际支出”的格式设为 "504.97"，单元格的值是 606.07。
    如何修改：把单元格格式恢复为标准模板的数值格式（复制模板中的同一单元格的格式）。"""

    code, name, severity, title, family = ("XP137", "misleading-number-format", Severity.error, "数字格式与数值不符",
                                           "cells")
    template = "{label}：{why}（单元格的值为 {found}）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return _capped(self, ctx, self._all(ctx))

    def _all(self, ctx: CheckContext) -> Iterator[Finding]:
        book = ctx.read.book
        for cp in ctx.read.plan.cells.values():
            spec = cp.spec
            if spec is None or spec.kind not in NUMBER_KINDS:
                continue
            raw = book.cell(cp.sheet, cp.cell)
            if raw is None or raw.value in (None, "") or raw.type != "n":
                continue
            why = raw.shown
            if why == "percent" and spec.kind == "rate":
                why = None
            if why is None and raw.date and spec.kind != "date" and (cp.formula is not None or spec.role != "input"):
                why = "date"  # an input shown as a date is XP201 already
            if why is not None:
                yield self.finding(ctx, sheet=cp.sheet, cell=cp.cell, found=raw.value, label=spec.label,
                                   why=_SHOWN_ZH[why])
