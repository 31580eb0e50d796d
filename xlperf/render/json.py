"""The JSON shape of a validation report: pydantic models, published as a JSON Schema.

``xlperf validate --json`` prints :class:`ReportJSON`; ``xlperf json-schema`` prints its schema (also
committed as ``docs/validate-report.schema.json``, kept in step by a test). Values are numbers where they
are numbers (a rate 55.23% is ``0.5523``) with the text a person reads beside them (``found_display``:
``"55.23%"``); a value that is not a number (text typed into a cell, a formula) stays a string.
An indicator is ``{"id", "name"}`` or null, whatever form the check recorded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from xlperf.findings import FileReport, Finding, Report, adequate
from xlperf.safe_io import shown_path

__all__ = ["FileJSON", "FindingJSON", "IndicatorRef", "ReportJSON", "file_dict", "report_dict", "report_schema",
           "value_pair"]

Value = float | int | str | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorRef(_Model):
    """An indicator of the framework: its id and Chinese name (id null when the name is not in the framework)."""

    id: str | None = Field(description="指标编号，如 exec_score（框架中找不到时为 null）")
    name: str | None = Field(description="指标中文名称（框架中找不到时为 null）")


class Counts(_Model):
    error: int = Field(ge=0)
    warning: int = Field(ge=0)
    info: int = Field(ge=0)


class TextLocationJSON(_Model):
    """Where in the 绩效自评报告 a finding of its text stands (XP5xx)."""

    section: str = Field(description="所在标题（各级标题以 / 连接）")
    paragraph: int | None = Field(description="段落序号（表格：表格前一段的序号）")
    table: int | None = Field(None, description="表格序号（正文中的数字为 null）")
    row: int | None = Field(None, description="表格行号（从 1 起）")
    column: int | None = Field(None, description="表格列号（从 1 起）")
    sentence: str = Field(description="原文（数字前后约 80 个字）")


class ReportTextJSON(_Model):
    """The 绩效自评报告 checked beside the workbook (validate --report-text)."""

    path: str | None = Field(description="报告文件")
    status: Literal["checked", "unreadable", "missing"] = Field(
        description="checked 已核对；unreadable 无法读取；missing 未收到（文件夹中没有与工作簿配对的报告）")
    figures: int = Field(ge=0, description="报告中引用的数字个数（金额、比率、个数、分数；不含年份）")
    tied: int = Field(ge=0, description="与工作簿数值对应上的数字个数")
    untied: int = Field(ge=0, description="未能对应的数字个数（不作为问题）")
    untied_list: list[str] = Field(default_factory=list, description="未能对应的数字（--show-untied）")


class FindingJSON(_Model):
    """One finding. ``found``/``expected`` are numbers when the value is a number, else the text as read."""

    code: str = Field(pattern=r"^XP\d{3}$", description="校验规则代码（xlperf rules）")
    name: str = Field(description="规则名称（kebab-case）")
    severity: Literal["error", "warning", "info"]
    severity_zh: Literal["错误", "警告", "提示"]
    sheet: str | None
    cell: str | None
    message: str = Field(description="中文说明")
    found: Value = Field(description="发现值：数字（比率为小数，0.5523 即 55.23%）、文字或 null")
    found_display: str | None = Field(description="发现值的显示形式，如 55.23%、1,931.52")
    expected: Value = Field(description="应为的值，形式同 found")
    expected_display: str | None
    indicator: IndicatorRef | None
    rule: str | None = Field(None, description="框架审核规则编号（审核公式的 id），非审核规则的问题为 null")
    explanation: str | None = Field(None, description="部门在“校验结果”中填写的出错说明（未填写为 null）")
    explained: bool = Field(False, description="出错说明是否有效（不少于 5 个字、不是“无”“见报告”之类的占位）")
    text: TextLocationJSON | None = Field(None, description="自评报告中的位置（XP5xx），工作簿中的问题为 null")
    consequences: list[FindingJSON] = Field(
        default_factory=list, description="仅因本项输入错误而产生的连带问题（已合并到本项，不另计数）")


class FileJSON(_Model):
    path: str
    status: Literal["ok", "warnings", "invalid", "error"] = Field(
        description="ok 通过；warnings 仅提示（有警告、无错误）；invalid 有错误；error 无法读取")
    framework: str | None
    department: str | None
    year: int | None
    total_computed: float | None
    total_self: float | None
    counts: Counts
    findings: list[FindingJSON]
    review: Literal["pass", "pass_explained", "explain", "revise"] = Field(
        "pass", description="审核结论：pass 通过；pass_explained 通过（提示已说明）；explain 需说明（有未说明的提示）；"
                            "revise 需修改（有强制性错误或文件无法读取）")
    review_zh: Literal["通过", "通过（提示已说明）", "需说明", "需修改"] = "通过"
    unit_code: str | None = Field(None, description="单位编码（框架有 unit_code 输入时）")
    report_text: ReportTextJSON | None = Field(None, description="随工作簿核对的自评报告（--report-text），未核对为 null")


class BatchIssueJSON(_Model):
    """A problem of the batch as a whole (not of one file)."""

    kind: Literal["duplicate", "year", "framework", "missing", "unexpected"] = Field(
        description="duplicate 同一单位多个文件；year 年度与批次多数不一致；framework 框架版本与批次多数不一致；"
                    "missing 应报单位未报送（--expected）；unexpected 不在应报单位名单中")
    unit: str
    message: str
    files: list[str]


class SkippedJSON(_Model):
    """A file of a folder that was not validated: xlperf's own report, 汇总 or notice."""

    path: str
    kind: Literal["report", "consolidation", "notice"] = Field(
        description="report 校验报告；consolidation 汇总；notice 退回修改通知")
    reason: str


class ReportJSON(_Model):
    """The output of ``xlperf validate --json``."""

    files: list[FileJSON]
    batch: list[BatchIssueJSON] = Field(default_factory=list, description="批次检查（多个文件时）")
    skipped: list[SkippedJSON] = Field(default_factory=list,
                                       description="文件夹中未校验的文件（xlperf 生成的校验报告、汇总、退回修改通知）及原因")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``xlperf validate --json``."""
    out: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    out.update(ReportJSON.model_json_schema())
    out["title"] = "xlperf validate --json"
    return out


# Values --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[+-]?\d+(\.\d+)?$")
_PERCENT = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)%$")
_MAX_DIGITS = 40  # beyond any amount a department has; longer digit strings stay text


def _number(text: str) -> Decimal | None:
    if len(text) > _MAX_DIGITS or not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _as_json_number(value: Decimal) -> float | int:
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    return float(value)


def _display(value: Decimal, kind: str | None) -> str:
    """As the workbook shows it: rates as percentages, money with separators and two decimals."""
    if kind == "rate":
        return f"{value * 100:.2f}%"
    if kind == "money":
        return f"{value:,.2f}"
    exponent = value.as_tuple().exponent
    if kind == "points" and isinstance(exponent, int) and exponent >= -2:
        return f"{value:.2f}"
    if value == value.to_integral_value() and abs(value) < 10**15:
        return f"{int(value)}"
    return f"{value.normalize():f}"


def value_pair(value: Any, kind: str | None = None) -> tuple[Value, str | None]:
    """(JSON value, display text) of a finding's found/expected value.

    A formatted string ("55.23%", "1,931.52") is read back into its number; ``kind`` (the cell's kind:
    rate, money, count, points) says how a bare number is displayed.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, "是" if value else "否"
    if isinstance(value, str):
        text = value.strip()
        m = _PERCENT.match(text)
        if m and (number := _number(m.group(1))) is not None:
            return _as_json_number(number / 100), text
        number = _number(text)
        if number is not None:
            return _as_json_number(number), text
        return value, value
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError):
            return str(value), str(value)
        if not number.is_finite():
            return str(value), str(value)
        return _as_json_number(number), _display(number, kind)
    return str(value), str(value)


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _indicator(value: str | None, indicators: dict[str, tuple[str, str]]) -> IndicatorRef | None:
    if not value:
        return None
    hit = indicators.get(value)
    if hit is not None:
        return IndicatorRef(id=hit[0], name=hit[1])
    return IndicatorRef(id=value, name=None) if _ID.match(value) else IndicatorRef(id=None, name=value)


def _finding(f: Finding, kinds: dict[str, str], indicators: dict[str, tuple[str, str]]) -> FindingJSON:
    kind = kinds.get(f"{f.sheet}!{f.cell}") if f.sheet and f.cell else None
    found, found_display = value_pair(f.found, kind)
    expected, expected_display = value_pair(f.expected, kind)
    return FindingJSON(code=f.code, name=f.name, severity=f.severity.value, severity_zh=f.severity.zh,
                       sheet=f.sheet, cell=f.cell, message=f.message, found=found, found_display=found_display,
                       expected=expected, expected_display=expected_display,
                       indicator=_indicator(f.indicator, indicators), rule=f.rule, explanation=f.explanation,
                       explained=adequate(f.explanation),
                       text=TextLocationJSON(**f.text.model_dump()) if f.text is not None else None,
                       consequences=[_finding(c, kinds, indicators) for c in f.consequences])


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def file_model(rep: FileReport) -> FileJSON:
    """A file's report as JSON; indicator names and number kinds come with the report (no framework is loaded)."""
    kinds = rep.cell_kinds
    indicators: dict[str, tuple[str, str]] = {}
    for ind_id, name in rep.indicators.items():
        indicators[ind_id] = (ind_id, name)
    for ind_id, name in rep.indicators.items():
        indicators.setdefault(name, (ind_id, name))
    info = len(rep.findings) - rep.errors - rep.warnings
    return FileJSON(path=shown_path(rep.path), status=rep.status, framework=rep.framework,
                    department=rep.department, year=rep.year, total_computed=_float(rep.total_computed),
                    total_self=_float(rep.total_self),
                    counts=Counts(error=rep.errors, warning=rep.warnings, info=info),
                    findings=[_finding(f, kinds, indicators) for f in rep.findings],
                    review=rep.review, review_zh=rep.review_zh, unit_code=rep.unit_code,
                    report_text=_report_text(rep))


def _report_text(rep: FileReport) -> ReportTextJSON | None:
    info = rep.report_text
    if info is None:
        return None
    return ReportTextJSON(path=shown_path(info.path) if info.path else None, status=info.status,
                          figures=info.figures, tied=info.tied, untied=info.untied, untied_list=info.untied_list)


def file_dict(rep: FileReport) -> dict[str, Any]:
    return file_model(rep).model_dump(mode="json")


def report_dict(report: Report, batch: list[Any] | None = None, *, skipped: list[Any] | None = None) -> dict[str, Any]:
    """``batch``: the batch's problems (:class:`~xlperf.review.batch.BatchIssue`), when checked; ``skipped``:
    the files of a folder not validated (:class:`~xlperf.review.intake.SkippedFile`)."""
    issues = [BatchIssueJSON(kind=i.kind, unit=i.unit, message=i.message, files=[shown_path(f) for f in i.files])
              for i in batch or []]
    left = [SkippedJSON(path=shown_path(s.path), kind=s.kind, reason=s.reason) for s in skipped or []]
    return ReportJSON(files=[file_model(f) for f in report.files], batch=issues,
                      skipped=left).model_dump(mode="json")
