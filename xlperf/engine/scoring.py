"""Framework + department data → every rate, every indicator score, subtotals and the total.

Pure functions: no openpyxl, no xlwings. The CLI, the UDFs, the validator and the workbook
generator all go through here (or through :mod:`rules`, which this module drives).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from xlperf.data.models import DepartmentData
from xlperf.dates import date_of_serial, serial_of
from xlperf.dates import shown as date_shown
from xlperf.engine.rules import (
    Compiled,
    Ctx,
    MeasureDef,
    _rule_names,
    cap_of,
    evaluate_rule,
    finish,
    fmt_edge,
    fmt_money,
    fmt_num,
    fmt_pts,
    fmt_rate,
)
from xlperf.expr import Expr, ExprError, NumberText, Value, _truth, parse, quantize, undefined_name
from xlperf.framework.form import PRIOR_PREFIX, ColumnDecl
from xlperf.framework.models import Cap, Framework, Indicator

__all__ = ["Built", "CapResult", "EnvPlan", "IndicatorResult", "MeasureResult", "ScoreResult", "build_env", "build_env_for",
           "check_judgements", "data_env", "env_plan", "priors_behind", "score"]


class MeasureResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    value: Decimal
    num: Decimal
    den: Decimal
    explanation: str


class IndicatorResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    level: int
    parent: str | None
    points: Decimal
    computed: Decimal
    self: Decimal | None
    delta: Decimal | None
    explanation: str
    kind: str | None = None
    reason: str | None = None
    error: str | None = None  # why the rule could not be computed from the data (then computed is 0)

    @property
    def is_leaf(self) -> bool:
        """Leaves carry the rules (at any depth); branches sum their children."""
        return self.kind is not None


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)
    computed: Decimal
    self: Decimal | None
    explanation: str | None = None  # set when a cap lowered the total


class CapResult(BaseModel):
    """A cap (framework ``caps``) as it applied: the band's cap, or None in no band (then not capped)."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    target: str  # "total" or an indicator id
    target_name: str  # 总分, or the indicator's name
    cap: Decimal | None
    before: Decimal  # the target's computed score before this cap
    after: Decimal
    self_before: Decimal | None = None  # a branch's or the total's self-assessed sum before this cap
    self_after: Decimal | None = None
    explanation: str  # the measure, its band and the cap, in Chinese
    criteria: str | None = None
    error: str | None = None  # the measure could not be computed from the data: not capped


class ScoreResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    framework: str
    framework_version: str
    department: str
    year: int
    total_points: Decimal = Decimal(100)
    total: Totals
    indicators: list[IndicatorResult]
    measures: list[MeasureResult]
    caps: list[CapResult] = []  # every framework cap as it applied, in declaration order
    derived: dict[str, Any] = {}  # derived figures (form.derived) by name
    tables: dict[str, list[dict[str, Any]]] = {}  # each table's rows, computed columns included

    def by_id(self, indicator_id: str) -> IndicatorResult:
        for item in self.indicators:
            if item.id == indicator_id:
                return item
        raise KeyError(indicator_id)


def _value(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, date):  # a date computes as its serial number, as in the sheet
        return serial_of(value)
    return value


def data_env(data: DepartmentData) -> dict[str, Value]:
    """Flat name → value for every input field (counts as Decimals), plus each table column as a tuple."""
    env: dict[str, Value] = {name: _value(value) for name, value in data.values().items()}
    for table, rows in data.table_rows().items():
        for col in (rows[0].keys() if rows else ()):
            env[f"{table}.{col}"] = tuple(_value(r.get(col)) for r in rows)  # type: ignore[assignment]
    return env


_BLANK: dict[str, Value] = {"bool": False, "text": "", "choice": ""}


def _tables_env(fw: Framework, env: dict[str, Value]) -> None:
    """Computed table columns, row by row; every declared column exists (empty table: no rows).

    In a row's own formulas an empty typed cell reads as the sheet reads it (0, 否, empty text), so the
    sheet and the engine agree; aggregates see it as empty (count does not count it). A row whose first
    column is empty has no computed values (the sheet's row formulas test that column), while its typed
    numbers still count in aggregates, as in the sheet's SUM."""
    for table in fw.form.tables:
        first = f"{table.name}.{table.columns[0].name}"
        n = len(env.get(first, ()))  # type: ignore[arg-type]
        rows: list[dict[str, Value]] = [{} for _ in range(n)]
        keyed = [v is not None and str(v).strip() != "" for v in env.get(first) or (None,) * n]  # type: ignore[union-attr]
        for col in table.columns:
            key = f"{table.name}.{col.name}"
            if col.expr is None:
                _typed_column(col, key, env, rows)
                continue
            expr = parse(col.expr)
            out = []
            for row, has_key in zip(rows, keyed, strict=False):
                try:
                    derived: Any = expr.evaluate({**env, **row}) if has_key else None
                except ExprError:
                    derived = None
                if derived is not None and col.kind == "bool":
                    derived = _truth(derived)  # the sheet shows 是/否: IF(value,"是","否")
                if derived is not None:
                    row[col.name] = derived
                out.append(derived)
            env[key] = tuple(out)  # type: ignore[assignment]


def _typed_column(col: ColumnDecl, key: str, env: dict[str, Value], rows: list[dict[str, Value]]) -> None:
    """A typed column: its cells in ``env`` as a tuple, and in each row as the row's formulas read them.

    A data file's omitted cell already holds the column's default (the data model's); an empty workbook cell
    stays empty, as the sheet's formulas see it."""
    filled = tuple(env.get(key) or (None,) * len(rows))  # type: ignore[arg-type]
    if col.text_if is not None:  # a qualitative row's text: N() reads it as 0 outside text comparisons
        filled = tuple(NumberText(v) if isinstance(v, str) and v != "" else v for v in filled)
    env[key] = filled  # type: ignore[assignment]
    blank = _BLANK.get(col.kind, Decimal(0))
    for row, v in zip(rows, filled, strict=False):
        row[col.name] = v if v is not None else blank


def build_env(comp: Compiled, inputs: Mapping[str, Value], judgements: Mapping[str, Value] | None = None,
              ) -> tuple[dict[str, Value], dict[str, tuple[Decimal, Decimal, Decimal]]]:
    """Inputs + derived totals + judged answers + measures, in dependency order."""
    fw = comp.framework
    env: dict[str, Value] = dict(inputs)
    for name in comp.rate_inputs & env.keys():  # typed rates are rounded like computed ones (framework decision)
        value = env[name]
        if isinstance(value, Decimal):
            env[name] = quantize(value, fw.rounding.rate_decimals)
    _tables_env(fw, env)
    for d in fw.form.derived:
        try:  # written as the sheet computes it: a rate rounds only where its expression says round_
            env[d.name] = parse(d.expr).evaluate(env)
        except ExprError:  # a missing input: derived value stays undefined
            continue
    for j in comp.judged:
        env.setdefault(j.name, "" if j.is_tier else Decimal(0))
    if judgements:
        env.update(judgements)
    parts: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for m in comp.measures:
        try:
            rate, num, den = m.value(env)
        except ExprError:  # an input is missing (incomplete workbook): the measure stays undefined
            continue
        env[m.id] = rate
        parts[m.id] = (rate, num, den)
    return env, parts


Built = tuple[dict[str, Value], dict[str, tuple[Decimal, Decimal, Decimal]]]


@dataclass(frozen=True)
class EnvPlan:
    """What :func:`build_env` must compute for a few names only: the derived figures and measures they
    depend on (directly or through each other), in build_env's order, and whether tables are involved."""

    derived: tuple[tuple[str, Expr], ...]
    measures: tuple[MeasureDef, ...]
    tables: bool
    judged: tuple[tuple[str, Value], ...] = ()  # the judged answers among those names, with their defaults


def env_plan(comp: Compiled, wanted: frozenset[str]) -> EnvPlan:
    """The part of the environment ``wanted`` depends on (the caller keeps it per framework and names)."""
    fw = comp.framework
    deps: dict[str, frozenset[str]] = {d.name: parse(d.expr).names for d in fw.form.derived}
    for m in comp.measures:
        deps.setdefault(m.id, m.num.names | m.den.names)
    need: set[str] = set()
    stack = list(wanted)
    while stack:
        name = stack.pop()
        if name not in need:
            need.add(name)
            stack.extend(deps.get(name, ()))
    tables = {t.name for t in fw.form.tables}
    return EnvPlan(derived=tuple((d.name, parse(d.expr)) for d in fw.form.derived if d.name in need),
                   measures=tuple(m for m in comp.measures if m.id in need),
                   tables=any("." in n or n in tables for n in need),
                   judged=tuple((j.name, "" if j.is_tier else Decimal(0)) for j in comp.judged if j.name in need))


def build_env_for(comp: Compiled, plan: EnvPlan, inputs: Mapping[str, Value]) -> Built:
    """:func:`build_env` (without judgements) restricted to ``plan`` (:func:`env_plan`): the same values for the
    names planned, at the cost of those names only (an Excel function scoring one indicator must not rebuild
    the whole form)."""
    fw = comp.framework
    env: dict[str, Value] = dict(inputs)
    for name in comp.rate_inputs & env.keys():
        value = env[name]
        if isinstance(value, Decimal):
            env[name] = quantize(value, fw.rounding.rate_decimals)
    if plan.tables:
        _tables_env(fw, env)
    for name, expr in plan.derived:
        if not env.keys() >= expr.strict_names:
            continue  # it would fail for want of a figure (an Excel function passes only what its rule reads)
        try:
            env[name] = expr.evaluate(env)
        except ExprError:
            continue
    for name, default in plan.judged:  # only the planned names: a judged answer nothing planned reads is not set
        env.setdefault(name, default)
    parts: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for m in plan.measures:
        if not env.keys() >= m.den.strict_names:
            continue  # the denominator, always evaluated first, would fail: so would the measure
        try:
            rate, num, den = m.value(env)
        except ExprError:
            continue
        env[m.id] = rate
        parts[m.id] = (rate, num, den)
    return env, parts


def figure_kinds(fw: Framework) -> dict[str, str]:
    """name → kind of every input, derived and stated figure (how :func:`shown_figure` words its value)."""
    return {d.name: d.kind for group in (fw.form.inputs, fw.form.derived, fw.form.stated) for d in group}


def money_names(fw: Framework) -> frozenset[str]:
    """The figures a framework declares in 万元: inputs (and last year's), derived and stated figures, table columns."""
    names = {d.name for group in (fw.form.inputs, fw.form.derived, fw.form.stated) for d in group if d.kind == "money"}
    names.update(PRIOR_PREFIX + d.name for d in fw.form.inputs if d.prior and d.kind == "money")
    names.update(f"{t.name}.{c.name}" for t in fw.form.tables for c in t.columns if c.kind == "money")
    return frozenset(names)


def money_sides(comp: Compiled) -> dict[str, tuple[bool, bool]]:
    """Per measure: whether its numerator and its denominator are amounts (they read a figure in 万元). Money is
    always worded with two decimals ("4,326.00"), counts as counts ("12"): :func:`fmt_side`."""
    money = money_names(comp.framework)
    return {m.id: (bool(m.num.names & money), bool(m.den.names & money)) for m in comp.measures}


def fmt_side(value: Decimal, money: bool) -> str:
    """A rate's numerator or denominator in an explanation: 万元 with two decimals, else as :func:`fmt_num`."""
    return fmt_money(value) if money else fmt_num(value)


def quotient_text(label: str, num: Decimal, den: Decimal, rate: Decimal, sides: tuple[bool, bool],
                  schedule: Decimal | None = None) -> str:
    """「label = num ÷ den = rate」 (a period rate: 「label = paid ÷ total ÷ 25% = rate」), as the validator's 计算过程
    and the xlperf_explain Excel function both word a rate computed from its inputs."""
    if schedule is not None:
        return (f"{label} = {fmt_side(num, sides[0])} ÷ {fmt_side(den / schedule, sides[1])} ÷ {fmt_edge(schedule)}"
                f" = {fmt_rate(rate)}")
    return f"{label} = {fmt_side(num, sides[0])} ÷ {fmt_side(den, sides[1])} = {fmt_rate(rate)}"


def score(comp: Compiled, data: DepartmentData, built: Built | None = None) -> ScoreResult:
    """Score one department's data under a compiled framework. ``built``: :func:`build_env` of this data, when the
    caller has it already (the validator builds the environment once per file; scoring only reads it)."""
    fw = comp.framework
    env, parts = built if built is not None else build_env(comp, data_env(data), dict(data.judgements))
    names = {m.id: m.name for m in comp.measures}
    schedules = {m.id: m.schedule for m in comp.measures if m.schedule is not None}
    kinds = figure_kinds(fw)

    sides = money_sides(comp)

    def measure_text(name: str) -> str:
        if name in parts:
            rate, num, den = parts[name]
            if den == 0:
                return f"{names[name]}：分母为 0，按 {fmt_rate(rate)} 计"
            return quotient_text(names[name], num, den, rate, sides[name], schedules.get(name))
        value = env.get(name)
        if value is None and name not in env:  # an expression used as a measure (e.g. rows_total / 10)
            try:
                value = parse(name).evaluate(env)
            except ExprError:
                value = None
        label = comp.input_labels.get(name, name)
        return f"{label} {shown_figure(value, kinds.get(name, 'rate'))}"

    ctx = Ctx(env, measure_text)
    decimals = fw.rounding.score_decimals
    results: list[IndicatorResult] = []
    cap_results: list[CapResult] = []

    def capped(target: str, name: str, computed: Decimal, self_score: Decimal | None) -> tuple[
            Decimal, Decimal | None, str]:
        return _apply_caps(comp, ctx, (target, name), computed, self_score, cap_results)

    def visit(ind: Indicator, level: int, parent: str | None) -> tuple[Decimal, Decimal | None]:
        if ind.rule is not None:
            error = None
            try:
                raw, text = evaluate_rule(ind.rule, ctx)
            except ExprError as exc:  # data the rule cannot be computed from: scored 0, reported (XP409)
                error = _why(comp, ind, env, exc)
                raw, text = Decimal(0), f"无法按规则计算：{error}"
            computed = finish(raw, ind.points, decimals)
            if computed != raw:
                text += f" → 得分 {computed} 分" + ("（不超过分值）" if raw > ind.points else "（四舍五入）")
            computed, _, cap_text = capped(ind.id, ind.name, computed, None)  # a typed self-score: XP402
            text += cap_text
            own = data.self_scores.get(ind.id)
            self_score = own.score if own else None
            results.append(IndicatorResult(
                id=ind.id, name=ind.name, level=level, parent=parent, points=ind.points, computed=computed,
                self=self_score, delta=None if self_score is None else self_score - computed,
                explanation=text, kind=ind.rule.kind, reason=own.reason if own else None, error=error))
            return computed, self_score
        slot = len(results)
        results.append(None)  # type: ignore[arg-type]  # placeholder keeps parents before children
        child = [visit(c, level + 1, ind.id) for c in ind.children]
        computed = sum((c for c, _ in child), Decimal(0))
        selfs = [s for _, s in child if s is not None]
        self_score = sum(selfs, Decimal(0)) if selfs else None
        text = " + ".join(f"{c.name} {r[0]}" for c, r in zip(ind.children, child, strict=True)) + f" = {computed} 分"
        computed, self_score, cap_text = capped(ind.id, ind.name, computed, self_score)
        results[slot] = IndicatorResult(
            id=ind.id, name=ind.name, level=level, parent=parent, points=ind.points, computed=computed,
            self=self_score, delta=None if self_score is None else self_score - computed,
            explanation=text + cap_text)
        return computed, self_score

    top = [visit(ind, 1, None) for ind in fw.indicators]
    selfs = [s for _, s in top if s is not None]
    total, total_self, total_text = capped("total", "总分", quantize(sum((c for c, _ in top), Decimal(0)), decimals),
                                           sum(selfs, Decimal(0)) if selfs else None)
    measures = [MeasureResult(id=k, name=names[k], value=v[0], num=v[1], den=v[2], explanation=measure_text(k))
                for k, v in parts.items()]
    values = data.values()
    dept, year = fw.form.role("department"), fw.form.role("year")
    return ScoreResult(
        framework=fw.id, framework_version=fw.version, department=str(values.get(dept, "") if dept else ""),
        year=int(values.get(year) or fw.year) if year else fw.year, total_points=fw.total_points,
        total=Totals(computed=total, self=total_self,
                     explanation=total_text.removeprefix("；") or None),
        indicators=results, measures=measures, caps=cap_results, derived=_derived_values(fw, env), tables=_table_rows(fw, env))


def _apply_caps(comp: Compiled, ctx: Ctx, target: tuple[str, str], computed: Decimal, self_score: Decimal | None,
                out: list[CapResult]) -> tuple[Decimal, Decimal | None, str]:
    """A target's computed and self-assessed sums after its caps (each a MIN, in declaration order), the
    explanation of those that lowered the computed score; each cap's outcome is appended to ``out``.

    A sum the sheet computes (a branch's or the total's, computed or self-assessed) is capped where it is
    computed; a leaf's typed self-score is not (pass None): XP402 compares it with the capped score."""
    fw, text = comp.framework, ""
    for cap in (c for c in fw.caps if c.target == target[0]):
        limit, why, error = _cap(cap, ctx, comp)
        after = computed if limit is None else quantize(min(computed, limit), fw.rounding.score_decimals)
        self_after = self_score if limit is None or self_score is None else min(self_score, limit)
        if after < computed:
            text += f"；{why} → {fmt_pts(after)} 分"
        out.append(CapResult(id=cap.id, name=cap.name, target=target[0], target_name=target[1], cap=limit,
                             before=computed, after=after, self_before=self_score, self_after=self_after,
                             explanation=why, criteria=cap.criteria, error=error))
        computed, self_score = after, self_after
    return computed, self_score, text


def _cap(cap: Cap, ctx: Ctx, comp: Compiled) -> tuple[Decimal | None, str, str | None]:
    """(cap or None, why, error): a measure that cannot be computed from the data (an empty prior-year
    figure) caps nothing, and says why (XP414), as a rule that cannot be computed does (XP409)."""
    try:
        limit, why = cap_of(cap, ctx)
    except ExprError as exc:
        error = _measure_failure(comp, parse(cap.measure).names, ctx.env) or _prior_said(comp.framework, exc, ctx.env)
        return None, f"{cap.name}：无法计算（{error}），未封顶", error
    return limit, why, None


def _measure_failure(comp: Compiled, used: set[str] | frozenset[str], env: Mapping[str, Value]) -> str | None:
    """Why the first measure among ``used`` that the environment lacks cannot be computed, in the user's terms."""
    for m in comp.measures:
        if m.id in used and m.id not in env:
            try:
                m.value(env)
            except ExprError as inner:
                return f"{m.name}：{_prior_said(comp.framework, inner, env)}"
    return None


def _derived_values(fw: Framework, env: Mapping[str, Value]) -> dict[str, Value | None]:
    """Every derived figure the data gives (a figure over an empty input is left out, as in the sheet's checks)."""
    return {d.name: _cell_out(env[d.name], d.kind == "date") for d in fw.form.derived
            if d.name in env}


def _table_rows(fw: Framework, env: Mapping[str, Value]) -> dict[str, list[dict[str, Value | None]]]:
    """Each table's rows, typed and computed columns alike (None for an empty cell)."""
    out: dict[str, list[dict[str, Value | None]]] = {}
    for table in fw.form.tables:
        columns = {c.name: env.get(f"{table.name}.{c.name}") or () for c in table.columns}
        n = max((len(v) for v in columns.values() if isinstance(v, tuple)), default=0)
        dates = {c.name for c in table.columns if c.kind == "date"}
        out[table.name] = [{name: _cell_out(v[i] if isinstance(v, tuple) and i < len(v) else None, name in dates)
                            for name, v in columns.items()} for i in range(n)]
    return out


def _cell_out(value: Value | None, is_date: bool) -> Value | None:
    """A date column's serial as its ISO date (a serial that is no day stays the number the sheet has)."""
    return date_shown(value) if is_date and isinstance(value, Decimal) and date_of_serial(value) else value


def shown_figure(value: object, kind: str) -> str:
    """A figure a rule reads, as its kind is read: 93.80%, 38.66 分, 1,234.50 万元, 12, 是."""
    if isinstance(value, bool):  # a 是/否 input (a cap's 一票否决 flag), as the form shows it
        return "是" if value else "否"
    if not isinstance(value, Decimal):
        return str(value)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "points":
        return f"{fmt_pts(value)} 分"
    if kind == "money":
        return f"{fmt_money(value)} 万元"
    return fmt_num(value)


def _why(comp: Compiled, ind: Indicator, env: Mapping[str, Value], exc: ExprError) -> str:
    """The reason in the user's terms: the measure that failed and why, else the expression's complaint."""
    return _measure_failure(comp, _rule_names(ind.rule), env) or _prior_said(comp.framework, exc, env)


def _prior_said(fw: Framework, exc: ExprError, env: Mapping[str, Value]) -> str:
    """An empty prior-year figure is named as such: the department must fill it, not guess at a rule. Figures
    are named by their labels, never by the framework's identifiers (“prev_abroad_actual”, “未定义的名称 …”)."""
    name = undefined_name(exc)
    missing = priors_behind(fw, name, env)
    labels = {d.name: d.label for d in fw.form.inputs}
    if missing:
        shown = "、".join(labels.get(n.removeprefix(PRIOR_PREFIX), n) for n in missing)
        return f"上年数 {shown} 未填写，不能按 0 或分母为 0 处理"
    if name is not None and name in labels:  # a blank input a rule reads (a 是/否 or choice left empty)
        return f"{labels[name]} 未填写"
    return str(exc)


def priors_behind(fw: Framework, name: str | None, env: Mapping[str, Value]) -> list[str]:
    """The empty prior-year figures (prev_x) an undefined name stands for: the name itself, or those a derived
    figure reads, directly or through other derived figures (“三公”经费上年数 = prev.a + prev.b + prev.c is
    undefined because they are empty, and saying “未定义的名称” of it would send the user looking for a typo)."""
    derived = {d.name: d.expr for d in fw.form.derived}
    todo, seen, found = [name] if name else [], set(), []
    while todo:
        n = todo.pop(0)
        if n in seen or n in env:
            continue
        seen.add(n)
        if n.startswith(PRIOR_PREFIX):
            found.append(n)
        elif n in derived:
            todo.extend(sorted(parse(derived[n]).names))
    return found


MAX_PROBLEMS = 50
"""Problems listed of a data file's judged answers (a hostile file may hold 200,000 unknown ones)."""


def check_judgements(comp: Compiled, judgements: Mapping[str, Value]) -> list[str]:
    """Chinese problems with judged answers: unknown names, wrong types, tiers not in the list."""
    fw = comp.framework
    by_name = {j.name: j for j in comp.judged}
    problems: list[str] = []
    for name, value in judgements.items():
        if len(problems) >= MAX_PROBLEMS:
            problems.append(f"……另有问题未列出（共 {len(judgements)} 个评判答案）")
            break
        name = name if len(name) <= 80 else name[:80] + "…"
        value = value if not isinstance(value, str) or len(value) <= 80 else value[:80] + "…"
        j = by_name.get(name)
        if j is None:
            problems.append(f"评判答案 {name} 不是框架 {fw.id} 定义的输入")
        elif j.kind == "tier":
            if value not in j.options:
                problems.append(f"评判答案 {name}（{j.label}）为 {value!r}，应为：{'、'.join(j.options)}")
        elif j.kind == "flag":
            if not isinstance(value, bool) and value not in (Decimal(0), Decimal(1)):
                problems.append(f"评判答案 {name}（{j.label}）应为 是/否（1/0），得到 {value!r}")
        elif not isinstance(value, Decimal) or isinstance(value, bool):
            problems.append(f"评判答案 {name}（{j.label}）必须是数字，得到 {value!r}")
        elif value < 0:
            problems.append(f"评判答案 {name}（{j.label}）不能为负数")
        elif value and not -12 <= value.adjusted() < 12:  # 1.5E+9999 was taken as full marks, 1E-9999 as 0
            problems.append(f"评判答案 {name}（{j.label}）为 {value:.3E}，超出合理范围")
        elif j.kind == "count" and value != value.to_integral_value():
            problems.append(f"评判答案 {name}（{j.label}）是个数，必须是整数")
    return problems
