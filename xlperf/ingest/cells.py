"""Turn what a person typed into a typed value, or a clear Chinese complaint.

A number cell holding text is an error, and computes as 0, as the sheet's formulas compute it (they read
every input through N()); for the unambiguous forms (thousands separators, a 万元 suffix, full-width
digits, "97.65%" in a rate cell) the message says which number the text would be. Anything else is
refused with the reason, never guessed.

Numbers are bounded before any arithmetic (a hostile ``1E+999999`` would make ``int()`` run for minutes):
at most :data:`MAX_DIGITS` mantissa digits and an exponent of at most :data:`MAX_EXPONENT`, then a
magnitude below :data:`MAGNITUDE` for the cell's kind; beyond that the cell is refused (XP216), whatever
its type in the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from xlperf.dates import DATE_MAX, DATE_MIN, EPOCH_1904_OFFSET, date_of_serial, date_text, yyyymmdd
from xlperf.expr import arithmetic
from xlperf.ingest.notes import Noted
from xlperf.ingest.xlsx import RawCell
from xlperf.plan.names import NameSpec

__all__ = ["MAGNITUDE", "MAX_DIGITS", "MAX_EXPONENT", "CellNote", "Parsed", "bounded_decimal", "parse_cell"]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$", re.ASCII)

MAX_DIGITS = 30
"""Mantissa digits a number may have (Excel stores 15-17 significant digits)."""
MAX_EXPONENT = 30
"""Largest |exponent| of a number written in scientific notation (checked on the text, before Decimal)."""
MAX_NUMBER_TEXT = 64
"""Longest text that is even looked at as a number (``-1.2345678901234567E-300`` is 24 characters)."""
MAGNITUDE: dict[str, Decimal] = {
    "money": Decimal("1e12"),  # 万元: a trillion 万元 is more than any budget of any department
    "count": Decimal("1e7"),  # people, projects, events
    "int": Decimal("1e7"),  # years and other whole numbers
    "points": Decimal("1e4"),  # scores: a framework has 100 points
    "rate": Decimal("1e4"),  # 1,000,000%
}
"""|value| must stay below these bounds (exclusive), per kind of cell."""
_RANGE_ZH = {
    "money": "一个部门的金额不可能达到 1 万亿万元",
    "count": "人数、个数应小于 1000 万",
    "int": "应小于 1000 万",
    "points": "得分应小于 1 万分",
    "rate": "比率应小于 1,000,000%",
}
_INVISIBLE_NAMES = {
    "\u00a0": "不换行空格 U+00A0", "\u200b": "零宽空格 U+200B", "\u200c": "零宽不连字 U+200C",
    "\u200d": "零宽连字 U+200D", "\u2060": "零宽不换行 U+2060", "\ufeff": "字节顺序标记（BOM）U+FEFF",
    "\u3000": "全角空格 U+3000", "\u00ad": "软连字符 U+00AD", "\u202f": "窄不换行空格 U+202F",
    "\u2007": "数字空格 U+2007", "\u200e": "从左至右标记 U+200E", "\u200f": "从右至左标记 U+200F",
}
_PLAIN_SPACE = " \t\r\n"


class _OutOfRange(Exception):
    """A well-formed number with too many digits or too large an exponent to be a real figure."""
YES = {"是", "TRUE", "1", "Y", "YES", "对"}
NO = {"否", "FALSE", "0", "N", "NO", "不是"}
UNIT_SUFFIXES = {"money": ("万元",), "count": ("人", "个", "件", "项", "名"), "int": ("年",), "points": ("分",)}


@dataclass(frozen=True)
class CellNote:
    kind: Noted
    message: str
    expected: object = None  # what the cell should hold, when the text says it (a number typed as text)


@dataclass
class Parsed:
    value: Decimal | bool | str | int | date | None
    notes: list[CellNote] = field(default_factory=list)
    error: CellNote | None = None
    sheet_value: Decimal | None = None  # with an error: what the sheet's formulas compute with instead


def bounded_decimal(text: str) -> Decimal | None:
    """``Decimal(text)`` for a plain number within :data:`MAX_DIGITS` / :data:`MAX_EXPONENT`, else None.

    Never raises and never does work proportional to the exponent.
    """
    try:
        return _decimal(text)
    except _OutOfRange:
        return None


def _decimal(text: str) -> Decimal | None:
    """A plain number, None when the text is not one; raises _OutOfRange when it is one, absurdly long."""
    m = _NUMBER.match(text)
    if not m or not (m["int"] or m["frac"]):
        return None
    digits = len(m["int"] or "") + len(m["frac"] or "")
    if len(text) > MAX_NUMBER_TEXT or digits > MAX_DIGITS or (m["exp"] is not None and abs(int(m["exp"])) > MAX_EXPONENT):
        raise _OutOfRange(text)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        return None


def _is_number(text: str) -> bool:
    m = _NUMBER.match(text)
    return bool(m and (m["int"] or m["frac"])) or bool(_THOUSANDS.match(text))


def _short(text: str, limit: int = 40) -> str:
    """A user's text, cut for a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def _out_of_range(text: str, spec: NameSpec) -> CellNote:
    m = _NUMBER.match(text.strip())
    if m is not None and m["exp"] is not None and int(m["exp"]) < -MAX_EXPONENT:  # 1E-400 is tiny, not huge
        return CellNote(Noted.NUMBER_OUT_OF_RANGE, f"数值 {_short(text)} 超出合理范围（小于 10 的 -{MAX_EXPONENT} 次方，"
                                 f"不是实际填报的数字），请核对数字")
    bound = _RANGE_ZH.get(spec.kind, "数值过大")
    return CellNote(Noted.NUMBER_OUT_OF_RANGE, f"数值 {_short(text)} 超出合理范围（{bound}；最多 {MAX_DIGITS} 位数字），请核对数字和单位")


def _invisible(text: str) -> list[str]:
    """Names of the invisible or unusual space characters in a text, in order of first appearance."""
    out: list[str] = []
    for ch in text:
        if ch in _PLAIN_SPACE or ch.isalnum():
            continue
        name = _INVISIBLE_NAMES.get(ch)
        if name is None and unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Co", "Cn"):
            name = f"不可见字符 U+{ord(ch):04X}"
        if name is not None and name not in out:
            out.append(name)
    return out


def parse_cell(raw: RawCell | None, spec: NameSpec, *, date1904: bool = False) -> Parsed:
    """Parse one input cell for its spec (money, count, rate, bool, tier, points, text, date …); ``date1904``:
    the workbook counts dates from 1904."""
    if raw is not None and raw.formula is not None and raw.value is None:
        constant = constant_formula(raw.formula)
        if constant is not None:  # =2 or =4.79/8.67 saved without a result: checked by its value
            return parse_cell(RawCell(_plain_decimal(constant), "n", raw.formula, raw.date), spec, date1904=date1904)
        return Parsed(None, error=CellNote(Noted.FORMULA_WITHOUT_RESULT, f"输入单元格中是公式（={raw.formula}）但没有保存计算结果，"
                                                   "请在 Excel 中重新计算后保存，或直接填写数值"))
    if raw is None or raw.value is None or (raw.type in ("s", "str", "inlineStr") and not raw.value.strip()):
        return Parsed(None)
    if raw.type == "e":
        return Parsed(None, error=CellNote(Noted.ERROR_VALUE, f"单元格显示错误值 {raw.value}，请改为有效的数值"))
    out = Parsed(None)
    if raw.formula is not None:
        out.notes.append(CellNote(Noted.FORMULA_IN_INPUT, f"输入单元格中是公式（={raw.formula}），已按其计算结果读取"))
    kind = spec.kind
    if kind == "date":
        return _date_cell(raw, spec, out, date1904)
    if kind in ("text",):
        out.value = raw.value.strip() if raw.type != "n" else _plain_number_text(raw.value)
        return out
    if kind == "tier":
        return _choice(raw.value, spec, out)
    if kind in ("bool", "flag"):
        return _yes_no(raw, out)
    return _number_cell(raw, spec, out)


def _choice(value: str, spec: NameSpec, out: Parsed) -> Parsed:
    text = unicodedata.normalize("NFKC", value).strip()
    if text not in spec.options:
        out.error = CellNote(Noted.INVALID_CHOICE, f"“{value}”不是可选项，请从下拉列表中选择：{'、'.join(spec.options)}")
    else:
        out.value = text
    return out


def _yes_no(raw: RawCell, out: Parsed) -> Parsed:
    if raw.type == "b":
        out.value = raw.value == "1"
        return out
    assert raw.value is not None
    text = unicodedata.normalize("NFKC", raw.value).strip().upper()
    if text in YES:
        out.value = True
    elif text in NO:
        out.value = False
    else:
        out.error = CellNote(Noted.INVALID_CHOICE, f"“{raw.value}”不是“是”或“否”，请从下拉列表中选择")
    return out


def _number_cell(raw: RawCell, spec: NameSpec, out: Parsed) -> Parsed:
    """A number input's cell: a date, a logical value or text in it is an error with what the sheet computes."""
    assert raw.value is not None
    if raw.date:
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, "单元格是日期格式，数字可能被 Excel 当成了日期（如输入 1/6），"
                                      "请把单元格格式改为数值后重新输入")
        return out
    if raw.type == "b":
        truth = raw.value == "1"
        out.sheet_value = Decimal(1 if truth else 0)  # N(TRUE) is 1, as in the sheet's formulas
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"此处应填写数字，单元格中是逻辑值 {'TRUE' if truth else 'FALSE'}"
                                      f"（表内公式和校验都按 {1 if truth else 0} 计算）")
        return out
    if raw.type != "n":  # text in a number cell (shared, inline or a formula's string result)
        return _text_number(raw.value, spec, out)
    try:
        number = _decimal(raw.value)
    except _OutOfRange:
        out.error = _out_of_range(raw.value, spec)
        return out
    if number is None:
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{_short(raw.value)}”不是数字，请只填写数字")
        return out
    return _finish_number(number, spec, out)


_DATE_HINT = "请输入日期，如 2021-12-31（年-月-日），单元格格式为日期"
_SANE = f"{DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()}"


def _date_cell(cell: RawCell, spec: NameSpec, out: Parsed, date1904: bool) -> Parsed:
    """A date cell: a whole serial number (a typed date, whatever its number format) from 1950 to 2099. Text that
    names a date is an error (the sheet's formulas read text as 0: XP218), with the date it names; anything
    else, a yyyymmdd number, a serial with a time, a negative or absurd one, is no date (XP219). With an error
    the engine computes with what the sheet computes with (0 for text, the number as stored)."""
    raw = _Stored(cell.value or "", cell.type, cell.formula, cell.date)
    if raw.type == "b":
        out.sheet_value = Decimal(1 if raw.value == "1" else 0)
        out.error = CellNote(Noted.INVALID_DATE, f"单元格中是逻辑值，不是日期。{_DATE_HINT}")
        return out
    if raw.type == "str" and raw.formula is None and (huge := _double(raw.value)) is not None:
        out.sheet_value = huge  # a number beyond any figure (1E+308), kept as text by the reader: the sheet has it
        out.error = CellNote(Noted.INVALID_DATE, f"数值 {_short(raw.value)} 不是日期（超出合理范围）。{_DATE_HINT}")
        return out
    if raw.type != "n":
        return _date_text_cell(raw, out)
    try:
        number = _decimal(raw.value)
    except _OutOfRange:
        out.sheet_value = _double(raw.value)  # 1E+308: the sheet computes with it, and so does the engine
        out.error = CellNote(Noted.INVALID_DATE, f"数值 {_short(raw.value)} 不是日期（超出合理范围）。{_DATE_HINT}")
        return out
    if number is None:
        out.error = CellNote(Noted.INVALID_DATE, f"“{_short(raw.value)}”不是日期。{_DATE_HINT}")
        return out
    out.sheet_value = number + (EPOCH_1904_OFFSET if date1904 else 0)  # the engine counts in the 1900 system
    spelled = yyyymmdd(number)  # 20211231, typed into a date cell or not (Excel shows ##### for it there)
    if spelled is not None:
        out.error = CellNote(Noted.INVALID_DATE, f"{number} 是数字，不是日期（公式把它当作第 {number} 天，约公元 "
                                      f"{int(number) // 365 + 1900} 年）。请重新输入 {spelled.isoformat()}（年-月-日）",
                             expected=spelled.isoformat())
        return out
    if number != number.to_integral_value():
        out.error = CellNote(Noted.INVALID_DATE, f"日期中含时间（{number}），公式按含时间的值比较。请只输入日期，如 2021-12-31")
        return out
    day = date_of_serial(number, date1904=date1904)
    if day is None or not DATE_MIN <= day <= DATE_MAX:
        what = f"日期 {day.isoformat()}" if day is not None and raw.date else f"数字 {number}"
        out.error = CellNote(Noted.INVALID_DATE, f"{what} 不在合理的日期范围（{_SANE}）内，可能是输入有误。{_DATE_HINT}")
        return out
    out.sheet_value = None
    out.value = day
    return out


def _date_text_cell(raw: _Stored, out: Parsed) -> Parsed:
    """Text in a date cell: the date it names (XP218: the formulas read text as 0), a yyyymmdd spelled as text,
    or no date at all (XP219)."""
    out.sheet_value = TEXT_READS_AS
    named = date_text(raw.value)
    if named is not None and DATE_MIN <= named <= DATE_MAX:
        out.error = CellNote(Noted.DATE_AS_TEXT, f"“{_short(raw.value)}”是文字，不是日期：{_AS_ZERO}。请把单元格格式设为"
                                      f"日期后重新输入 {named.isoformat()}", expected=named.isoformat())
        return out
    number = bounded_decimal(raw.value.strip())
    spelled = yyyymmdd(number) if number is not None else None
    if spelled is not None:
        out.error = CellNote(Noted.INVALID_DATE, f"“{_short(raw.value)}”是文字，不是日期：{_AS_ZERO}。请重新输入 "
                                      f"{spelled.isoformat()}（年-月-日）", expected=spelled.isoformat())
        return out
    out.error = CellNote(Noted.INVALID_DATE, f"“{_short(raw.value)}”不是日期（{_AS_ZERO}）。{_DATE_HINT}")
    return out


@dataclass(frozen=True)
class _Stored:
    """A non-empty cell's stored text, type, formula and date format (parse_cell returned before on no value)."""

    value: str
    type: str
    formula: str | None
    date: bool


_DOUBLE_EXPONENT = 308


def _double(text: str) -> Decimal | None:
    """A stored number beyond the plausible bounds but within a spreadsheet's (an IEEE double, |e| ≤ 308), which
    the sheet's formulas compute with; None beyond (1E+999999 is no number a spreadsheet holds)."""
    m = _NUMBER.match(text.strip())
    if m is None or len(text) > MAX_NUMBER_TEXT or not (m["int"] or m["frac"]):
        return None
    if m["exp"] is not None and abs(int(m["exp"])) > _DOUBLE_EXPONENT:
        return None
    number = Decimal(text.strip())
    return number if number.adjusted() <= _DOUBLE_EXPONENT else None


CONSTANT_MAX = 200
"""Longest formula evaluated as a constant (``=2``, ``=4.79/8.67*100``)."""
_CONSTANT = re.compile(r"^[0-9.+\-*/() ]+$", re.ASCII)


def constant_formula(formula: str) -> Decimal | None:
    """The exact value of a formula made only of numbers and + - * / ( ), as Excel computes it; None for
    anything else (a reference, a function, a division by 0, a number beyond the bounds).

    A self-score or stated figure typed as ``=2`` and saved by a program that does not calculate has no
    saved result; read as blank it would hide its own error (XP303 would become XP215 on a blank). Written
    by hand on :mod:`ast` because no maintained library evaluates a spreadsheet constant exactly in Decimal.
    """
    import ast

    text = formula.strip().lstrip("=")
    if not text or len(text) > CONSTANT_MAX or not _CONSTANT.match(text):
        return None
    try:
        tree = ast.parse(text, mode="eval")
        value = _const_eval(tree.body, text)
    except (SyntaxError, ValueError, ArithmeticError, RecursionError, _OutOfRange):
        return None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e12"):
        return None
    return value


def _const_eval(node: object, text: str) -> Decimal | None:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        segment = ast.get_source_segment(text, node) or ""
        return _decimal(segment)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _const_eval(node.operand, text)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _const_eval(node.left, text), _const_eval(node.right, text)
        if left is None or right is None:
            return None
        return arithmetic(node.op, left, right)
    return None


def _plain_decimal(value: Decimal) -> str:
    """A Decimal as the text a spreadsheet stores for a number (at most 15 significant digits)."""
    rounded = +value.normalize() if len(value.as_tuple().digits) <= 15 else value.quantize(
        Decimal(1).scaleb(value.adjusted() - 14))
    return format(rounded.normalize(), "f")


TEXT_READS_AS = Decimal(0)
"""What the sheet computes with when a number cell holds text: every formula reads an input as N(name),
and N() of a text is 0 in Excel, WPS and LibreOffice alike (whatever the locale). The engine reads the
same 0, so the sheet and ``xlperf score`` agree; the finding says what the text would have meant."""

_TEXT_CODES = (Noted.PERCENT_STRING, Noted.UNIT_SUFFIX, Noted.THOUSANDS_SEPARATOR, Noted.FULLWIDTH_DIGITS, Noted.NUMBER_STORED_AS_TEXT)
"""The kind of a text number: its most specific reason first (percent, unit, separators, full width)."""


def _text_number(text: str, spec: NameSpec, out: Parsed) -> Parsed:
    """A number cell holding text: an error, scored as the sheet scores it (0); the message says what the
    text would be as a number, so the department can retype it."""
    out.sheet_value = TEXT_READS_AS
    kept, out.notes = out.notes, []  # a formula note stays; the reasons gathered below go into the error
    try:
        reading = _from_text(text, spec, out)
    except _OutOfRange:
        reading, out.error = None, _out_of_range(text, spec)
    reasons, out.notes = out.notes, kept
    if reading is None:
        assert out.error is not None
        out.error = CellNote(out.error.kind, f"{out.error.message}。{_AS_ZERO}")
        return out
    checked = _finish_number(reading, spec, Parsed(None))
    if checked.error is not None:  # a text that would be a wrong number anyway (negative, 1.5 people …)
        out.error = CellNote(checked.error.kind, f"{checked.error.message}；单元格中是文字“{_short(text)}”。{_AS_ZERO}")
        return out
    value = checked.value
    shown = f"{Decimal(str(value)) * 100:f}".rstrip("0").rstrip(".") + "%" if spec.kind == "rate" else str(value)
    codes = {n.kind for n in reasons}
    code = next((c for c in _TEXT_CODES if c in codes), Noted.NUMBER_STORED_AS_TEXT)
    why = "、".join(n.message for n in reasons)
    out.error = CellNote(code, f"“{_short(text)}”是文字（{why or '以文本格式保存的数字'}），不是数值：{_AS_ZERO}。"
                               f"请把单元格格式设为“常规”或“数值”后重新输入 {shown}", expected=value)
    return out


_AS_ZERO = "表内公式按 0 计算，校验也按 0 计算（单元格显示为琥珀色）"


def _plain_number_text(text: str) -> str:
    d = bounded_decimal(text)
    if d is not None and d == d.to_integral_value():
        return str(int(d))
    return text


def _from_text(text: str, spec: NameSpec, out: Parsed) -> Decimal | None:
    """The number a text means, in its unambiguous forms, with a note (a reason) for each oddity; None
    with ``out.error`` set when it means none."""
    original = _short(text)
    if len(text) > 4 * MAX_NUMBER_TEXT:  # no real figure is this long: say so without reading it all
        if _NUMBER.match(text.strip(_PLAIN_SPACE)):
            raise _OutOfRange(text)
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{original}”不是数字（共 {len(text)} 个字符），请只填写数字")
        return None
    text, core, hidden = _normalized(text, out)
    unit = _without_unit(text, spec, original, out)
    if unit is None:
        return None
    text, percent = unit
    spaced = any(ch in _PLAIN_SPACE for ch in text) and any(ch in _PLAIN_SPACE for ch in core)
    inner = _invisible(core) + (["空格"] if spaced else [])
    if inner and _is_number(_strip_all(text)):
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{original}”的数字中间有{'、'.join(inner)}，无法确定是哪个数，"
                                      "请删除后重新输入数字")
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
        out.notes.append(CellNote(Noted.THOUSANDS_SEPARATOR, "含千分位逗号"))
    number = _decimal(text)
    if number is None:
        named = f"（含{'、'.join(hidden)}）" if hidden else ""
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{original}”不是数字{named}，请只填写数字"
                                      + (f"（单位：{spec.unit}）" if spec.unit else ""))
        return None
    if percent:
        number = number / 100
        out.notes.append(CellNote(Noted.PERCENT_STRING, "以文字输入的百分数"))
    return number


def _normalized(text: str, out: Parsed) -> tuple[str, str, list[str]]:
    """(the text without surrounding spaces and invisible characters, in NFKC; the text stripped only of
    those; the names of the invisible characters it held), noting each oddity."""
    hidden = _invisible(text)
    junk = _PLAIN_SPACE + "".join(ch for ch in text if _invisible(ch))
    core = text.strip(junk)
    if hidden and not _invisible(core):
        out.notes.append(CellNote(Noted.NUMBER_STORED_AS_TEXT, f"首尾含{'、'.join(hidden)}"))
    normalized = unicodedata.normalize("NFKC", core).strip(junk)
    if normalized != core:
        out.notes.append(CellNote(Noted.FULLWIDTH_DIGITS, "含全角字符"))
    return normalized, core, hidden


def _without_unit(text: str, spec: NameSpec, original: str, out: Parsed) -> tuple[str, bool] | None:
    """(the text without its unit, whether it was a percent); None with ``out.error`` set for a wrong unit."""
    for suffix in UNIT_SUFFIXES.get(spec.kind, ()):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)].rstrip(_PLAIN_SPACE)
            out.notes.append(CellNote(Noted.UNIT_SUFFIX, f"带单位“{suffix}”"))
            break
    if spec.kind == "money" and (text.endswith("元") or text.endswith("千元") or text.endswith("亿元")):
        out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{original}”的单位不是万元，请换算为万元后只填写数字")
        return None
    if text.endswith("%"):
        if spec.kind != "rate":
            out.error = CellNote(Noted.TEXT_IN_NUMBER_CELL, f"“{original}”是百分数，但此处应填写{spec.unit or '数值'}")
            return None
        return text[:-1].rstrip(_PLAIN_SPACE), True
    return text, False


def _strip_all(text: str) -> str:
    """The text without any space or invisible character (only to ask whether they split a number)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in _PLAIN_SPACE and not _invisible(ch))


def _finish_number(number: Decimal, spec: NameSpec, out: Parsed) -> Parsed:
    bound = MAGNITUDE.get(spec.kind)
    if bound is not None and abs(number) >= bound:
        out.error = _out_of_range(f"{number.normalize():E}" if number.adjusted() >= 16 else f"{number:f}", spec)
        return out
    if number < 0 and spec.kind in ("money", "count", "rate", "points", "int"):
        out.error = CellNote(Noted.NEGATIVE_AMOUNT, f"{number} 是负数，{spec.label}不能为负")
        out.sheet_value = number  # the sheet computes with it: so does the score
        return out
    if spec.kind in ("count", "int"):
        if number != number.to_integral_value():
            out.error = CellNote(Noted.NON_INTEGER_COUNT, f"{number} 不是整数，{spec.label}必须是整数")
            out.sheet_value = number  # the sheet computes with it: so does the score
            return out
        out.value = int(number)
        return out
    if spec.kind in ("money", "points"):
        rounded = number.quantize(Decimal("0.01"))
        if rounded != number:
            if abs(rounded - number) < Decimal("1e-9"):  # binary floating-point noise from the saving program
                number = rounded
            elif spec.kind == "money":
                out.error = CellNote(Noted.TOO_MANY_DECIMALS, f"{number} 超过两位小数，金额以万元为单位保留两位小数")
                out.sheet_value = number  # the sheet computes with it: so does the score
                return out
            else:
                out.error = CellNote(Noted.TOO_MANY_DECIMALS, f"{number} 超过两位小数，得分保留两位小数")
                out.sheet_value = number  # the sheet computes with it: so does the score
                return out
        out.value = rounded if spec.kind == "money" else rounded.normalize() if rounded == rounded.to_integral_value() else rounded
        return out
    if spec.kind == "rate" and number > 10:
        out.error = CellNote(Noted.RATE_OUT_OF_RANGE, f"{number} 作为比率过大（{number * 100}%），请按百分数输入，如 97.65%")
        out.sheet_value = number  # the sheet computes with it: so does the score
        return out
    out.value = number.normalize() if number == number.to_integral_value() else number
    if spec.kind == "rate":
        out.value = number.quantize(Decimal("0.000001")).normalize()
    return out
