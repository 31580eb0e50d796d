"""The catalogue: every check class by code. Codes are append-only and never reused."""

from __future__ import annotations

from .base import CODE_PATTERN, Check
from .budget import (DeductionTriggered, ExceedsAvailableFunds, ExpenditureExceedsBudget, PaidExceedsQuota,
                     Q4NotActual, QuarterlyNotCumulative, QuotaNotAdjusted, SpendingWithoutBudget)
from .cells import (EmptyRequiredInput, ErrorValue, FormulaInInput, FullWidthDigits, InvalidChoice, NegativeAmount,
                    NonIntegerCount, NumberOutOfRange, PercentString, RateOutOfRange, TextInNumberCell, ThousandsSeparator,
                    TooManyDecimals, UnitSuffix)
from .file import (EmptyFile, EncryptedWorkbook, FileNotFound, FileTooLarge, FileUnreadable, LegacyXls, MacrosPresent,
                   NotARegularFile, NotAWorkbook, NotAZip, SheetTooLarge, TooManyCells, XmlEntities, ZipBomb)
from .money import FigureDisagrees, StatedRateMismatch, StatedSumMismatch
from .scoring import (CachedValueMismatch, JudgedAnswerOutOfRange, MissingReason, MissingSelfScore,
                      SelfAboveComputed, SelfBelowComputed, SelfOutOfRange)
from .staff_assets import AssetsTotalTooSmall, CountExceedsTotal, NetExceedsOriginal, ServiceRateOver100
from .structure import (FormulaAltered, FrameworkMismatch, LabelAltered, LayoutMoved, LocalNameShadows,
                        MissingDefinedName, MissingSheet, NotAStandardWorkbook)
from .internal import CheckError

__all__ = ["CHECKS", "REDIRECTS", "by_code", "resolve"]

CHECKS: tuple[type[Check], ...] = (
    CheckError,
    EmptyFile, NotAZip, LegacyXls, EncryptedWorkbook, ZipBomb, XmlEntities, MacrosPresent, SheetTooLarge,
    NotAWorkbook, FileTooLarge, NotARegularFile, FileNotFound, FileUnreadable, TooManyCells,
    MissingSheet, MissingDefinedName, FrameworkMismatch, FormulaAltered, LabelAltered, NotAStandardWorkbook,
    LayoutMoved, LocalNameShadows,
    TextInNumberCell, UnitSuffix, PercentString, FullWidthDigits, NegativeAmount, NonIntegerCount,
    EmptyRequiredInput, TooManyDecimals, ErrorValue, ThousandsSeparator, InvalidChoice, RateOutOfRange,
    FormulaInInput, NumberOutOfRange,
    StatedSumMismatch, FigureDisagrees, StatedRateMismatch, ExpenditureExceedsBudget, DeductionTriggered,
    QuarterlyNotCumulative, Q4NotActual, QuotaNotAdjusted, PaidExceedsQuota, CountExceedsTotal,
    NetExceedsOriginal, AssetsTotalTooSmall, SpendingWithoutBudget, ExceedsAvailableFunds, ServiceRateOver100,
    SelfOutOfRange, SelfAboveComputed, SelfBelowComputed, MissingReason, CachedValueMismatch, MissingSelfScore,
    JudgedAnswerOutOfRange,
)

REDIRECTS: dict[str, str] = {}
"""Renamed codes or names → current code (none yet)."""


def by_code() -> dict[str, type[Check]]:
    return {c.code: c for c in CHECKS}


def resolve(selector: str) -> list[type[Check]]:
    """Checks matched by a code, a code prefix (XP3), a kebab name or a family."""
    selector = REDIRECTS.get(selector, selector)
    upper = selector.upper()
    return [c for c in CHECKS if c.code.startswith(upper) or c.name == selector or c.family == selector]


assert all(CODE_PATTERN.match(c.code) for c in CHECKS)
