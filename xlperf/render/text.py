"""Terminal rendering with rich."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from ..findings import Report
from ..framework.scoring import ScoreResult

__all__ = ["print_report", "print_scores"]


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _console() -> Console:
    """Wide enough for Chinese messages even when output is piped (rich assumes 80 columns then)."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console


def print_scores(result: ScoreResult, console: Console | None = None) -> None:
    console = console or _console()
    table = Table(title=f"{result.department} {result.year} 年度部门整体支出绩效评分（{result.framework}）",
                  show_lines=False, expand=True)
    for col, kw in (("级", {"width": 2}), ("指标", {"min_width": 12}), ("分值", {"justify": "right"}),
                    ("计算得分", {"justify": "right"}), ("自评得分", {"justify": "right"}),
                    ("差异", {"justify": "right"})):
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for item in result.indicators:
        indent = "  " * (item.level - 1)
        delta = item.delta
        delta_text = "" if delta is None else (f"[red]{delta:+.2f}[/]" if delta != 0 else "0.00")
        style = "bold" if item.level == 1 else None
        table.add_row(str(item.level), indent + item.name, _fmt(item.points), _fmt(item.computed),
                      _fmt(item.self), delta_text, style=style)
    t = result.total
    diff = "" if t.self is None else f"{t.self - t.computed:+.2f}"
    table.add_row("", "总分", _fmt(result.total_points), _fmt(t.computed), _fmt(t.self), diff, style="bold")
    console.print(table)
    console.print("[bold]计算过程[/]")
    for item in result.indicators:
        if item.is_leaf:
            mark = "" if not item.delta else f"  [red]（自评 {item.self:.2f}，差 {item.delta:+.2f}）[/]"
            console.print(f"• {item.name}：{item.explanation}{mark}", highlight=False)


def print_report(report: Report, console: Console | None = None, *, max_findings: int = 200) -> None:
    """Summary table (one row per file) and each file's findings."""
    from ..findings import Severity

    console = console or _console()
    colors = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}
    for rep in report.files:
        head = f"[bold]{rep.path}[/]  {rep.department or ''} {rep.year or ''}"
        console.print(head, highlight=False)
        if not rep.findings:
            console.print("  [green]未发现问题[/]")
            continue
        table = Table(show_header=True, header_style="bold", expand=True, show_lines=False)
        table.add_column("代码", width=6)
        table.add_column("级别", width=4)
        table.add_column("位置", max_width=22)
        table.add_column("说明", ratio=1)
        for f in rep.findings[:max_findings]:
            color = colors[f.severity]
            table.add_row(f.code, f"[{color}]{f.severity.zh}[/]", f.location, f.message)
        console.print(table)
        if len(rep.findings) > max_findings:
            console.print(f"  … 另有 {len(rep.findings) - max_findings} 条，使用 --json 或 --report 查看全部")
    summary = Table(title="校验汇总", expand=False)
    for col in ("文件", "部门", "年度", "计算总分", "自评总分", "错误", "警告", "状态"):
        summary.add_column(col)
    status_zh = {"ok": "[green]通过[/]", "warnings": "[yellow]有警告[/]", "invalid": "[red]有错误[/]",
                 "error": "[red]无法读取[/]"}
    for rep in report.files:
        summary.add_row(rep.path.rsplit("/", 1)[-1], rep.department or "", str(rep.year or ""),
                        _fmt(rep.total_computed), _fmt(rep.total_self), str(rep.errors), str(rep.warnings),
                        status_zh.get(rep.status, rep.status))
    console.print(summary)
