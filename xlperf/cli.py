"""The ``xlperf`` command line. Heavy modules are imported inside commands to keep start-up fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .errors import XlperfError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="xlperf — 部门整体支出绩效自评：评分、生成填报工作簿、校验提交的工作簿。",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

FrameworkOpt = Annotated[
    Optional[str],
    typer.Option("--framework", "-f", help="内置框架编号（见 xlperf frameworks）或框架文件路径；默认取输入中记录的框架"),
]


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_default)


@app.command()
def frameworks() -> None:
    """列出内置的评价框架。"""
    from .framework.loader import builtin_ids, load_framework

    for fid in builtin_ids():
        fw = load_framework(fid)
        typer.echo(f"{fw.id}\t{fw.version}\t{fw.region}\t{fw.year}\t{fw.name}")


@app.command("framework-schema")
def framework_schema() -> None:
    """输出评价框架文件的 JSON Schema。"""
    from .framework.models import Framework

    typer.echo(_dump(Framework.model_json_schema()))


@app.command()
def score(
    input: Annotated[Path, typer.Argument(help="数据文件（YAML/JSON）或已填报的工作簿（.xlsx）")],
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """计算各级指标得分，与自评得分对比，并给出计算过程。"""
    from .api import score_path

    result = score_path(input, framework)
    if as_json:
        typer.echo(_dump(_score_json(result)))
        return
    from .render.text import print_scores

    print_scores(result)


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .xlsx 文件")],
    framework: FrameworkOpt = None,
    year: Annotated[Optional[int], typer.Option("--year", help="预填的评价年度")] = None,
    formulas: Annotated[str, typer.Option("--formulas", help="native：Excel 原生公式；udf：调用 xlperf 函数（需安装加载项）")] = "native",
    data: Annotated[Optional[Path], typer.Option("--data", help="用数据文件（YAML/JSON）预填工作簿")] = None,
) -> None:
    """生成标准评价填报工作簿（所有比率与得分均以公式在表内计算）。"""
    from .api import resolve_framework
    from .workbook.template import write_template

    if formulas not in ("native", "udf"):
        raise typer.BadParameter("--formulas 只能是 native 或 udf")
    values = None
    recorded = None
    if data is not None:
        from .data.loader import load_data
        from .data.values import data_values

        loaded = load_data(data)
        values, recorded = data_values(loaded), loaded.framework
    fw = resolve_framework(framework, recorded)
    path = write_template(fw, output, year=year, flavour=formulas, values=values)
    typer.echo(f"已生成 {path}（框架 {fw.id} {fw.version}）")


@app.command()
def inputs(
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出工作簿中的全部输入单元格：名称、中文标签、工作表、单元格、单位、类型。"""
    from .api import resolve_framework
    from .workbook.plan import plan_for

    fw = resolve_framework(framework, None)
    plan = plan_for(fw)
    rows = []
    for name, cp in plan.cells.items():
        spec = cp.spec
        if spec is None or not spec.is_input:
            continue
        rows.append({"name": name, "label": spec.label, "sheet": cp.sheet, "cell": cp.cell, "unit": spec.unit,
                     "type": spec.kind, "role": spec.role, "required": spec.required,
                     **({"options": list(spec.options)} if spec.options else {}),
                     **({"max_points": spec.max_points} if spec.max_points is not None else {})})
    if as_json:
        typer.echo(_dump(rows))
        return
    for r in rows:
        typer.echo(f"{r['name']}\t{r['label']}\t{r['sheet']}!{r['cell']}\t{r['unit']}\t{r['type']}")


def _score_json(result: Any) -> dict[str, Any]:
    return {
        "framework": result.framework,
        "framework_version": result.framework_version,
        "department": result.department,
        "year": result.year,
        "total": {"computed": result.total.computed, "self": result.total.self},
        "indicators": [
            {k: getattr(i, k) for k in ("id", "name", "level", "parent", "points", "computed", "self", "delta",
                                         "explanation")}
            for i in result.indicators
        ],
        "measures": [m.model_dump() for m in result.measures],
    }


def main() -> None:
    """Console entry point: user errors become a Chinese message and exit code 2, never a traceback."""
    try:
        app(standalone_mode=False)
    except XlperfError as exc:
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
