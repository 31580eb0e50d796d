"""Terminal rendering with rich.

Everything a submitted file or a data file supplies (paths, department names, sheet names, messages
quoting cell text) is passed to rich as :class:`rich.text.Text`, never as markup, and bounded in
length: ``科技局[/]`` prints as typed and a 9 MB name prints as 200 characters. Columns fold long text
onto the next line instead of cutting it with “…”, at 80 columns as at 200.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from xlperf.findings import STATUS_ZH, FileReport, FileSummary, Report, Severity
from xlperf.safe_text import bounded, printable

if TYPE_CHECKING:
    from xlperf.engine.scoring import ScoreResult

__all__ = ["MESSAGE_MAX", "NAME_MAX", "STATUS_ZH", "FileBlock", "print_file", "print_report", "print_scores", "print_summary",
           "summary_line", "terminal_console", "user_text"]

NAME_MAX = 200
"""Characters shown of a name or path from a submitted file."""
MESSAGE_MAX = 1000
"""Characters shown of one finding's message (it quotes cell text, which may be huge)."""
_REVIEW_STYLE = {"pass": "green", "pass_explained": "green", "explain": "yellow", "revise": "red"}
_SEVERITY_STYLE = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}


def user_text(value: object, limit: int = NAME_MAX, style: str = "", *, newlines: bool = False) -> Text:
    """Text from a file, safe for rich: no markup, no emoji codes, bounded, printable (escape sequences and
    bidirectional overrides shown as ``\\x1b`` / ``<U+202E>``; a line break only where ``newlines``)."""
    from xlperf.safe_io import shown_path

    text = bounded(shown_path("" if value is None else str(value)), limit)
    return Text(printable(text, newlines=newlines), style=style)


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _console(file: TextIO | None = None) -> Console:
    """The terminal's width; piped output is 80 columns wide unless COLUMNS says otherwise (rich alone would
    take the width of a terminal on stdin or stderr). ``file``: where to print (default: stdout when printing)."""
    console = Console(file=file, highlight=False, emoji=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(file=file, width=80, highlight=False, emoji=False)
    return console


terminal_console = _console


def print_scores(result: ScoreResult, console: Console | None = None) -> None:
    console = console or _console()
    title = user_text(f"{result.department} {result.year} 年度部门整体支出绩效评分（{result.framework}）")
    table = Table(title=title, show_lines=False, expand=True)
    for col, kw in (("级", {"width": 2}), ("指标", {"min_width": 12}), ("分值", {"justify": "right"}),
                    ("计算得分", {"justify": "right"}), ("自评得分", {"justify": "right"}),
                    ("差异", {"justify": "right"})):
        table.add_column(col, overflow="fold", **kw)
    for item in result.indicators:
        indent = "  " * (item.level - 1)
        delta = item.delta
        delta_text = Text("") if delta is None else (Text(f"{delta:+.2f}", style="red") if delta != 0 else Text("0.00"))
        style = "bold" if item.level == 1 else None
        table.add_row(str(item.level), user_text(indent + item.name), _fmt(item.points), _fmt(item.computed),
                      _fmt(item.self), delta_text, style=style)
    t = result.total
    diff = "" if t.self is None else f"{t.self - t.computed:+.2f}"
    table.add_row("", "总分", _fmt(result.total_points), _fmt(t.computed), _fmt(t.self), diff, style="bold")
    console.print(table)
    console.print(Text("计算过程", style="bold"))
    for item in result.indicators:
        if item.is_leaf:
            line = user_text(f"• {item.name}：{item.explanation}", MESSAGE_MAX, newlines=True)
            if item.delta:
                line.append(f"  （自评 {item.self:.2f}，差 {item.delta:+.2f}）", style="red")
            console.print(line)
    for cap in result.caps:  # a cap that lowered a branch or the total (framework caps)
        if cap.target != "total" and next(i for i in result.indicators if i.id == cap.target).is_leaf:
            continue  # a leaf's explanation above already says it
        if cap.after < cap.before or (cap.self_before is not None and cap.self_after != cap.self_before):
            console.print(user_text(f"• {cap.target_name}：{cap.explanation} → 计算 {cap.after} 分"
                                    f"（封顶前 {cap.before}）", MESSAGE_MAX, newlines=True))


def summary_line(report: Report | Sequence[FileReport | FileSummary]) -> str:
    """One line counting the files per 审核结论: 共 N 个文件：通过 a · 通过（提示已说明） b · 需说明 c · 需修改 d
    (of which unreadable: the only status word besides the 审核结论, since nothing could be checked)."""
    from xlperf.findings import REVIEW_ZH

    files = report.files if isinstance(report, Report) else report
    counts = {review: 0 for review in REVIEW_ZH}
    for rep in files:
        counts[rep.review] += 1
    parts = " · ".join(f"{REVIEW_ZH[s]} {counts[s]}" for s in REVIEW_ZH)
    unreadable = sum(1 for rep in files if rep.status == "error")
    return f"共 {len(files)} 个文件：{parts}" + (f"（其中无法读取 {unreadable}）" if unreadable else "")


def report_text_line(rep: FileReport) -> str | None:
    """The 绩效自评报告 checked beside a workbook, in one line (None when none was asked for)."""
    info = rep.report_text
    if info is None:
        return None
    if info.status == "missing":
        return "自评报告：未收到（没有与该工作簿配对的报告）"
    name = (info.path or "").replace("\\", "/").rsplit("/", 1)[-1]
    if info.status == "unreadable":
        return f"自评报告：{name} 无法读取"
    return (f"自评报告：{name}，引用数字 {info.figures} 个，与工作簿对应 {info.tied} 个，"
            f"未能对应 {info.untied} 个（不作为问题{'' if info.untied_list else '；--show-untied 列出'}）")


def _report_text_lines(rep: FileReport, console: Console) -> None:
    line = report_text_line(rep)
    if line is None:
        return
    console.print(user_text("  " + line, 300))
    info = rep.report_text
    for item in info.untied_list if info is not None else []:
        console.print(user_text("    未对应：" + item, 200))


def print_report(report: Report, console: Console | None = None, *, max_findings: int = 200,
                 summary_only: bool = False) -> None:
    """Each file's findings (unless ``summary_only``), the summary table and the count line."""
    console = console or _console()
    if not summary_only:
        for rep in report.files:
            print_file(rep, console, max_findings=max_findings)
    print_summary(report.files, console)


def print_file(rep: FileReport, console: Console, *, max_findings: int = 200) -> None:
    """One file's block: its path and department, the report beside it, its findings and 审核结论."""
    head = user_text(rep.path, style="bold")
    head.append(user_text(f"  {rep.department or ''} {rep.year or ''}".rstrip()))
    console.print(head)
    _report_text_lines(rep, console)
    if not rep.findings:
        console.print(Text("  未发现问题", style="green"))
        return
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=False)
    table.add_column("代码", width=5, no_wrap=True)
    table.add_column("级别", width=4, no_wrap=True)
    table.add_column("位置", max_width=22, overflow="fold")
    table.add_column("说明", ratio=1, overflow="fold")
    for f in rep.findings[:max_findings]:
        message = user_text(f.message, MESSAGE_MAX, newlines=True)
        if f.explanation:  # the department's 出错说明, and whether it counts
            from xlperf.findings import adequate

            message.append(Text("\n出错说明：", style="bold"))
            message.append(user_text(f.explanation, MESSAGE_MAX, newlines=True))
            if f.severity == Severity.warning and not adequate(f.explanation):
                message.append(Text("（过短或为占位，不能接受）", style="yellow"))
        table.add_row(f.code, Text(f.severity.zh, style=_SEVERITY_STYLE[f.severity]),
                      user_text(f.location, 80), message)
    console.print(table)
    console.print(Text(f"  审核结论：{rep.review_zh}"))
    if len(rep.findings) > max_findings:
        console.print(f"  … 另有 {len(rep.findings) - max_findings} 条，使用 --json 或 --report 查看全部")


def print_summary(files: Sequence[FileReport | FileSummary], console: Console) -> None:
    """The summary table and the count line, from the files' reports or only their summaries (a streamed batch).
    A batch of more than SUMMARY_ROWS files gets one table per SUMMARY_ROWS files (the title on the first), so
    that the rows being laid out at once, not the batch, bound the memory."""
    for start in range(0, max(len(files), 1), SUMMARY_ROWS):
        _summary_table(files[start:start + SUMMARY_ROWS], console, title=not start)
    console.print(Text(summary_line(files)), soft_wrap=True)  # one line whatever the width: scripts read it


SUMMARY_ROWS = 1000
"""Rows of the summary table laid out at once (rich measures every cell of a table before printing it)."""


def _summary_table(files: Sequence[FileReport | FileSummary], console: Console, *, title: bool) -> None:
    summary = Table(title="校验汇总" if title else None, expand=False)
    for col in ("文件", "部门", "年度", "计算总分", "自评总分", "错误", "警告", "审核结论"):
        summary.add_column(col, overflow="fold", min_width=4 if col in ("错误", "警告", "审核结论") else None)
    for rep in files:
        summary.add_row(user_text(rep.path.replace("\\", "/").rsplit("/", 1)[-1]), user_text(rep.department or ""),
                        str(rep.year or ""), _fmt(rep.total_computed), _fmt(rep.total_self), str(rep.errors),
                        str(rep.warnings), Text(rep.review_zh, style=_REVIEW_STYLE.get(rep.review, "")))
    console.print(summary)


@dataclass(frozen=True)
class FileBlock:
    """A file's block rendered as text in the worker that read it (``xlperf validate`` of a batch streams its
    blocks): the same width and colours as the parent's terminal, so the output is the one the parent would
    print. Picklable (a frozen dataclass of plain values), so it travels to the workers with each job."""

    width: int
    color_system: str | None = None
    terminal: bool = False
    max_findings: int = 200

    @classmethod
    def like(cls, console: Console) -> FileBlock:
        return cls(console.width, console.color_system, console.is_terminal)

    def __call__(self, rep: FileReport) -> str:
        out = io.StringIO()
        console = Console(file=out, width=self.width, color_system=self.color_system,  # type: ignore[arg-type]
                          force_terminal=self.terminal, highlight=False, emoji=False, legacy_windows=False)
        print_file(rep, console, max_findings=self.max_findings)
        return out.getvalue()
