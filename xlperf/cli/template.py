"""``xlperf template``: the fill-in workbook of a framework, blank or pre-filled."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from xlperf.cli.common import CommandGroup, Force, Framework, count, echo, readable_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    from xlperf.framework.models import Framework as Fw

ORDER = 10
app = CommandGroup()


@app.command(short_help="生成标准评价填报工作簿（比率与得分均以公式在表内计算）。")
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .xlsx 文件", metavar="文件.xlsx")],
    framework: Framework = None,
    year: Annotated[Optional[int], typer.Option("--year", help="预填的年度（框架中年度输入的值）", metavar="年度",
                                                parser=count)] = None,
    formulas: Annotated[str, typer.Option("--formulas", help="native：Excel 原生公式；udf：调用 xlperf 函数（需安装加载项）",
                                          metavar="native|udf")] = "native",
    data: Annotated[Optional[Path], typer.Option("--data", help="用数据文件（YAML/JSON）预填工作簿", metavar="文件")] = None,
    prior: Annotated[Optional[Path], typer.Option("--prior", help="上年报送的工作簿（或数据文件 YAML/JSON）：按名称填入框架要求的上年数（锁定并记录来源）",
                                                  metavar="上年.xlsx")] = None,
    force: Force = False,
) -> None:
    """生成标准评价填报工作簿（所有比率与得分均以公式在表内计算）。"""
    from xlperf.resolve import resolve_framework
    from xlperf.safe_io import check_target, shown_path, write_atomically
    from xlperf.write.template import write_template

    if formulas not in ("native", "udf"):
        raise typer.BadParameter("--formulas 只能是 native 或 udf")
    check_target(output, what="输出文件", suffixes=(".xlsx",), force=force)
    values = None
    recorded = None
    if data is not None:
        readable_file(data)
        from xlperf.data.values import data_values
        from xlperf.ingest.datafile import load_data

        loaded = load_data(data, resolve_framework(framework, None).fw if framework is not None else None)
        values, recorded = data_values(loaded), loaded.framework
    fw = resolve_framework(framework, recorded).fw
    if prior is not None:
        _with_prior(fw, output, prior, year, formulas, values)
        return
    path = write_atomically(output, lambda tmp: write_template(fw, tmp, year=year, flavour=formulas, values=values),
                            what="工作簿")
    echo(f"已生成 {shown_path(path)}（框架 {fw.id} {fw.version}）")


def _with_prior(fw: Fw, output: Path, prior: Path, year: int | None, formulas: str,
                values: Mapping[str, Any] | None) -> None:
    """The template with last year's figures filled in from ``prior`` (locked, their source recorded)."""
    from xlperf.compiled import catalog
    from xlperf.ingest.prior import read_prior
    from xlperf.safe_io import shown_path, write_atomically
    from xlperf.write.prior import apply_prior
    from xlperf.write.template import build_workbook

    readable_file(prior)
    last = read_prior(fw, prior)
    values = {**(values or {}), **last.values}

    def write(tmp: Path) -> None:
        wb = build_workbook(fw, year=year, flavour=formulas, values=values)
        apply_prior(wb, fw, last, formulas)
        wb.save(tmp)

    path = write_atomically(output, write, what="工作簿", protect=(prior,))
    echo(f"已生成 {shown_path(path)}（框架 {fw.id} {fw.version}）")
    echo(f"上年数：从“{shown_path(prior.name)}”填入 {len(last.values)} 项")
    if last.unmatched:
        cat = catalog(fw)
        echo("上年文件中找不到（或为空）的上年数，请核实后手工填写：" + "、".join(
            f"{n}（{cat[n].label if n in cat else n}）" for n in last.unmatched))
        for n, why in last.refused.items():
            echo(f"  {n}（{cat[n].label if n in cat else n}）未取用，上年文件 {why}")
