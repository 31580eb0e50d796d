"""汇总: the bureau's consolidation of a batch of submissions into one workbook.

Each file is read and validated once (:func:`~xlperf.validate.validate_with_context`); what the bureau
needs beyond the findings (the money inputs, the indicator scores) is taken from the same read, so
consolidating costs little more than validating. Everything framework-specific (which inputs are money,
the audit rules, the grade bands, the indicators) comes from the framework; nothing here names a figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xlperf.checks.batch import BatchVersionMismatch, BatchYearMismatch
from xlperf.checks.context import CheckContext
from xlperf.compiled import catalog
from xlperf.expr import parse, shown_expr
from xlperf.findings import AUDIT_LEVEL_ZH, AUDIT_SEVERITY, FileReport, Severity
from xlperf.framework.models import Framework
from xlperf.resolve import Choice
from xlperf.review.batch import BatchIssue, ExpectedUnit, batch_issues
from xlperf.review.spool import Spool, SpooledUnit, UnitRecord, UnitSummary, record_of
from xlperf.validate import iter_validate

__all__ = [
    "ALL_REVIEWS",
    "DEFAULT_INCLUDE",
    "Consolidation",
    "IndicatorStat",
    "Intake",
    "MoneySum",
    "RuleCount",
    "RuleOnSum",
    "RuleTally",
    "consolidate",
    "consolidate_paths",
    "grade_of",
    "money_names",
    "rule_text",
    "sort_key",
    "unit_of",
]

CENT = Decimal("0.01")
DEFAULT_INCLUDE = frozenset({"pass", "pass_explained"})
"""Review statuses whose units enter the statistics by default: 通过 and 通过（提示已说明）."""
ALL_REVIEWS = frozenset({"pass", "pass_explained", "explain", "revise"})


def unit_of(report: FileReport, ctx: CheckContext | None) -> UnitRecord:
    """A file as the consolidation keeps it: its report, its money inputs and its indicators' scores, taken
    from the read its validation made, made into the spool's record (in the worker process; an
    :data:`xlperf.validate.Extractor`)."""
    from xlperf.review.history import sha256_of

    money: dict[str, Decimal] = {}
    scores: dict[str, tuple[Decimal, Decimal | None]] = {}
    if ctx is not None and ctx.read.data is not None:
        try:
            env = ctx.env
            money = {n: v for n in money_names(ctx.read.framework) if isinstance(v := env.get(n), Decimal)}
            result = ctx.result
            scores = {i.id: (i.computed, i.self) for i in result.indicators} if result is not None else {}
        except Exception:  # noqa: BLE001 - the file's findings stand; it just adds nothing to the sums
            money, scores = {}, {}
    return record_of(report, money, scores, sha256_of(Path(report.path)))


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


def sort_key(u: UnitSummary) -> tuple[str, str, str]:
    """The 汇总's order of units: by code (units without one last), name, file."""
    return (u.unit_code or "\uffff", u.department or "", u.path)


@dataclass
class RuleTally:
    """Units failing each audit rule or check (提示 aside), and the first such finding in the round's order:
    kept as units arrive, bounded by the rules and codes, not by the units."""

    hits: Counter[str] = field(default_factory=Counter)
    first: dict[str, tuple[tuple[tuple[str, str, str], int], tuple[str, str, str, str, str]]] = field(
        default_factory=dict)

    def add(self, unit: UnitSummary, keys: dict[str, tuple[str, str, str, str, str]]) -> None:
        order = (sort_key(unit), unit.index)
        self.hits.update(keys.keys())
        for key, example in keys.items():
            known = self.first.get(key)
            if known is None or order < known[0]:
                self.first[key] = (order, example)


@dataclass
class Intake:
    """A round's units as read: their summaries in the parent, everything else in the spool."""

    spool: Spool
    units: list[UnitSummary]
    tally: RuleTally


_INTERNED_MAX = 4096


def _interned(unit: UnitSummary, seen: dict[str, str]) -> None:
    """The framework id and version, status and review shared with the units before (each arrives with its
    own copies from its worker)."""
    for name in ("status", "review", "framework", "framework_version"):
        value = getattr(unit, name)
        if isinstance(value, str):
            found = seen.get(value)
            if found is None and len(seen) < _INTERNED_MAX:
                seen[value] = found = value
            setattr(unit, name, found or value)


def consolidate_paths(paths: Sequence[Path], framework: str | Choice | None = None, *, workers: int = 1,
                      progress: Callable[[UnitSummary], None] | None = None,
                      reports: dict[str, Any] | None = None) -> Intake:
    """Validate and extract every file (in parallel processes with workers > 1); each unit goes to the
    spool as it arrives and the parent keeps its summary. ``reports``: each workbook's 绩效自评报告 to check
    beside it (validate.ReportRequest). The reviewer's framework is resolved once and handed to each worker
    once, and a bounded number of files is in flight (:func:`xlperf.validate.iter_validate`)."""
    spool = Spool()
    units: list[UnitSummary] = []
    tally = RuleTally()
    seen: dict[str, str] = {}
    try:
        for outcome in iter_validate(list(paths), framework, workers=workers, report_texts=reports, keep=False,
                                     extract=unit_of):
            record: UnitRecord = outcome.extra
            unit = spool.add(record)
            _interned(unit, seen)
            tally.add(unit, record.keys)
            units.append(unit)
            if progress:
                progress(unit)
    except BaseException:
        spool.close()
        raise
    return Intake(spool, units, tally)


def rule_text(fw: Framework, rule_id: str) -> str | None:
    """An audit rule as a reviewer reads it: its level and its assertion with labels for names and operators
    as a person writes them (``强制性：实际在用固定资产原值 ≤ 固定资产账面原值``); None for an unknown id."""
    rule = next((r for r in fw.form.audits if r.id == rule_id), None)
    if rule is None:
        return None
    cat = catalog(fw)
    names = parse(rule.assert_).names

    def label(token: str) -> str | None:
        name = token.replace(".", "_")
        spec = cat.get(name)
        return spec.label if spec is not None and name in names else None

    return f"{AUDIT_LEVEL_ZH[AUDIT_SEVERITY[rule.severity]]}：{shown_expr(rule.assert_, label)}"


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
    units: list[UnitSummary]  # in the 汇总's order; everything else of a unit is in ``spool``
    counted: list[bool]  # whether each unit enters the sums and statistics
    grades: list[str | None]
    indicators: list[IndicatorStat]
    money: list[MoneySum]
    derived: list[MoneySum]  # the framework's money subtotals and totals, computed from the sums (units: 0)
    rules_on_sums: list[RuleOnSum]
    rule_counts: list[RuleCount]
    issues: list[BatchIssue]
    spool: Spool
    not_counted: list[str | None] = field(default_factory=list)  # why each unit is out of the statistics
    include: frozenset[str] = DEFAULT_INCLUDE
    skipped: list[Any] = field(default_factory=list)  # files of the folders not read (xlperf's own outputs)
    round_no: int | None = None  # the round in the bureau's history (None: no history)
    history: Any = None  # the round's History, open (what changed for a unit: :meth:`change`), or None
    previous: Any = None  # the history's earlier rounds (xlperf.review.history.Previous)
    labels: dict[str, str] = field(default_factory=dict)  # the figures' Chinese labels (money inputs, self-scores)
    comments: list[str | None] = field(default_factory=list)  # per unit: the reviewer's 复核意见 kept

    def change(self, unit: SpooledUnit) -> Any:
        """What changed for a unit since its previous round (a UnitChange; None: no history or not seen
        before), asked of the history when the unit is written: the round keeps no change per unit."""
        if self.history is None or self.previous is None:
            return None
        change = self.history.change(self.previous, unit.summary, unit.history, unit.figures)
        if change is not None:
            change.figures_changed = [self.labels.get(n, n) for n in change.figures_changed]
        return change

    def spooled(self, units: Sequence[UnitSummary] | None = None) -> Iterator[SpooledUnit]:
        """The units (all of them by default) read back from the spool one by one, in the round's order."""
        return self.spool.units(self.units if units is None else units)

    @property
    def needs_revision(self) -> list[UnitSummary]:
        """Units sent back: 需修改 (errors left, unreadable) or 需说明 (提示 without an adequate explanation);
        of a unit that sent two files, only the one that counts (the older is replaced, not returned)."""
        superseded = {i for i, why in enumerate(self.not_counted) if why and why.startswith("重复报送")}
        return [u for i, u in enumerate(self.units) if u.review in ("revise", "explain") and i not in superseded]


def _share(n: int, d: int) -> Decimal | None:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if d else None


def _mean(total: Decimal, n: int) -> Decimal | None:
    return (total / n).quantize(CENT, ROUND_HALF_UP) if n else None


def _not_counted(fw: Framework, units: Sequence[UnitSummary], issues: Sequence[BatchIssue],
                 include: frozenset[str]) -> list[str | None]:
    """Why each unit stays out of the sums and statistics (None: it is counted). Never counted: an
    unreadable file, another framework, year or version than the batch, the older file of a unit that sent
    two; by default also units whose review status is not in ``include``."""
    from xlperf.findings import REVIEW_ZH
    from xlperf.safe_io import shown_path

    superseded = {f: i.chosen for i in issues if i.kind == "duplicate" for f in i.files if f != i.chosen}
    out: list[str | None] = []
    for rep in units:
        if rep.status == "error":
            why: str | None = "无法读取"
        elif rep.framework != fw.id:
            why = "评价框架与批次不同"
        elif rep.batch_year:
            why = "年度与批次不一致"
        elif rep.batch_version:
            why = "框架版本与批次不一致"
        elif not rep.has_data:
            why = "没有可汇总的数据"
        elif (path := shown_path(rep.path)) in superseded:
            why = f"重复报送，以“{Path(superseded[path] or '').name}”为准"
        elif rep.review not in include:
            why = f"审核结论为{REVIEW_ZH[rep.review]}"
        else:
            why = None
        out.append(why)
    return out


STAT_CHUNK = 2000
"""Units read from the spool into one DataFrame at a time by :func:`_statistics` (bounds its memory)."""


@dataclass
class _Running:
    """One indicator's statistics over the chunks of counted units seen so far (exact Decimal sums; a mean is
    rounded to the cent once, at the end; min and max the first met in the round's order)."""

    n: int = 0
    total: Decimal = Decimal(0)
    low: Decimal | None = None
    high: Decimal | None = None
    full: int = 0
    pairs: int = 0
    above: int = 0
    self_total: Decimal = Decimal(0)

    def fold(self, row: Any) -> None:
        """Add one chunk's aggregates of this indicator (a row of :func:`_chunk_stats`)."""
        self.n += int(row.n)
        self.total += row.total
        self.low = row.low if self.low is None or row.low < self.low else self.low
        self.high = row.high if self.high is None or row.high > self.high else self.high
        self.full += int(row.full)
        self.pairs += int(row.pairs)
        self.above += int(row.above)
        self.self_total += row.self_total


def _chunk_stats(rows: list[tuple[str, Decimal, Decimal | None, Decimal]]) -> Any:
    """One chunk of (indicator, computed, self, points) rows aggregated per indicator with pandas, on the exact
    Decimal scores (object columns: no float touches a score)."""
    import pandas as pd  # lazily: only a consolidation needs it

    df = pd.DataFrame(rows, columns=["id", "computed", "self", "points"], dtype=object)
    paired = df["self"].notna()
    df["full"] = [c >= p for c, p in zip(df["computed"], df["points"], strict=True)]
    df["pairs"] = paired
    df["above"] = [bool(p) and s > c for p, s, c in zip(paired, df["self"], df["computed"], strict=True)]
    df["self_total"] = df["self"].where(paired, Decimal(0))
    grouped = df.groupby("id", sort=False)
    return pd.DataFrame({
        "n": grouped["computed"].size(), "total": grouped["computed"].agg(_exact_sum),
        "low": grouped["computed"].agg(min), "high": grouped["computed"].agg(max),
        "full": grouped["full"].sum(), "pairs": grouped["pairs"].sum(), "above": grouped["above"].sum(),
        "self_total": grouped["self_total"].agg(_exact_sum)})


def _exact_sum(column: Any) -> Decimal:
    total = Decimal(0)
    for value in column:
        total += value
    return total


def _statistics(fw: Framework, spool: Spool, kept: Sequence[UnitSummary]) -> tuple[list[IndicatorStat], dict[str, tuple[int, Decimal]]]:
    """Per indicator and per money input over the counted units, read from the spool in the round's order,
    :data:`STAT_CHUNK` units at a time as one pandas table each. What is held between chunks: one
    :class:`_Running` per indicator and one (count, sum) per money input — bounded by the framework and the
    chunk, not by the units."""
    inds = list(fw.walk())
    points = {ind.id: Decimal(ind.points) for ind in inds}
    running: dict[str, _Running] = {}
    sums: dict[str, tuple[int, Decimal]] = {}
    for start in range(0, len(kept), STAT_CHUNK):
        rows: list[tuple[str, Decimal, Decimal | None, Decimal]] = []
        for u in kept[start:start + STAT_CHUNK]:
            money, scores = spool.data(u.index)
            rows += [(ind_id, c, s, points.get(ind_id, Decimal(0))) for ind_id, (c, s) in scores.items()]
            for name, value in money.items():
                n, total = sums.get(name, (0, Decimal(0)))
                sums[name] = (n + 1, total + value)
        if rows:
            for ind_id, row in _chunk_stats(rows).iterrows():
                running.setdefault(str(ind_id), _Running()).fold(row)
    out = []
    for ind in inds:
        r = running.get(ind.id) or _Running()
        out.append(IndicatorStat(
            id=ind.id, name=ind.name, level=_level(fw, ind.id), points=points[ind.id], units=r.n,
            mean=_mean(r.total, r.n), min=r.low, max=r.high, full_share=_share(r.full, r.n),
            self_above_share=_share(r.above, r.pairs), self_mean=_mean(r.self_total, r.pairs)))
    return out, sums


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


def _rule_counts(fw: Framework, tally: RuleTally) -> list[RuleCount]:
    from xlperf.checks.registry import CHECKS

    titles = {c.code: c.title for c in CHECKS}
    rules = {r.id for r in fw.form.audits}
    out = []
    for key, n in tally.hits.items():
        code, severity, message, rule, name = tally.first[key][1]
        text = (rule_text(fw, rule) if rule in rules else None) or titles.get(code, name)
        out.append(RuleCount(key, code, Severity(severity), text, n, message))
    out.sort(key=lambda r: (-r.units, -r.severity.rank, r.key))
    return out


def _batch_framework(units: list[UnitSummary], framework: Framework | Choice | str | None) -> Framework:
    """The framework of the 汇总: the reviewer's (a framework, the run's :class:`Choice`, an id or a file), or the
    batch's majority id (looked up in the reviewer's folder first)."""
    if isinstance(framework, Framework):
        return framework
    if isinstance(framework, Choice) and framework.forced is not None:
        return framework.forced
    from xlperf.resolve import resolve, resolve_framework

    ids = Counter(u.framework for u in units if u.framework)
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


def _with_batch_errors(intake: Intake, units: list[UnitSummary], issues: Sequence[BatchIssue]) -> None:
    """The batch's errors (XP411 / XP412) added to their units: each such unit read back from the spool,
    changed as :func:`~xlperf.review.batch.with_batch_errors` changes a report, and stored again."""
    from xlperf.review.batch import batch_errors

    for i, extra in batch_errors(units, issues).items():
        u = units[i]
        rep = intake.spool.report(u.index)
        if any(f.code in (BatchYearMismatch.code, BatchVersionMismatch.code) for f in rep.findings):
            continue
        rep = rep.model_copy(update={"findings": extra + list(rep.findings),
                                     "status": "invalid" if rep.status != "error" else rep.status})
        money, scores = intake.spool.data(u.index)
        record = record_of(rep, money, scores, u.sha256)
        units[i] = intake.spool.replace(u.index, record)
        intake.tally.add(units[i], {k: v for k, v in record.keys.items() if k in {f.code for f in extra}})


def consolidate(intake: Intake, framework: Framework | Choice | str | None = None,
                expected: Sequence[ExpectedUnit] | None = None, *, include: frozenset[str] = DEFAULT_INCLUDE,
                skipped: Sequence[Any] = ()) -> Consolidation:
    """The consolidation of already validated units (see :func:`consolidate_paths`). Units enter the sums
    and statistics when their review status is in ``include`` (default 通过 and 通过（提示已说明）) and
    nothing about the batch keeps them out (see :func:`_not_counted`)."""
    from xlperf.compiled import catalog

    fw = _batch_framework(intake.units, framework)
    units = sorted(intake.units, key=sort_key)
    issues = batch_issues(units, expected)
    _with_batch_errors(intake, units, issues)
    not_counted = _not_counted(fw, units, issues, include)
    counted = [why is None for why in not_counted]
    stats, found = _statistics(fw, intake.spool, [u for u, c in zip(units, counted, strict=True) if c])
    cat = catalog(fw)
    sums: dict[str, Decimal] = {}
    money = []
    for name in money_names(fw):
        n, total = found.get(name, (0, Decimal(0)))
        if n:
            sums[name] = total
        spec = cat.get(name)
        money.append(MoneySum(name, spec.label if spec else name, n, sums.get(name, Decimal(0))))
    derived = _derived_on_sums(fw, sums)
    return Consolidation(
        framework=fw, units=units, counted=counted, grades=[_grade(fw, u) for u in units],
        indicators=stats, money=money, derived=derived, rules_on_sums=_rules_on_sums(fw, sums),
        rule_counts=_rule_counts(fw, intake.tally), issues=issues, spool=intake.spool, not_counted=not_counted,
        include=include, skipped=list(skipped))


def _grade(fw: Framework, rep: UnitSummary) -> str | None:
    """A unit's grade by its computed total; none for an unreadable file or one without any self-score."""
    if rep.status == "error" or rep.no_self_score:
        return None
    return grade_of(fw, rep.total_computed)
