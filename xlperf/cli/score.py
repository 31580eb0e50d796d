"""``xlperf score`` and ``xlperf inputs``: the scores of one department, and the cells a department fills."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from xlperf.cli.common import AsJson, CommandGroup, Framework, dump, readable_file

ORDER = 40
app = CommandGroup()


@app.command(short_help="计算各级指标得分，与自评得分对比，并给出计算过程。")
def score(
    input: Annotated[Path, typer.Argument(help="数据文件（YAML/JSON）或已填报的工作簿（.xlsx）", metavar="文件")],
    framework: Framework = None,
    as_json: AsJson = False,
) -> None:
    """计算各级指标得分，与自评得分对比，并给出计算过程。"""
    from xlperf.api import score_path

    readable_file(input)
    result = score_path(input, framework)
    if as_json:
        typer.echo(dump(score_json(result)))
        return
    from xlperf.render.text import print_scores

    print_scores(result)


def score_json(result: Any) -> dict[str, Any]:
    """``score --json``: the totals, every indicator and every measure."""
    return {
        "framework": result.framework,
        "framework_version": result.framework_version,
        "department": result.department,
        "year": result.year,
        "total": {"computed": result.total.computed, "self": result.total.self},
        "caps": [c.model_dump() for c in result.caps],
        "indicators": [
            {k: getattr(i, k) for k in ("id", "name", "level", "parent", "points", "computed", "self", "delta",
                                         "explanation")}
            for i in result.indicators
        ],
        "measures": [m.model_dump() for m in result.measures],
        "derived": result.derived,
        "tables": result.tables,
    }


@app.command(short_help="列出工作簿中的全部输入单元格（名称、标签、位置、单位、类型）。")
def inputs(framework: Framework = None, as_json: AsJson = False) -> None:
    """列出工作簿中的全部输入单元格：名称、中文标签、工作表、单元格、单位、类型。"""
    from xlperf.resolve import resolve_framework

    rows = input_rows(resolve_framework(framework, None).fw)
    if as_json:
        typer.echo(dump(rows))
        return
    for r in rows:
        typer.echo(f"{r['name']}\t{r['label']}\t{r['sheet']}!{r['cell']}\t{r['unit']}\t{r['type']}")


def input_rows(fw: Any) -> list[dict[str, Any]]:
    """Every input cell of the framework's form, and every typed column of its tables (one range each)."""
    from xlperf.compiled import catalog, plan_for

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
    for tp in plan.tables.values():
        table = next(t for t in fw.form.tables if t.name == tp.name)
        for col in (c for c in table.columns if c.expr is None):
            spec = catalog(fw)[f"{table.name}.{col.name}"]
            letter = tp.columns[col.name]
            rows.append({"name": spec.name, "label": spec.label, "sheet": tp.sheet,
                         "cell": f"{letter}{tp.first_row}:{letter}{tp.last_row}", "unit": spec.unit,
                         "type": spec.kind, "role": "column", "required": col.required,
                         **({"options": list(spec.options)} if spec.options else {})})
    return rows
