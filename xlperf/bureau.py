"""The bureau's round, end to end: read a folder of submissions, consolidate, remember the round, write
汇总 and the notices. The ``consolidate`` command is a thin wrapper around :func:`run_round`.

Outputs are said on ``echo`` (stdout) and problems on ``warn`` (stderr); the return value is the exit code:
0 every unit accepted, 1 some units sent back, 2 an output could not be written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlperf.errors import XlperfError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from xlperf.resolve import Choice
    from xlperf.review.consolidate import Consolidation, Intake
    from xlperf.review.history import History
    from xlperf.review.spool import SpooledUnit

__all__ = ["RoundOptions", "parse_deadline", "run_round"]

_DATE_FORMS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
               re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"))


def parse_deadline(text: str, today: dt.date | None = None) -> dt.date:
    """A deadline the notice can print: a real calendar date (2026-12-20, 2026/12/20, 2026年12月20日),
    not before today. "明天", "下周五" or 2026-02-30 are refused: a notice must carry a date."""
    import unicodedata

    value = unicodedata.normalize("NFKC", text).strip()
    for form in _DATE_FORMS:
        m = form.match(value)
        if m:
            try:
                date = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise XlperfError(f"--deadline “{text}”不是有效日期") from None
            if date < (today or dt.date.today()):
                raise XlperfError(f"--deadline {date.isoformat()} 已经过去，请给出今天以后的日期")
            return date
    raise XlperfError(f"--deadline 应为日期，如 {(today or dt.date.today()).isoformat()} 或 2026年12月20日"
                      f"（“{text[:40]}”不是日期）")


@dataclass(frozen=True)
class RoundOptions:
    paths: tuple[Path, ...]
    output: Path
    framework: str | None = None
    expected: Path | None = None
    returns: Path | None = None
    deadline: str | None = None
    workers: int = 1
    force: bool = False
    quiet: bool = False
    include_unaccepted: bool = False
    history: Path | None = None  # default: beside the 汇总 (see xlperf.review.history.history_path)
    no_history: bool = False
    office: str | None = None  # 退回修改通知: the issuing office and the contact (xlperf.write.notice_docx)
    contact: str | None = None


def run_round(opts: RoundOptions, echo: Callable[[str], None], warn: Callable[[str], None]) -> int:
    """One consolidation round (see the module docstring)."""
    from xlperf.review.batch import read_expected
    from xlperf.review.consolidate import ALL_REVIEWS, DEFAULT_INCLUDE
    from xlperf.review.consolidate import consolidate as build
    from xlperf.review.intake import collect_submissions, skipped_lines
    from xlperf.safe_io import check_outputs, shown_path

    deadline = parse_deadline(opts.deadline) if opts.deadline else None
    files, skipped = collect_submissions(opts.paths)
    if not files:
        raise XlperfError("没有找到要汇总的工作簿（.xlsx）")
    check_outputs(files, {"汇总文件": opts.output}, force=opts.force)
    if not opts.no_history:
        _check_history(files, opts)
    if opts.returns is not None and opts.returns.exists() and not opts.returns.is_dir():
        raise XlperfError(f"--returns 应为文件夹，“{shown_path(opts.returns)}”是文件")
    units_expected = read_expected(opts.expected) if opts.expected is not None else None
    for line in skipped_lines(skipped):
        echo(line)
    chosen = _choice(opts.framework)
    intake = _read_units(files, opts, chosen)
    with intake.spool:  # the round's units on disk until every output is written
        include = ALL_REVIEWS if opts.include_unaccepted else DEFAULT_INCLUDE
        cons = build(intake, chosen, units_expected, include=include, skipped=skipped)
        history = None if opts.no_history else _remember(cons, opts)
        try:
            return _outputs(cons, opts, files, deadline, history, echo, warn)
        finally:
            if history is not None:
                history.db.close()


def _outputs(cons: Consolidation, opts: RoundOptions, files: list[Path], deadline: dt.date | None,
             history: History | None, echo: Callable[[str], None], warn: Callable[[str], None]) -> int:
    """The 汇总, the round recorded, the notices; the exit code."""
    from xlperf.render.consolidation import write_consolidation

    problems: list[str] = []
    try:
        write_consolidation(cons, opts.output, protect=tuple(files))
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        problems.append(output_problem(exc, "汇总文件", opts.output))
    _say_round(cons, opts, history, written=not problems, echo=echo)
    if opts.returns is not None:
        problems += _returns(cons, opts, files, deadline, echo)
    for problem in problems:
        warn(f"错误：{problem}")
    if problems:
        return 2
    return 1 if cons.needs_revision else 0


def _say_round(cons: Consolidation, opts: RoundOptions, history: History | None, *, written: bool,
               echo: Callable[[str], None]) -> None:
    """The round's counts, what the 汇总 includes, the batch's problems, where it was written; then the round
    recorded in the history (with what changed since the last round)."""
    from collections import Counter

    from xlperf.render.consolidation import included_text
    from xlperf.safe_io import shown_path

    counts = Counter(u.review_zh for u in cons.units)
    echo(f"共 {len(cons.units)} 个文件：" + "，".join(f"{k} {v} 个" for k, v in sorted(counts.items())))
    echo(included_text(cons))
    for issue in cons.issues:
        echo(f"批次检查（{issue.kind_zh}）：{issue.message}")
    if written:
        echo(f"汇总已写入 {shown_path(opts.output)}")
    if history is not None:
        _say_changes(*_recorded(cons, opts, history), echo)
        echo(f"审核历史（第 {cons.round_no} 轮）已记录在 {shown_path(history.path)}")


CHANGES_SHOWN = 30
"""Units whose change since the last round the terminal lists one per line; the rest are counted (the 汇总's
与上轮比较 has them all: a province's round would print tens of thousands of lines)."""


def _recorded(cons: Consolidation, opts: RoundOptions, history: History) -> tuple[list[tuple[str, str]], int]:
    """Record the round in the history, unit by unit from the spool; returns the first :data:`CHANGES_SHOWN`
    units seen in an earlier round with what changed, in one line each (its label and the change's summary:
    what the terminal shows), and how many units changed in all."""
    from xlperf.review.batch import unit_label

    changed: list[tuple[str, str]] = []
    count = 0

    def units() -> Iterator[SpooledUnit]:
        nonlocal count
        for unit in cons.spooled():
            change = cons.change(unit)
            if change is not None:
                count += 1
                if len(changed) < CHANGES_SHOWN:
                    changed.append((unit_label(unit.summary), change.summary))
            yield unit

    history.record(cons.round_no or 1, opts.output, units(), cons.counted)
    return changed, count


DOCUMENT_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".et", ".ods", ".docx", ".docm", ".doc", ".wps",
                     ".pdf", ".csv", ".yaml", ".yml", ".json")
"""What a history file is never called: SQLite writes into the file it opens (an empty one becomes a
database), so a history that names a submission, a report or a data file would modify it."""


def _check_history(files: list[Path], opts: RoundOptions) -> None:
    """Refuse a history file that is a submission, the 汇总, or named like a document."""
    from xlperf.review.history import history_path
    from xlperf.safe_io import same_file, shown_path

    path = opts.history or history_path(opts.output)
    for other in [*files, opts.output]:
        if same_file(path, other):
            raise XlperfError(f"审核历史“{shown_path(path)}”就是文件“{shown_path(other)}”（或其链接）："
                              "提交的文件永远不会被修改，请用 --history 另选文件（如 审核历史.sqlite）")
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        raise XlperfError(f"审核历史“{shown_path(path)}”的扩展名是 {path.suffix}，像是工作簿、报告或数据文件："
                          "请用 --history 另选文件（如 审核历史.sqlite）")


def _remember(cons: Consolidation, opts: RoundOptions) -> History:
    """Open the history, decide the round, keep the 复核意见 of the last 汇总, and give ``cons`` the earlier
    rounds (what changed for each unit is asked when the unit is written) and the 复核意见. The history stays
    open for recording after writing."""
    from xlperf.review.history import History, comment_for, history_path, read_comments

    history = History(opts.history or history_path(opts.output))
    cons.round_no = history.this_round(cons.units)
    last = history.last_round()
    source = opts.output if opts.output.exists() else history.last_output()
    typed = read_comments(source)
    if typed:
        history.keep_comments(typed, last or cons.round_no)
    cons.history, cons.previous, cons.labels = history, history.previous(cons.round_no), _labels(cons.framework)
    kept = history.comments()
    cons.comments = [comment_for(kept, u) for u in cons.units]
    return history


def _labels(fw) -> dict[str, str]:
    """Chinese labels of the figures a history compares (money inputs, self-scores)."""
    from xlperf.compiled import catalog

    out = {name: spec.label for name, spec in catalog(fw).items()}
    out.update({f"self_{ind.id}": f"{ind.name} 自评得分" for ind in fw.walk()})
    return out


def _say_changes(changed: list[tuple[str, str]], count: int, echo: Callable[[str], None]) -> None:
    if changed:
        echo(f"与上一轮比较（{count} 个单位）：")
        for label, summary in changed:
            echo(f"  {label}：{summary}")
        if count > len(changed):
            echo(f"  ……另有 {count - len(changed)} 个单位，见汇总的“与上轮比较”表")


def _choice(framework: str | None) -> Choice | str | None:
    """The reviewer's framework resolved once for the round (read, checked and handed to each worker once);
    as given when it cannot be read: each file then says why (XP122) and the 汇总 refuses, naming it."""
    from xlperf.errors import InputError
    from xlperf.resolve import choose

    try:
        return choose(framework)
    except InputError:
        return framework


def _read_units(files: list[Path], opts: RoundOptions, framework: Choice | str | None) -> Intake:
    from xlperf.reporttext.pairing import reports_beside
    from xlperf.review.consolidate import consolidate_paths

    reports = reports_beside(list(opts.paths), files)

    if opts.quiet or len(files) <= 1:
        return consolidate_paths(files, framework, workers=opts.workers, reports=reports)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("汇总中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("consolidate", total=len(files))
        return consolidate_paths(files, framework, workers=opts.workers, progress=lambda _: bar.advance(task),
                                 reports=reports)


def _returns(cons: Consolidation, opts: RoundOptions, files: list[Path], deadline: dt.date | None,
             echo: Callable[[str], None]) -> list[str]:
    """Write this round's notices into the returns folder, replacing the previous ones there: unit by unit,
    each unit's report read back from the spool."""
    from xlperf.review.returns import prepare_returns, return_unit
    from xlperf.safe_io import shown_path
    from xlperf.write.notice_docx import NoticeOptions, docx_notices

    assert opts.returns is not None
    problems: list[str] = []
    try:
        opts.returns.mkdir(parents=True, exist_ok=True)
        removed = prepare_returns(opts.returns)
        notice = NoticeOptions(office=opts.office, contact=opts.contact,  # an official notice writes 2027年3月31日
                               deadline=f"{deadline.year}年{deadline.month}月{deadline.day}日" if deadline else None)
        taken: set[str] = set()
        ok = 0
        for unit in cons.spooled(cons.needs_revision):
            item = return_unit(cons.spool.report(unit.summary.index), opts.returns, cons.framework, taken,
                               protect=tuple(files), deadline=deadline.isoformat() if deadline else None,
                               force=opts.force, change=cons.change(unit))
            if item is None:
                continue
            if item.problem:
                problems.append(f"{item.notice.name}：{item.problem}")
            else:
                ok += 1
            problems += docx_notices([item], cons.framework, notice, protect=tuple(files), force=opts.force)
        echo(f"退回修改：{ok} 个单位的通知和标注副本已写入 {shown_path(opts.returns)}"
             + (f"；已删除上一轮的 {removed} 个文件（单位已通过或通知已更新）" if removed else ""))
    except Exception as exc:  # noqa: BLE001
        problems.append(output_problem(exc, "退回修改文件", opts.returns))
    return problems


def output_problem(exc: Exception, what: str, target: Path) -> str:
    from xlperf.safe_io import shown_path

    if isinstance(exc, XlperfError):
        return str(exc)
    return f"未能写出{what}“{shown_path(target)}”（{type(exc).__name__}）"
