"""The Python behind every xlperf Excel function (UDF): Excel-ish arguments in, floats or text out.

Each function converts what Excel hands over (floats, ``None`` for an empty cell, "是/否", ranges as
lists or 2-D lists, error values as "#DIV/0!"-style strings) to ``Decimal``, finds the rule of the
framework that scores the quantity (by indicator id, and by the measure it reads inside a sum rule),
and evaluates *that* rule with the engine (:func:`xlperf.framework.rules.evaluate_rule`, ``finish``,
``MeasureDef.value``, :func:`xlperf.framework.scoring.build_env`). No band edge, weight or deduction
is written here: change the framework file and every function follows.

Nothing here imports xlwings, and nothing raises: a problem becomes a one-line Chinese text starting
with ``#XLPERF!`` (``#XLPERF! 预算数必须大于0``), which Excel shows in the cell.

Empty cells count as 0 (as in an Excel formula), so a half-filled UDF workbook shows the same
numbers as the native-formula workbook; the validator, not the functions, reports missing inputs.
"""

from __future__ import annotations

import functools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from ..errors import InputError
from ..framework.cache import per_framework
from ..framework.expr import ExprError, Value, parse
from ..framework.models import Framework, Indicator, Rule, ScheduleRule
from ..framework.rules import (
    Ctx,
    MeasureDef,
    compile_framework,
    compiled_names,
    evaluate_rule,
    finish,
    fmt_edge,
    fmt_num,
    fmt_rate,
)
from ..framework.scoring import build_env, compiled, input_labels

__all__ = [
    "DEFAULT_FRAMEWORK", "ERROR_PREFIX", "FRAMEWORK_PATH_ENV", "UdfError",
    "adjust_score", "asset_score", "control_score", "exec_rate", "exec_score", "explain", "get_framework",
    "offpost_score", "procurement_score", "public_score", "ratio", "register_framework", "sangong_score",
    "satisfaction_score", "score", "staff_score",
]

ERROR_PREFIX = "#XLPERF!"
DEFAULT_FRAMEWORK = "futian-2021"
FRAMEWORK_PATH_ENV = "XLPERF_FRAMEWORK_PATH"
"""Folders (separated by os.pathsep) searched for ``<framework id>.yaml`` when a workbook names a
framework that is neither built in nor registered."""

MAX_TEXT = 255
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!")
YES = frozenset({"是", "yes", "y", "true", "t", "1", "√", "✓"})
NO = frozenset({"否", "no", "n", "false", "f", "0", "×", "✗"})
BOOL_KINDS = ("bool", "flag")
TEXT_KINDS = ("tier", "text")

F = TypeVar("F", bound=Callable[..., Any])


class UdfError(Exception):
    """A problem with the arguments; ``str(err)`` is the Chinese text shown after ``#XLPERF!``."""


class _UpstreamError(Exception):
    """An argument is already an ``#XLPERF!`` text (an upstream cell failed): show that text."""


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _guard(fn: F) -> F:
    """Turn every exception into a short ``#XLPERF!`` text: a UDF never shows a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _UpstreamError as exc:
            return _one_line(str(exc))
        except (UdfError, ExprError) as exc:
            return _one_line(f"{ERROR_PREFIX} {exc}")
        except InputError as exc:
            return _one_line(f"{ERROR_PREFIX} {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        except Exception as exc:  # a bug must still read as a cell message, not a traceback
            return _one_line(f"{ERROR_PREFIX} 内部错误（{type(exc).__name__}：{exc}），请联系 xlperf 维护人员")

    return wrapper  # type: ignore[return-value]


# Frameworks ---------------------------------------------------------------------------------------

_REGISTERED: dict[str, Framework] = {}
_FILES: dict[str, tuple[tuple[int, int], Framework]] = {}


@functools.cache
def _builtin_ids() -> frozenset[str]:
    from ..framework.loader import builtin_ids

    return frozenset(builtin_ids())


def register_framework(fw: Framework) -> Framework:
    """Make ``fw`` resolvable by its id (workbooks name their framework by id)."""
    _REGISTERED[fw.id] = fw
    return fw


def _load_file(path: Path) -> Framework:
    from ..framework.loader import load_framework

    stat = path.stat()
    key, stamp = str(path.resolve()), (stat.st_mtime_ns, stat.st_size)
    hit = _FILES.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, load_framework(path))
        _FILES[key] = hit
    if hit[1].id in _builtin_ids():  # a draft of a shipped framework never shadows it for other workbooks
        return hit[1]
    return register_framework(hit[1])


def get_framework(ref: Any = None) -> Framework:
    """A framework by id (built in, registered, or ``<id>.yaml`` on XLPERF_FRAMEWORK_PATH) or file path.

    Empty → the default framework (futian-2021).
    """
    if isinstance(ref, Framework):
        return ref
    text = _text_arg(ref, "评价框架") or DEFAULT_FRAMEWORK
    if text in _REGISTERED:
        return _REGISTERED[text]
    if text in _builtin_ids():
        from ..framework.loader import load_framework

        return load_framework(text)  # cached by the loader
    candidates = [Path(text)] if any(c in text for c in "/\\") or text.lower().endswith((".yaml", ".yml", ".json")) \
        else []
    for folder in filter(None, os.environ.get(FRAMEWORK_PATH_ENV, "").split(os.pathsep)):
        candidates += [Path(folder) / f"{text}{ext}" for ext in (".yaml", ".yml", ".json")]
    for path in candidates:
        if path.is_file():
            fw = _load_file(path)
            if path.stem == text and fw.id != text:
                raise UdfError(f"框架文件 {path.name} 的 id 是 {fw.id}，不是 {text}")
            return fw
    raise UdfError(f"未知评价框架 {text}（内置：{'、'.join(sorted(_builtin_ids()))}；也可给出框架文件路径）")


def _indicator(fw: Framework, indicator_id: Any) -> Indicator:
    text = _text_arg(indicator_id, "指标编号")
    if not text:
        raise UdfError("请给出指标编号（如 offpost_control）")
    try:
        ind = fw.get(text)
    except KeyError:
        raise UdfError(f"未知指标 {text}（框架 {fw.id}）") from None
    if ind.rule is None:
        raise UdfError(f"指标 {text}（{ind.name}）有下级指标，请对各三级指标分别计分")
    return ind


def _sub_rules(rule: Rule) -> Iterable[Rule]:
    yield rule
    for part in getattr(rule, "parts", []):
        yield from _sub_rules(part)
    inner = getattr(rule, "rule", None)
    if inner is not None:
        yield from _sub_rules(inner)


def _locate(fw: Framework, indicator_ids: tuple[str, ...], *, measure: str | None = None,
            kind: str | None = None, what: str) -> tuple[Indicator, Rule, Decimal]:
    """The rule (or the part of a sum rule) that scores ``measure``/``kind`` — first in the named
    indicators, then anywhere in the framework (other regions name their indicators differently)."""

    def match(rule: Rule) -> bool:
        return ((measure is None or getattr(rule, "measure", None) == measure)
                and (kind is None or rule.kind == kind))

    named = [i for i in fw.leaves() if i.id in indicator_ids]
    for ind in named + [i for i in fw.leaves() if i.id not in indicator_ids]:
        assert ind.rule is not None
        for rule in _sub_rules(ind.rule):
            if match(rule):
                return ind, rule, ind.points if rule is ind.rule else rule.points
    raise UdfError(f"评价框架 {fw.id} 中没有按“{what}”计分的指标")


def _measure(fw: Framework, measure_ids: tuple[str, ...], what: str) -> MeasureDef:
    comp = compiled(fw)
    for mid in measure_ids:
        try:
            return comp.measure(mid)
        except KeyError:
            continue
    raise UdfError(f"评价框架 {fw.id} 没有定义“{what}”比率（{'/'.join(measure_ids)}）")


# Argument conversion ------------------------------------------------------------------------------


def _scalar(value: Any, label: str) -> Any:
    """One cell's value: a 1×1 range arrives as a list; more cells are a mistake."""
    while isinstance(value, list | tuple):
        if len(value) != 1:
            raise UdfError(f"{label}只能是一个单元格，选中了 {len(_flatten(value))} 个")
        value = value[0]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalars (pandas/numpy converters)
    return value


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, list | tuple):
        return [v for item in values for v in _flatten(item)]
    if hasattr(values, "tolist"):
        return _flatten(values.tolist())
    return [values]


def _check_error_text(text: str, label: str) -> None:
    if text.startswith(ERROR_PREFIX):
        raise _UpstreamError(text)
    if text.upper() in EXCEL_ERRORS or (text.startswith("#") and text.endswith(("!", "?"))):
        raise UdfError(f"{label}是错误值 {text}，请先修正该单元格")


def _text_arg(value: Any, label: str) -> str:
    value = _scalar(value, label)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    _check_error_text(text, label)
    return text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def to_decimal(value: Any, label: str = "参数", *, empty: Decimal | None = Decimal(0)) -> Decimal:
    """A number from what Excel passes: float, int, bool, "1,234.5", "97.65%", "是/否"; empty → ``empty``."""
    value = _scalar(value, label)
    if value is None or (isinstance(value, str) and not value.strip()):
        if empty is None:
            raise UdfError(f"请填写{label}")
        return empty
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UdfError(f"{label}不是有效数字")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UdfError(f"{label}不是有效数字")
        return Decimal(format(value, ".15g"))  # Excel keeps 15 significant digits
    if isinstance(value, datetime | date):
        raise UdfError(f"{label}是日期，需要数值（请检查单元格格式）")
    if isinstance(value, str):
        _check_error_text(value.strip(), label)
        text = unicodedata.normalize("NFKC", value).strip()
        percent = text.endswith("%")
        core = (text[:-1] if percent else text).replace(",", "").replace(" ", "")
        if _NUMBER.match(core):
            number = Decimal(core)
            return number / 100 if percent else number
        if text.lower() in YES:
            return Decimal(1)
        if text.lower() in NO:
            return Decimal(0)
        raise UdfError(f"{label}需要数值，得到“{_one_line(value)[:40]}”")
    if hasattr(value, "item"):
        return to_decimal(value.item(), label, empty=empty)
    raise UdfError(f"{label}需要数值，得到 {type(value).__name__}")


def to_bool(value: Any, label: str = "参数") -> bool:
    """是/否, TRUE/FALSE, 1/0; empty → False (as ``cell="是"`` is FALSE for an empty cell)."""
    value = _scalar(value, label)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return to_decimal(value, label) != 0
    if isinstance(value, str):
        _check_error_text(value.strip(), label)
        text = unicodedata.normalize("NFKC", value).strip()
        if not text:
            return False
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise UdfError(f"{label}应为“是”或“否”，得到“{_one_line(value)[:40]}”")
    raise UdfError(f"{label}应为“是”或“否”，得到 {type(value).__name__}")


def _non_negative(value: Any, label: str) -> Decimal:
    number = to_decimal(value, label)
    if number < 0:
        raise UdfError(f"{label}不能为负数")
    return number


def _positive(value: Any, label: str) -> Decimal:
    number = to_decimal(value, label)
    if number <= 0:
        raise UdfError(f"{label}必须大于0")
    return number


def _out(value: Decimal) -> float:
    return float(value)


# Engine helpers -----------------------------------------------------------------------------------

_X_NUM, _X_DEN = parse("x_num"), parse("x_den")


def _rate(mdef: MeasureDef, num: Decimal, den: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """The measure's own semantics (rounding, zero denominators) on a given numerator/denominator."""
    return replace(mdef, num=_X_NUM, den=_X_DEN).value({"x_num": num, "x_den": den})


def _simple_name(expr: Any) -> str | None:
    names = expr.names
    return next(iter(names)) if len(names) == 1 and expr.source.strip() == next(iter(names)) else None


def _measure_env(fw: Framework, mdef: MeasureDef, num: Decimal, den: Decimal,
                 extra: Mapping[str, Value] | None = None,
                 ) -> tuple[dict[str, Value], dict[str, tuple[Decimal, Decimal, Decimal]]]:
    """Engine environment in which ``mdef`` equals num/den (under its rules) and its inputs are bound."""
    inputs: dict[str, Value] = dict(extra or {})
    for expr, value in ((mdef.num, num), (mdef.den, den)):
        name = _simple_name(expr)
        if name:
            inputs[name] = value
    env, parts = build_env(fw, inputs)
    rate, n, d = _rate(mdef, num, den)
    env[mdef.id] = rate
    parts[mdef.id] = (rate, n, d)
    return env, parts


def _measure_text_factory(fw: Framework, env: Mapping[str, Value],
                          parts: Mapping[str, tuple[Decimal, Decimal, Decimal]]) -> Callable[[str], str]:
    """Explanations of the rates a rule reads, worded as :func:`xlperf.framework.scoring.score` does."""
    comp = compiled(fw)
    names = {m.id: m.name for m in comp.measures}
    schedules = {m.id: m.schedule for m in comp.measures if m.schedule is not None}

    def measure_text(name: str) -> str:
        if name in parts:
            rate, num, den = parts[name]
            label = names.get(name, name)
            if den == 0:
                return f"{label}：分母为 0，按 {fmt_rate(rate)} 计"
            if name in schedules:
                sched = schedules[name]
                assert sched is not None
                return f"{label} = {fmt_num(num)} / {fmt_num(den / sched)} ÷ {fmt_edge(sched)} = {fmt_rate(rate)}"
            return f"{label} = {fmt_num(num)} / {fmt_num(den)} = {fmt_rate(rate)}"
        value = env.get(name)
        label = input_labels(fw).get(name, names.get(name, name))
        return f"{label} {fmt_rate(value) if isinstance(value, Decimal) else value}"

    return measure_text


def _finish(fw: Framework, rule: Rule, points: Decimal, env: Mapping[str, Value],
            parts: Mapping[str, tuple[Decimal, Decimal, Decimal]]) -> tuple[Decimal, str]:
    """Evaluate one rule with the engine and round it the one way scores are rounded."""
    raw, text = evaluate_rule(rule, Ctx(env, _measure_text_factory(fw, env, parts)))
    computed = finish(raw, points, fw.rounding.score_decimals)
    if computed != raw:
        text += f" → 得分 {computed} 分" + ("（不超过分值）" if raw > points else "（四舍五入）")
    return computed, text


def _derived(name: str) -> Any:
    for d in get_framework(None).form.derived:
        if d.name == name:
            return parse(d.expr)
    raise UdfError(f"内部错误：未定义的汇总项 {name}")  # pragma: no cover


# Ratios -------------------------------------------------------------------------------------------


@_guard
def ratio(num: Any, den: Any, den_zero: Any = 0, den_zero_num_positive: Any = None, decimals: Any = 4) -> float:
    """num / den rounded half up to ``decimals``; den = 0 → den_zero (den_zero_num_positive if num > 0).

    Exactly :meth:`MeasureDef.value`: the UDF-flavour workbook computes every framework measure with it.
    """
    places = to_decimal(decimals, "小数位数")
    if places != places.to_integral_value() or not 0 <= places <= 10:
        raise UdfError("小数位数应为 0 到 10 之间的整数")
    positive = None if _scalar(den_zero_num_positive, "分子为正时的值") in (None, "") else \
        to_decimal(den_zero_num_positive, "分子为正时的值")
    mdef = MeasureDef("ratio", "比率", _X_NUM, _X_DEN, to_decimal(den_zero, "分母为0时的值"), int(places),
                      den_zero_num_positive=positive)
    rate, _, _ = mdef.value({"x_num": to_decimal(num, "分子"), "x_den": to_decimal(den, "分母")})
    return _out(rate)


@_guard
def exec_rate(spent: Any, quota: Any) -> float:
    """预算执行率 = 支出 / 调整后预算指标, as the workbook's 部门整体预算执行率 (data/derived.py)."""
    env: dict[str, Value] = {"total_actual": _non_negative(spent, "支出数"),
                             "total_adjusted": _positive(quota, "预算数")}
    value = _derived("exec_rate_total").evaluate(env)
    assert isinstance(value, Decimal)
    return _out(value)


# Quarterly execution ------------------------------------------------------------------------------


_MINI: dict[str, Any] = {}


def _schedule_measures(fw: Framework, ind: Indicator, rule: ScheduleRule) -> list[MeasureDef]:
    """The period rates the engine derives for ``rule`` (compile_framework on a one-indicator framework)."""
    key = f"{fw.rounding.model_dump_json()}|{rule.model_dump_json()}"
    hit = _MINI.get(key)
    if hit is None:
        mini = Framework(id="xlperf-udf", version="0", name=ind.name, region="", year=fw.year,
                         total_points=rule.points, rounding=fw.rounding,
                         indicators=[Indicator(id=ind.id, name=ind.name, points=rule.points, rule=rule)])
        hit = [m for m in compile_framework(mini).measures if m.id.startswith(rule.measure_prefix + "_")]
        if len(_MINI) > 256:
            _MINI.clear()
        _MINI[key] = hit
    return hit


def _cap_arg(cap: Any, default: Decimal | None) -> Decimal | None:
    value = _scalar(cap, "封顶值")
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str) and value.strip().lower() in ("无", "不封顶", "none", "no"):
        return None
    if value is False:
        return None
    number = to_decimal(value, "封顶值")
    if number <= 0:
        raise UdfError("封顶值必须大于0（不封顶请填“无”）")
    return number


@_guard
def exec_score(paid: Any, total: Any, schedule: Any = None, quarter_points: Any = None, average_points: Any = None,
               cap: Any = None, framework: Any = None) -> float:
    """预算执行率得分 from the cumulative payments at each quarter's end and the year's total 指标.

    Schedule (序时进度), weights and cap default to the framework's schedule rule; a row of four
    quarters also fits a framework that scores fewer periods (e.g. half years: Q2 and Q4).
    """
    fw = get_framework(framework)
    ind, rule, _ = _locate(fw, ("budget_execution",), kind="schedule", what="预算执行率（序时进度）")
    assert isinstance(rule, ScheduleRule)
    values = _flatten(paid)
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()  # a trailing empty cell of a selected row
    amounts = [_non_negative(v, f"第{i}期累计支付数") for i, v in enumerate(values, start=1)]
    total_d = _positive(total, "全年预算指标")
    data = rule.model_dump()
    sched_values = [s for s in _flatten(schedule) if s not in (None, "")]
    if sched_values:
        data["schedule"] = [to_decimal(s, "序时进度") for s in sched_values]
    n = len(data["schedule"])
    if len(amounts) != n:
        quarters = [re.fullmatch(r"paid_q([1-4])", p.strip()) for p in rule.paid]
        if len(amounts) == 4 and n == len(rule.schedule) and all(quarters):
            amounts = [amounts[int(m.group(1)) - 1] for m in quarters if m]
        else:
            raise UdfError(f"需要 {n} 期累计支付数，得到 {len(amounts)} 个")
    if _scalar(quarter_points, "每期分值") not in (None, ""):
        data["quarter_points"] = _positive(quarter_points, "每期分值")
    if _scalar(average_points, "平均执行率分值") not in (None, ""):
        data["average_points"] = _non_negative(average_points, "平均执行率分值")
    data["cap"] = _cap_arg(cap, rule.cap)
    changed = any(data[k] != getattr(rule, k) for k in ("schedule", "quarter_points", "average_points", "cap"))
    top = data["quarter_points"] * n + data["average_points"]
    if changed:
        data["points"] = top
    data["paid"] = [f"x_paid_{i}" for i in range(1, n + 1)]
    data["total"] = "x_total"
    try:
        new_rule = ScheduleRule.model_validate(data)
    except ValidationError as exc:
        raise UdfError(_pydantic_text(exc)) from None
    env: dict[str, Value] = {f"x_paid_{i}": a for i, a in enumerate(amounts, start=1)}
    env["x_total"] = total_d
    parts: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for mdef in _schedule_measures(fw, ind, new_rule):
        rate, num, den = mdef.value(env)
        env[mdef.id] = rate
        parts[mdef.id] = (rate, num, den)
    # the score is clamped to the indicator's points; with other weights to what they can give
    if not changed:
        clamp = new_rule.points
    elif new_rule.cap is None:
        clamp = max(top, evaluate_rule(new_rule, Ctx(env, str))[0])  # no cap: no upper limit
    else:
        clamp = top * max(Decimal(1), new_rule.cap)
    computed, _ = _finish(fw, new_rule, clamp, env, parts)
    return _out(computed)


def _pydantic_text(exc: ValidationError) -> str:
    err = exc.errors()[0]
    msg = str(err.get("msg", ""))
    return msg.removeprefix("Value error, ") or "参数不符合要求"


# Rates scored by bands or deductions --------------------------------------------------------------


def _rate_score(fw: Framework, indicators: tuple[str, ...], measures: tuple[str, ...], what: str,
                num: Decimal, den: Decimal, extra: Mapping[str, Value] | None = None) -> float:
    mdef = _measure(fw, measures, what)
    ind, rule, points = _located(fw, indicators, mdef.id, what)
    try:  # fast path: most rules read only their measure (and the bound inputs)
        rate, n, d = _rate(mdef, num, den)
        env: dict[str, Value] = {**(extra or {}), mdef.id: rate}
        for expr, value in ((mdef.num, num), (mdef.den, den)):
            name = _simple_name(expr)
            if name:
                env[name] = value
        computed, _ = _finish(fw, rule, points, env, {mdef.id: (rate, n, d)})
    except ExprError:  # the rule reads more (a derived total, another measure): the full environment
        env, parts = _measure_env(fw, mdef, num, den, extra)
        computed, _ = _finish(fw, rule, points, env, parts)
    return _out(computed)


@per_framework
def _located(fw: Framework, indicators: tuple[str, ...], measure: str, what: str) -> tuple[Indicator, Rule, Decimal]:
    """_locate, memoised per framework object (frameworks are immutable)."""
    return _locate(fw, indicators, measure=measure, what=what)


CONTROL_KINDS: dict[str, tuple[str, str, str, str]] = {
    # kind → (measure id, what, actual label, budget label)
    "sangong": ("sangong_rate", "“三公”经费控制率", "“三公”经费实际支出", "“三公”经费预算数"),
    "public": ("public_rate", "日常公用经费控制率", "日常公用经费决算数", "日常公用经费调整预算数"),
}
CONTROL_ALIASES = {"sangong": "sangong", "三公": "sangong", "“三公”": "sangong", "三公经费": "sangong",
                   "public": "public", "日常公用": "public", "公用": "public", "日常公用经费": "public"}


@_guard
def control_score(actual: Any, budget: Any, kind: Any = "sangong", framework: Any = None) -> float:
    """公用经费控制率 part score: actual / budget scored by the bands of the framework's rule."""
    key = CONTROL_ALIASES.get(_text_arg(kind, "类别").replace('"', "") or "sangong")
    if key is None:
        raise UdfError(f"类别应为“三公”或“日常公用”，得到“{_text_arg(kind, '类别')}”")
    measure, what, actual_label, budget_label = CONTROL_KINDS[key]
    fw = get_framework(framework)
    return _rate_score(fw, ("public_funds_control",), (measure,), what,
                       _non_negative(actual, actual_label), _non_negative(budget, budget_label))


def sangong_score(actual: Any, budget: Any, framework: Any = None) -> float | str:
    """“三公”经费控制率得分."""
    return control_score(actual, budget, "sangong", framework)


def public_score(actual: Any, budget: Any, framework: Any = None) -> float | str:
    """日常公用经费控制率得分."""
    return control_score(actual, budget, "public", framework)


@_guard
def offpost_score(offpost: Any, staff_all: Any, framework: Any = None) -> float:
    """编外人员控制率得分: 编外人员 / 在职人员总数 (在编 + 编外), scored by the framework's bands."""
    fw = get_framework(framework)
    return _rate_score(fw, ("offpost_control",), ("offpost_rate",), "编外人员控制率",
                       _non_negative(offpost, "编外人员数"), _non_negative(staff_all, "在职人员总数"))


@_guard
def staff_score(in_post: Any, authorized: Any, framework: Any = None) -> float:
    """财政供养人员控制率得分: 在编人数（含工勤）/ 核定编制数（含工勤）."""
    fw = get_framework(framework)
    return _rate_score(fw, ("staff_control", "in_post_control"), ("staff_control_rate", "in_post_rate"),
                       "财政供养人员控制率", _non_negative(in_post, "在编人数"),
                       _non_negative(authorized, "核定编制数"))


@_guard
def adjust_score(adjusted: Any, initial: Any, framework: Any = None) -> float:
    """资金调整、调剂规范性 score: |调整后预算 − 年初预算| / 年初预算 against the framework's threshold."""
    fw = get_framework(framework)
    adjusted_d, initial_d = _non_negative(adjusted, "调整后预算"), _non_negative(initial, "年初预算")
    amount = _derived("total_adjustment").evaluate({"total_adjusted": adjusted_d, "total_initial": initial_d})
    assert isinstance(amount, Decimal)
    return _rate_score(fw, ("financial_compliance", "budget_adjust"), ("adjust_ratio",), "资金调整、调剂比例",
                       amount, initial_d, {"total_adjusted": adjusted_d, "total_initial": initial_d})


@_guard
def asset_score(in_use: Any, total: Any, framework: Any = None) -> float:
    """固定资产利用率得分: 实际在用固定资产 / 所有固定资产, scored by the framework's rule."""
    fw = get_framework(framework)
    return _rate_score(fw, ("asset_utilisation",), ("fa_use_rate",), "固定资产利用率",
                       _non_negative(in_use, "在用固定资产"), _non_negative(total, "固定资产总额"))


@_guard
def satisfaction_score(rate: Any, framework: Any = None) -> float:
    """公众或服务对象满意度得分 from the satisfaction rate (0–100%)."""
    fw = get_framework(framework)
    value = _non_negative(rate, "满意度")
    if value > 1:
        raise UdfError("满意度应为百分数（如 95% 或 0.95），不能大于 100%")
    ind, rule, points = _locate(fw, ("satisfaction",), measure="satisfaction", what="满意度")
    env, parts = build_env(fw, {"satisfaction": value})  # typed rates are rounded as the engine does
    computed, _ = _finish(fw, rule, points, env, parts)
    return _out(computed)


@_guard
def procurement_score(actual: Any, plan: Any, policy: Any = None, framework: Any = None) -> float:
    """政府采购执行情况得分: the framework's whole rule (execution-rate part + judged policy points)."""
    fw = get_framework(framework)
    mdef = _measure(fw, ("procurement_rate",), "政府采购执行率")
    ind, _, _ = _locate(fw, ("procurement",), measure=mdef.id, what="政府采购执行率")
    assert ind.rule is not None
    judged = sorted(j.name for j in compiled(fw).judged if j.indicator_id == ind.id)
    policy_d = _non_negative(policy, "政策功能落实得分")
    env, parts = _measure_env(fw, mdef, _non_negative(actual, "实际采购金额"), _non_negative(plan, "采购计划金额"),
                              {name: policy_d for name in judged[:1]})
    computed, _ = _finish(fw, ind.rule, ind.points, env, parts)
    return _out(computed)


# Any indicator, by name/value pairs ---------------------------------------------------------------


def _pairs(fw: Framework, args: tuple[Any, ...]) -> dict[str, Value]:
    """``"name", value, "name", value, …`` (or a two-column range of names and values) → engine values."""
    from ..catalog import catalog

    flat = _flatten(list(args))
    while flat and flat[-1] in (None, ""):
        flat.pop()  # trailing empty cells of a selected block
    if len(flat) % 2:
        raise UdfError(f"名称与数值必须成对出现（\"名称\", 值, …），现在有 {len(flat)} 个参数")
    cat = catalog(fw)
    given: dict[str, Value] = {}
    for i in range(0, len(flat), 2):
        name = _text_arg(flat[i], f"第{i // 2 + 1}对的名称")
        if not name:
            raise UdfError(f"第{i // 2 + 1}对缺少名称")
        if name in given:
            raise UdfError(f"名称 {name} 出现了两次")
        spec = cat.get(name)
        if spec is None:
            raise UdfError(f"未知名称 {name}（框架 {fw.id}）")
        given[name] = _convert(flat[i + 1], spec.kind, f"“{name}”")
    return given


def _convert(value: Any, kind: str, label: str) -> Value:
    if kind in BOOL_KINDS:
        return to_bool(value, label)
    if kind in TEXT_KINDS:
        return _text_arg(value, label)
    return to_decimal(value, label)


def _evaluate(framework: Any, indicator_id: Any, pairs: tuple[Any, ...]) -> tuple[Decimal, str]:
    fw = get_framework(framework)
    ind = _indicator(fw, indicator_id)
    given = _pairs(fw, pairs)
    env, parts = build_env(fw, given)
    computed_names = {m.id for m in compiled(fw).measures} | {d.name for d in fw.form.derived}
    for name, value in given.items():  # a rate or total passed explicitly wins over one recomputed
        if name in computed_names and env.get(name) != value:
            env[name] = value
            parts.pop(name, None)
    missing = sorted(n for n in compiled_names(fw, ind) if n not in env)
    if missing:
        labels = [f"{n}（{input_labels(fw).get(n) or _measure_label(fw, n)}）" for n in missing]
        raise UdfError(f"指标 {ind.id} 缺少参数：{'、'.join(labels)}")
    assert ind.rule is not None
    return _finish(fw, ind.rule, ind.points, env, parts)


def _measure_label(fw: Framework, name: str) -> str:
    for m in compiled(fw).measures:
        if m.id == name:
            return m.name
    return name


@_guard
def score(framework: Any, indicator_id: Any, *pairs: Any) -> float:
    """Score of a level-3 indicator under its framework rule, from ``"name", value`` pairs.

    ``framework``: id or file path (empty → futian-2021). Names are the workbook's defined names
    (inputs, rates, judged answers); rates not given are computed from their inputs when present.
    """
    computed, _ = _evaluate(framework, indicator_id, pairs)
    return _out(computed)


@_guard
def explain(framework: Any, indicator_id: Any, *pairs: Any) -> str:
    """The engine's Chinese arithmetic for :func:`score` with the same arguments."""
    _, text = _evaluate(framework, indicator_id, pairs)
    return text
