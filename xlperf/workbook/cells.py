"""Turn what a person typed into a typed value, or a clear Chinese complaint.

Unambiguous forms are read and noted (thousands separators, a 万元 suffix, full-width digits, "97.65%"
in a rate cell); anything else is refused with the reason, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..catalog import NameSpec
from .xlsx import RawCell

__all__ = ["CellNote", "Parsed", "parse_cell"]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
YES = {"是", "TRUE", "1", "Y", "YES", "对"}
NO = {"否", "FALSE", "0", "N", "NO", "不是"}
UNIT_SUFFIXES = {"money": ("万元",), "count": ("人", "个", "件", "项", "名"), "int": ("年",), "points": ("分",)}


@dataclass(frozen=True)
class CellNote:
    code: str
    message: str


@dataclass
class Parsed:
    value: Decimal | bool | str | int | None
    notes: list[CellNote] = field(default_factory=list)
    error: CellNote | None = None


def _decimal(text: str) -> Decimal | None:
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_cell(raw: RawCell | None, spec: NameSpec) -> Parsed:
    """Parse one input cell for its spec (money, count, rate, bool, tier, points, text …)."""
    if raw is not None and raw.formula is not None and raw.value is None:
        return Parsed(None, error=CellNote("XP215", f"输入单元格中是公式（={raw.formula}）但没有保存计算结果，"
                                                   "请在 Excel 中重新计算后保存，或直接填写数值"))
    if raw is None or raw.value is None or (raw.type in ("s", "str", "inlineStr") and not raw.value.strip()):
        return Parsed(None)
    if raw.type == "e":
        return Parsed(None, error=CellNote("XP209", f"单元格显示错误值 {raw.value}，请改为有效的数值"))
    out = Parsed(None)
    if raw.formula is not None:
        out.notes.append(CellNote("XP213", f"输入单元格中是公式（={raw.formula}），已按其计算结果读取"))
    kind = spec.kind
    if kind in ("text",):
        out.value = raw.value.strip() if raw.type != "n" else _plain_number_text(raw.value)
        return out
    if kind == "tier":
        text = unicodedata.normalize("NFKC", raw.value).strip()
        if text not in spec.options:
            out.error = CellNote("XP211", f"“{raw.value}”不是可选项，请从下拉列表中选择：{'、'.join(spec.options)}")
        else:
            out.value = text
        return out
    if kind in ("bool", "flag"):
        if raw.type == "b":
            out.value = raw.value == "1"
            return out
        text = unicodedata.normalize("NFKC", raw.value).strip().upper()
        if text in YES:
            out.value = True
        elif text in NO:
            out.value = False
        else:
            out.error = CellNote("XP211", f"“{raw.value}”不是“是”或“否”，请从下拉列表中选择")
        return out
    if raw.date:
        out.error = CellNote("XP201", "单元格是日期格式，数字可能被 Excel 当成了日期（如输入 1/6），"
                                      "请把单元格格式改为数值后重新输入")
        return out
    if raw.type == "b":
        out.error = CellNote("XP201", f"此处应填写数字，单元格中是逻辑值 {'TRUE' if raw.value == '1' else 'FALSE'}")
        return out
    number = _decimal(raw.value) if raw.type in ("n", "str") and raw.type != "s" else None
    if number is None:
        number = _from_text(raw.value, spec, out)
        if number is None:
            return out
    return _finish_number(number, spec, out)


def _plain_number_text(text: str) -> str:
    d = _decimal(text)
    if d is not None and d == d.to_integral_value():
        return str(int(d))
    return text


def _from_text(text: str, spec: NameSpec, out: Parsed) -> Decimal | None:
    """A number typed as text: accept the unambiguous forms, with a note for each."""
    original = text
    normalized = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if normalized != text.strip().replace(" ", ""):
        out.notes.append(CellNote("XP204", f"“{original}”含全角字符，已按半角读取为“{normalized}”"))
    text = normalized
    for suffix in UNIT_SUFFIXES.get(spec.kind, ()):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            out.notes.append(CellNote("XP202", f"“{original}”带单位“{suffix}”，已去掉单位读取（本单元格单位为{spec.unit or suffix}）"))
            break
    if spec.kind == "money" and (text.endswith("元") or text.endswith("千元") or text.endswith("亿元")):
        out.error = CellNote("XP201", f"“{original}”的单位不是万元，请换算为万元后只填写数字")
        return None
    percent = False
    if text.endswith("%"):
        if spec.kind != "rate":
            out.error = CellNote("XP201", f"“{original}”是百分数，但此处应填写{spec.unit or '数值'}")
            return None
        text, percent = text[:-1], True
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
        out.notes.append(CellNote("XP210", f"“{original}”含千分位逗号，已读取为 {text}"))
    number = _decimal(text)
    if number is None:
        out.error = CellNote("XP201", f"“{original}”不是数字，请只填写数字" + (f"（单位：{spec.unit}）" if spec.unit else ""))
        return None
    if percent:
        number = number / 100
        out.notes.append(CellNote("XP203", f"“{original}”以文字形式输入，已按百分数读取为 {number * 100:.2f}%"))
    elif not any(n.code in ("XP202", "XP210", "XP204") for n in out.notes):
        out.notes.append(CellNote("XP214", f"“{original}”是以文本格式保存的数字，已按数值读取"))
    return number


def _finish_number(number: Decimal, spec: NameSpec, out: Parsed) -> Parsed:
    if number < 0 and spec.kind in ("money", "count", "rate", "points", "int"):
        out.error = CellNote("XP205", f"{number} 是负数，{spec.label}不能为负")
        return out
    if spec.kind in ("count", "int"):
        if number != number.to_integral_value():
            out.error = CellNote("XP206", f"{number} 不是整数，{spec.label}必须是整数")
            return out
        out.value = int(number)
        return out
    if spec.kind in ("money", "points"):
        rounded = number.quantize(Decimal("0.01"))
        if rounded != number:
            if abs(rounded - number) < Decimal("1e-9"):  # binary floating-point noise from the saving program
                number = rounded
            elif spec.kind == "money":
                out.error = CellNote("XP208", f"{number} 超过两位小数，金额以万元为单位保留两位小数")
                return out
            else:
                out.error = CellNote("XP208", f"{number} 超过两位小数，得分保留两位小数")
                return out
        out.value = rounded if spec.kind == "money" else rounded.normalize() if rounded == rounded.to_integral_value() else rounded
        return out
    if spec.kind == "rate" and number > 10:
        out.error = CellNote("XP212", f"{number} 作为比率过大（{number * 100}%），请按百分数输入，如 97.65%")
        return out
    out.value = number.normalize() if number == number.to_integral_value() else number
    if spec.kind == "rate":
        out.value = number.quantize(Decimal("0.000001")).normalize()
    return out
