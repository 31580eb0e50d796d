"""``xlperf validate``: check submitted workbooks, print the findings, optionally write a report or an
annotated copy."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from xlperf.cli.common import (
    CommandGroup,
    Expected,
    Framework,
    Quiet,
    Workers,
    collect,
    dump,
    echo,
    output_problem,
    skipped_lines,
    stderr,
)
from xlperf.errors import XlperfError

if TYPE_CHECKING:
    from xlperf.findings import Report

ORDER = 20
app = CommandGroup()


@dataclass(frozen=True)
class ValidateOptions:
    """What ``xlperf validate`` was asked for (the command's parameters, in one value)."""

    paths: list[Path]
    framework: str | None = None
    as_json: bool = False
    report: Path | None = None
    annotate: Path | None = None
    force: bool = False
    summary: bool = False
    workers: int = 1
    select: str | None = None
    ignore: str | None = None
    quiet: bool = False
    expected: Path | None = None
    report_text: list[Path] | None = None
    show_untied: bool = False
    jsonl: bool = False


@app.command(short_help="校验提交的工作簿（单个文件或整个文件夹），可写出报告或标注副本。")
def validate(
    paths: Annotated[list[Path], typer.Argument(help="要校验的工作簿文件或文件夹（文件夹下的 .xlsx 全部校验）",
                                                metavar="文件或文件夹")],
    framework: Framework = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（格式见 json-schema 命令）")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="把汇总和明细写入新的 .xlsx 报告",
                                                   metavar="文件.xlsx")] = None,
    annotate: Annotated[Optional[Path], typer.Option("--annotate", help="（单个文件）写出标注了问题的副本",
                                                     metavar="文件.xlsx")] = None,
    force: Annotated[bool, typer.Option("--force", help="报告或标注副本已存在时覆盖")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="只显示汇总表，不列出每个文件的问题")] = False,
    workers: Workers = 1,
    select: Annotated[Optional[str], typer.Option("--select", help="只运行这些校验（代码、前缀或名称，逗号分隔）",
                                                  metavar="规则")] = None,
    ignore: Annotated[Optional[str], typer.Option("--ignore", help="忽略这些校验（代码、前缀或名称，逗号分隔）",
                                                  metavar="规则")] = None,
    quiet: Quiet = False,
    expected: Expected = None,
    report_text: Annotated[Optional[list[Path]], typer.Option(
        "--report-text", help="同时核对绩效自评报告（.docx 或有文字层的 PDF）；文件夹中的报告按文件名或单位编码与工作簿配对",
        metavar="报告.docx|文件夹")] = None,
    show_untied: Annotated[bool, typer.Option("--show-untied", help="列出报告中未能与工作簿对应的数字")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="每个文件一行 JSON（JSON Lines），校验完即输出，内存不随文件数增长；"
                                                        "最后一行为批次检查和汇总")] = False,
) -> None:
    """校验提交的工作簿：合计、预算与支出、比率、自评得分与规则是否一致。退出码 0 无错误，1 有错误，2 有文件无法读取、输出未能写出或参数有误，3 内部错误。"""
    options = ValidateOptions(paths=paths, framework=framework, as_json=as_json, report=report, annotate=annotate,
                              force=force, summary=summary, workers=workers, select=select, ignore=ignore,
                              quiet=quiet, expected=expected, report_text=report_text, show_untied=show_untied,
                              jsonl=jsonl)
    raise typer.Exit(run_validate(options))


def _shown_arg(path: Path) -> str:
    from xlperf.safe_io import shown_path
    from xlperf.safe_text import printable

    return printable(shown_path(path), newlines=False)


def _rules(text: str | None) -> list[str] | None:
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def run_validate(opts: ValidateOptions) -> int:
    """The body of ``xlperf validate``: the exit code.

    Outputs are checked before any file is read (never an input, never each other, existing ones only
    with --force); a report or annotated copy that cannot be written is a message and exit code 2,
    and the findings are printed all the same.
    """
    files, skipped, sel, ign = _prepared(opts)
    units_expected = None
    if opts.expected is not None:
        from xlperf.review.batch import read_expected

        units_expected = read_expected(opts.expected)
    if opts.jsonl or (len(files) > 1 and opts.report is None and opts.annotate is None):
        return _stream(files, opts, sel, ign, units_expected, skipped)
    result = _validate(files, opts, sel, ign)
    problems, written = _write_outputs(result, files, opts)
    batch = None
    if len(files) > 1 or units_expected is not None:
        from xlperf.findings import Report
        from xlperf.review.batch import batch_issues, with_batch_errors

        batch = batch_issues(result.files, units_expected)
        result = Report(files=with_batch_errors(result.files, batch))
    _show(result, batch, skipped, written, opts)
    for problem in problems:
        stderr(f"错误：{problem}")
    return 2 if problems else result.exit_code


def _combinations(opts: ValidateOptions, files: list[Path]) -> None:
    """Options that cannot go together."""
    if opts.annotate is not None and len(files) != 1:
        raise typer.BadParameter("--annotate 只能用于单个文件")
    if opts.jsonl and (opts.as_json or opts.report is not None or opts.annotate is not None):
        raise typer.BadParameter("--jsonl 不能与 --json、--report 或 --annotate 同时使用")


def _prepared(opts: ValidateOptions) -> tuple[list[Path], list[Any], list[str] | None, list[str] | None]:
    """(files to validate, files skipped, --select, --ignore), every argument checked before any file is read."""
    from xlperf.checks.registry import resolve
    from xlperf.safe_io import check_outputs

    files, skipped = collect(opts.paths)
    if not files:
        if skipped:
            raise typer.BadParameter(f"只找到 {len(skipped)} 个 xlperf 生成的校验报告、汇总或退回修改通知，没有要校验的工作簿")
        where = "、".join(f"“{_shown_arg(p)}”" for p in opts.paths[:3]) + ("等" if len(opts.paths) > 3 else "")
        raise typer.BadParameter(f"{where}中没有找到要校验的工作簿（.xlsx）")
    _combinations(opts, files)
    check_outputs(files, {"报告文件": opts.report, "标注副本": opts.annotate}, force=opts.force,
                  suffixes={"标注副本": (".xlsx",)})  # a copy never carries the submission's macros
    sel, ign = _rules(opts.select), _rules(opts.ignore)
    unknown = [s for s in (sel or []) + (ign or []) if not resolve(s)]
    if unknown:
        raise XlperfError(f"未知的校验规则：{', '.join(unknown)}（xlperf rules 列出全部代码和名称）")
    for line in skipped_lines(skipped):
        (stderr if opts.as_json or opts.jsonl else echo)(line)
    if opts.framework is not None and Path(opts.framework).is_dir():
        from xlperf.resolve import registry_for

        registry_for(opts.framework)  # a broken file in the folder refuses the command once, naming it (InputError)
    return files, skipped, sel, ign


def _show(result: Report, batch: list[Any] | None, skipped: list[Any], written: list[str],
          opts: ValidateOptions) -> None:
    """The findings as JSON or as the terminal table, the batch's problems above it."""
    if opts.as_json:
        from xlperf.render.json import report_dict

        echo(dump(report_dict(result, batch, skipped=skipped)))
        return
    from xlperf.render.text import print_report

    for issue in batch or []:  # above the table: the last line stays the batch's summary line
        echo(f"批次检查（{issue.kind_zh}）：{issue.message}")
    print_report(result, summary_only=opts.summary)
    for line in written:
        echo(line)


def _requests(files: list[Path], opts: ValidateOptions) -> dict[str, Any] | None:
    if not opts.report_text:
        return None
    from xlperf.reporttext.pairing import report_requests

    return report_requests(files, opts.report_text, opts.show_untied)


@contextmanager
def _progress(files: list[Path], opts: ValidateOptions, *, streamed: bool = False) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar on stderr for a batch unless --quiet: its callback, or None. A streamed text output on a
    terminal shows each file as it is done: no bar then (the two would overwrite each other), and a bar never
    takes over stdout (rich would send what is written to stdout to the bar's console, stderr)."""
    if opts.quiet or len(files) < 2 or (streamed and not opts.summary and sys.stdout.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("校验中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True, console=Console(stderr=True), redirect_stdout=not streamed) as bar:
        task = bar.add_task("validate", total=len(files))
        yield lambda _: bar.advance(task)


def _validate(files: list[Path], opts: ValidateOptions, sel: list[str] | None, ign: list[str] | None) -> Report:
    """Validate every file, with a progress bar on stderr for a batch unless --quiet."""
    from xlperf.validate import validate_paths

    with _progress(files, opts) as progress:
        return validate_paths(files, opts.framework, workers=opts.workers, select=sel, ignore=ign,
                              progress=progress, report_texts=_requests(files, opts))


def _stream(files: list[Path], opts: ValidateOptions, sel: list[str] | None, ign: list[str] | None,
            expected: Any, skipped: list[Any]) -> int:
    """A batch's text or --json, or --jsonl: rendered in the workers, written as it runs (xlperf.render.stream)."""
    if not (opts.as_json or opts.jsonl):
        from xlperf.render.stream import text_blocks, text_tail

        with _progress(files, opts, streamed=True) as progress:
            summaries = text_blocks(files, opts.framework, sys.stdout, summary_only=opts.summary,
                                    workers=opts.workers, select=sel, ignore=ign, report_texts=_requests(files, opts),
                                    progress=progress)
        return text_tail(summaries, sys.stdout, expected=expected)
    from xlperf.render.stream import stream_json

    with _progress(files, opts, streamed=True) as progress:
        code = stream_json(files, opts.framework, sys.stdout, lines=opts.jsonl, workers=opts.workers, select=sel,
                           ignore=ign, report_texts=_requests(files, opts), expected=expected, skipped=skipped,
                           progress=progress)
    return code


def _write_outputs(result: Report, files: list[Path], opts: ValidateOptions) -> tuple[list[str], list[str]]:
    """(problems, lines saying what was written) of --report and --annotate."""
    from xlperf.safe_io import shown_path

    problems: list[str] = []
    written: list[str] = []
    if opts.report is not None:
        from xlperf.render.excel import write_report

        try:
            write_report(result, opts.report, protect=tuple(files))
            written.append(f"报告已写入 {shown_path(opts.report)}")
        except Exception as exc:  # noqa: BLE001 - never a traceback: the findings are still shown
            problems.append(output_problem(exc, "报告文件", opts.report))
    if opts.annotate is not None:
        first = result.files[0]
        if first.status == "error":
            problems.append(f"“{shown_path(files[0].name)}”无法读取，未写出标注副本")
        else:
            from xlperf.write.annotate import annotate_copy

            try:
                annotate_copy(files[0], opts.annotate, first, opts.framework)
                written.append(f"标注副本已写入 {shown_path(opts.annotate)}（原文件未修改）")
            except Exception as exc:  # noqa: BLE001
                problems.append(output_problem(exc, "标注副本", opts.annotate))
    return problems, written
