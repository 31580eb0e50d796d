"""XP12x (structure): is this the standard workbook, unaltered, for the right framework?"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from xlperf.checks.base import Check, ReaderCheck
from xlperf.checks.context import CheckContext
from xlperf.compiled import CompiledFramework
from xlperf.findings import Finding, Severity
from xlperf.ingest.notes import Noted
from xlperf.ingest.xlsx import SHARED
from xlperf.plan.formulas import FORM_COLS
from xlperf.plan.normal import normalize_formula  # re-exported: callers import it from here

__all__ = ["FormulaAltered", "FrameworkMismatch", "FrameworkVersionMismatch", "LabelAltered", "LayoutMoved",
           "LocalNameShadows", "MissingDefinedName", "MissingFormulaName", "MissingSheet", "NotAStandardWorkbook",
           "XlwingsCodeSheet", "XlwingsConfigSheet", "YearMismatch"]


class MissingSheet(ReaderCheck):
    """检查内容：标准模板中的工作表缺失（被删除或改名）。
    为何重要：缺失工作表中的数据无法读取，相关指标无法计算。
    示例：把“季度支付”改名为“季度”。
    如何修改：恢复工作表名称，或用标准模板重新填报。"""

    code, name, severity, title, family = "XP120", "missing-sheet", Severity.error, "缺少工作表", "structure"
    note = Noted.MISSING_SHEET


class MissingDefinedName(ReaderCheck):
    """检查内容：输入单元格的定义名称被删除，已按模板位置读取（计算单元格的名称被删除见 XP129）。
    为何重要：表内公式通过名称引用输入；名称缺失时公式会显示 #NAME?。
    示例：在“名称管理器”中删除了 paid_q1。
    如何修改：用标准模板重新填报，不要修改名称管理器。"""

    code, name, severity, title, family = "XP121", "missing-defined-name", Severity.warning, "缺少定义名称", "structure"
    note = Noted.MISSING_DEFINED_NAME


class FrameworkMismatch(ReaderCheck):
    """检查内容：工作簿记录的评价框架编号与校验所用框架不一致，或不是已知框架（版本不同见 XP127，年度不同见 XP128）。
    为何重要：不同地区、年度的框架指标和分档不同，用错框架得分没有意义。
    示例：用罗湖区的模板填报、按福田区框架校验；或评价框架编号被改为“futian-2020”。
    如何修改：下载本地区的标准模板重新填报，或用 --framework 指定正确的框架。"""

    code, name, severity, title, family = "XP122", "framework-mismatch", Severity.error, "框架不一致", "structure"
    note = Noted.FRAMEWORK_MISMATCH


class FrameworkVersionMismatch(ReaderCheck):
    """检查内容：工作簿记录的框架版本与校验所用框架的版本不同（框架编号相同）。
    为何重要：同一框架的新版本可能调整了分档或说明，旧模板的表内公式可能与现行规则不同。
    示例：用 0.9 版模板填报，按 1.0 版框架校验。
    如何修改：用当前版本的模板（xlperf template）重新填报，或确认两个版本的规则没有差别。"""

    code, name, severity, title, family = ("XP127", "framework-version-mismatch", Severity.warning, "框架版本不同",
                                           "structure")
    note = Noted.FRAMEWORK_VERSION_MISMATCH


class YearMismatch(ReaderCheck):
    """检查内容：填报的评价年度与评价框架适用的年度不同。
    为何重要：框架按年度制定，用上一年度的框架评价本年度，指标和分档可能已经变化。
    示例：用 2021 年度框架的模板填报 2022 年度自评。
    如何修改：下载当年的标准模板重新填报；确属当年框架时核对“评价年度”是否填错。"""

    code, name, severity, title, family = "XP128", "year-mismatch", Severity.warning, "年度与框架不符", "structure"
    note = Noted.YEAR_MISMATCH


class MissingFormulaName(ReaderCheck):
    """检查内容：计算单元格（合计、比率、得分）的定义名称被删除。
    为何重要：表内公式通过名称引用这些单元格；名称缺失时公式显示 #NAME?，表内计算失效。
    示例：在“名称管理器”中删除了 total_actual。
    如何修改：用标准模板重新填报，不要修改名称管理器。"""

    code, name, severity, title, family = ("XP129", "missing-formula-name", Severity.error, "缺少计算单元格的名称",
                                           "structure")
    note = Noted.MISSING_FORMULA_NAME


class NotAStandardWorkbook(ReaderCheck):
    """检查内容：工作簿中找不到评价框架编号（名称 fw_id），不是 xlperf 生成的标准模板。
    为何重要：只有标准模板的单元格位置和名称是已知的，才能逐格校验。
    示例：提交自行设计的表格或其他系统导出的工作簿。
    如何修改：用 xlperf template 生成的标准模板填报。"""

    code, name, severity, title, family = "XP125", "not-a-standard-workbook", Severity.error, "不是标准模板", "structure"
    note = Noted.NOT_A_STANDARD_WORKBOOK


class FormulaAltered(Check):
    """检查内容：模板中的公式单元格被改成了数值，或公式被改动、删除。
    为何重要：模板公式由评价框架生成，是得分计算的依据；手工覆盖会让表内得分与规则不符。
    示例：把“预算执行率”计算得分的公式改为直接输入 6。
    如何修改：用标准模板重新生成该单元格（复制模板中的同一单元格），不要在绿色单元格中输入。"""

    code, name, severity, title, family = "XP123", "formula-altered", Severity.error, "公式被修改", "structure"
    template = "{what}：模板公式为 ={expected}，{detail}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        book = ctx.read.book
        for sheet, cell, expected, name, accepted in ctx.compiled.derived("structure.formulas", _expected_formulas):
            if sheet not in book.sheets:
                continue
            raw = book.cell(sheet, cell)
            if raw is None or (raw.formula is None and raw.value is None):
                yield self.finding(ctx, sheet=sheet, cell=cell, what=_what(ctx, name, sheet, cell), expected=expected,
                                   detail="单元格已被清空")
            elif raw.formula is None:
                yield self.finding(ctx, sheet=sheet, cell=cell, what=_what(ctx, name, sheet, cell), expected=expected,
                                   found=raw.value, detail=f"已被替换为数值 {raw.value}")
            elif raw.formula != SHARED and _normalized(raw.formula) not in accepted:
                yield self.finding(ctx, sheet=sheet, cell=cell, what=_what(ctx, name, sheet, cell), expected=expected,
                                   found="=" + raw.formula, detail=f"现为 ={raw.formula}")


def _what(ctx: CheckContext, name: str | None, sheet: str, cell: str) -> str:
    return ctx.label(name) if name else f"{sheet}!{cell}"


_Expected = tuple[str, str, str, "str | None", tuple[str, str]]


def _expected_formulas(comp: CompiledFramework) -> list[_Expected]:
    """(sheet, cell, expected formula, name, accepted normalized forms) of every computed cell of the plan:
    the native formula, and the UDF flavour's formula for the same cell, both normalized."""
    plan = comp.plan("native")
    udf = comp.plan("udf").formulas()
    names = {(c.sheet, c.cell): c.name for c in plan.cells.values()}
    return [(sheet, cell, expected, names.get((sheet, cell)),
             (normalize_formula(expected), normalize_formula(udf.get((sheet, cell), expected))))
            for (sheet, cell), expected in plan.formulas().items()]


_normalize_cached = lru_cache(maxsize=4096)(normalize_formula)


def _normalized(text: str) -> str:
    """normalize_formula, memoized: submitted workbooks repeat the template's formulas."""
    return _normalize_cached(text) if len(text) <= 2048 else normalize_formula(text)


class LabelAltered(Check):
    """检查内容：输入项的中文标签与标准模板不一致（行被移动、覆盖或来自其他模板）。
    为何重要：标签与数值错位时，数据可能填在了别的栏目里。
    示例：在“人员”工作表中把“雇员”一行改写为“临时工”。
    如何修改：恢复标准模板的标签；数据请填在对应标签右侧的单元格。"""

    code, name, severity, title, family = "XP124", "label-altered", Severity.warning, "模板标签被修改", "structure"
    template = "标签应为“{expected}”，现为“{found}”"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        book = ctx.read.book
        for sheet, cell, label in ctx.compiled.derived("structure.labels", _label_cells):
            if sheet not in book.sheets:
                continue
            raw = book.cell(sheet, cell)
            found = (raw.value or "").strip() if raw else ""
            if found != label:
                yield self.finding(ctx, sheet=sheet, cell=cell, expected=label, found=found)


def _label_cells(comp: CompiledFramework) -> list[tuple[str, str, str]]:
    """(sheet, label cell, label) of every planned name on a form sheet."""
    plan = comp.plan("native")
    label_col = FORM_COLS["label"]
    return [(cp.sheet, f"{label_col}{cp.cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}", cp.spec.label)
            for cp in plan.cells.values() if cp.sheet in plan.blocks and cp.spec is not None
            and cp.name not in plan.grid_cells]  # a grid cell's label is its row's and column's header


class LayoutMoved(Check):
    """检查内容：定义名称指向的单元格与标准模板的位置不同（插入或删除了行列）。
    为何重要：模板位置固定，位置变动后逐格核对公式和标签会失效。
    示例：取消工作表保护后在“预算执行”中插入了一行。
    如何修改：用标准模板重新填报，不要插入或删除行列。"""

    code, name, severity, title, family = "XP126", "layout-moved", Severity.error, "模板布局被改动", "structure"
    template = "工作表“{sheet_name}”中 {count} 个名称的位置与模板不同（如 {example} 应在 {planned}，现在 {actual}）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        moved: dict[str, list[tuple[str, str, str]]] = {}
        for name, cp in ctx.read.plan.cells.items():
            actual = ctx.read.book.names.get(name)
            if actual is not None and actual != (cp.sheet, cp.cell):
                moved.setdefault(cp.sheet, []).append((name, cp.cell, f"{actual[0]}!{actual[1]}"))
        for sheet, items in moved.items():
            name, planned, now = items[0]
            yield self.finding(ctx, sheet=sheet, cell=planned, sheet_name=sheet, count=len(items), example=name,
                               planned=planned, actual=now)


class LocalNameShadows(ReaderCheck):
    """检查内容：某个工作表定义了与工作簿名称（如输入项名称）同名的局部名称（仅在该工作表内有效）。
    为何重要：在该工作表中，公式引用的是局部名称指向的单元格，而不是模板规定的单元格；表内计算悄然改变，外表看不出来。
    示例：在一个表单工作表中另定义了与某个输入项同名、范围为该工作表的名称，指向表外的 D30。
    如何修改：在“公式→名称管理器”中删除该局部名称（范围为该工作表的那一条）。"""

    code, name, severity, title, family = "XP130", "local-name-shadows", Severity.error, "局部名称覆盖了工作簿名称", "structure"
    note = Noted.LOCAL_NAME_SHADOWS


class XlwingsConfigSheet(ReaderCheck):
    """检查内容：工作簿中有名称以 .conf 结尾的工作表（不论是否隐藏、大小写），即 xlwings 加载项的配置表的名称
    （xlwings.conf、myaddin.conf 等）。标准模板中没有这样的工作表。消息写明该表是可见、隐藏还是极隐藏工作表
    （极隐藏的表不出现在“取消隐藏”中，消息同时说明如何显示它）。
    为何重要：xlwings 加载项会读取当前工作簿中这种工作表里的设置；一个普通的 .xlsx 就能借此指定 Excel 运行的 Python
    程序、Python 路径和命令行，在评审人员点击加载项按钮时运行报送方准备的程序。
    示例：提交的工作簿含一个极隐藏的工作表 myaddin.conf，其中 PYTHONPATH 指向报送方的文件夹：
    “工作簿中有工作表“myaddin.conf”（极隐藏工作表，在“取消隐藏”中看不到：…）”。
    如何修改：报送单位删除该工作表后重新报送；评审人员在此之前不要在 Excel 中对该文件使用 xlwings 加载项。"""

    code, name, severity, title, family = ("XP131", "xlwings-config-sheet", Severity.error,
                                           "含 xlwings 配置工作表", "structure")
    note = Noted.XLWINGS_CONFIG_SHEET


class XlwingsCodeSheet(ReaderCheck):
    """检查内容：工作簿中有名称以 .py 结尾的工作表（不论是否隐藏、大小写），即 xlwings 内嵌 Python 代码的工作表的名称。
    标准模板中没有这样的工作表。消息写明该表是可见、隐藏还是极隐藏工作表。
    为何重要：xlwings 的“内嵌代码”功能会运行这种工作表中的 Python 代码；报送的工作簿不应携带任何可执行的内容。
    示例：提交的工作簿含一个隐藏的工作表 main.py：“工作簿中有工作表“main.py”（隐藏工作表）”。
    如何修改：报送单位删除该工作表后重新报送。"""

    code, name, severity, title, family = ("XP132", "xlwings-code-sheet", Severity.error,
                                           "含 xlwings 代码工作表", "structure")
    note = Noted.XLWINGS_CODE_SHEET
