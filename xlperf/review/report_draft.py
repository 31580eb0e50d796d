"""``xlperf report``: read a filled workbook (or a data file) and draft its 绩效自评报告.

A workbook is read by the validator, so the draft is made only from a workbook that passes its checks (or
with ``allow_errors``, when the department wants a draft to work on while fixing them); a data file is
validated by its loader. The drafting itself is :func:`xlperf.write.report_docx.draft_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xlperf.errors import InputError
from xlperf.findings import Finding, Severity

if TYPE_CHECKING:
    from xlperf.checks.context import CheckContext
    from xlperf.engine.scoring import ScoreResult
    from xlperf.framework.models import Framework

__all__ = ["Draft", "RefusedWorkbook", "draft_for", "workbook_values"]

DATA_SUFFIXES = {".yaml", ".yml", ".json"}
MAX_LISTED = 30
"""Errors listed when a workbook is refused (the rest are counted)."""


@dataclass
class Draft:
    """A drafted report and what the reader of the command needs to know about it."""

    docx: bytes
    framework: str
    errors: list[Finding] = field(default_factory=list)  # errors of the workbook drafted anyway (allow_errors)


class RefusedWorkbook(InputError):
    """The workbook has errors (or cannot be read): no draft is made from it."""

    def __init__(self, message: str, findings: list[Finding], unreadable: bool) -> None:
        super().__init__(message)
        self.findings = findings
        self.unreadable = unreadable


def _where(f: Finding) -> str:
    return f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or "")


def describe(findings: list[Finding]) -> list[str]:
    """One line per error: sheet!cell, code and message (at most MAX_LISTED lines)."""
    lines = [f"  {_where(f) or '（文件）'}  {f.code}  {f.message}" for f in findings[:MAX_LISTED]]
    if len(findings) > MAX_LISTED:
        lines.append(f"  ……另有 {len(findings) - MAX_LISTED} 个错误未列出")
    return lines


def draft_for(path: Path, framework: str | None = None, *, allow_errors: bool = False) -> Draft:
    """The draft of the report for a workbook or data file; raises RefusedWorkbook or InputError."""
    from xlperf.compiled import compile_once
    from xlperf.write.report_docx import draft_report, values_from_data

    if path.suffix.lower() in DATA_SUFFIXES:
        from xlperf.api import load_input
        from xlperf.compiled import check_judgements
        from xlperf.resolve import resolve_framework

        data = load_input(path, framework)
        fw = resolve_framework(framework, data.framework).fw
        unknown = sorted(set(data.self_scores) - {i.id for i in fw.leaves()})
        problems = [f"自评得分中有框架 {fw.id} 不存在的指标编号：{', '.join(unknown)}"] if unknown else []
        problems += check_judgements(fw, data.judgements)
        if problems:  # as `xlperf score` refuses them
            raise InputError("\n".join(f"{path}：{p}" for p in problems))
        values, result = values_from_data(fw, data)
        errors: list[Finding] = []
        scores: ScoreResult | None = result
    else:
        fw, values, scores, errors = _read_workbook(path, framework, allow_errors)
    body = draft_report(compile_once(fw), values, scores)
    return Draft(docx=body, framework=fw.id, errors=errors)


def _read_workbook(path: Path, framework: str | None, allow_errors: bool,
                   ) -> tuple[Framework, dict[str, object], ScoreResult | None, list[Finding]]:
    from xlperf.validate import validate_with_context

    report, ctx = validate_with_context(path, framework)
    errors = [f for f in report.findings if f.severity == Severity.error]
    if ctx is None or report.status == "error":
        raise RefusedWorkbook(f"无法读取“{path.name}”，未生成报告：\n" + "\n".join(describe(errors or report.findings)),
                              errors or report.findings, unreadable=True)
    if errors and not allow_errors:
        raise RefusedWorkbook(
            f"“{path.name}”有 {len(errors)} 个错误，未生成报告（改正后重试；如需先起草，请加 --allow-errors）：\n"
            + "\n".join(describe(errors)), errors, unreadable=False)
    values, scores = workbook_values(ctx)
    return ctx.read.framework, values, scores, errors


def workbook_values(ctx: CheckContext) -> tuple[dict[str, object], ScoreResult | None]:
    """Every workbook name's value of a validated workbook, and its scores (what a draft is made from; the
    report checker's round-trip tests draft from the same values)."""
    from xlperf.write.report_docx import values_from_data

    if ctx.read.data is not None:
        return values_from_data(ctx.read.framework, ctx.read.data, ctx.result)
    return {**ctx.values, **ctx.env}, None  # some values could not be typed: the draft marks what is missing
