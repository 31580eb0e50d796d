"""The validation runner: one file → a FileReport; many files → a Report, in parallel processes.

The runner owns the policy (select/ignore, crash capture, ordering); checks only yield findings.
Submitted files are opened read-only and never written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.checks.file import FileNotFound
from xlperf.checks.internal import CheckError
from xlperf.checks.registry import CHECKS, finding_of
from xlperf.checks.structure import FrameworkMismatch
from xlperf.compiled import CompiledFramework, compile_once
from xlperf.errors import InputError
from xlperf.expr import ExprError
from xlperf.findings import FileReport, FileSummary, Finding, Report, ReportTextSummary, Severity
from xlperf.framework.models import Framework
from xlperf.ingest.notes import Noted
from xlperf.plan.layout import RESULT_SHEET
from xlperf.reporttext.pairing import ReportRequest
from xlperf.resolve import Choice, choose

if TYPE_CHECKING:
    from xlperf.ingest.reader import WorkbookRead

__all__ = ["SPREADSHEET_SUFFIXES", "Outcome", "ReportRequest", "collect_paths", "iter_validate", "select_checks",
           "validate_file", "validate_paths", "validate_with_context", "worker_count"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".et"}


def _match_len(selector: str, check: type[Check]) -> int:
    if selector in (check.name, check.family):
        return 5
    if check.code.startswith(selector.upper()):
        return len(selector)
    return -1


def select_checks(select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> list[type[Check]]:
    """Longest matching selector wins (flake8's decision engine): --ignore XP3 --select XP303 keeps XP303."""
    return list(_selected(tuple(select) if select is not None else None, tuple(ignore or ())))


@lru_cache(maxsize=64)
def _selected(select: tuple[str, ...] | None, ignore: tuple[str, ...]) -> tuple[type[Check], ...]:
    """select_checks, once per distinct selection (a batch asks for every file; selectors come from the
    command line, never from a submission)."""
    chosen = []
    for check in CHECKS:
        best_sel = max((_match_len(s, check) for s in select), default=-1) if select else 0
        best_ign = max((_match_len(s, check) for s in ignore or ()), default=-1)
        if best_sel >= 0 and best_sel >= best_ign:
            chosen.append(check)
        elif best_sel < 0 and not select:
            chosen.append(check)
    return tuple(chosen)


def _sort_key(f: Finding, sheet_order: dict[str, int]) -> tuple[int, int, int, str, str]:
    row = int("".join(ch for ch in (f.cell or "") if "0" <= ch <= "9")[:9] or 0)
    return (-f.severity.rank, sheet_order.get(f.sheet or "", -1), row, f.cell or "", f.code)


def _status(findings: list[Finding]) -> str:
    if any(f.code == CheckError.code for f in findings):
        return "error"  # the validator failed on this file: never "invalid" (exit 1 means errors found)
    if any(f.severity == Severity.error for f in findings):
        return "invalid"
    if any(f.severity == Severity.warning for f in findings):
        return "warnings"
    return "ok"


def _internal(what: str, exc: BaseException) -> Finding:
    """XP000 for a failure of the validator itself on this file (a bug, or a resource limit of the machine)."""
    detail = f"{type(exc).__name__}: {exc}"
    if len(detail) > 300:
        detail = detail[:300] + "…"
    return Finding(code=CheckError.code, name=CheckError.name, severity=CheckError.severity,
                   message=CheckError.template.format(check=what, error=detail))


def validate_file(path: str | Path, framework: Framework | str | Choice | None = None, *,
                  select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> FileReport:
    """Validate one submitted workbook. Never raises (but for KeyboardInterrupt): whatever happens while
    reading, scoring or checking becomes a finding on this file's report."""
    return validate_with_context(path, framework, select=select, ignore=ignore)[0]


def validate_with_context(path: str | Path, framework: Framework | str | Choice | None = None, *,
                          select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                          report_text: ReportSource = None) -> tuple[FileReport, CheckContext | None]:
    """validate_file, plus the checks' context (the values read, recomputed figures and scores) when the
    file could be read, so a consolidation reads each file once. ``report_text``: the 绩效自评报告 submitted
    with it (XP5xx checks), or a :class:`ReportRequest` (reports to pair by 单位编码, untied figures listed)."""
    start = time.perf_counter()
    try:
        return _validate_file(Path(path), framework, select, ignore, start, _request(report_text))
    except Exception as exc:  # noqa: BLE001 - the last boundary: a batch never dies on one file
        return FileReport(path=str(path), status="error", findings=[_internal("校验程序", exc)],
                          seconds=time.perf_counter() - start), None


_FILE_CODES = frozenset(c.code for c in CHECKS if c.family == "file")
"""The file's own findings (format, size, macros): reported even when the framework does not match."""


def _validate_file(path: Path, framework: Framework | str | Choice | None, select: Sequence[str] | None,
                   ignore: Sequence[str] | None, start: float,
                   request: ReportRequest | None = None) -> tuple[FileReport, CheckContext | None]:
    checks = select_checks(select, ignore)
    codes = {c.code for c in checks}
    read = _read(path, framework, codes, start)
    if isinstance(read, FileReport):
        return read, None
    noted = [finding_of(n) for n in read.notes]
    if any(n.kind is Noted.FRAMEWORK_MISMATCH for n in read.notes):
        # every other check would compare against the wrong framework: report only this and the file's own
        kept = _FILE_CODES | {FrameworkMismatch.code}
        findings = [f for f in noted if f.code in kept and f.code in codes]
        return FileReport(path=str(path), status="invalid", findings=findings, framework=read.framework.id,
                          framework_version=_recorded_version(read), seconds=time.perf_counter() - start,
                          **_shown_with(read, findings)), None
    ctx = CheckContext(read, reader_findings=noted)
    findings = []
    findings.extend(_prepare(ctx))
    summary = _check_report(ctx, request, findings)
    findings = _finished(ctx, _run_checks(ctx, checks, findings))
    return _file_report(path, read, ctx, findings, summary, start), ctx


def _read(path: Path, framework: Framework | str | Choice | None, codes: set[str],
          start: float) -> WorkbookRead | FileReport:
    """The workbook read, or the report of a file that could not be (never raises)."""
    from xlperf.ingest.reader import UnreadableWorkbook, read_workbook

    try:
        return read_workbook(path, framework)
    except UnreadableWorkbook as exc:
        noted = [finding_of(n) for n in exc.notes]
        findings = [f for f in noted if f.code in codes] or noted
        return FileReport(path=str(path), status="error", findings=findings, seconds=time.perf_counter() - start)
    except InputError as exc:
        return FileReport(path=str(path), status="error", seconds=time.perf_counter() - start, findings=[
            FrameworkMismatch.make(str(exc))])
    except FileNotFoundError:
        return FileReport(path=str(path), status="error", seconds=time.perf_counter() - start, findings=[
            FileNotFound.make(f"找不到文件“{path}”")])
    except (RecursionError, MemoryError, Exception) as exc:  # noqa: BLE001 - a reader bug: this file only
        return FileReport(path=str(path), status="error", seconds=time.perf_counter() - start,
                          findings=[_internal("读取工作簿", exc)])


def _run_checks(ctx: CheckContext, checks: Sequence[type[Check]], findings: list[Finding]) -> list[Finding]:
    for check_cls in checks:
        check = check_cls()
        try:
            findings.extend(check.run(ctx))
        except Exception as exc:  # noqa: BLE001 - a bug in one check must not hide the others
            findings.append(CheckError().finding(ctx, check=check_cls.code, error=f"{type(exc).__name__}: {exc}"))
    return findings


def _finished(ctx: CheckContext, findings: list[Finding]) -> list[Finding]:
    """Sorted by sheet and cell, consequences folded into their cause, explanations attached, texts bounded."""
    read = ctx.read
    try:
        order = {name: i for i, name in enumerate(read.book.sheets)}
        findings.sort(key=lambda f: _sort_key(f, order))
    except Exception:  # noqa: BLE001 - an odd cell reference must not cost the report
        pass
    try:
        from xlperf.cascade import fold_consequences

        findings = fold_consequences(ctx, findings)
    except Exception as exc:  # noqa: BLE001 - unfolded findings are still true
        findings.append(_internal("合并连带问题", exc))
    return [_bounded(f) for f in _explained(read.book.sheets.get(RESULT_SHEET), findings)]


def _file_report(path: Path, read: WorkbookRead, ctx: CheckContext, findings: list[Finding], summary: Any,
                 start: float) -> FileReport:
    result = ctx.result if read.data is not None else None
    form = read.framework.form
    dept, year, code = form.role("department"), form.role("year"), form.role("unit_code")
    return FileReport(
        path=str(path), status=_status(findings), findings=findings, framework=read.framework.id,
        department=_text(read.values.get(dept)) if dept else None,
        unit_code=_code(read.values.get(code)) if code else None, framework_version=_recorded_version(read),
        year=read.values.get(year) if year and read.data is not None else None,
        total_computed=result.total.computed if result else None,
        total_self=result.total.self if result else None, report_text=summary,
        seconds=time.perf_counter() - start, **_shown_with(read, findings))


def _cell_kinds(comp: CompiledFramework) -> dict[tuple[str, str], str]:
    cat = comp.catalog
    return {(cp.sheet, cp.cell): cat[name].kind for name, cp in comp.plan().cells.items() if name in cat}


def _shown_with(read: WorkbookRead, findings: list[Finding]) -> dict[str, dict[str, str]]:
    """What a renderer needs of the framework to show these findings: indicator names, the kinds of their cells."""
    kinds = compile_once(read.framework).derived("cell-kinds", _cell_kinds)
    # in the findings' order (a set's order follows PYTHONHASHSEED: the same file gave differently ordered JSON)
    at = dict.fromkeys((f.sheet, f.cell) for f in findings if f.sheet and f.cell)
    return {"indicators": {ind.id: ind.name for ind in read.framework.walk()},
            "cell_kinds": {f"{sheet}!{cell}": kinds[sheet, cell] for sheet, cell in at if (sheet, cell) in kinds}}



ReportSource = str | Path | ReportRequest | None
MAX_UNTIED_LISTED = 1000


def _request(source: ReportSource) -> ReportRequest | None:
    if source is None or isinstance(source, ReportRequest):
        return source
    return ReportRequest(str(source))


def _check_report(ctx: CheckContext, request: ReportRequest | None, findings: list[Finding]) -> ReportTextSummary | None:
    """Analyse the report beside the workbook (the XP5xx checks read ``ctx.report``); a failure is XP000."""
    if request is None:
        return None
    from xlperf.checks.reportbind import check_report
    from xlperf.reporttext.pairing import pair_by_code

    path = request.path
    if path is None:
        form = ctx.read.framework.form
        code_name = form.role("unit_code")
        code = _code(ctx.read.values.get(code_name)) if code_name else None
        found = pair_by_code(code, [Path(c) for c in request.candidates])
        path = str(found) if found else None
    if path is None:
        return ReportTextSummary(status="missing")
    try:
        ctx.report = check_report(Path(path), ctx)
    except Exception as exc:  # noqa: BLE001 - a bug on one report must not cost the workbook's findings
        findings.append(_internal("核对自评报告", exc))
        return ReportTextSummary(path=path, status="unreadable")
    analysis = ctx.report
    unreadable = any(n.kind == "unreadable" for n in analysis.notes) and analysis.figures == 0
    listed = [f"{f.where.describe()}：{f.text}（{f.where.sentence}）" for f in analysis.untied[:MAX_UNTIED_LISTED]]
    return ReportTextSummary(path=path, status="unreadable" if unreadable else "checked", figures=analysis.figures,
                             tied=analysis.tied, untied=len(analysis.untied),
                             untied_list=listed if request.show_untied else [])


def _recorded_version(read: WorkbookRead) -> str:
    """The framework version the workbook says it was made for (the framework's own when it says none)."""
    from xlperf.ingest.reader import _const

    recorded = _const(read.book, "fw_version")
    return str(recorded)[:32] if recorded else read.framework.version


MAX_MESSAGE = 2000
"""Characters of a finding's message kept (a submitter's text can be long; the report must stay small)."""
MAX_VALUE = 256
"""Characters of a finding's found/expected value kept when it is text."""


def _bounded(f: Finding) -> Finding:
    update: dict[str, object] = {}
    if len(f.message) > MAX_MESSAGE:
        update["message"] = f.message[:MAX_MESSAGE] + "…"
    for key in ("found", "expected"):
        value = getattr(f, key)
        if isinstance(value, str) and len(value) > MAX_VALUE:
            update[key] = value[:MAX_VALUE] + "…"
    return f.model_copy(update=update) if update else f


def _prepare(ctx: CheckContext) -> list[Finding]:
    """Score and recompute once, before the checks: a failure here (e.g. a framework expression dividing by
    an input that is 0) is one finding naming the measure, and the checks then see no result."""
    out: list[Finding] = []
    for attr in ("result", "env"):
        try:
            getattr(ctx, attr)
        except ExprError as exc:
            ctx.__dict__[attr] = None if attr == "result" else {}
            if attr == "result":
                out.append(_expr_finding(ctx, exc))
        except Exception as exc:  # noqa: BLE001
            ctx.__dict__[attr] = None if attr == "result" else {}
            out.append(_internal("评分" if attr == "result" else "重新计算", exc))
    return out


def _expr_finding(ctx: CheckContext, exc: ExprError) -> Finding:
    """XP000 naming the measure whose expression failed on this file's data (today's engine interface:
    build_env drops a failing measure, a rule using it then fails; re-evaluate each dropped measure)."""
    culprit = ""
    try:
        from xlperf.compiled import build_env
        from xlperf.engine.rules import compile_framework
        from xlperf.engine.scoring import data_env

        fw, data = ctx.read.framework, ctx.read.data
        if data is not None:
            env, _ = build_env(fw, data_env(data), dict(data.judgements))
            for m in compile_framework(fw).measures:
                if m.id in env:
                    continue
                try:
                    m.value(env)
                except ExprError as inner:
                    culprit = f"比率 {m.id}（{m.name}）无法计算：{inner}"
                    break
    except Exception:  # noqa: BLE001 - the diagnosis is best effort; the finding is made anyway
        culprit = ""
    return Finding(code=CheckError.code, name=CheckError.name, severity=CheckError.severity,
                   message=CheckError.template.format(check="评分", error=(culprit or str(exc))[:300]))


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
    from xlperf.ingest.explanations import attach, explanations_from_cells
    from xlperf.write.annotate import FIRST_ROW

    explanations = explanations_from_cells(cells, FIRST_ROW + 1)
    return attach(findings, explanations) if explanations else findings


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders expanded (recursively) to the spreadsheets inside, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            # not only regular files: a pipe or a dangling link named *.xlsx gets its own report (XP111)
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SPREADSHEET_SUFFIXES
                              and not f.name.startswith("~$") and (f.is_symlink() or not f.is_dir())))
        else:
            out.append(p)
    return out


Renderer = Callable[[FileReport], str]
"""A file's output from its report (a module-level function, so that it pickles by name to the workers)."""
Extractor = Callable[[FileReport, CheckContext | None], Any]
"""What a caller needs of a file beyond its report, taken in the worker from the same read (the context is None
when the file could not be read); e.g. the consolidation's money inputs and scores. Picklable by name."""


class Job(NamedTuple):
    """One file of a batch, as sent to a worker process (small and picklable: the framework goes once per
    worker through the pool's initializer, and a job names it by its key)."""

    path: str
    framework: str | None  # the run's Choice by key (``chosen``), or the reviewer's text as given
    chosen: bool
    select: tuple[str, ...] | None
    ignore: tuple[str, ...] | None
    request: ReportRequest | None
    render: Renderer | None = None  # the file's output made in the worker (the parent only writes it)
    extract: Extractor | None = None  # what else the caller takes from the file's read (Outcome.extra)


class Outcome(NamedTuple):
    """What a batch yields per file, in the order given: the full report (only when the caller keeps reports),
    its small summary, its output rendered in the worker, and what the job's extractor took from the read."""

    report: FileReport | None
    summary: FileSummary
    text: str | None = None
    extra: Any = None


_CHOICES: dict[str, Choice] = {}
"""The run's framework choice in this process, by key (set once per worker by the pool's initializer)."""


def _init_worker(choice: Choice | None) -> None:
    _CHOICES.clear()  # one run's choice at a time: a worker never accumulates frameworks
    if choice is not None:
        _CHOICES[choice.key] = choice


def _framework_of(job: Job) -> Choice | str | None:
    return _CHOICES[job.framework] if job.chosen and job.framework is not None else job.framework


def _run(job: Job, keep: bool = True) -> Outcome:
    rep, ctx = validate_with_context(job.path, _framework_of(job), select=job.select, ignore=job.ignore,
                                     report_text=job.request)
    return Outcome(rep if keep else None, FileSummary.of(rep), job.render(rep) if job.render is not None else None,
                   _extracted(job, rep, ctx))


def _extracted(job: Job, rep: FileReport, ctx: CheckContext | None) -> Any:
    return job.extract(rep, ctx) if job.extract is not None else None


def _run_summary(job: Job) -> Outcome:
    return _run(job, keep=False)


def iter_validate(paths: Sequence[Path], framework: str | Choice | None = None, *, workers: int = 1,
                  select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                  report_texts: dict[str, ReportRequest] | None = None, render: Renderer | None = None,
                  keep: bool = True, extract: Extractor | None = None) -> Iterator[Outcome]:
    """Validate many files, yielding each file's :class:`Outcome` in the order given as soon as it is ready.

    The reviewer's framework is resolved once here (:func:`xlperf.resolve.choose`) and given to each worker
    once; ``extract``: what else to take from each file's read, in the worker (:data:`Extractor`, yielded as
    ``Outcome.extra``); with ``keep=False`` a worker returns only the file's summary and rendered output, and at most a
    few files per worker are in flight, so the parent's memory does not grow with the batch (beyond the
    caller's own per-file summaries). With workers > 1 files are read in separate processes (a crash stays
    in its file)."""
    choice: Choice | None = None
    try:
        choice = choose(framework)
    except InputError:
        choice = None  # each file reports why the framework cannot be read (XP122), as a single file does
    name = choice.key if choice is not None else (str(framework) if framework is not None else None)
    jobs = (Job(str(p), name, choice is not None, tuple(select) if select else None, tuple(ignore) if ignore else None,
                (report_texts or {}).get(str(p)), render, extract) for p in paths)
    run = _run if keep else _run_summary
    if workers <= 1 or len(paths) <= 1:
        _init_worker(choice)
        try:
            yield from map(run, jobs)
        finally:
            _CHOICES.clear()
        return
    yield from _pooled(jobs, worker_count(workers, len(paths)), choice, run)


CHUNK = 4
"""Files sent to a worker in one task: each task costs the parent a future, two pickled messages and a wake-up
of the pool's threads (about as much as a small file's whole validation); four files per task cut that by four
and still keep both workers busy to the batch's end."""


def _run_chunk(run: Callable[[Job], Outcome], jobs: list[Job]) -> list[Outcome]:
    return [run(job) for job in jobs]


def _chunks(jobs: Iterator[Job], size: int) -> Iterator[list[Job]]:
    """``itertools.batched`` (3.12+) as lists, for 3.11."""
    return iter(lambda: list(islice(jobs, size)), [])


def _pooled(jobs: Iterator[Job], workers: int, choice: Choice | None,
            run: Callable[[Job], Outcome]) -> Iterator[Outcome]:
    """``run`` over ``jobs`` in ``workers`` processes, in order, :data:`CHUNK` files per task, with a bounded
    number of files in flight. A failing task (its worker killed, out of memory) has each of its files run again
    alone; a broken pool is replaced."""
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor  # only for parallel runs: ~6 ms of imports

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(choice,))

    window = 2 * workers  # tasks in flight: 8 files per worker
    pool = new_pool()
    pending: deque[tuple[list[Job], Future[list[Outcome]]]] = deque()
    try:
        for chunk in _chunks(jobs, CHUNK):
            pending.append((chunk, pool.submit(_run_chunk, run, chunk)))
            if len(pending) >= window:
                outcomes, pool = _next(pending, pool, new_pool, run, choice)
                yield from outcomes
        while pending:
            outcomes, pool = _next(pending, pool, new_pool, run, choice)
            yield from outcomes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _next(pending: Any, pool: Any, new_pool: Callable[[], Any], run: Callable[[Job], Outcome],
          choice: Choice | None) -> tuple[list[Outcome], Any]:
    chunk, future = pending.popleft()
    try:
        return future.result(), pool
    except Exception:  # noqa: BLE001 - a worker died (killed, out of memory): each file again alone
        outcomes = [_isolated(job, run, choice) for job in chunk]
    pool.shutdown(wait=False, cancel_futures=True)  # the pool may be broken: the files in flight start again
    pool = new_pool()
    for i, (other, fut) in enumerate(list(pending)):
        if not (fut.done() and not fut.cancelled() and fut.exception() is None):
            pending[i] = (other, pool.submit(_run_chunk, run, other))
    return outcomes, pool


def validate_paths(paths: Sequence[Path], framework: str | Choice | None = None, *, workers: int = 1,
                   select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                   progress: Callable[[FileReport], None] | None = None,
                   report_texts: dict[str, ReportRequest] | None = None) -> Report:
    """Validate many files; with workers > 1 in separate processes (a crash stays in its file). ``report_texts``:
    for each workbook path, the 绩效自评报告 to check beside it. Keeps every file's report: for batches of
    any size use :func:`iter_validate` with ``keep=False``."""
    reports: list[FileReport] = []
    for outcome in iter_validate(paths, framework, workers=workers, select=select, ignore=ignore,
                                 report_texts=report_texts):
        assert outcome.report is not None
        reports.append(outcome.report)
        if progress:
            progress(outcome.report)
    return Report(files=reports)


def worker_count(asked: int, jobs: int) -> int:
    """Processes actually started: never more than the files, nor than a few per CPU (``-j 100000`` would
    fork 100,000 processes at once), nor than the 61 Windows allows."""
    import os

    return max(1, min(asked, jobs, 4 * (os.cpu_count() or 1), 61))


def _isolated(job: Job, run: Callable[[Job], Outcome], choice: Choice | None) -> Outcome:
    """One file in a fresh worker process; if that dies too, the file's report says so (XP000)."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(choice,)) as pool:
            return pool.submit(run, job).result()
    except Exception as exc:  # noqa: BLE001
        rep = FileReport(path=job.path, status="error", findings=[_internal("校验进程", exc)])
        return Outcome(rep if run is _run else None, FileSummary.of(rep),
                       job.render(rep) if job.render is not None else None, _extracted(job, rep, None))
