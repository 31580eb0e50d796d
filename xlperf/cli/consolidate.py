"""``xlperf consolidate``: the bureau's 汇总 of many departments' workbooks, and the notices to return."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from xlperf.cli.common import CommandGroup, Expected, Force, Framework, Quiet, Workers, echo, stderr

ORDER = 30
app = CommandGroup()


@app.command(short_help="汇总各单位的工作簿（等级、统计、金额合计），与上一轮比较，写出退回修改通知。")
def consolidate(
    paths: Annotated[list[Path], typer.Argument(help="各单位提交的工作簿文件或文件夹", metavar="文件或文件夹")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的汇总工作簿", metavar="汇总.xlsx")],
    framework: Framework = None,
    expected: Expected = None,
    returns: Annotated[Optional[Path], typer.Option("--returns", help="为每个需修改或需说明的单位写出标注副本和"
                                                    "退回修改通知的文件夹", metavar="文件夹")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="退回修改通知中的重新报送期限（日期，如 "
                                                    "2026-12-20）", metavar="日期")] = None,
    office: Annotated[Optional[str], typer.Option("--office", help="退回修改通知的发文单位", metavar="单位")] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="退回修改通知的联系人及电话",
                                                   metavar="联系人")] = None,
    workers: Workers = 1,
    force: Force = False,
    quiet: Quiet = False,
    include_unaccepted: Annotated[bool, typer.Option("--include-unaccepted", help="统计中也计入审核结论为需说明、"
                                                     "需修改的单位（默认只计入通过的单位）")] = False,
    history: Annotated[Optional[Path], typer.Option("--history", help="审核历史数据库（默认为汇总文件所在文件夹中的"
                                                    "“xlperf-审核历史.sqlite”）", metavar="文件")] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="不读写审核历史")] = False,
) -> None:
    """汇总各单位的自评工作簿：每单位一行（得分、等级、审核结论），指标统计、金额合计及其审核、不通过最多的审核规则、重复或漏报的单位；与上一轮比较并记录审核历史；可为需修改的单位写出退回修改通知。退出码 0 全部通过，1 有单位需修改或需说明，2 输出未能写出或参数有误。"""
    from xlperf.bureau import RoundOptions, run_round

    opts = RoundOptions(tuple(paths), output, str(framework) if framework else None, expected, returns, deadline,
                        workers, force, quiet, include_unaccepted, history, no_history, office, contact)
    raise typer.Exit(run_round(opts, echo, stderr))
