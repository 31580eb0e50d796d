"""``xlperf report``: the department's self-evaluation report drafted (.docx) from its workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlperf.cli.common import CommandGroup, Force, Framework, echo, readable_file, stderr

ORDER = 25
app = CommandGroup()


@app.command(short_help="按框架规定的提纲起草绩效自评报告（.docx），数字取自工作簿。")
def report(
    input: Annotated[Path, typer.Argument(help="已填报的工作簿（.xlsx）或数据文件（YAML/JSON）", metavar="文件")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .docx 报告草稿", metavar="报告.docx")],
    framework: Framework = None,
    force: Force = False,
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="工作簿有错误时仍起草报告（列出错误）")] = False,
) -> None:
    """按评价框架规定的提纲起草绩效自评报告（.docx）：数字全部取自工作簿，需部门填写处标为【请填写：…】。退出码 0 已生成，1 工作簿有错误未生成，2 文件无法读取或输出未能写出。"""
    from xlperf.review.report_draft import RefusedWorkbook, describe, draft_for
    from xlperf.safe_io import check_outputs, shown_path, write_atomically

    readable_file(input)
    check_outputs([input], {"报告文件": output}, force=force, suffixes={"报告文件": (".docx",)})
    try:
        drafted = draft_for(input, framework, allow_errors=allow_errors)
    except RefusedWorkbook as exc:
        stderr(f"错误：{exc}")
        raise typer.Exit(2 if exc.unreadable else 1) from None
    path = write_atomically(output, lambda tmp: tmp.write_bytes(drafted.docx), what="报告文件", protect=(input,))
    echo(f"已生成 {shown_path(path)}（框架 {drafted.framework}）；【请填写：…】处须由部门填写")
    if drafted.errors:
        echo(f"注意：工作簿有 {len(drafted.errors)} 个错误（按 --allow-errors 仍起草），报告中的相应数字须核实：")
        for line in describe(drafted.errors):
            echo(line)
