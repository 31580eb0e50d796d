"""The Python behind every xlperf Excel function (UDF): Excel-ish arguments in, floats or text out.

Every function is generic: it names no indicator, measure or input of any framework. The
framework, the indicator (or measure) and the names of the values are arguments, so a region's
framework file is all a new region needs (see ``udfs/xlperf_udfs.py`` for the Excel side):

- :func:`score` / :func:`explain` — any leaf indicator, from ``"name", value`` pairs;
- :func:`measure` — any declared measure (rate) of a framework, on a given numerator/denominator;
- :func:`ratio` — num / den with explicit zero-denominator rules (the UDF workbook's measures);
- :func:`exec_rate` / :func:`exec_score` — execution rate, and the framework's schedule rule
  (found by its kind, not by an indicator id).

Each function converts what Excel hands over to ``Decimal`` and evaluates the framework's own rule
with the engine (:func:`xlperf.engine.rules.evaluate_rule`, ``finish``, ``MeasureDef.value``,
:func:`xlperf.engine.scoring.build_env`). No band edge, weight or deduction is written here.

What xlwings can hand over, and what happens to it
--------------------------------------------------
- numbers (float; int from Python callers), ``None`` for an empty cell, text ("1,234.5",
  "97.65%", "是/否"), bool, dates (refused), 1-D/2-D lists for ranges;
- **error values**: xlwings 0.37.8 (``_xlwindows.cell_errors``) turns only the classic seven
  (#NULL! … #N/A) into text (``err_to_str``). Newer ones (#GETTING_DATA, #SPILL!, #CONNECT!,
  #BLOCKED!, #UNKNOWN!, #FIELD!, #CALC!, #BUSY!, …) arrive as the raw COM error code, an *int*
  such as -2146826243 (0x800A07FD = 0x800A0000 + CVErr 2045, #SPILL!). Every int or whole float
  in the CVErr window 0x800A07D0..0x800A0828 (-2146826288..-2146826200) is therefore read as an
  error value, never as a number: as money (万元) or a count it would be absurd anyway, and the
  magnitude bound below refuses such values in every case;
- **magnitudes**: a number whose absolute value is 10^15 or more (no budget in 万元, no count,
  no rate comes near; Excel keeps 15 significant digits), NaN and infinities are refused with a
  Chinese text instead of reaching Decimal arithmetic (which would overflow its 28 digits).

Nothing here imports xlwings, and nothing raises: a problem becomes a one-line Chinese text
starting with ``#XLPERF!`` (``#XLPERF! 预算数必须大于0``), which Excel shows in the cell.

Empty cells count as 0 (as in an Excel formula), so a half-filled UDF workbook shows the same
numbers as the native-formula workbook; the validator, not the functions, reports missing inputs.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from pydantic import ValidationError

from xlperf import resolve
from xlperf.compiled import CompiledFramework, compile_once, compiled
from xlperf.dates import serial_of
from xlperf.engine.rules import (
    Ctx,
    MeasureDef,
    compile_framework,
    compiled_names,
    evaluate_rule,
    finish,
    fmt_rate,
    worded_names,
)
from xlperf.engine.scoring import (
    EnvPlan,
    build_env_for,
    env_plan,
    figure_kinds,
    money_sides,
    quotient_text,
    shown_figure,
)
from xlperf.errors import InputError
from xlperf.expr import ExprError, Value, parse
from xlperf.framework.models import Framework, Indicator, Rule, ScheduleRule
from xlperf.resolve import FRAMEWORK_ENV, FRAMEWORK_PATH_ENV, register_framework

__all__ = [
    "CVERR_CODES", "ERROR_PREFIX", "FRAMEWORK_ENV", "FRAMEWORK_PATH_ENV", "MAX_ABS", "UdfError",
    "default_framework_ref", "exec_rate", "exec_score", "explain", "get_framework", "measure", "ratio",
    "register_framework", "score", "to_bool", "to_decimal",
]

ERROR_PREFIX = "#XLPERF!"

MAX_TEXT = 255
MAX_CELLS = 10_000
"""Most cells a range argument may have (a whole selected column is a mistake, not data)."""
MAX_ABS = Decimal("1e15")
"""Numbers at or beyond this magnitude are refused (see the module docstring)."""

CVERR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit COM SCODE; + XlCVError number
CVERR_MIN, CVERR_MAX = CVERR_BASE + 2000, CVERR_BASE + 2088
CVERR_CODES: dict[int, str] = {CVERR_BASE + number: text for number, text in (
    (2000, "#NULL!"), (2007, "#DIV/0!"), (2015, "#VALUE!"), (2023, "#REF!"), (2029, "#NAME?"),
    (2036, "#NUM!"), (2042, "#N/A"), (2043, "#GETTING_DATA"), (2045, "#SPILL!"), (2046, "#CONNECT!"),
    (2047, "#BLOCKED!"), (2048, "#UNKNOWN!"), (2049, "#FIELD!"), (2050, "#CALC!"), (2051, "#BUSY!"),
)}
"""COM error codes of Excel's cell errors (XlCVError 2000… + 0x800A0000), as xlwings passes the ones
it does not convert to text itself."""
EXCEL_ERRORS = tuple(CVERR_CODES.values())
YES = frozenset({"是", "yes", "y", "true", "t", "1", "√", "✓"})
NO = frozenset({"否", "no", "n", "false", "f", "0", "×", "✗"})
BOOL_KINDS = ("bool", "flag")
COMPUTED_ROLES = ("derived", "measure")
"""Catalogue roles of names the engine computes; a value passed for one replaces the computed one."""
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
        except (decimal.DecimalException, OverflowError, RecursionError):
            return f"{ERROR_PREFIX} 数值超出可计算的范围，请检查各参数"
        except Exception as exc:  # noqa: BLE001 - a bug must still read as a cell message, not a traceback
            return _one_line(f"{ERROR_PREFIX} 内部错误（{type(exc).__name__}：{exc}），请联系 xlperf 维护人员")

    return wrapper  # type: ignore[return-value]


# Frameworks ---------------------------------------------------------------------------------------

def default_framework_ref() -> str:
    """The framework of an empty framework argument: $XLPERF_FRAMEWORK, else the only built-in one."""
    try:
        return resolve.default_framework_ref()
    except InputError as exc:
        raise UdfError(str(exc)) from None


def get_framework(ref: Any = None) -> Framework:
    """A framework by id (built in, registered, or ``<id>.yaml`` on XLPERF_FRAMEWORK_PATH) or configured file
    path (:func:`xlperf.resolve.udf_framework`). Empty → :func:`default_framework_ref`."""
    return _compiled_framework(ref).fw


def _compiled_framework(ref: Any) -> CompiledFramework:
    """:func:`get_framework`'s framework, compiled (once per framework object)."""
    if isinstance(ref, Framework):
        return compile_once(ref)
    try:
        return resolve.udf_framework(_text_arg(ref, "评价框架"))
    except InputError as exc:
        raise UdfError(str(exc)) from None


def _indicator(fw: Framework, indicator_id: Any) -> Indicator:
    text = _text_arg(indicator_id, "指标编号")
    if not text:
        raise UdfError("请给出指标编号（评分表中每个指标的编号）")
    try:
        ind = fw.get(text)
    except KeyError:
        raise UdfError(f"未知指标 {text}（框架 {fw.id}）") from None
    if ind.rule is None:
        raise UdfError(f"指标 {text}（{ind.name}）有下级指标，请对其下每个末级指标分别计分")
    return ind


def _sub_rules(rule: Rule) -> Iterable[Rule]:
    yield rule
    for part in getattr(rule, "parts", []):
        yield from _sub_rules(part)
    inner = getattr(rule, "rule", None)
    if inner is not None:
        yield from _sub_rules(inner)


def _schedule_cache(_: object) -> dict[str, list[tuple[Indicator, ScheduleRule]]]:
    return {}


def _schedule_rule(cfw: CompiledFramework, indicator_id: Any) -> tuple[Indicator, ScheduleRule]:
    """The framework's schedule rule (序时进度), found by its kind; ``indicator_id`` picks one of several."""
    wanted = _text_arg(indicator_id, "指标编号")
    fw = cfw.fw
    cache = cfw.derived("udf.schedule_rules", _schedule_cache)  # walking the rules costs ~0.5 ms
    found = cache.get(wanted)
    if found is None:
        found = []
        for ind in fw.leaves():
            if wanted and ind.id != wanted:
                continue
            assert ind.rule is not None
            found += [(ind, r) for r in _sub_rules(ind.rule) if isinstance(r, ScheduleRule)]
        if len(cache) < 256:  # ``wanted`` is whatever a cell holds
            cache[wanted] = found
    if not found:
        where = f"指标 {wanted}" if wanted else f"评价框架 {fw.id}"
        raise UdfError(f"{where} 中没有按序时进度计分的规则")
    if len(found) > 1:
        ids = "、".join(dict.fromkeys(ind.id for ind, _ in found))
        raise UdfError(f"评价框架 {fw.id} 有多个按序时进度计分的规则，请在最后一个参数给出指标编号（{ids}）")
    return found[0]


def _measure_def(fw: Framework, measure_id: Any) -> MeasureDef:
    text = _text_arg(measure_id, "比率编号")
    if not text:
        raise UdfError("请给出比率编号（框架文件 measures 中的 id）")
    try:
        mdef = compiled(fw).measure(text)
    except KeyError:
        known = "、".join(m.id for m in compiled(fw).measures if m.schedule is None)
        raise UdfError(_one_line(f"未知比率 {text}（框架 {fw.id}：{known}）")) from None
    if mdef.schedule is not None:
        raise UdfError(f"{text}（{mdef.name}）是按序时进度计算的执行率，请用 xlperf_exec_score")
    return mdef


# Argument conversion ------------------------------------------------------------------------------


def _error_code(value: Any) -> str | None:
    """The Excel error a raw COM error code stands for (xlwings passes newer ones as ints)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    if not CVERR_MIN <= value <= CVERR_MAX:
        return None
    code = int(value)
    return CVERR_CODES.get(code, f"（Excel 错误代码 {code - CVERR_BASE}）")


def _scalar(value: Any, label: str) -> Any:
    """One cell's value: a 1×1 range arrives as a list; more cells are a mistake."""
    kind = type(value)
    if kind is str or value is None:  # what cells hold, checked first: a UDF converts up to ~50 per call
        return value
    if (kind is float or kind is int) and not CVERR_MIN <= value <= CVERR_MAX:
        return value
    while isinstance(value, list | tuple):
        if len(value) != 1:
            raise UdfError(f"{label}只能是一个单元格，选中了 {len(_flatten(value, label))} 个")
        value = value[0]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalars (pandas/numpy converters)
    error = _error_code(value)
    if error is not None:
        raise UdfError(f"{label}是错误值 {error}，请先修正该单元格")
    return value


def _flatten(values: Any, label: str = "参数") -> list[Any]:
    out: list[Any] = []
    stack = [values]
    while stack:
        item = stack.pop()
        if hasattr(item, "tolist") and not isinstance(item, list | tuple):
            item = item.tolist()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
            if len(stack) > MAX_CELLS:
                raise UdfError(f"{label}选中的单元格过多（超过 {MAX_CELLS} 个）")
        else:
            out.append(item)
            if len(out) > MAX_CELLS:
                raise UdfError(f"{label}选中的单元格过多（超过 {MAX_CELLS} 个）")
    return out


def _series(values: Any, label: str) -> list[Any]:
    """A row or a column of cells, however xlwings passes it (scalar, 1-D or 2-D list), flattened.

    The UDFs take such arguments with ``ndim=2`` so a block of several rows *and* columns reaches
    this function (instead of xlwings' English "Range must be 1-by-n or n-by-1") and is refused in
    Chinese.
    """
    if type(values) is list and len(values) <= MAX_CELLS and _PLAIN.issuperset(map(type, values)):
        return list(values)  # the usual argument: a row of cells, flattened already (what _flatten returns)
    if hasattr(values, "tolist") and not isinstance(values, list | tuple):
        values = values.tolist()
    if not isinstance(values, list | tuple):
        return [values]
    rows = [r for r in values if isinstance(r, list | tuple)]
    if rows and len(rows) == len(values):  # 2-D
        width = max(len(r) for r in rows)
        if len(rows) > 1 and width > 1:
            raise UdfError(f"{label}应选中一行或一列单元格，选中了 {len(rows)} 行 {width} 列")
    return _flatten(values, label)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_error_text(text: str, label: str) -> None:
    if text.startswith(ERROR_PREFIX):
        raise _UpstreamError(text)
    if text.upper() in EXCEL_ERRORS or (text.startswith("#") and text.endswith(("!", "?"))):
        raise UdfError(f"{label}是错误值 {text}，请先修正该单元格")


def _text_arg(value: Any, label: str) -> str:
    if type(value) is str:  # the usual argument (a framework or indicator id): an error text starts with #
        text = value.strip()
        if text.startswith("#"):
            _check_error_text(text, label)
        return text
    value = _scalar(value, label)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = str(value).strip()
    _check_error_text(text, label)
    return text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _bounded(number: Decimal, label: str) -> Decimal:
    if not number.is_finite():
        raise UdfError(f"{label}不是有效数字")
    if abs(number) >= MAX_ABS:
        raise UdfError(f"{label}的数值过大（绝对值不能达到 10^15），请检查该单元格")
    return number


def to_decimal(value: Any, label: str = "参数", *, empty: Decimal | None = Decimal(0)) -> Decimal:
    """A number from what Excel passes: float, int, bool, "1,234.5", "97.65%", "是/否"; empty → ``empty``."""
    if type(value) is float and -1e14 < value < 1e14 and not CVERR_MIN <= value <= CVERR_MAX:
        return Decimal(format(value, ".15g"))  # what a cell holds, that the checks below let through as it is
    value = _scalar(value, label)
    if value is None or (isinstance(value, str) and not value.strip()):
        if empty is None:
            raise UdfError(f"请填写{label}")
        return empty
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return _bounded(value, label)
    if isinstance(value, int):
        if abs(value) >= MAX_ABS:
            raise UdfError(f"{label}的数值过大（绝对值不能达到 10^15），请检查该单元格")
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UdfError(f"{label}不是有效数字")
        return _bounded(Decimal(format(value, ".15g")), label)  # Excel keeps 15 significant digits
    if isinstance(value, datetime | date):
        raise UdfError(f"{label}是日期，需要数值（请检查单元格格式）")
    if isinstance(value, str):
        return _text_number(value, label)
    if hasattr(value, "item"):
        return to_decimal(value.item(), label, empty=empty)
    raise UdfError(f"{label}需要数值，得到 {type(value).__name__}")


def _text_number(value: str, label: str) -> Decimal:
    """A number typed as text: "1,234.5", "97.65%", full-width digits, 是/否."""
    _check_error_text(value.strip(), label)
    text = unicodedata.normalize("NFKC", value).strip()
    percent = text.endswith("%")
    core = (text[:-1] if percent else text).replace(",", "").replace(" ", "")
    if len(core) <= 64 and _NUMBER.match(core):
        number = _bounded(Decimal(core), label)
        return number / 100 if percent else number
    if text.lower() in YES:
        return Decimal(1)
    if text.lower() in NO:
        return Decimal(0)
    raise UdfError(f"{label}需要数值，得到“{_one_line(value)[:40]}”")


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
    """A result Excel can show: beyond the magnitudes an argument may have, the arguments were wrong."""
    if not value.is_finite() or abs(value) >= MAX_ABS:
        raise OverflowError(value)
    return float(value)


# Engine helpers -----------------------------------------------------------------------------------

_X_NUM, _X_DEN = parse("x_num"), parse("x_den")


def _rate(mdef: MeasureDef, num: Decimal, den: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """The measure's own semantics (rounding, zero denominators) on a given numerator/denominator."""
    return replace(mdef, num=_X_NUM, den=_X_DEN).value({"x_num": num, "x_den": den})


def _measure_text_factory(cfw: CompiledFramework, env: Mapping[str, Value],
                          parts: Mapping[str, tuple[Decimal, Decimal, Decimal]]) -> Callable[[str], str]:
    """Explanations of the rates a rule reads, worded as :func:`xlperf.engine.scoring.score` does."""
    names, schedules, sides, kinds = cfw.derived("udf.measure_names", _measure_names)
    labels = cfw.input_labels

    def measure_text(name: str) -> str:
        if name in parts:
            rate, num, den = parts[name]
            label = names.get(name, name)
            if den == 0:
                return f"{label}：分母为 0，按 {fmt_rate(rate)} 计"
            return quotient_text(label, num, den, rate, sides.get(name, (False, False)), schedules.get(name))
        value = env.get(name)
        label = labels.get(name, names.get(name, name))
        return f"{label} {shown_figure(value, kinds.get(name, 'rate'))}"  # as the validator words it

    return measure_text


def _measure_names(cfw: CompiledFramework) -> tuple[dict[str, str], dict[str, Decimal], dict[str, tuple[bool, bool]],
                                                    dict[str, str]]:
    """Each measure's name, the schedule of the schedule rules' period rates, which of its numerator and
    denominator are money, and the kind of each figure (built once per framework)."""
    measures = cfw.rules.measures
    return ({m.id: m.name for m in measures}, {m.id: m.schedule for m in measures if m.schedule is not None},
            money_sides(cfw.rules), figure_kinds(cfw.fw))


def _no_text(_: str) -> str:
    return ""


def _finish(cfw: CompiledFramework, rule: Rule, points: Decimal, env: Mapping[str, Value],
            parts: Mapping[str, tuple[Decimal, Decimal, Decimal]], *, worded: bool = True) -> tuple[Decimal, str]:
    """Evaluate one rule with the engine and round it the one way scores are rounded. ``worded=False``: the
    score only (the rates the rule reads are not worded; what the rule itself says is dropped)."""
    measure_text = _measure_text_factory(cfw, env, parts) if worded else _no_text
    raw, text = evaluate_rule(rule, Ctx(env, measure_text, worded))
    computed = finish(raw, points, cfw.fw.rounding.score_decimals)
    if not worded:
        return computed, ""
    if computed != raw:
        text += f" → 得分 {computed} 分" + ("（不超过分值）" if raw > points else "（四舍五入）")
    return computed, text


# Ratios -------------------------------------------------------------------------------------------


RATIO_DECIMALS = 4
"""``decimals`` of :func:`ratio` when it is left out or blank (the plan's udf_formulas.DEFAULT_DECIMALS)."""


def _decimals_arg(decimals: Any) -> int:
    if _blank(_scalar(decimals, "小数位数")):
        return RATIO_DECIMALS  # a blank optional argument means its default, as everywhere (not 0 places)
    places = to_decimal(decimals, "小数位数")
    if places != places.to_integral_value() or not 0 <= places <= 10:
        raise UdfError("小数位数应为 0 到 10 之间的整数")
    return int(places)


@_guard
def ratio(num: Any, den: Any, den_zero: Any = 0, den_zero_num_positive: Any = None,
          decimals: Any = RATIO_DECIMALS) -> float:
    """num / den rounded half up to ``decimals``; den = 0 → den_zero (den_zero_num_positive if num > 0).

    Exactly :meth:`MeasureDef.value`: the UDF-flavour workbook computes every framework measure with it.
    """
    places = _decimals_arg(decimals)
    positive = None if _scalar(den_zero_num_positive, "分子为正时的值") in (None, "") else \
        to_decimal(den_zero_num_positive, "分子为正时的值")
    mdef = MeasureDef("ratio", "比率", _X_NUM, _X_DEN, to_decimal(den_zero, "分母为0时的值"), places,
                      den_zero_num_positive=positive)
    rate, _, _ = mdef.value({"x_num": to_decimal(num, "分子"), "x_den": to_decimal(den, "分母")})
    return _out(rate)


@_guard
def measure(framework: Any, measure_id: Any, num: Any, den: Any) -> float:
    """A framework's measure (rate) on the given numerator and denominator.

    The measure's own zero-denominator values and the framework's rounding apply, so
    ``measure(fw, id, n, d)`` equals the engine's rate whenever the measure's num/den evaluate to n/d.
    """
    fw = get_framework(framework)
    mdef = _measure_def(fw, measure_id)
    rate, _, _ = _rate(mdef, to_decimal(num, "分子"), to_decimal(den, "分母"))
    return _out(rate)


@_guard
def exec_rate(spent: Any, quota: Any, framework: Any = None) -> float:
    """预算执行率 = 支出 / 预算指标 (> 0), rounded as the framework rounds rates."""
    fw = get_framework(framework)
    spent_d, quota_d = _non_negative(spent, "支出数"), _positive(quota, "预算数")
    mdef = MeasureDef("exec_rate", "执行率", _X_NUM, _X_DEN, Decimal(0), fw.rounding.rate_decimals)
    rate, _, _ = _rate(mdef, spent_d, quota_d)
    return _out(rate)


# Quarterly execution ------------------------------------------------------------------------------


_MINI: dict[str, Any] = {}


def _schedule_measures(fw: Framework, ind: Indicator, rule: ScheduleRule) -> list[MeasureDef]:
    """The period rates the engine derives for ``rule`` (compile_framework on a one-indicator framework)."""
    key = f"{fw.rounding.model_dump_json()}|{rule.model_dump_json()}"
    hit = _MINI.get(key)
    if hit is None:
        mini = fw.model_copy(update={  # the framework reduced to this one rule (its rounding kept)
            "total_points": rule.points,
            "indicators": [Indicator(id=ind.id, name=ind.name, points=rule.points, rule=rule)]})
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


def _quarter_positions(schedule: list[Decimal]) -> list[int] | None:
    """Which of four quarter-end payments each period uses, read from the periods' 序时进度.

    A period whose schedule is k × 25% ends with quarter k (half years: 50%, 100% → Q2, Q4). None
    when a period does not end at a quarter's end.
    """
    positions = []
    for s in schedule:
        q = s * 4
        if q != q.to_integral_value() or not 1 <= q <= 4:
            return None
        positions.append(int(q) - 1)
    return positions if len(set(positions)) == len(positions) else None


@_guard
def exec_score(paid: Any, total: Any, schedule: Any = None, quarter_points: Any = None, average_points: Any = None,
               cap: Any = None, framework: Any = None, indicator_id: Any = None) -> float:
    """预算执行率得分 from the cumulative payments at each period's end and the year's total 指标.

    The rule is the framework's schedule rule (found by its kind; ``indicator_id`` chooses when a
    framework has several). Schedule (序时进度), weights and cap default to that rule; a row of four
    quarter-end payments also fits a rule with fewer periods ending at quarter ends (half years).
    """
    cfw = _compiled_framework(framework)
    ind, rule = _schedule_rule(cfw, indicator_id)
    values = _series(paid, "累计支付数")
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()  # a trailing empty cell of a selected row
    amounts = [Decimal(format(v, ".15g")) if type(v) is float and 0 <= v < 1e14 else  # to_decimal's usual case
               _non_negative(v, f"第{i}期累计支付数") for i, v in enumerate(values, start=1)]
    total_d = _positive(total, "全年预算指标")
    sched_values = [s for s in _series(schedule, "序时进度") if s not in (None, "")]
    given: dict[str, Any] = {}
    if sched_values:
        given["schedule"] = tuple(to_decimal(s, "序时进度") for s in sched_values)
    if _scalar(quarter_points, "每期分值") not in (None, ""):
        given["quarter_points"] = _positive(quarter_points, "每期分值")
    if _scalar(average_points, "平均执行率分值") not in (None, ""):
        given["average_points"] = _non_negative(average_points, "平均执行率分值")
    given["cap"] = _cap_arg(cap, rule.cap)
    run = _schedule_run(cfw, ind, rule, given)
    n = len(run.rule.paid)
    if len(amounts) != n:
        positions = _quarter_positions(list(run.rule.schedule)) if len(amounts) == 4 else None
        if positions is None:
            raise UdfError(f"需要 {n} 期累计支付数，得到 {len(amounts)} 个")
        amounts = [amounts[i] for i in positions]
    env: dict[str, Value] = dict(zip(run.rule.paid, amounts, strict=True))
    env["x_total"] = total_d
    parts: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for mdef in run.measures:
        rate, num, den = mdef.value(env)
        env[mdef.id] = rate
        parts[mdef.id] = (rate, num, den)
    # the score is clamped to the indicator's points; with other weights to what they can give
    if not run.changed:
        clamp = run.rule.points
    elif run.rule.cap is None:
        clamp = max(run.top, evaluate_rule(run.rule, Ctx(env, str, worded=False))[0])  # no cap: no upper limit
    else:
        clamp = run.top * max(Decimal(1), run.rule.cap)
    computed, _ = _finish(cfw, run.rule, clamp, env, parts, worded=False)
    return _out(computed)


class _ScheduleRun(NamedTuple):
    """A schedule rule as :func:`exec_score` evaluates it: the framework's rule with the cell's schedule,
    weights and cap, reading ``x_paid_<i>`` and ``x_total``; its period rates; whether it differs from the
    framework's; the points it can give."""

    rule: ScheduleRule
    measures: list[MeasureDef]
    changed: bool
    top: Decimal


def _schedule_runs(_: object) -> dict[tuple[Any, ...], _ScheduleRun]:
    return {}


def _schedule_run(cfw: CompiledFramework, ind: Indicator, rule: ScheduleRule, given: dict[str, Any]) -> _ScheduleRun:
    """The rule ``exec_score`` evaluates, made (validated, its rates compiled) once per framework, indicator
    and the arguments that change it: a cell recalculated with other payments only looks it up."""
    key = (ind.id, id(rule), *sorted(given.items()))
    cache = cfw.derived("udf.schedule_runs", _schedule_runs)
    hit = cache.get(key)
    if hit is not None:
        return hit
    data = rule.model_dump()
    data.update({k: list(v) if k == "schedule" else v for k, v in given.items()})
    n = len(data["schedule"])
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
    hit = _ScheduleRun(new_rule, _schedule_measures(cfw.fw, ind, new_rule), changed, top)
    if len(cache) >= 256:  # the arguments are whatever cells hold
        cache.clear()
    cache[key] = hit
    return hit


def _pydantic_text(exc: ValidationError) -> str:
    err = exc.errors()[0]
    msg = str(err.get("msg", ""))
    return msg.removeprefix("Value error, ") or "参数不符合要求"


# Any indicator, by name/value pairs ---------------------------------------------------------------


_PLAIN = frozenset({str, float, int, bool, type(None)})
"""Types of a single cell's value as xlwings passes it (anything else may be a range to flatten)."""


def _pairs(cfw: CompiledFramework, args: tuple[Any, ...]) -> dict[str, Value]:
    """``"name", value, "name", value, …`` (or a two-column range of names and values) → engine values."""
    flat = list(args) if _PLAIN.issuperset(map(type, args)) else _flatten(list(args), "名称与数值")
    if flat and _blank(flat[-1]):
        while len(flat) >= 2 and _blank(flat[-1]) and _blank(flat[-2]):
            del flat[-2:]  # trailing empty rows of a selected block (a named value may be an empty cell)
    if len(flat) % 2:
        raise UdfError(f"名称与数值必须成对出现（\"名称\", 值, …），现在有 {len(flat)} 个参数")
    cat = cfw.catalog
    given: dict[str, Value] = {}
    for i in range(0, len(flat), 2):
        name = flat[i]
        known = cat.get(name) if type(name) is str else None
        if known is not None and name not in given:  # the usual pair: a name as the catalogue spells it
            value = flat[i + 1]
            if type(value) is float and known.kind not in _NOT_NUMBERS and -1e14 < value < 1e14 \
                    and not CVERR_MIN <= value <= CVERR_MAX:  # the usual value: _convert's first case, inlined
                given[name] = Decimal(format(value, ".15g"))
            else:
                given[name] = _convert(value, known.kind, name)
            continue
        name = _text_arg(flat[i], f"第{i // 2 + 1}对的名称")
        if not name:
            raise UdfError(f"第{i // 2 + 1}对缺少名称")
        if name in given:
            raise UdfError(f"名称 {name} 出现了两次")
        spec = cat.get(name)
        if spec is None:
            raise UdfError(f"未知名称 {name}（框架 {cfw.fw.id}）")
        given[name] = _convert(flat[i + 1], spec.kind, name)
    return given


_NOT_NUMBERS = frozenset(BOOL_KINDS + TEXT_KINDS)


def _convert(value: Any, kind: str, name: str) -> Value:
    if type(value) is float and kind not in BOOL_KINDS and kind not in TEXT_KINDS:
        if -1e14 < value < 1e14 and not CVERR_MIN <= value <= CVERR_MAX:
            return Decimal(format(value, ".15g"))  # the usual value: what to_decimal makes of it
    label = f"“{name}”"
    if kind in BOOL_KINDS:
        return to_bool(value, label)
    if kind in TEXT_KINDS:
        return _text_arg(value, label)
    if kind == "date":  # xlwings passes a date-formatted cell as a datetime: the engine counts its serial
        scalar = _scalar(value, label)
        if isinstance(scalar, datetime | date):
            return serial_of(scalar.date() if isinstance(scalar, datetime) else scalar)
    return to_decimal(value, label)


class _Scoring(NamedTuple):
    """What scoring one leaf indicator needs of its framework, found once per (framework, indicator): the
    names its rule reads and the part of the environment they depend on."""

    indicator: Indicator
    names: frozenset[str]
    plan: EnvPlan
    scoring_plans: dict[frozenset[str], EnvPlan]  # by the computed figures passed explicitly and not recomputed
    worded: frozenset[str]  # the rates whose numerator and denominator the rule's explanation may show


def _scorings(_: object) -> dict[str, _Scoring]:
    return {}


def _scoring(cfw: CompiledFramework, indicator_id: Any) -> _Scoring:
    text = _text_arg(indicator_id, "指标编号")
    cache = cfw.derived("udf.scoring", _scorings)  # only ids of leaf indicators get in
    hit = cache.get(text)
    if hit is None:
        ind = _indicator(cfw.fw, text)
        names = frozenset(compiled_names(cfw.fw, ind))
        assert ind.rule is not None
        hit = cache[text] = _Scoring(ind, names, env_plan(cfw.rules, names), {}, worded_names(ind.rule))
    return hit


def _computed_names(cfw: CompiledFramework) -> frozenset[str]:
    """The names a framework computes (rates, totals): a value passed for one replaces the computed one."""
    return frozenset(n for n, spec in cfw.catalog.items() if spec.role in COMPUTED_ROLES)


def _score_plan(cfw: CompiledFramework, scoring: _Scoring, computed_given: frozenset[str], worded: bool) -> EnvPlan:
    """The environment a score needs: a rate or total passed explicitly replaces the computed one, so it is
    not computed — unless a figure computed for the rule reads it (that figure reads the computed value, as in
    the full plan), or the explanation may show its numerator and denominator (:func:`worded_names`: a rate
    passed with the inputs it is computed from, and equal to the computed one, is worded as a quotient)."""
    passed = scoring.names & computed_given
    if worded:
        passed -= scoring.worded
    if not passed:
        return scoring.plan
    plan = scoring.scoring_plans.get(passed)
    if plan is None:
        if len(scoring.scoring_plans) >= 64:
            scoring.scoring_plans.clear()
        plan = scoring.scoring_plans[passed] = env_plan(cfw.rules, scoring.names - passed)
    return plan


def _evaluate(framework: Any, indicator_id: Any, pairs: tuple[Any, ...], *, worded: bool = True) -> tuple[Decimal, str]:
    cfw = _compiled_framework(framework)
    scoring = _scoring(cfw, indicator_id)
    ind, names = scoring.indicator, scoring.names
    given = _pairs(cfw, pairs)
    computed_given = cfw.derived("udf.computed_names", _computed_names).intersection(given)
    plan = _score_plan(cfw, scoring, computed_given, worded)
    env, parts = build_env_for(cfw.rules, plan, given)  # build_env's values for the names this rule reads
    for name in computed_given:  # a rate or total passed explicitly wins over one recomputed
        value = given[name]
        if env.get(name) != value:
            env[name] = value
            parts.pop(name, None)
    missing = [] if names <= env.keys() else sorted(n for n in names if n not in env)
    if missing:
        cat = cfw.catalog
        labels = [f"{n}（{cat[n].label if n in cat else n}）" for n in missing]
        raise UdfError(_one_line(f"指标 {ind.id} 缺少参数：{'、'.join(labels)}"))
    assert ind.rule is not None
    return _finish(cfw, ind.rule, ind.points, env, parts, worded=worded)


@_guard
def score(framework: Any, indicator_id: Any, *pairs: Any) -> float:
    """Score of a leaf indicator under its framework rule, from ``"name", value`` pairs.

    ``framework``: id or file path (empty → :func:`default_framework_ref`). Names are the workbook's
    defined names (inputs, rates, judged answers); rates not given are computed from their inputs
    when present.
    """
    computed, _ = _evaluate(framework, indicator_id, pairs, worded=False)
    return _out(computed)


@_guard
def explain(framework: Any, indicator_id: Any, *pairs: Any) -> str:
    """The engine's Chinese arithmetic for :func:`score` with the same arguments."""
    _, text = _evaluate(framework, indicator_id, pairs)
    return text
