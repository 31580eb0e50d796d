"""Findings and reports: plain data (pydantic), rendered elsewhere to terminal, JSON and xlsx."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["AUDIT_LEVEL_ZH", "AUDIT_SEVERITY", "MIN_CHARS", "REVIEW_ZH", "SEVERITY_ZH", "STATUS_ZH", "FileReport",
           "FileSummary", "Finding", "Report", "ReportTextSummary", "Severity", "TextLocation", "adequate",
           "bounded_value", "notice_rows", "plain_value", "review_status"]

STATUS_ZH = {"ok": "通过", "warnings": "仅提示", "invalid": "有错误", "error": "无法读取"}
"""A file's status in Chinese: 通过 (at most info notes), 仅提示 (warnings, no error), 有错误, 无法读取."""


MIN_CHARS = 5
"""An 出错说明 shorter than this (after removing spaces and punctuation) does not count."""
_PLACEHOLDERS = {
    "无", "没有", "略", "同上", "见报告", "详见报告", "见自评报告", "详见自评报告", "见附件", "详见附件", "见说明",
    "详见说明", "已说明", "情况属实", "属实", "正常", "无异常", "已核实", "待补充", "na", "n/a", "none", "null", "无说明",
}
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

REVIEW_ZH = {"pass": "通过", "pass_explained": "通过（提示已说明）", "explain": "需说明", "revise": "需修改"}
"""A file's review status: pass (nothing to explain), pass_explained (every 提示 explained),
explain (提示 without an adequate explanation), revise (强制 errors left, or the file cannot be read)."""


VALUE_EXPONENTS = (-30, 21)
"""Adjusted exponents of a number a finding keeps as a number; beyond them (a hostile file's 1E+999999999,
a 4,000-digit integer) it is kept as short text, so that no renderer formats a billion digits or overflows."""


def bounded_value(value: Any) -> Any:
    """A found/expected value every renderer can take: absurd or non-finite numbers become short text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 72 else f"{Decimal(value):.6E}"
    if isinstance(value, float):
        return value if math.isfinite(value) and abs(value) < 1e22 else repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)[:16]
        low, high = VALUE_EXPONENTS
        return value if value.is_zero() or low <= value.adjusted() <= high else f"{value:.6E}"
    return value


def plain_value(value: Any) -> Any:
    """A finding's found/expected value as a JSON or spreadsheet cell takes it (Decimal → float)."""
    if value is None or isinstance(value, int | float | str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
"""The one vocabulary of severities, everywhere (terminal, JSON, reports, 汇总, notices)."""
AUDIT_LEVEL_ZH = {"error": "强制性", "warning": "提示性"}
"""The bureau's 审核公式 levels each severity is: 错误 = 强制性 (must be fixed before the file is accepted),
警告 = 提示性 (accepted with a written 出错说明); 提示 is information only, no audit level."""
AUDIT_SEVERITY = {"强制": "error", "提示": "warning"}
"""A framework's audit rule level (form.audits severity) → the severity of its finding."""


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def zh(self) -> str:
        return SEVERITY_ZH[self.value]

    @property
    def level_zh(self) -> str:
        """强制性 / 提示性 (empty for 提示, which is no audit level)."""
        return AUDIT_LEVEL_ZH.get(self.value, "")

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class TextLocation(BaseModel):
    """Where a finding of the report's text stands: section heading, paragraph (or table, row, column) and the
    quoted sentence (about 80 characters around the figure)."""

    model_config = ConfigDict(frozen=True)
    section: str = ""
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None
    sentence: str = ""


class ReportTextSummary(BaseModel):
    """What checking the 绩效自评报告 beside a workbook found: figures read, tied to the workbook, untied."""

    model_config = ConfigDict(frozen=True)
    path: str | None = None
    status: str = Field("checked", description="checked 已核对 | unreadable 无法读取 | missing 未收到报告")
    figures: int = 0
    tied: int = 0
    untied: int = 0
    untied_list: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """One problem found in one file, located to a sheet and cell where possible."""

    model_config = ConfigDict(frozen=True)
    code: str
    name: str = ""
    severity: Severity
    message: str
    sheet: str | None = None
    cell: str | None = None
    found: Any = None
    expected: Any = None
    indicator: str | None = None
    rule: str | None = None  # the framework's own id of the rule behind a finding (audit rule 审核公式 id)
    explanation: str | None = None  # 出错说明 the department wrote beside the finding in 校验结果
    text: TextLocation | None = None  # a finding of the 绩效自评报告's text: where in the report
    consequences: list[Finding] = Field(default_factory=list)  # findings caused only by this one (folded)

    @field_validator("found", "expected", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        return bounded_value(value)

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""


Finding.model_rebuild()


class FileReport(BaseModel):
    """The validation result of one file."""

    model_config = ConfigDict(frozen=True)
    path: str
    status: str = Field(description="ok | warnings | invalid (errors found) | error (unreadable)")
    department: str | None = None
    year: int | None = None
    framework: str | None = None
    total_computed: Decimal | None = None
    total_self: Decimal | None = None
    findings: list[Finding] = Field(default_factory=list)
    seconds: float = 0.0
    unit_code: str | None = None  # 单位编码 (the framework's unit_code input), when declared and filled
    framework_version: str | None = None
    report_text: ReportTextSummary | None = None  # the 绩效自评报告 checked beside the workbook, if any
    indicators: dict[str, str] = Field(default_factory=dict)
    """id → name of the framework's indicators, so a renderer names a finding's indicator without a framework."""
    cell_kinds: dict[str, str] = Field(default_factory=dict)
    """``sheet!cell`` → kind (money, rate, count …) of the named cells findings point at: how a renderer shows
    their found and expected numbers."""

    @property
    def review(self) -> str:
        """pass | pass_explained | explain | revise: 通过 / 通过（提示已说明）/ 需说明 / 需修改."""
        return review_status(self.status, self.findings)

    @property
    def review_zh(self) -> str:
        return REVIEW_ZH[self.review]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.error)

    @property
    def warnings(self) -> int:
        return self.count(Severity.warning)

    def flatten(self, keys: list[str]) -> list[list[Any]]:
        """Compact rows for assertions and exports, e.g. flatten(["code", "location"])."""
        return [[getattr(f, k) for k in keys] for f in self.findings]


@dataclass(slots=True)
class FileSummary:
    """What a batch keeps of a file once its output is written: who sent it, its totals, counts and 审核结论
    (a few hundred bytes; the findings are not kept, so a batch of any size fits in memory). Mutable for
    :class:`xlperf.review.spool.UnitSummary`, which adds what the 汇总 needs (the parent shares equal strings
    between units and sets each unit's spool row)."""

    path: str
    status: str
    department: str | None
    unit_code: str | None
    year: int | None
    framework: str | None
    framework_version: str | None
    total_computed: Decimal | None
    total_self: Decimal | None
    errors: int
    warnings: int
    review: str

    @classmethod
    def of(cls, rep: FileReport) -> FileSummary:
        return cls(rep.path, rep.status, rep.department, rep.unit_code, rep.year, rep.framework,
                   rep.framework_version, rep.total_computed, rep.total_self, rep.errors, rep.warnings, rep.review)

    @property
    def review_zh(self) -> str:
        return REVIEW_ZH[self.review]


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)
    files: list[FileReport]

    @property
    def exit_code(self) -> int:
        if any(f.status == "error" for f in self.files):
            return 2
        return 1 if any(f.errors for f in self.files) else 0


def _clean(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def adequate(text: str | None) -> bool:
    """Whether an explanation counts: words (at least two different letters, Chinese or other), at least
    MIN_CHARS characters of content, not a placeholder ("无", "-", "见报告") and not one piece repeated
    ("12345" has no words, "ababab" is "ab" three times)."""
    if not text:
        return False
    core = _clean(text)
    if len(core) < MIN_CHARS or core in _PLACEHOLDERS or len(set(core)) <= 1:
        return False
    letters = [ch for ch in core if ch.isalpha()]
    return len(set(letters)) >= 2 and not _periodic(core)


def _periodic(core: str) -> bool:
    """A run of one short piece repeated ("ababab", "123123", "好好好好"): typed to fill a cell, not words."""
    n = len(core)
    return any(n % p == 0 and core == core[:p] * (n // p) for p in range(1, n // 2 + 1))


def review_status(status: str, findings: Iterable[Finding]) -> str:
    """pass | pass_explained | explain | revise (see REVIEW_ZH)."""
    if status == "error":
        return "revise"
    warned = False
    unexplained = False
    for f in findings:
        if f.severity == Severity.error:
            return "revise"
        if f.severity == Severity.warning:
            warned = True
            unexplained = unexplained or not adequate(f.explanation)
    if unexplained:
        return "explain"
    return "pass_explained" if warned else "pass"


def notice_rows(rep: FileReport) -> tuple[list[Finding], list[Finding]]:
    """What a 退回修改通知 lists: (to fix: errors, to explain: warnings without an adequate explanation)."""
    fix = [f for f in rep.findings if f.severity == Severity.error]
    explain = [f for f in rep.findings if f.severity == Severity.warning and not adequate(f.explanation)]
    return fix, explain
