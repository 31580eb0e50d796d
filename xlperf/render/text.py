"""Terminal rendering with rich."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from ..framework.scoring import ScoreResult

__all__ = ["print_scores"]


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def print_scores(result: ScoreResult, console: Console | None = None) -> None:
    console = console or Console()
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
    table.add_row("", "总分", "100.00", _fmt(t.computed), _fmt(t.self), diff, style="bold")
    console.print(table)
    console.print("[bold]计算过程[/]")
    for item in result.indicators:
        if item.level == 3:
            mark = "" if not item.delta else f"  [red]（自评 {item.self:.2f}，差 {item.delta:+.2f}）[/]"
            console.print(f"• {item.name}：{item.explanation}{mark}", highlight=False)
