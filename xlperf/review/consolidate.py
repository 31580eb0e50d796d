"""汇总: the bureau's consolidation of a batch of submissions into one workbook.

Each file is read and validated once (:func:`~xlperf.validate.validate_with_context`); what the bureau
needs beyond the findings (the money inputs, the indicator scores) is taken from the same read, so
consolidating costs little more than validating. Everything framework-specific (which inputs are money,
the audit rules, the grade bands, the indicators) comes from the framework; nothing here names a figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xlperf.checks.batch import BatchVersionMismatch, BatchYearMismatch
from xlperf.checks.context import CheckContext
from xlperf.checks.scoring import NoSelfScore
from xlperf.findings import FileReport, Finding, Severity
from xlperf.framework.models import Framework
from xlperf.resolve import Choice
from xlperf.review.batch import BatchIssue, ExpectedUnit, batch_issues
from xlperf.validate import iter_validate

__all__ = [
    "ALL_REVIEWS",
    "DEFAULT_INCLUDE",
    "Consolidation",
    "IndicatorStat",
    "MoneySum",
    "RuleCount",
    "RuleOnSum",
    "UnitResult",
    "consolidate",
    "consolidate_paths",
    "grade_of",
    "money_names",
    "rule_text",
    "unit_of",
]

CENT = Decimal("0.01")
DEFAULT_INCLUDE = frozenset({"pass", "pass_explained"})
"""Review statuses whose units enter the statistics by default: 通过 and 通过（提示已说明）."""
ALL_REVIEWS = frozenset({"pass", "pass_explained", "explain", "revise"})


@dataclass
class UnitResult:
    """One submitted file as the consolidation needs it (picklable: it crosses process boundaries)."""

    report: FileReport
    money: dict[str, Decimal] = field(default_factory=dict)
    scores: dict[str, tuple[Decimal, Decimal | None]] = field(default_factory=dict)  # id → (computed, self)


def money_names(fw: Framework) -> list[str]:
    """Every money input of the framework, with the prior-year input right after its own."""
    from xlperf.framework.form import PRIOR_PREFIX

    out: list[str] = []
    for i in fw.form.inputs:
        if i.kind == "money":
            out.append(i.name)
            if i.prior:
                out.append(PRIOR_PREFIX + i.name)
    return out


def unit_of(report: FileReport, ctx: CheckContext | None) -> UnitResult:
    """A file as the consolidation keeps it: its report, its money inputs and its indicators' scores, taken
    from the read its validation made (in the worker process; an :data:`xlperf.validate.Extractor`)."""
    if ctx is None or ctx.read.data is None:
        return UnitResult(report)
    try:
        env = ctx.env
        money = {n: v for n in money_names(ctx.read.framework) if isinstance(v := env.get(n), Decimal)}
        result = ctx.result
        scores = {i.id: (i.computed, i.self) for i in result.indicators} if result is not None else {}
    except Exception:  # noqa: BLE001 - the file's findings stand; it just adds nothing to the sums
        return UnitResult(report)
    return UnitResult(report, money, scores)


def consolidate_paths(paths: Sequence[Path], framework: str | Choice | None = None, *, workers: int = 1,
                      progress: Callable[[FileReport], None] | None = None,
                      reports: dict[str, Any] | None = None) -> list[UnitResult]:
    """Validate and extract every file (in parallel processes with workers > 1), in the order given;
    ``reports``: each workbook's 绩效自评报告 to check beside it (validate.ReportRequest). The reviewer's
    framework is resolved once and handed to each worker once, and a bounded number of files is in flight,
    as for ``xlperf validate`` (:func:`xlperf.validate.iter_validate`)."""
    out: list[UnitResult] = []
    names: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    pool: dict[Any, Any] = {}
    for outcome in iter_validate(list(paths), framework, workers=workers, report_texts=reports, keep=False,
                                 extract=unit_of):
        unit: UnitResult = outcome.extra
        unit.report = _shared_names(unit.report, names)
        _share_values(unit, pool)
        out.append(unit)
        if progress:
            progress(unit.report)
    return out


def _shared_names(report: FileReport, seen: dict[tuple[tuple[str, str], ...], dict[str, str]]) -> FileReport:
    """The report with its indicator names (each report carries its framework's: ~4 KiB for futian-2021) shared
    with the reports of the same framework already kept, so that a batch keeps them once, not once per file."""
    key = tuple(report.indicators.items())
    shared = seen.get(key)
    if shared is None:
        if len(seen) >= 16:  # a batch has one or a few frameworks
            return report
        seen[key] = report.indicators
        return report
    return report.model_copy(update={"indicators": shared})


POOL_MAX = 200_000
"""Distinct names and score pairs the consolidation shares between units (beyond, a unit keeps its own)."""


def _share_values(unit: UnitResult, pool: dict[Any, Any]) -> None:
    """Names and score pairs equal to another unit's (each unit arrives with its own copies from its worker)
    kept once: indicators take few distinct scores, so a batch's scores cost little more than one unit's.
    Pairs are keyed by their text, so 2 and 2.00 stay apart."""
    def shared(key: Any, value: Any) -> Any:
        found = pool.get(key)
        if found is None:
            if len(pool) >= POOL_MAX:
                return value
            pool[key] = found = value
        return found

    unit.money = {shared(name, name): value for name, value in unit.money.items()}
    unit.scores = {shared(ind, ind): shared((str(c), str(s)), (c, s)) for ind, (c, s) in unit.scores.items()}


def rule_text(fw: Framework, rule_id: str) -> str | None:
    """An audit rule as a reviewer reads it: its level and its assertion with labels for names
    (``强制性：实际在用固定资产原值 <= 固定资产账面原值``); None for an unknown id."""
    import re

    from xlperf.compiled import catalog
    from xlperf.expr import parse

    rule = next((r for r in fw.form.audits if r.id == rule_id), None)
    if rule is None:
        return None
    cat = catalog(fw)

    def label(m: re.Match[str]) -> str:
        name = m.group(0).replace(".", "_")
        spec = cat.get(name)
        return spec.label if spec is not None and name in parse(rule.assert_).names else m.group(0)

    text = re.sub(r"\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?\b", label, rule.assert_)
    from xlperf.findings import AUDIT_LEVEL_ZH, AUDIT_SEVERITY

    return f"{AUDIT_LEVEL_ZH[AUDIT_SEVERITY[rule.severity]]}：{text}"


def grade_of(fw: Framework, total: Decimal | None) -> str | None:
    """The grade band (优/良/中/差 by default) of a total score; bands are the framework's ``form.grades``."""
    if total is None:
        return None
    for g in sorted(fw.form.grades, key=lambda g: g.min, reverse=True):
        if total >= g.min:
            return g.label
    return None


@dataclass
class IndicatorStat:
    id: str
    name: str
    level: int
    points: Decimal
    units: int
    mean: Decimal | None
    min: Decimal | None
    max: Decimal | None
    full_share: Decimal | None  # share of units at full marks (computed score)
    self_above_share: Decimal | None  # share of units whose self-score exceeds the computed score
    self_mean: Decimal | None


@dataclass
class MoneySum:
    name: str
    label: str
    units: int
    total: Decimal


@dataclass
class RuleOnSum:
    id: str
    severity: str
    holds: bool | None  # None: not applicable (a figure missing, or a condition that does not hold)
    message: str


@dataclass
class RuleCount:
    key: str  # the audit rule id, or the check code for xlperf's own checks
    code: str
    severity: Severity
    text: str
    units: int
    example: str


@dataclass
class Consolidation:
    framework: Framework
    units: list[UnitResult]
    counted: list[bool]  # whether each unit enters the sums and statistics
    grades: list[str | None]
    indicators: list[IndicatorStat]
    money: list[MoneySum]
    derived: list[MoneySum]  # the framework's money subtotals and totals, computed from the sums (units: 0)
    rules_on_sums: list[RuleOnSum]
    rule_counts: list[RuleCount]
    issues: list[BatchIssue]
    not_counted: list[str | None] = field(default_factory=list)  # why each unit is out of the statistics
    include: frozenset[str] = DEFAULT_INCLUDE
    skipped: list[Any] = field(default_factory=list)  # files of the folders not read (xlperf's own outputs)
    round_no: int | None = None  # the round in the bureau's history (None: no history)
    changes: list[Any] = field(default_factory=list)  # per unit: UnitChange since its previous round, or None
    comments: list[str | None] = field(default_factory=list)  # per unit: the reviewer's 复核意见 kept

    @property
    def needs_revision(self) -> list[UnitResult]:
        """Units sent back: 需修改 (errors left, unreadable) or 需说明 (提示 without an adequate explanation);
        of a unit that sent two files, only the one that counts (the older is replaced, not returned)."""
        superseded = {i for i, why in enumerate(self.not_counted) if why and why.startswith("重复报送")}
        return [u for i, u in enumerate(self.units) if u.report.review in ("revise", "explain") and i not in superseded]


def _share(n: int, d: int) -> Decimal | None:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if d else None


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP) if values else None


def _not_counted(fw: Framework, units: Sequence[UnitResult], issues: Sequence[BatchIssue],
                 include: frozenset[str]) -> list[str | None]:
    """Why each unit stays out of the sums and statistics (None: it is counted). Never counted: an
    unreadable file, another framework, year or version than the batch, the older file of a unit that sent
    two; by default also units whose review status is not in ``include``."""
    from xlperf.findings import REVIEW_ZH
    from xlperf.safe_io import shown_path

    superseded = {f: i.chosen for i in issues if i.kind == "duplicate" for f in i.files if f != i.chosen}
    out: list[str | None] = []
    for u in units:
        rep = u.report
        codes = {f.code for f in rep.findings}
        path = shown_path(rep.path)
        if rep.status == "error":
            why: str | None = "无法读取"
        elif rep.framework != fw.id:
            why = "评价框架与批次不同"
        elif BatchYearMismatch.code in codes:
            why = "年度与批次不一致"
        elif BatchVersionMismatch.code in codes:
            why = "框架版本与批次不一致"
        elif not (u.scores or u.money):
            why = "没有可汇总的数据"
        elif path in superseded:
            why = f"重复报送，以“{Path(superseded[path] or '').name}”为准"
        elif rep.review not in include:
            why = f"审核结论为{REVIEW_ZH[rep.review]}"
        else:
            why = None
        out.append(why)
    return out


def _indicator_stats(fw: Framework, units: list[UnitResult]) -> list[IndicatorStat]:
    """Per indicator over the counted units (pandas, on the exact Decimal scores: a mean is rounded to the
    cent once, at the end)."""
    import pandas as pd  # lazily: only a consolidation needs it

    rows = [(ind_id, c, s) for u in units for ind_id, (c, s) in u.scores.items()]
    df = pd.DataFrame(rows, columns=["id", "computed", "self"], dtype=object)
    by_id = {key: g for key, g in df.groupby("id", sort=False)} if len(df) else {}
    out = []
    for ind in fw.walk():
        points = Decimal(ind.points)
        g = by_id.get(ind.id)
        computed = list(g["computed"]) if g is not None else []
        pairs = [(c, s) for c, s in zip(g["computed"], g["self"], strict=True) if s is not None] if g is not None else []
        out.append(IndicatorStat(
            id=ind.id, name=ind.name, level=_level(fw, ind.id), points=points, units=len(computed),
            mean=_mean(computed), min=min(computed) if computed else None, max=max(computed) if computed else None,
            full_share=_share(sum(1 for c in computed if c >= points), len(computed)),
            self_above_share=_share(sum(1 for c, s in pairs if s > c), len(pairs)),
            self_mean=_mean([s for _, s in pairs])))
    return out


def _level(fw: Framework, ind_id: str) -> int:
    def walk(nodes: Any, depth: int) -> int | None:
        for n in nodes:
            if n.id == ind_id:
                return depth
            found = walk(getattr(n, "children", None) or [], depth + 1)
            if found is not None:
                return found
        return None

    return walk(fw.indicators, 1) or 0


def _derived_on_sums(fw: Framework, sums: dict[str, Decimal]) -> list[MoneySum]:
    """Subtotals and totals (基本支出, 总计 …) as the framework derives them, from the summed inputs."""
    from xlperf.compiled import build_env

    env, _ = build_env(fw, dict(sums), {})
    return [MoneySum(d.name, d.label, 0, v) for d in fw.form.derived
            if d.kind == "money" and isinstance(v := env.get(d.name), Decimal)]


def _rules_on_sums(fw: Framework, sums: dict[str, Decimal]) -> list[RuleOnSum]:
    """The framework's audit rules over money figures only, evaluated on the batch's sums."""
    from xlperf.checks.audit import render_message
    from xlperf.compiled import build_env, catalog
    from xlperf.expr import ExprError, parse

    cat = catalog(fw)
    env, _ = build_env(fw, dict(sums), {})

    class _Ctx:  # what render_message reads: the values, the catalogue and labels
        def __init__(self) -> None:
            self.env, self.cat = env, cat

        def label(self, name: str) -> str:
            spec = cat.get(name)
            return spec.label if spec else name

    out = []
    for rule in fw.form.audits:
        names = set(parse(rule.assert_).names) | (set(parse(rule.when).names) if rule.when else set())
        if not names or any(cat.get(n) is None or cat[n].kind != "money" for n in names):
            continue
        try:
            applies = rule.when is None or bool(parse(rule.when).evaluate(env))
            holds: bool | None = bool(parse(rule.assert_).evaluate(env)) if applies else None
        except ExprError:
            holds = None
        message = render_message(_Ctx(), rule.message) if holds is False else ""  # type: ignore[arg-type]
        out.append(RuleOnSum(rule.id, rule.severity, holds, message))
    return out


def _rule_counts(fw: Framework, units: list[UnitResult]) -> list[RuleCount]:
    from xlperf.checks.registry import CHECKS

    titles = {c.code: c.title for c in CHECKS}
    rules = {r.id for r in fw.form.audits}
    hits: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for u in units:
        keys = set()
        for f in u.report.findings:
            if f.severity == Severity.info:
                continue
            key = f.rule or f.code
            keys.add(key)
            first.setdefault(key, f)
        hits.update(keys)
    out = []
    for key, n in hits.items():
        f = first[key]
        text = (rule_text(fw, f.rule) if f.rule in rules else None) or titles.get(f.code, f.name)
        out.append(RuleCount(key, f.code, f.severity, text, n, f.message))
    out.sort(key=lambda r: (-r.units, -r.severity.rank, r.key))
    return out


def _batch_framework(units: list[UnitResult], framework: Framework | Choice | str | None) -> Framework:
    """The framework of the 汇总: the reviewer's (a framework, the run's :class:`Choice`, an id or a file), or the
    batch's majority id (looked up in the reviewer's folder first)."""
    if isinstance(framework, Framework):
        return framework
    if isinstance(framework, Choice) and framework.forced is not None:
        return framework.forced
    from xlperf.resolve import resolve, resolve_framework

    ids = Counter(u.report.framework for u in units if u.report.framework)
    majority = ids.most_common(1)[0][0] if ids else None
    if framework is None and majority is None:
        from xlperf.errors import XlperfError

        raise XlperfError("没有一个文件可以读取，无法确定评价框架；请用 --framework 指定")
    if isinstance(framework, Choice):
        found = resolve(majority, framework.registry()) if majority else None
        if found is None:
            from xlperf.errors import InputError

            raise InputError(f"框架目录中没有输入所记录的框架“{majority or '（未记录）'}”"
                             f"（可用：{'、'.join(sorted(framework.registry()))}），请用 --framework 指定框架文件")
        return found
    return resolve_framework(framework, majority).fw  # an id, a file, or the reviewer's folder (by the files' id)


def consolidate(units: list[UnitResult], framework: Framework | Choice | str | None = None,
                expected: Sequence[ExpectedUnit] | None = None, *, include: frozenset[str] = DEFAULT_INCLUDE,
                skipped: Sequence[Any] = ()) -> Consolidation:
    """The consolidation of already validated units (see :func:`consolidate_paths`). Units enter the sums
    and statistics when their review status is in ``include`` (default 通过 and 通过（提示已说明）) and
    nothing about the batch keeps them out (see :func:`_not_counted`)."""
    from xlperf.compiled import catalog
    from xlperf.review.batch import with_batch_errors

    fw = _batch_framework(units, framework)
    units = sorted(units, key=lambda u: (u.report.unit_code or "\uffff", u.report.department or "", u.report.path))
    issues = batch_issues([u.report for u in units], expected)
    for u, rep in zip(units, with_batch_errors([u.report for u in units], issues), strict=True):
        u.report = rep
    not_counted = _not_counted(fw, units, issues, include)
    counted = [why is None for why in not_counted]
    kept = [u for u, c in zip(units, counted, strict=True) if c]
    cat = catalog(fw)
    sums: dict[str, Decimal] = {}
    money = []
    for name in money_names(fw):
        values = [u.money[name] for u in kept if name in u.money]
        if values:
            sums[name] = sum(values, Decimal(0))
        spec = cat.get(name)
        money.append(MoneySum(name, spec.label if spec else name, len(values), sums.get(name, Decimal(0))))
    derived = _derived_on_sums(fw, sums)
    return Consolidation(
        framework=fw, units=units, counted=counted, grades=[_grade(fw, u.report) for u in units],
        indicators=_indicator_stats(fw, kept), money=money, derived=derived, rules_on_sums=_rules_on_sums(fw, sums),
        rule_counts=_rule_counts(fw, [u for u in units if u.report.status != "error"]),
        issues=issues, not_counted=not_counted, include=include, skipped=list(skipped))


def _grade(fw: Framework, rep: FileReport) -> str | None:
    """A unit's grade by its computed total; none for an unreadable file or one without any self-score."""
    if rep.status == "error" or any(f.code == NoSelfScore.code for f in rep.findings):
        return None
    return grade_of(fw, rep.total_computed)
