"""The validation runner: one file → a FileReport; many files → a Report, in parallel processes.

The runner owns the policy (select/ignore, crash capture, ordering); checks only yield findings.
Submitted files are opened read-only and never written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .checks.base import Check
from .checks.context import CheckContext
from .checks.internal import CheckError
from .checks.registry import CHECKS
from .errors import InputError
from .findings import FileReport, Finding, Report, Severity
from .framework.models import Framework
from .workbook.layout import RESULT_SHEET

if TYPE_CHECKING:
    from .workbook.reader import WorkbookRead

__all__ = ["SPREADSHEET_SUFFIXES", "collect_paths", "select_checks", "validate_file", "validate_paths",
           "validate_with_context"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".et"}


def _match_len(selector: str, check: type[Check]) -> int:
    if selector in (check.name, check.family):
        return 5
    if check.code.startswith(selector.upper()):
        return len(selector)
    return -1


def select_checks(select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> list[type[Check]]:
    """Longest matching selector wins (flake8's decision engine): --ignore XP3 --select XP303 keeps XP303."""
    chosen = []
    for check in CHECKS:
        best_sel = max((_match_len(s, check) for s in select), default=-1) if select else 0
        best_ign = max((_match_len(s, check) for s in ignore or ()), default=-1)
        if best_sel >= 0 and best_sel >= best_ign:
            chosen.append(check)
        elif best_sel < 0 and not select:
            chosen.append(check)
    return chosen


def _sort_key(f: Finding, sheet_order: dict[str, int]) -> tuple[int, int, int, str, str]:
    row = int("".join(ch for ch in (f.cell or "") if ch.isdigit()) or 0)
    return (-f.severity.rank, sheet_order.get(f.sheet or "", -1), row, f.cell or "", f.code)


def _status(findings: list[Finding]) -> str:
    if any(f.severity == Severity.error for f in findings):
        return "invalid"
    if any(f.severity == Severity.warning for f in findings):
        return "warnings"
    return "ok"


def validate_file(path: str | Path, framework: Framework | str | None = None, *,
                  select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> FileReport:
    """Validate one submitted workbook. Never raises for bad content: an unreadable file is a report."""
    return validate_with_context(path, framework, select=select, ignore=ignore)[0]


def validate_with_context(path: str | Path, framework: Framework | str | None = None, *,
                          select: Sequence[str] | None = None,
                          ignore: Sequence[str] | None = None) -> tuple[FileReport, CheckContext | None]:
    """validate_file, plus the checks' context (the values read, recomputed figures and scores) when the
    file could be read, so a consolidation reads each file once."""
    from .workbook.reader import UnreadableWorkbook, read_workbook

    start = time.perf_counter()
    path = Path(path)
    checks = select_checks(select, ignore)
    codes = {c.code for c in checks}
    try:
        read = read_workbook(path, framework)
    except UnreadableWorkbook as exc:
        findings = [f for f in exc.findings if f.code in codes] or exc.findings
        return FileReport(path=str(path), status="error", findings=findings, seconds=time.perf_counter() - start), None
    except InputError as exc:
        return FileReport(path=str(path), status="error", seconds=time.perf_counter() - start, findings=[
            Finding(code="XP122", name="framework-mismatch", severity=Severity.error, message=str(exc))]), None
    except FileNotFoundError:
        return FileReport(path=str(path), status="error", seconds=time.perf_counter() - start, findings=[
            Finding(code="XP101", name="empty-file", severity=Severity.error, message=f"找不到文件“{path}”")]), None
    mismatch = [f for f in read.findings if f.code == "XP122" and f.severity == Severity.error]
    if mismatch:  # every other check would compare against the wrong framework: report only this
        findings = [f for f in read.findings if (f.code.startswith("XP10") or f.code == "XP122") and f.code in codes]
        return FileReport(path=str(path), status="invalid", findings=findings, framework=read.framework.id,
                          framework_version=_recorded_version(read), seconds=time.perf_counter() - start), None
    ctx = CheckContext(read, reader_findings=list(read.findings))
    findings: list[Finding] = []
    registered = {c.code for c in CHECKS}
    findings.extend(f for f in read.findings if f.code not in registered)  # never drop what the reader saw
    for check_cls in checks:
        check = check_cls()
        try:
            findings.extend(check.run(ctx))
        except Exception as exc:  # a bug in one check must not hide the others
            findings.append(CheckError().finding(ctx, check=check_cls.code, error=f"{type(exc).__name__}: {exc}"))
    order = {name: i for i, name in enumerate(read.book.sheets)}
    findings.sort(key=lambda f: _sort_key(f, order))
    findings = _explained(read.book.sheets.get(RESULT_SHEET), findings)
    result = ctx.result if read.data is not None else None
    form = read.framework.form
    dept, year, code = form.role("department"), form.role("year"), form.role("unit_code")
    return FileReport(
        path=str(path), status=_status(findings), findings=findings, framework=read.framework.id,
        department=_text(read.values.get(dept)) if dept else None,
        unit_code=_code(read.values.get(code)) if code else None, framework_version=_recorded_version(read),
        year=read.values.get(year) if year and read.data is not None else None,
        total_computed=result.total.computed if result else None,
        total_self=result.total.self if result else None,
        seconds=time.perf_counter() - start), ctx


def _recorded_version(read: WorkbookRead) -> str:
    """The framework version the workbook says it was made for (the framework's own when it says none)."""
    from .workbook.reader import _const

    recorded = _const(read.book, "fw_version")
    return str(recorded)[:32] if recorded else read.framework.version


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _code(value: object) -> str | None:
    """A unit code as text: a code typed as a number (00123 read as 123.0) keeps its digits."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[:64] or None


def _explained(cells: dict | None, findings: list[Finding]) -> list[Finding]:
    """The findings with the 出错说明 written for them in the submitted workbook's 校验结果 sheet."""
    if not cells:
        return findings
    from .excel.annotate import FIRST_ROW
    from .review.explanations import attach, explanations_from_cells

    explanations = explanations_from_cells(cells, FIRST_ROW + 1)
    return attach(findings, explanations) if explanations else findings


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders expanded (recursively) to the spreadsheets inside, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SPREADSHEET_SUFFIXES
                              and not f.name.startswith("~$")))
        else:
            out.append(p)
    return out


def _job(args: tuple[str, str | None, tuple[str, ...] | None, tuple[str, ...] | None]) -> FileReport:
    path, framework, select, ignore = args
    return validate_file(path, framework, select=select, ignore=ignore)


def validate_paths(paths: Sequence[Path], framework: str | None = None, *, workers: int = 1,
                   select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                   progress: Callable[[FileReport], None] | None = None) -> Report:
    """Validate many files; with workers > 1 in separate processes (a crash stays in its file)."""
    jobs = [(str(p), framework, tuple(select) if select else None, tuple(ignore) if ignore else None) for p in paths]
    reports: list[FileReport] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            rep = _job(job)
            reports.append(rep)
            if progress:
                progress(rep)
    else:
        from concurrent.futures import ProcessPoolExecutor  # only for parallel runs: ~6 ms of imports

        with ProcessPoolExecutor(max_workers=workers) as pool:
            for rep in pool.map(_job, jobs, chunksize=max(1, min(32, len(jobs) // (workers * 8) or 1))):
                reports.append(rep)
                if progress:
                    progress(rep)
    return Report(files=reports)
