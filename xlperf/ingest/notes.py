"""What a reader notices in a submitted file, as data.

Readers and the pre-check (this package) say *what* they saw and where, in the user's words; the checks
(:mod:`xlperf.checks`) own everything else about it: its code, short name, severity, title and message
template. Each :class:`~xlperf.checks.base.ReaderCheck` names the kind of note it reports, so a code is
declared once, in its check class, and nothing below the checks knows one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

__all__ = ["Note", "Noted"]


class Noted(Enum):
    """The kinds of things a reader notices (each reported by exactly one check class)."""

    EMPTY_FILE = auto()
    NOT_A_ZIP = auto()
    LEGACY_XLS = auto()
    ENCRYPTED_WORKBOOK = auto()
    ZIP_BOMB = auto()
    XML_ENTITIES = auto()
    MACROS_PRESENT = auto()
    SHEET_TOO_LARGE = auto()
    NOT_A_WORKBOOK = auto()
    FILE_TOO_LARGE = auto()
    NOT_A_REGULAR_FILE = auto()
    FILE_NOT_FOUND = auto()
    FILE_UNREADABLE = auto()
    TOO_MANY_CELLS = auto()
    MISSING_SHEET = auto()
    MISSING_DEFINED_NAME = auto()
    FRAMEWORK_MISMATCH = auto()
    NOT_A_STANDARD_WORKBOOK = auto()
    FRAMEWORK_VERSION_MISMATCH = auto()
    YEAR_MISMATCH = auto()
    MISSING_FORMULA_NAME = auto()
    LOCAL_NAME_SHADOWS = auto()
    TEXT_IN_NUMBER_CELL = auto()
    UNIT_SUFFIX = auto()
    PERCENT_STRING = auto()
    FULLWIDTH_DIGITS = auto()
    NEGATIVE_AMOUNT = auto()
    NON_INTEGER_COUNT = auto()
    EMPTY_REQUIRED_INPUT = auto()
    TOO_MANY_DECIMALS = auto()
    ERROR_VALUE = auto()
    THOUSANDS_SEPARATOR = auto()
    INVALID_CHOICE = auto()
    RATE_OUT_OF_RANGE = auto()
    FORMULA_IN_INPUT = auto()
    NUMBER_STORED_AS_TEXT = auto()
    FORMULA_WITHOUT_RESULT = auto()
    NUMBER_OUT_OF_RANGE = auto()
    VALUE_OUT_OF_BOUNDS = auto()
    XLWINGS_CONFIG_SHEET = auto()
    XLWINGS_CODE_SHEET = auto()
    DATE_AS_TEXT = auto()
    INVALID_DATE = auto()


@dataclass(frozen=True)
class Note:
    """One thing a reader noticed: its kind, the detail in Chinese (what was seen, what to do), and where."""

    kind: Noted
    detail: str
    sheet: str | None = None
    cell: str | None = None
    found: Any = None
    expected: Any = None
    indicator: str | None = None

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""
