"""Reference commands: the checks (``rules``, ``rule``), the frameworks and the published schemas."""

from __future__ import annotations

from typing import Annotated

import typer

from xlperf.checks.audit import AuditRuleFailed, AuditRuleWarning
from xlperf.cli.common import CommandGroup, Framework, dump
from xlperf.errors import XlperfError

ORDER = 50
app = CommandGroup()


@app.command(short_help="列出全部校验规则；加 --framework 时同时列出该框架的审核公式。")
def rules(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出完整的 Markdown 规则文档（docs/rules.md）")] = False,
    framework: Framework = None,
) -> None:
    """列出全部校验规则（代码、名称、级别、标题）；加 --framework 时同时列出该框架的审核公式。"""
    from xlperf.checks.registry import CHECKS

    if markdown:
        from xlperf.render.docs import rules_markdown

        typer.echo(rules_markdown(), nl=False)
        return
    for c in CHECKS:
        typer.echo(f"{c.code}\t{c.name}\t{c.severity.zh}\t{c.title}")
    if framework is not None:
        from xlperf.resolve import resolve_framework

        fw = resolve_framework(framework, None).fw
        typer.echo(f"\n评价框架 {fw.id}（{fw.name}）的审核公式：")
        for a in fw.form.audits:
            code = (AuditRuleFailed if a.severity == "强制" else AuditRuleWarning).code
            when = f"（当 {a.when} 时）" if a.when else ""
            typer.echo(f"{a.id}\t{code}\t{a.severity}\t{a.assert_}{when}\t{a.message}")


@app.command()
def rule(
    code: Annotated[str, typer.Argument(help="规则代码，如 XP303，或名称 stated-rate-mismatch", metavar="代码")],
) -> None:
    """显示一条校验规则的说明。"""
    from xlperf.checks.registry import resolve

    found = [c for c in resolve(code) if c.code == code.upper() or c.name == code]
    if not found:
        raise XlperfError(f"没有代码或名称为 {code} 的校验规则（xlperf rules 列出全部）")
    c = found[0]
    typer.echo(f"{c.code} {c.name}（{c.severity.zh}）：{c.title}\n")
    typer.echo(c.doc())


@app.command()
def frameworks() -> None:
    """列出内置的评价框架。"""
    from xlperf.loader import builtin_ids, load_framework

    for fid in builtin_ids():
        fw = load_framework(fid)
        typer.echo(f"{fw.id}\t{fw.version}\t{fw.region}\t{fw.year}\t{fw.name}")


@app.command("framework-schema", short_help="输出评价框架文件的 JSON Schema（或 --markdown：每个键的说明）。")
def framework_schema(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出每个键的说明（docs/framework-reference.md）")] = False,
) -> None:
    """输出评价框架文件的 JSON Schema（或 --markdown：每个键的说明）。"""
    if markdown:
        from xlperf.render.docs import framework_reference_markdown

        typer.echo(framework_reference_markdown(), nl=False)
        return
    from xlperf.framework.models import Framework as FrameworkModel

    typer.echo(dump(FrameworkModel.model_json_schema(by_alias=True)))


@app.command("data-schema", short_help="输出某个评价框架的部门数据文件（YAML/JSON）的 JSON Schema。")
def data_schema(framework: Framework = None) -> None:
    """输出某个评价框架的部门数据文件（YAML/JSON）的 JSON Schema：由框架声明的输入、填报数和表生成。"""
    from xlperf.compiled import data_model
    from xlperf.resolve import resolve_framework

    typer.echo(dump(data_model(resolve_framework(framework, None).fw).model_json_schema()))


@app.command("json-schema")
def json_schema() -> None:
    """输出 xlperf validate --json 结果的 JSON Schema。"""
    from xlperf.render.json import report_schema

    typer.echo(dump(report_schema()))
