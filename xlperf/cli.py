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
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
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
