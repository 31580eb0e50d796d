"""The text of a drafted 绩效自评报告: placeholders filled from the workbook's values, ``when:`` conditions.

Pure functions (no Word here, see :mod:`xlperf.write.report_docx`): a template such as
``实际支出{total_actual:万元}万元`` becomes pieces of text, each a literal or a figure as the report writes it
(``79,260.57``), or a missing figure (``【请填写：总计 年度总支出】``) that the draft highlights.

How a format shows a value (the template writes the unit word after it, as a title's ``{year:年}年度``
does): 万元 two decimals with thousands separators (``43,189.21``), 元 and 亿元 converted from 万元 (two
decimals), % the rate in percent with two decimals and its sign (``97.65%``), 分 points as scored (at most two
decimals, ``94.94``, ``5``), 人/个/项/次/家 and 年 a whole number, text the value as written. Without a format the
name's kind decides (money → 万元, rate → %, points → 分, counts → whole numbers, 是/否 for a flag).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from xlperf.expr import ExprError, parse, quantize
from xlperf.framework.report import PLACEHOLDER, canonical
from xlperf.safe_text import xml_text

__all__ = ["MAX_VALUE_CHARS", "Piece", "format_value", "holds", "missing_marker", "render", "text_of", "tidy"]

MAX_VALUE_CHARS = 2000
"""Characters of one value from the workbook written into the draft (a submitter's text can be long)."""

_COUNT_FORMATS = ("人", "个", "项", "次", "家", "份", "件", "场", "户", "条", "年")
_KIND_FORMAT = {"money": "万元", "rate": "%", "points": "分", "count": "个", "int": "年"}


@dataclass(frozen=True)
class Piece:
    """A run of the drafted text; ``missing`` pieces are 【请填写：…】 markers the department must replace."""

    text: str
    missing: bool = False
    name: str | None = None  # the workbook name a figure was rendered from


def missing_marker(what: str) -> str:
    """The marker of a part the department must write (or a figure the workbook does not have)."""
    return f"【请填写：{what}】"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return None


def _whole(value: Decimal) -> str:
    """A count or plain number as written: whole numbers without decimals, others with at most four (a
    computed coefficient 25/27 is 0.9259, not 28 digits)."""
    if value == value.to_integral_value():
        return str(int(value))
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        value = quantize(value, 4)
    return f"{value.normalize():f}"


def _points(value: Decimal) -> str:
    text = f"{quantize(value, 2):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: object, fmt: str | None, kind: str = "") -> str | None:
    """The value as the report writes it, or None when there is nothing to write (blank, or text where a
    number is wanted)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if fmt is None:
        fmt = _KIND_FORMAT.get(kind, "text")
    if fmt == "text":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = _decimal(value)
        return xml_text(_whole(number) if number is not None else str(value), MAX_VALUE_CHARS)
    number = _decimal(value)
    if number is None:
        return None
    if fmt == "万元":
        return f"{quantize(number, 2):,.2f}"
    if fmt == "元":
        return f"{quantize(number * 10000, 2):,.2f}"
    if fmt == "亿元":
        return f"{quantize(number / 10000, 2):,.2f}"
    if fmt == "%":
        return f"{quantize(number * 100, 2):.2f}%"
    if fmt == "分":
        return _points(number)
    if fmt in _COUNT_FORMATS:
        return _whole(number)
    return None


def render(template: str, values: Mapping[str, object], kinds: Mapping[str, str],
           labels: Mapping[str, str]) -> list[Piece]:
    """The template's pieces: literal text, figures, and a marker for every figure the workbook lacks."""
    out: list[Piece] = []
    at = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > at:
            out.append(Piece(template[at:m.start()]))
        name, fmt = canonical(m.group(1)), m.group(2)
        shown = format_value(values.get(name), fmt, kinds.get(name, ""))
        out.append(Piece(shown, name=name) if shown is not None
                   else Piece(missing_marker(labels.get(name, name)), True, name))
        at = m.end()
    if at < len(template):
        out.append(Piece(template[at:]))
    return out


_CJK_GAP = re.compile(r"\s+(?=[\u2e80-\uffff])|(?<=[\u2e80-\uffff])\s+")


def tidy(template: str) -> str:
    """A template as one line of Chinese text: YAML folds a long template's line breaks into spaces, which
    Chinese text does not have next to a CJK character or full-width punctuation."""
    return _CJK_GAP.sub("", template.strip())


def text_of(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces)


def holds(expr: str | None, values: Mapping[str, object]) -> bool:
    """A ``when:`` condition on the workbook's values; one that cannot be evaluated (a blank input) does not
    hold, so the paragraph is left out rather than written with a wrong premise."""
    if expr is None:
        return True
    env = {k: (Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in values.items()
           if isinstance(v, Decimal | bool | str | int)}
    try:
        result = parse(expr).evaluate(env)
    except (ExprError, ArithmeticError, TypeError, ValueError):
        return False
    if isinstance(result, Decimal):
        return result != 0
    return bool(result)
