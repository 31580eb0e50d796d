"""XP40x (scoring): self-scores against the rules, reasons, judged answers and cached results."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.engine.rules import fmt_pts
from xlperf.findings import Finding, Severity
from xlperf.plan.formulas import SCORE_COLS, CellPlan
from xlperf.plan.layout import SCORE_SHEET

__all__ = [
    "CachedValueMismatch",
    "CapNotComputable",
    "ComputedErrorValue",
    "FunctionsNotLoaded",
    "JudgedAnswerOutOfRange",
    "MissingReason",
    "MissingSelfScore",
    "NoSelfScore",
    "SelfAboveCap",
    "SelfAboveComputed",
    "SelfBelowComputed",
    "SelfOutOfRange",
]

JUDGED_KINDS = ("checklist", "judged", "penalty", "tiers", "override", "sum")


class SelfOutOfRange(Check):
    """检查内容：自评得分小于 0 或大于该指标分值。
    为何重要：任何指标得分都在 0 到分值之间，超出范围的自评分无效。
    示例：“项目完成及时性”分值 6 分，自评 7 分。
    如何修改：在 0 到分值之间重新自评。"""

    code, name, severity, title, family = "XP401", "self-score-out-of-range", Severity.error, "自评分超出分值范围", "scoring"
    template = "“{indicator_name}”自评 {found} 分，超出 0–{points} 分"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        for item in ctx.result.indicators:
            if item.is_leaf and item.self is not None and not (0 <= item.self <= item.points):
                yield self.finding(ctx, at=f"self_{item.id}", indicator=item.id, indicator_name=item.name,
                                   found=fmt_pts(item.self), points=fmt_pts(item.points), expected=item.points)


class SelfAboveComputed(Check):
    """检查内容：自评得分高于按评分规则和填报数据计算的得分。
    为何重要：自评不能高于规则允许的得分；这是评审最关注的问题。
    示例：政府采购执行率 730.68 ÷ 1,931.52 = 37.83%，执行率得分 0.38 + 政策功能 1 = 1.38 分，自评 2 分。
    如何修改：按计算得分修改自评分，或核对并修正相关数据；评判类条目请按实际情况逐条填写。"""

    code, name, severity, title, family = "XP402", "self-above-computed", Severity.error, "自评分高于计算得分", "scoring"
    template = "“{indicator_name}”自评 {self_score} 分，高于按规则计算的 {computed} 分（高 {diff} 分）：{explanation}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        for item in ctx.result.indicators:
            if item.is_leaf and item.self is not None and item.self > item.computed and item.self <= item.points:
                yield self.finding(ctx, at=f"self_{item.id}", indicator=item.id, indicator_name=item.name,
                                   self_score=fmt_pts(item.self), computed=fmt_pts(item.computed),
                                   diff=fmt_pts(item.self - item.computed), explanation=item.explanation,
                                   found=item.self, expected=item.computed)


class SelfBelowComputed(Check):
    """检查内容：自评得分低于按规则计算的得分。
    为何重要：可能是数据或评判条目填写有误，也可能是有意从严扣分；需要说明理由。
    示例：编外人员控制率 4.2%（< 5%，应得 1 分），自评 0.5 分。
    如何修改：核对数据；确需从严扣分的，在自评说明中写明理由。"""

    code, name, severity, title, family = "XP403", "self-below-computed", Severity.warning, "自评分低于计算得分", "scoring"
    template = "“{indicator_name}”自评 {self_score} 分，低于按规则计算的 {computed} 分（低 {diff} 分）：{explanation}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        for item in ctx.result.indicators:
            if item.is_leaf and item.self is not None and 0 <= item.self < item.computed:
                yield self.finding(ctx, at=f"self_{item.id}", indicator=item.id, indicator_name=item.name,
                                   self_score=fmt_pts(item.self), computed=fmt_pts(item.computed),
                                   diff=fmt_pts(item.computed - item.self), explanation=item.explanation,
                                   found=item.self, expected=item.computed)


class MissingReason(Check):
    """检查内容：评判类指标（含需逐条评判的条目）自评得分低于满分，但没有填写自评说明（扣分理由）。
    哪些指标需要说明由评价框架的 practices.reason_below_full 决定：judged 评判类（默认，福田区做法）、
    all 所有末级指标、none 不要求。
    为何重要：评审需要知道扣分原因；框架要求评判类指标“酌情扣分”须有依据。
    示例：“绩效目标完整性”自评 2 分（满分 3 分），说明栏为空。
    如何修改：在“自评说明”列写明扣分原因和依据。"""

    code, name, severity, title, family = "XP405", "missing-reason", Severity.warning, "扣分未说明理由", "scoring"
    template = "“{indicator_name}”自评 {self_score} 分（满分 {points} 分），未填写扣分理由"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        policy = ctx.read.framework.practices.reason_below_full  # the region's practice, not a law of the form
        if ctx.result is None or policy == "none":
            return
        judged = ctx.compiled.derived("judged-indicators",
                                      lambda comp: frozenset(s.indicator for s in comp.catalog.values()
                                                             if s.role == "judged"))
        for item in ctx.result.indicators:
            if policy == "judged" and item.id not in judged:
                continue  # a computed indicator: the formula is the reason
            if item.is_leaf and item.self is not None and item.self < item.points and not (item.reason or "").strip():
                yield self.finding(ctx, at=f"reason_{item.id}", indicator=item.id, indicator_name=item.name,
                                   self_score=fmt_pts(item.self), points=fmt_pts(item.points))


class MissingSelfScore(Check):
    """检查内容：三级指标没有填写自评得分。
    为何重要：自评表需要逐项自评；缺项时总分不完整。
    示例：“项目监管”的自评得分为空。
    如何修改：填写自评得分（可参考“计算得分”列）。"""

    code, name, severity, title, family = "XP407", "missing-self-score", Severity.warning, "未填自评分", "scoring"
    template = "“{indicator_name}”未填写自评得分（计算得分 {computed} 分）"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None or not ctx.read.framework.practices.self_score_required:
            return
        if all(i.self is None for i in ctx.result.indicators):
            return  # XP410 says it once: one finding per indicator would only be noise
        for item in ctx.result.indicators:
            if item.is_leaf and item.self is None:
                yield self.finding(ctx, at=f"self_{item.id}", indicator=item.id, indicator_name=item.name,
                                   computed=fmt_pts(item.computed))


class NoSelfScore(Check):
    """检查内容：评分表中没有填写任何一项自评得分。
    为何重要：自评是这份材料的目的；没有自评得分，自评总分为空，评审无法比较自评与计算得分，也不能评定等级。
    示例：评分表“自评得分”一列全部为空，只有表内公式算出的计算得分。
    如何修改：在评分表“自评得分”列逐项填写自评得分（可参考“计算得分”列），扣分的评判类指标写明理由。"""

    code, name, severity, title, family = "XP410", "no-self-score", Severity.error, "未填写任何自评得分", "scoring"
    template = "评分表中没有填写任何自评得分（{leaves} 项{word}全部为空），无法评定等级；请逐项填写自评得分"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        leaves = [i for i in ctx.result.indicators if i.is_leaf]
        if leaves and all(i.self is None for i in leaves):
            # 三级指标 only when every leaf is at level 3 (a framework may score leaves at levels 2 and 3)
            levels = {i.level for i in leaves}
            word = f"{'一二三四五六'[min(levels) - 1]}级指标" if len(levels) == 1 and max(levels) <= 6 else "末级指标"
            yield self.finding(ctx, at=f"self_{leaves[0].id}", leaves=len(leaves), word=word)


class JudgedAnswerOutOfRange(Check):
    """检查内容：评判条目的得分超出该条目的分值，或事项个数不是非负整数。
    为何重要：超出分值的条目得分会被截断，表内得分与填报人的意图不一致。
    示例：“资产配置合理、保管完整”分值 1 分，填写 2。
    如何修改：按条目分值填写（0 到该条目分值之间）。"""

    code, name, severity, title, family = "XP408", "judged-answer-out-of-range", Severity.error, "评判条目得分超出范围", "scoring"
    template = "“{label}”填写 {value}，{why}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, spec in ctx.cat.items():
            if spec.role != "judged":
                continue
            value = ctx.values.get(name)
            if not isinstance(value, Decimal) or isinstance(value, bool):
                continue
            if spec.kind == "points" and spec.max_points is not None and value > spec.max_points:
                yield self.finding(ctx, at=name, label=spec.label, value=fmt_pts(value),
                                   why=f"超过该条目分值 {fmt_pts(spec.max_points)} 分", indicator=spec.indicator,
                                   found=value, expected=spec.max_points)
            elif spec.kind == "count" and value != value.to_integral_value():
                yield self.finding(ctx, at=name, label=spec.label, value=fmt_pts(value), why="个数必须是整数",
                                   indicator=spec.indicator, found=value)


class CachedValueMismatch(Check):
    """检查内容：公式单元格中保存的计算结果（如执行率、得分、合计）与按输入数据重新计算的结果不一致。
    允许 0.000001 的浮点误差；表内比率已按 0.01% 四舍五入，得分按 0.01 分四舍五入，两边口径相同。
    为何重要：说明工作簿保存时未重新计算（手动计算模式），或保存的结果被其他程序篡改；评审看到的数字不可信。
    示例：“三公”经费控制率单元格显示 55.23%，按 4.79 ÷ 8.67 重新计算为 55.25%。
    如何修改：在 Excel 中按 Ctrl+Alt+F9 全部重新计算后保存；确认“公式→计算选项”为“自动”。"""

    code, name, severity, title, family = "XP406", "cached-value-mismatch", Severity.error, "保存的计算结果与重算不符", "scoring"
    template = "{label}：工作簿中保存的结果为 {found}，按输入数据重新计算为 {expected}"
    TOLERANCE = Decimal("0.000001")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        book = ctx.read.book
        for name, cp in _computed_cells(ctx):
            spec = cp.spec
            if spec is None or spec.role not in ("derived", "measure", "score"):
                continue
            raw = book.cell(cp.sheet, cp.cell)
            if raw is None or raw.value is None or raw.type not in ("n", ""):
                continue
            expected = ctx.env.get(name)
            if not isinstance(expected, Decimal):
                continue
            try:
                found = Decimal(raw.value)
            except ArithmeticError:
                continue
            if abs(found - expected) > self.TOLERANCE:
                yield self.finding(ctx, sheet=cp.sheet, cell=cp.cell, label=spec.label, found=_short(found),
                                   expected=_short(expected), indicator=spec.indicator)


UDF_PREFIX = "xlperf_"
"""The Excel functions of udfs/xlperf_udfs.py (the UDF-flavour workbook's computed cells call them)."""
UDF_FAILURE = "#XLPERF!"
"""How an xlperf function reports a failure: a text, not an Excel error (xlperf.addins.excel.functions)."""


def _computed_cells(ctx: CheckContext) -> tuple[tuple[str, CellPlan], ...]:
    """The plan's cells with a name and a formula, in the plan's order: built once per compiled framework and
    plan (the same for every workbook of a batch), not per file."""
    plan, comp = ctx.read.plan, ctx.compiled

    def build(_: object) -> tuple[tuple[str, CellPlan], ...]:
        return tuple((name, cp) for name, cp in plan.cells.items() if cp.spec is not None and cp.formula)

    if plan is not comp.plan(plan.flavour):  # a plan of its own: nothing to share
        return build(None)
    return comp.derived(f"computed-cells:{plan.flavour}", build)


def _computed_errors(ctx: CheckContext) -> Iterator[tuple[str, str, str, str, bool]]:
    """(name, sheet, cell, shown value, calls an xlperf function) of every computed cell of the plan whose
    saved value is an Excel error (#NAME?, #REF!, …) or an xlperf function's failure text."""
    book = ctx.read.book
    for name, cp in _computed_cells(ctx):
        raw = book.cell(cp.sheet, cp.cell)
        if raw is None or raw.value is None:
            continue
        failed = raw.type == "e" or (raw.type in ("s", "str", "inlineStr") and raw.value.startswith(UDF_FAILURE))
        if not failed:
            continue
        if raw.value == "#DIV/0!" and not isinstance(ctx.env.get(name), Decimal):
            continue  # the rule cannot be computed from the data either: XP409 says why
        udf = UDF_PREFIX in (raw.formula or "").lower()
        yield name, cp.sheet, cp.cell, raw.value[:200], udf


class ComputedErrorValue(Check):
    """检查内容：计算单元格（合计、比率、得分）中保存的结果是错误值（#NAME?、#REF!、#VALUE!、#N/A 等）
    或 xlperf 函数的出错说明（#XLPERF! …），而不是数值（使用 xlperf 函数的单元格显示 #NAME? 等错误值见 XP324）。
    为何重要：错误值不是得分；表内的合计、等级和图表随之出错，而校验若跳过这些单元格，有错误的工作簿看起来与正常的一样。
    示例：总分单元格保存的是 #REF!（引用的单元格被删除），或四季度执行率显示 #VALUE!。
    如何修改：找到出错的单元格，恢复被删除或改动的单元格和公式（或用标准模板重新填报），在 Excel 中重新计算后保存。"""

    code, name, severity, title, family = ("XP323", "computed-error-value", Severity.error, "计算单元格为错误值",
                                           "scoring")
    template = "{label}的计算结果是错误值 {found}，不是数值{expected_text}；请恢复该单元格引用的单元格和公式，重新计算后保存"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, sheet, cell, shown, udf in _computed_errors(ctx):
            if udf and shown.startswith("#") and not shown.startswith(UDF_FAILURE):
                continue  # an xlperf function that did not run: XP324
            expected = ctx.env.get(name)
            text = f"（按输入数据重新计算为 {_short(expected)}）" if isinstance(expected, Decimal) else ""
            yield self.finding(ctx, sheet=sheet, cell=cell, label=ctx.label(name), found=shown,
                               expected=_short(expected) if isinstance(expected, Decimal) else None,
                               expected_text=text, indicator=ctx.cat[name].indicator if name in ctx.cat else None)


class FunctionsNotLoaded(Check):
    """检查内容：使用 xlperf 函数（xlperf_score、xlperf_ratio 等）的计算单元格保存的结果是错误值（通常是 #NAME?）：
    保存时这些函数没有加载。
    为何重要：函数未加载时这些单元格和依赖它们的合计都没有数值；评审看到的得分不是按规则算出的。
    示例：用“函数版”模板（xlperf template --formulas udf）填报，在没有安装 xlperf 的电脑或 WPS 中保存，得分显示 #NAME?。
    如何修改：在装有 xlperf 的电脑上导入函数（xlwings → Import Functions），重新计算后保存；或改用原生公式的标准模板
    （xlperf template，默认）重新填报。"""

    code, name, severity, title, family = ("XP324", "functions-not-loaded", Severity.error, "xlperf 函数未加载",
                                           "scoring")
    template = ("{label}使用 xlperf 函数，保存的结果是 {found}：保存时 xlperf 函数没有加载（未安装 xlperf 或未导入函数），"
                "没有计算结果；请在装有 xlperf 的电脑上导入函数、重新计算后保存，或改用原生公式的标准模板")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for name, sheet, cell, shown, udf in _computed_errors(ctx):
            if udf and shown.startswith("#") and not shown.startswith(UDF_FAILURE):
                yield self.finding(ctx, sheet=sheet, cell=cell, label=ctx.label(name), found=shown,
                                   indicator=ctx.cat[name].indicator if name in ctx.cat else None)


def _short(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


class RuleNotComputable(Check):
    """检查内容：某个指标的评分规则无法用填报的数据计算，例如比率的分母所用的输入为 0、计算中引用的数值缺失或不是数字。
    为何重要：无法计算的指标按 0 分计入总分，表内公式会显示错误值；评审无法核对该项得分。
    示例：“预算执行率”的分母“调整后预算”填报为 0，执行率无法计算。
    如何修改：按提示核对规则用到的数据（单元格见位置列）；确实为 0 的，按评价框架的口径说明处理。"""

    code, name, severity, title, family = "XP409", "rule-not-computable", Severity.error, "得分无法计算", "scoring"
    template = "“{indicator_name}”的得分无法按规则计算（{error}），已按 0 分计"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        for item in ctx.result.indicators:
            if item.error is not None:
                yield self.finding(ctx, at=f"score_{item.id}", indicator=item.id, indicator_name=item.name,
                                   error=item.error)


class SelfAboveCap(Check):
    """检查内容：评价框架的封顶规则（caps，例如预算管理一体化平台的“预算执行率在 70%（含）至 80% 之间的，总分最高
    89 分”）使总分或某一汇总指标封顶，而各项自评得分的合计超过了封顶分：表内的自评合计按封顶分计（与计算得分一样）。
    封顶对象是末级指标时，其自评得分由 XP402 与封顶后的计算得分比较（说明中写明封顶）。
    为何重要：填报人看到的自评总分低于各项自评得分之和，需要知道原因；评审需要知道这个单位的总分被封顶了。
    示例：预算执行率 7,500 ÷ 10,000 = 75.00%，在 [70%, 80%) 区间，总分最高 89 分；各项自评得分合计 95.5 分，自评总分按 89 分计。
    如何修改：无需修改（提示）；如预算执行率有误，核对全年预算数和全年执行数。"""

    code, name, severity, title, family = "XP413", "self-above-cap", Severity.info, "自评合计超过封顶分", "scoring"
    template = ("{target_name}的各项自评得分合计 {self_score} 分，超过封顶分 {cap} 分，按 {cap} 分计：{why}"
                "{criteria}")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        rows = {r.indicator.id: r.row for r in ctx.read.plan.score_rows if r.indicator is not None}
        for cap in ctx.result.caps:
            if cap.cap is None or cap.self_before is None or cap.self_before <= cap.cap:
                continue  # a leaf's typed self-score has no self_before: XP402 compares it with the capped score
            total = cap.target == "total"
            at, sheet, cell = ("self_total", None, None) if total else (
                None, SCORE_SHEET, f"{SCORE_COLS['self']}{rows[cap.target]}")
            criteria = f"（{cap.criteria.rstrip('。')}）" if cap.criteria else ""
            yield self.finding(ctx, at=at, sheet=sheet, cell=cell, indicator=None if total else cap.target,
                               target_name=cap.target_name, self_score=fmt_pts(cap.self_before),
                               cap=fmt_pts(cap.cap), why=cap.explanation, criteria=criteria,
                               found=cap.self_before, expected=cap.cap)


class CapNotComputable(Check):
    """检查内容：评价框架的封顶规则（caps）所用的比率无法用填报的数据计算（例如上年数未填写），总分或指标因此未按封顶规则处理。
    为何重要：封顶规则决定得分上限；无法计算时，表内公式会按空单元格为 0 计算，与规则不符，评审看到的总分可能偏高。
    示例：封顶按“三公”经费变动率分档，上年“三公”经费未填写，变动率无法计算。
    如何修改：填写说明中指出的数据（上年数见工作簿中“上年”开头的单元格），重新计算后保存。"""

    code, name, severity, title, family = "XP414", "cap-not-computable", Severity.error, "封顶规则无法计算", "scoring"
    template = "{target_name}的封顶规则“{cap_name}”无法计算（{error}），未按封顶规则处理"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.result is None:
            return
        for cap in ctx.result.caps:
            if cap.error is not None:
                total = cap.target == "total"
                yield self.finding(ctx, at="score_total" if total else f"score_{cap.target}",
                                   indicator=None if total else cap.target, target_name=cap.target_name,
                                   cap_name=cap.name, error=cap.error)
