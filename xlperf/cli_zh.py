"""Chinese help and usage errors for the Typer app.

Click (bundled by Typer 0.2x, hard-coded English) writes "Usage:", "Options:", "Show this message and
exit." and its error messages itself. The help is translated by a formatter subclass (headings, the
usage prefix, the help option's text, "[default: …]"); usage errors are shown by :func:`show_usage_error`
from the exception's own data, with the English message translated by a table of patterns. Anything
not in the table is still shown (prefixed 参数有误), never a traceback.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["command_class", "group_class", "show_usage_error", "translate"]

HEADINGS = {"Arguments": "参数", "Options": "选项", "Commands": "命令", "Usage": "用法"}
_PHRASES = [
    (re.compile(r"Show this message and exit\."), "显示本帮助并退出。"),
    (re.compile(r"\[default: ([^\]]*)\]"), r"[默认：\1]"),
    (re.compile(r"\[required\]"), "[必填]"),
    (re.compile(r"\[env var: ([^\]]*)\]"), r"[环境变量：\1]"),
    (re.compile(r"\(deprecated\) "), "（已弃用）"),
    (re.compile(r"\[OPTIONS\]"), "[选项]"),
    (re.compile(r"COMMAND \[ARGS\]\.\.\."), "命令 [参数]..."),
    (re.compile(r"\{([^{}\s]+)\}"), r"\1"),  # Typer's {paths}... for a list argument
]
_TYPE_PLACEHOLDER = re.compile(r"\s<[^<>]*>$")
"""Typer's type label after a parameter's name (``<list[Path]>``, ``<int>``): English, and said by the help."""
_ERRORS = [
    (re.compile(r"^Missing argument '(.+)'\.?$"), "缺少参数 {0}"),
    (re.compile(r"^Missing option '(.+)'\.?$"), "缺少选项 {0}"),
    (re.compile(r"^Missing parameter: (.+)$"), "缺少参数 {0}"),
    (re.compile(r"^Missing command\.?$"), "缺少命令（xlperf --help 列出全部命令）"),
    (re.compile(r"^No such command '(.+)'\.?$"), "没有命令“{0}”（xlperf --help 列出全部命令）"),
    (re.compile(r"^No such option: (\S+)\s*Did you mean (\S+?)\??$"), "没有选项 {0}（是否想用 {1}？）"),
    (re.compile(r"^No such option: (\S+)\s*\(Possible options: (.+)\)$"), "没有选项 {0}（可能是：{1}）"),
    (re.compile(r"^No such option: (\S+)$"), "没有选项 {0}"),
    (re.compile(r"^Option '(.+)' requires an argument\.?$"), "选项 {0} 需要一个值"),
    (re.compile(r"^Option '(.+)' requires (\d+) arguments\.?$"), "选项 {0} 需要 {1} 个值"),
    (re.compile(r"^Option '(.+)' does not take a value\.?$"), "选项 {0} 不接受值"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), "多余的参数：{0}"),
    (re.compile(r"^Invalid value for (.+?): (.+)$", re.S), "{0} 的值无效：{1}"),
    (re.compile(r"^Invalid value: (.+)$", re.S), "值无效：{0}"),
]
_VALUES = [
    (re.compile(r"^'(.*)' is not a valid integer( range)?\.?$"), "“{0}”不是整数"),
    (re.compile(r"^'(.*)' is not a valid float( range)?\.?$"), "“{0}”不是数字"),
    (re.compile(r"^'(.*)' is not one of (.+)\.?$"), "“{0}”不是可选值（{1}）"),
    (re.compile(r"^(.+) is not in the range (.+)\.?$"), "{0} 不在范围 {1} 内"),
    (re.compile(r"^'(.*)' is not a valid boolean\.?$"), "“{0}”不是“是/否”"),
    (re.compile(r"^Input should be a valid integer.*$"), "必须是整数"),
    (re.compile(r"^Input should be a valid (number|decimal|float).*$"), "必须是数字"),
    (re.compile(r"^Input should be a valid boolean.*$"), "必须是“是/否”"),
    (re.compile(r"^Input should be (greater|less) than( or equal to)? (.+)$"), "超出允许范围（{2}）"),
    (re.compile(r"^(?:File|Path|Directory) '(.*)' does not exist\.?$"), "“{0}”不存在"),
]


def translate(text: str) -> str:
    """Help text with click's English phrases in Chinese."""
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)
    return text


def _translate_value(text: str) -> str:
    for pattern, template in _VALUES:
        m = pattern.match(text.strip())
        if m:
            return template.format(*m.groups())
    return text


def translate_error(message: str) -> str:
    """One of click's usage-error messages in Chinese; unknown ones kept, prefixed 参数有误."""
    message = message.strip()
    for pattern, template in _ERRORS:
        m = pattern.match(message)
        if m:
            groups = list(m.groups())
            if template.startswith("{0} 的值无效") or template.startswith("值无效"):
                groups[-1] = _translate_value(groups[-1])
            return template.format(*groups)
    return message if re.search(r"[\u4e00-\u9fff]", message) else f"参数有误：{message}"


def _wrap_cells(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal cells; Chinese text breaks between any two characters."""
    from rich.cells import cell_len

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if cell_len(line + ch) > width:
                lines.append(line.rstrip())
                line = ch.lstrip()
            else:
                line += ch
        lines.append(line.rstrip())
    return lines or [""]


def _classes() -> tuple[type, type]:
    import typer.core as tcore

    base_ctx: Any = tcore.TyperGroup.context_class
    base_fmt: Any = base_ctx.formatter_class

    class ZhFormatter(base_fmt):  # type: ignore[misc, valid-type]
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, translate(args), "用法：" if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

        def write_text(self, text: str) -> None:
            indent = " " * self.current_indent
            for line in _wrap_cells(text, max(self.width - self.current_indent, 20)):
                self.write(f"{indent}{line}\n" if line else "\n")

        def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
            """Click's definition list, measured in terminal cells (a CJK character is two wide)."""
            from rich.cells import cell_len

            rows = [(_TYPE_PLACEHOLDER.sub("", translate(first)), translate(second)) for first, second in rows]
            if not rows:
                return
            first_col = min(max(cell_len(first) for first, _ in rows), col_max) + col_spacing
            indent = " " * self.current_indent
            for first, second in rows:
                self.write(f"{indent}{first}")
                if not second:
                    self.write("\n")
                    continue
                if cell_len(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - cell_len(first)))
                else:
                    self.write("\n" + " " * (first_col + self.current_indent))
                width = max(self.width - first_col - self.current_indent - 2, 10)
                lines = _wrap_cells(second, width)
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write(" " * (first_col + self.current_indent) + line + "\n")

    class ZhContext(base_ctx):  # type: ignore[misc, valid-type]
        formatter_class = ZhFormatter

    class ZhGroup(tcore.TyperGroup):
        context_class = ZhContext

    class ZhCommand(tcore.TyperCommand):
        context_class = ZhContext

    return ZhGroup, ZhCommand


_CLASSES: tuple[type, type] | None = None


def group_class() -> type:
    global _CLASSES  # noqa: PLW0603
    _CLASSES = _CLASSES or _classes()
    return _CLASSES[0]


def command_class() -> type:
    global _CLASSES  # noqa: PLW0603
    _CLASSES = _CLASSES or _classes()
    return _CLASSES[1]


def show_usage_error(exc: Any) -> None:
    """Print a click usage error in Chinese on stderr: usage line, help hint, the error."""
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        try:
            lines.append(translate(ctx.get_usage()))
            if ctx.command.get_help_option(ctx) is not None:
                lines.append(f"运行“{ctx.command_path} {ctx.help_option_names[0]}”查看帮助。")
            lines.append("")
        except Exception:  # noqa: BLE001 - the error itself matters more than the usage line
            lines = []
    if not lines:  # click's parser raises some errors without a context
        command = " ".join(a for a in sys.argv[1:2] if not a.startswith("-"))
        lines = [f"运行“xlperf {command + ' ' if command else ''}--help”查看帮助。", ""]
    try:
        message = exc.format_message()
    except Exception:  # noqa: BLE001
        message = str(exc)
    lines.append(f"错误：{translate_error(message)}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
