"""Numbers as reports write them: full-width digits, thousands separators, Chinese numerals."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["CN_AMOUNT", "CN_NUMERAL", "cn_fraction", "cn_to_int", "normalize", "parse_decimal"]

_WIDE = re.compile("[０-９．％\u3000\xa0]|(?<=\\d)，(?=\\d)")
_FULL = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_DIGIT_COMMA = re.compile("(?<=\\d)，(?=\\d)")


def normalize(text: str) -> str:
    """Full-width digits, point and percent → ASCII, a full-width comma between digits → ','.

    The length is unchanged, so positions in the normalized text are positions in the original."""
    if not _WIDE.search(text):
        return text  # the common case, without building a new string
    text = text.translate(_FULL).replace("\u3000", " ").replace("\xa0", " ")
    return _DIGIT_COMMA.sub(",", text)


MAX_DIGITS = 20
"""A quoted figure has at most this many digits (anything longer is not a figure of a report)."""


def parse_decimal(text: str) -> Decimal | None:
    """'1,931.52' → Decimal('1931.52'); None when it is not a plain bounded number."""
    plain = text.replace(",", "").replace(" ", "")
    if not plain or sum(ch.isdigit() for ch in plain) > MAX_DIGITS:
        return None
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 100000000}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万"
CN_AMOUNT = CN_NUMERAL + "亿"
"""The characters of an amount written in words (四亿三千一百八十九万元)."""


def cn_to_int(text: str) -> int | None:
    """'三' → 3, '十二' → 12, '二十' → 20, '一百零五' → 105, '四亿三千一百八十九万' → 431890000; None if it is not
    a numeral."""
    if not text or len(text) > 16 or any(ch not in _DIGIT and ch not in _UNIT for ch in text):
        return None
    total = 0
    for part, scale in _by_big_unit(text):
        value = _below_wan(part)
        if value is None:
            return None
        total += value * scale
    return total


def _by_big_unit(text: str) -> list[tuple[str, int]]:
    """'四亿三千一百八十九万五' → [('四', 10**8), ('三千一百八十九', 10**4), ('五', 1)]."""
    parts: list[tuple[str, int]] = []
    rest = text
    for unit, scale in (("亿", 100000000), ("万", 10000)):
        head, sep, tail = rest.partition(unit)
        if sep:
            parts.append((head or "一", scale))
            rest = tail
    if rest:
        parts.append((rest, 1))
    return parts


def _below_wan(text: str) -> int | None:
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
            continue
        unit = _UNIT[ch]
        if unit >= 10000:
            return None  # a second 万 or 亿 in the same part: not a numeral as written
        section += (1 if digit is None else digit) * unit
        digit = None
    return section + (digit or 0)


def cn_fraction(text: str) -> str | None:
    """The digits after 点 (九十七点六五 → '65'); None unless every character is a digit word."""
    if not text or len(text) > 6 or any(ch not in _DIGIT for ch in text):
        return None
    return "".join(str(_DIGIT[ch]) for ch in text)
