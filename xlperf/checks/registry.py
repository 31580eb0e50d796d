"""The catalogue: every check class by code. Codes are append-only and never reused."""

from __future__ import annotations

from collections.abc import Iterable

from xlperf.checks.audit import AuditRuleFailed, AuditRuleWarning
from xlperf.checks.base import CODE_PATTERN, Check, ReaderCheck
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
    CapNotComputable,
    ComputedErrorValue,
    FunctionsNotLoaded,
    JudgedAnswerOutOfRange,
    MissingReason,
    MissingSelfScore,
    NoSelfScore,
    RuleNotComputable,
    SelfAboveCap,
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
from xlperf.findings import Finding
from xlperf.ingest.notes import Note, Noted

__all__ = ["CHECKS", "NOTE_CHECKS", "REDIRECTS", "by_code", "finding_of", "findings_of", "resolve"]

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
    NoSelfScore, BatchYearMismatch, BatchVersionMismatch, AuditOnEmptyPrior, *REPORT_CHECKS,
    SelfAboveCap, CapNotComputable, DateAsText, InvalidDate,
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


NOTE_CHECKS: dict[Noted, type[ReaderCheck]] = {c.note: c for c in CHECKS if issubclass(c, ReaderCheck)}
"""The check that reports each kind of note a reader makes (tests/validator/test_registry.py: one each)."""


def finding_of(note: Note) -> Finding:
    """A reader's note as its check's finding (code, name, severity and message from the check class)."""
    return NOTE_CHECKS[note.kind].from_note(note)


def findings_of(notes: Iterable[Note]) -> list[Finding]:
    return [finding_of(n) for n in notes]


def by_code() -> dict[str, type[Check]]:
    return {c.code: c for c in CHECKS}


def resolve(selector: str) -> list[type[Check]]:
    """Checks matched by a code, a code prefix (XP3), a kebab name or a family."""
    selector = REDIRECTS.get(selector, selector)
    upper = selector.upper()
    return [c for c in CHECKS if c.code.startswith(upper) or c.name == selector or c.family == selector]


assert all(CODE_PATTERN.match(c.code) for c in CHECKS)
