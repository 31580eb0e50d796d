"""``xlperf consolidate``: the bureau's 汇总 of many departments' workbooks, and the notices to return."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from xlperf.cli.common import (CommandGroup, Expected, Force, Framework, Quiet, Workers, collect, echo,
                               output_problem, skipped_names, stderr)
from xlperf.errors import XlperfError

if TYPE_CHECKING:
    from xlperf.review.consolidate import Consolidation, UnitResult

ORDER = 30
app = CommandGroup()


@dataclass(frozen=True)
class ConsolidateOptions:
    """What ``xlperf consolidate`` was asked for."""

    paths: list[Path]
    output: Path
    framework: str | None = None
    expected: Path | None = None
    returns: Path | None = None
    deadline: str | None = None
    workers: int = 1
    force: bool = False
    quiet: bool = False


@app.command(short_help="汇总各单位的工作簿（等级、统计、金额合计），写出退回修改通知。")
def consolidate(
    paths: Annotated[list[Path], typer.Argument(help="各单位提交的工作簿文件或文件夹", metavar="文件或文件夹")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的汇总工作簿", metavar="汇总.xlsx")],
    framework: Framework = None,
    expected: Expected = None,
    returns: Annotated[Optional[Path], typer.Option("--returns", help="为每个需修改或需说明的单位写出标注副本和"
                                                    "退回修改通知的文件夹", metavar="文件夹")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="退回修改通知中的重新报送期限",
                                                    metavar="日期")] = None,
    workers: Workers = 1,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """汇总各单位的自评工作簿：每单位一行（得分、等级、审核结论），指标统计、金额合计及其审核、不通过最多的审核规则、重复或漏报的单位；可为需修改的单位写出退回修改通知。退出码 0 全部通过，1 有单位需修改或需说明，2 输出未能写出或参数有误。"""
    raise typer.Exit(run_consolidate(ConsolidateOptions(
        paths=paths, output=output, framework=framework, expected=expected, returns=returns, deadline=deadline,
        workers=workers, force=force, quiet=quiet)))


def run_consolidate(opts: ConsolidateOptions) -> int:
    """The body of ``xlperf consolidate``: the exit code."""
    from xlperf.render.consolidation import write_consolidation
    from xlperf.review.batch import read_expected
    from xlperf.review.consolidate import consolidate as build
    from xlperf.safe_io import check_outputs, shown_path

    files, skipped = collect(opts.paths)
    if not files:
        raise XlperfError("没有找到要汇总的工作簿（.xlsx）")
    check_outputs(files, {"汇总文件": opts.output}, force=opts.force)
    if opts.returns is not None and opts.returns.exists() and not opts.returns.is_dir():
        raise XlperfError(f"--returns 应为文件夹，“{shown_path(opts.returns)}”是文件")
    units_expected = read_expected(opts.expected) if opts.expected is not None else None
    if skipped:
        echo(f"提示：已跳过 {len(skipped)} 个 xlperf 生成的报告、汇总或标注副本（{skipped_names(skipped)}）")
    units = _read_units(files, opts)
    cons = build(units, opts.framework, units_expected)
    problems: list[str] = []
    try:
        write_consolidation(cons, opts.output, protect=tuple(files))
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        problems.append(output_problem(exc, "汇总文件", opts.output))
    counts = Counter(u.report.review_zh for u in units)
    echo(f"共 {len(units)} 个文件：" + "，".join(f"{k} {v} 个" for k, v in sorted(counts.items())))
    for issue in cons.issues:
        echo(f"批次检查（{issue.kind_zh}）：{issue.message}")
    if not problems:
        echo(f"汇总已写入 {shown_path(opts.output)}")
    if opts.returns is not None and cons.needs_revision:
        problems += _write_returns(cons, files, opts.returns, opts)
    for problem in problems:
        stderr(f"错误：{problem}")
    if problems:
        return 2
    return 1 if cons.needs_revision else 0


def _read_units(files: list[Path], opts: ConsolidateOptions) -> list[UnitResult]:
    """Each file's unit, with a progress bar on stderr for a batch unless --quiet."""
    from xlperf.reporttext.pairing import reports_beside
    from xlperf.review.consolidate import consolidate_paths

    reports = reports_beside(opts.paths, files)
    if opts.quiet or len(files) < 2:
        return consolidate_paths(files, opts.framework, workers=opts.workers, reports=reports)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("汇总中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("consolidate", total=len(files))
        return consolidate_paths(files, opts.framework, workers=opts.workers, progress=lambda _: bar.advance(task),
                                 reports=reports)


def _write_returns(cons: Consolidation, files: list[Path], returns: Path, opts: ConsolidateOptions) -> list[str]:
    """Write the notices and annotated copies of the units to return: the problems met."""
    from xlperf.review.returns import write_returns
    from xlperf.safe_io import shown_path

    problems: list[str] = []
    try:
        returns.mkdir(parents=True, exist_ok=True)
        written = write_returns([u.report for u in cons.needs_revision], returns, cons.framework,
                                protect=tuple(files), deadline=opts.deadline, force=opts.force)
        problems += [f"{item.notice.name}：{item.problem}" for item in written if item.problem]
        echo(f"退回修改：{len(written)} 个单位的通知和标注副本已写入 {shown_path(returns)}")
    except Exception as exc:  # noqa: BLE001
        problems.append(output_problem(exc, "退回修改文件", returns))
    return problems
