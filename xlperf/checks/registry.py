"""The catalogue: every check class by code. Codes are append-only and never reused."""

from __future__ import annotations

from xlperf.checks.audit import AuditRuleFailed, AuditRuleWarning
from xlperf.checks.base import CODE_PATTERN, Check
from xlperf.checks.batch import BatchVersionMismatch, BatchYearMismatch
from xlperf.checks.budget import DeductionTriggered
from xlperf.checks.cells import (
    DateAsText,
    EmptyRequiredInput,
    ErrorValue,
    FormulaInInput,
    FormulaWithoutResult,
    FullWidthDigits,
    InvalidChoice,
    InvalidDate,
    NegativeAmount,
    NonIntegerCount,
    NumberOutOfRange,
    NumberStoredAsText,
    PercentString,
    RateOutOfRange,
    TextInNumberCell,
    ThousandsSeparator,
    TooManyDecimals,
    UnitSuffix,
    ValueOutOfBounds,
)
from xlperf.checks.content import (
    ExternalContent,
    ForeignFormat,
    ForeignFormula,
    ForgedHighlightRecord,
    MisleadingNumberFormat,
)
from xlperf.checks.file import (
    EmptyFile,
    EncryptedWorkbook,
    FileNotFound,
    FileTooLarge,
    FileUnreadable,
    LegacyXls,
    MacrosPresent,
    NotARegularFile,
    NotAWorkbook,
    NotAZip,
    SheetTooLarge,
    TooManyCells,
    XmlEntities,
    ZipBomb,
)
from xlperf.checks.internal import CheckError
from xlperf.checks.money import FigureDisagrees, StatedRateMismatch, StatedSumMismatch
from xlperf.checks.prior import AuditOnEmptyPrior, PriorYearAltered
from xlperf.checks.reporttext import REPORT_CHECKS
from xlperf.checks.scoring import (
    CachedValueMismatch,
    ComputedErrorValue,
    FunctionsNotLoaded,
    JudgedAnswerOutOfRange,
    MissingReason,
    MissingSelfScore,
    NoSelfScore,
    RuleNotComputable,
    SelfAboveComputed,
    SelfBelowComputed,
    SelfOutOfRange,
)
from xlperf.checks.structure import (
    FormulaAltered,
    FrameworkMismatch,
    FrameworkVersionMismatch,
    LabelAltered,
    LayoutMoved,
    LocalNameShadows,
    MissingDefinedName,
    MissingFormulaName,
    MissingSheet,
    NotAStandardWorkbook,
    XlwingsCodeSheet,
    XlwingsConfigSheet,
    YearMismatch,
)

__all__ = ["CHECKS", "REDIRECTS", "by_code", "resolve"]

CHECKS: tuple[type[Check], ...] = (
    CheckError,
    EmptyFile, NotAZip, LegacyXls, EncryptedWorkbook, ZipBomb, XmlEntities, MacrosPresent, SheetTooLarge,
    NotAWorkbook, FileTooLarge, NotARegularFile, FileNotFound, FileUnreadable, TooManyCells,
    MissingSheet, MissingDefinedName, FrameworkMismatch, FormulaAltered, LabelAltered, NotAStandardWorkbook,
    LayoutMoved, FrameworkVersionMismatch, YearMismatch, MissingFormulaName, LocalNameShadows,
    TextInNumberCell, UnitSuffix, PercentString, FullWidthDigits, NegativeAmount, NonIntegerCount,
    EmptyRequiredInput, TooManyDecimals, ErrorValue, ThousandsSeparator, InvalidChoice, RateOutOfRange,
    FormulaInInput, NumberStoredAsText, FormulaWithoutResult, NumberOutOfRange, ValueOutOfBounds,
    StatedSumMismatch, FigureDisagrees, StatedRateMismatch, DeductionTriggered, AuditRuleFailed, AuditRuleWarning,
    SelfOutOfRange, SelfAboveComputed, SelfBelowComputed, MissingReason, CachedValueMismatch, MissingSelfScore,
    JudgedAnswerOutOfRange, RuleNotComputable, PriorYearAltered, XlwingsConfigSheet, XlwingsCodeSheet,
    ComputedErrorValue, FunctionsNotLoaded,
    ForeignFormula, ExternalContent, ForeignFormat, ForgedHighlightRecord, MisleadingNumberFormat,
    NoSelfScore, BatchYearMismatch, BatchVersionMismatch, AuditOnEmptyPrior, DateAsText, InvalidDate, *REPORT_CHECKS,
)

REDIRECTS: dict[str, str] = {
    # Futian's own consistency checks became audit rules of its framework file (form.audits): the
    # code now is the generic audit code of the rule's level, the rule id says which rule it is.
    "XP304": "XP321", "expenditure-exceeds-budget": "XP321",
    "XP306": "XP320", "quarterly-not-cumulative": "XP320",
    "XP307": "XP321", "q4-not-actual": "XP321",
    "XP308": "XP321", "quota-not-adjusted": "XP321",
    "XP309": "XP321", "paid-exceeds-quota": "XP321",
    "XP310": "XP320", "part-exceeds-whole": "XP320",
    "XP311": "XP320", "net-exceeds-original": "XP320",
    "XP314": "XP321", "assets-total-too-small": "XP321",
    "XP315": "XP321", "spending-without-budget": "XP321",
    "XP316": "XP320", "exceeds-available-funds": "XP320",
    "XP318": "XP320", "service-rate-over-100": "XP320",
}
"""Retired codes and names → the current code that reports the same thing."""


def by_code() -> dict[str, type[Check]]:
    return {c.code: c for c in CHECKS}


def resolve(selector: str) -> list[type[Check]]:
    """Checks matched by a code, a code prefix (XP3), a kebab name or a family."""
    selector = REDIRECTS.get(selector, selector)
    upper = selector.upper()
    return [c for c in CHECKS if c.code.startswith(upper) or c.name == selector or c.family == selector]


assert all(CODE_PATTERN.match(c.code) for c in CHECKS)
