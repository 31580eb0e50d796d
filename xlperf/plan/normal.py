"""Formula text compared as Excel compares it, and formula text that reaches outside the workbook.

Shared by the validator (a planned formula altered, a submitter's formula calling out) and the writer
(an annotated copy keeps only the plan's formulas), so both decide alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["external_reason", "normalize_formula"]

_STRINGS = re.compile(r'"(?:[^"]|"")*"')
_ADDIN_PREFIX = re.compile(r"(\[\d+\]!|'[^']*\.xla[m]?'!|[A-Za-z0-9_.]+\.xla[m]?!)", re.IGNORECASE)
"""Excel saves calls to add-in functions as [1]!xlperf_score(…) or 'xlperf.xlam'!xlperf_score(…)."""


def normalize_formula(text: str) -> str:
    """Compare formulas as Excel would: case-insensitive outside strings, no spaces, no _xlfn. prefixes."""
    text = text.lstrip("=")
    parts = []
    last = 0
    for m in _STRINGS.finditer(text):
        parts.append(_code(text[last:m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(_code(text[last:]))
    return "".join(parts)


def _code(segment: str) -> str:
    """A formula segment outside string literals, normalised."""
    segment = _ADDIN_PREFIX.sub("", segment)
    return segment.replace(" ", "").upper().replace("_XLFN.", "").replace("_XLWS.", "")


_CALLS_OUT = re.compile(r"(?<![A-Z0-9_.])(WEBSERVICE|FILTERXML|RTD|CALL|REGISTER|REGISTER\.ID|EXEC|IMAGE|"
                        r"STOCKHISTORY|RUNPYTHON|RUNFROZENPYTHON|EXECUTEWINDOWS|RUNREMOTEPYTHON|RUNSERVERPYTHON)\(")
"""Functions that fetch or run something; the last five are public procedures of the xlwings add-ins, which a
cell of any open workbook could call (the shipped add-ins refuse cell calls to the first three: install/)."""
_EXTERNAL_BOOK = re.compile(r"\[(?:\d+|[^\]\[]*\.(?:XL[A-Z]{1,2}|CSV|ET|ODS))\]|'[^']*[\\/][^']*'!|[A-Z]:\\|\\\\")
"""[1]Sheet1!A1 (Excel's index of an external link), [a.xlsx]S!A1, a path; not a table's [col] reference."""
_LINK_TEXT = re.compile(r'"(?:[^"]|"")*(?:file:|https?:|ftp:|\\\\|[A-Za-z]:\\|mailto:)', re.IGNORECASE)


def external_reason(text: str) -> str | None:
    """:func:`_external_reason`, memoized for texts up to 2,048 characters: every workbook of a template
    repeats the template's ~200 formulas (as Excel, WPS or LibreOffice saved them), and XP134 asks about each.
    The key is the whole text (compared for equality, so a crafted text cannot collide with another); at most
    4,096 entries (≤ ~8 MiB), least recently used dropped."""
    return _external_cached(text) if len(text) <= 2048 else _external_reason(text)


def _external_reason(text: str) -> str | None:
    """Why a formula (or a defined name's text) can act outside the workbook, in Chinese; None if it
    cannot: DDE (``cmd|' /C calc'!A0``), a call that fetches or runs something (WEBSERVICE, CALL, RTD,
    HYPERLINK), a reference to another workbook (``[1]Sheet1!A1``, ``'C:\\x\\[a.xlsx]S'!A1``), a path or
    address in a string."""
    code = normalize_formula(text[:8192])
    outside = _STRINGS.sub('""', code)
    if "|" in outside:
        return "动态数据交换（DDE）调用，可在打开时运行其他程序"
    m = _CALLS_OUT.search(outside)
    if m is not None:
        return f"调用 {m.group(1)}，可访问网络、本机文件或运行程序"
    if _EXTERNAL_BOOK.search(outside):
        return "引用其他工作簿或本机路径（外部链接）"
    if _LINK_TEXT.search(code):
        return "含网络地址或本机路径（如 HYPERLINK 指向本机程序或网址）"
    return None


_external_cached = lru_cache(maxsize=4096)(_external_reason)
