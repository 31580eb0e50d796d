"""Chinese help and usage errors: a small adapter on click's documented extension points.

Why an adapter and not a translation catalogue: Typer 0.29 ships its own copy of click whose messages
("Usage:", "Show this message and exit.", every usage error) are plain English literals, not gettext
calls; only a few strings of ``typer/core.py`` go through gettext, and gettext would pick the language
from the user's locale, not ours. So the help is written by a formatter subclass (click's
``Context.formatter_class`` hook: usage prefix, headings, a definition list measured in terminal cells)
and a usage error is written by :func:`show_usage_error` **from the exception's data** (its class, the
parameter, the option name, the possibilities), never by matching its English text. The few English
words Typer puts into help records (``[default: …]``, ``[required]``, the help option's text) are an
exact-phrase table. Typer's range is bounded in pyproject.toml (tested: 0.29.x); tests/cli/test_zh.py
exercises every kind of usage error and fails on any English word, so a Typer release that changes
these hooks is caught before it is allowed.
"""

from __future__ import annotations

import difflib
import re
import sys
from typing import Any, NoReturn

import typer
import typer.core

__all__ = ["ZhCommand", "ZhGroup", "show_usage_error", "wrap_cells"]

HEADINGS = {"Arguments": "参数", "Options": "选项", "Commands": "命令", "Usage": "用法"}
PHRASES = {  # the fixed English words Typer writes into a help record
    "Show this message and exit.": "显示本帮助并退出。",
    "[default: ": "[默认：",
    "[required]": "[必填]",
    "; required]": "；必填]",
}
_TOKEN = re.compile(r"\[[^\]]{0,20}\]|[\x21-\x7e]+|\s+|.", re.S)
"""A run of printable ASCII (an option name, a number, a path) is never split; CJK breaks anywhere."""
_HANG = 2
"""Room the formatter leaves for hanging punctuation: click's width is the terminal's less 2, so a help line
with two hanging marks (4 cells) still fits the terminal."""
_NO_LINE_START = frozenset("，。、；：）》」』】！？,.;:)")
_REQUIRED = re.compile(r"\{([^{}\s]+)\}")
"""Typer's ``{name}`` of a required argument in the usage line: the help says [必填]."""
_TYPE_LABEL = re.compile(r"\s<[^<>]*>$")
"""Typer's type label after an argument's name (``<list[Path]>``): Python, not words for a user."""


def translate(text: str) -> str:
    for english, chinese in PHRASES.items():
        text = text.replace(english, chinese)
    return text


def wrap_cells(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal cells, plus up to two hanging closing punctuation marks (as CJK
    typesetting does: "。" or "）" never starts a line). Only a word wider than the line is cut."""
    from rich.cells import cell_len, chop_cells

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in _TOKEN.findall(paragraph):
            fits = cell_len(line + token) <= width
            if fits or (token in _NO_LINE_START and line.strip() and cell_len(line) <= width + 2):
                line += token
                continue
            if line.strip():
                lines.append(line.rstrip())
            pieces = chop_cells(token.lstrip(), width) or [""]  # a single word wider than the line
            lines.extend(pieces[:-1])
            line = pieces[-1]
        lines.append(line.rstrip())
    return lines or [""]


class ZhFormatter(typer.core.TyperCommand.context_class.formatter_class):  # type: ignore[name-defined]
    """click's HelpFormatter with Chinese headings and CJK-aware wrapping."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = _REQUIRED.sub(r"\1", args)
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in wrap_cells(text, max(self.width - self.current_indent - _HANG, 20)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, measured in terminal cells (a CJK character is two wide)."""
        from rich.cells import cell_len

        rows = [(_TYPE_LABEL.sub("", first), translate(second)) for first, second in rows]
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
            width = max(self.width - first_col - self.current_indent - _HANG, 10)
            lines = wrap_cells(second, width)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


class ZhContext(typer.core.TyperCommand.context_class):  # type: ignore[misc, valid-type]
    formatter_class = ZhFormatter


class ZhCommand(typer.core.TyperCommand):
    """A command whose help is Chinese and whose extra arguments are reported in Chinese."""

    context_class = ZhContext

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # click would fail in English: we fail in Chinese below
        try:
            rest: list[str] = super().parse_args(ctx, args)
        except Exception as exc:
            if is_usage_error(exc) and getattr(exc, "ctx", None) is None:
                exc.ctx = ctx  # type: ignore[attr-defined]  # click's parser raises some without one
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            ctx.fail(f"多余的参数：{' '.join(rest)}")
        return rest


class ZhGroup(typer.core.TyperGroup):
    """The root group: Chinese help, commands listed in full (never cut with "..."), Chinese command errors."""

    context_class = ZhContext

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # click's parser consumes the list
        rest: list[str] = super().parse_args(ctx, args)
        if given and not ctx.resilient_parsing and all(a.startswith("-") for a in given):
            _fail(ctx, "缺少命令（xlperf --help 列出全部命令）")  # only options, none of them eager
        return rest

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(name, list(self.commands))
            hint = f"是否想用 {'、'.join(close)}？" if close else "xlperf --help 列出全部命令"
            _fail(ctx, f"没有命令“{name}”（{hint}）")
        return super().resolve_command(ctx, args)


def _fail(ctx: Any, message: str) -> NoReturn:
    ctx.fail(message)
    raise AssertionError("unreachable")  # ctx.fail raises


# Usage errors ------------------------------------------------------------------------------------------

def _kind(exc: BaseException) -> str:
    """The name of the most specific click exception class of ``exc`` (click's documented hierarchy)."""
    known = ("NoArgsIsHelpError", "MissingParameter", "NoSuchOption", "BadOptionUsage", "BadArgumentUsage",
             "BadParameter", "UsageError")
    return next((c.__name__ for c in type(exc).__mro__ if c.__name__ in known), "")


def is_usage_error(exc: BaseException) -> bool:
    return bool(_kind(exc)) and hasattr(exc, "show")


def _han(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _param_name(param: Any) -> str:
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name or "").removesuffix("...")
    return " / ".join(param.opts)


def _option(ctx: Any, name: str) -> Any:
    command = getattr(ctx, "command", None)
    for param in getattr(command, "params", []):
        if name in getattr(param, "opts", ()) or name in getattr(param, "secondary_opts", ()):
            return param
    return None


def error_message(exc: Any) -> str:
    """The Chinese message of a click usage error, built from its class and attributes."""
    kind = _kind(exc)
    message = str(getattr(exc, "message", "") or "")
    if kind == "MissingParameter":
        what = "参数" if getattr(exc.param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{what} {_param_name(exc.param)}"
    if kind == "NoSuchOption":
        close = [p for p in (exc.possibilities or ()) if p]
        return f"没有选项 {exc.option_name}" + (f"（是否想用 {'、'.join(close)}？）" if close else "")
    if kind == "BadOptionUsage":
        param = _option(getattr(exc, "ctx", None), exc.option_name)
        if param is not None and getattr(param, "is_flag", False):
            return f"选项 {exc.option_name} 不接受值"
        nargs = getattr(param, "nargs", 1) if param is not None else 1
        return f"选项 {exc.option_name} 需要" + ("一个值" if nargs == 1 else f" {nargs} 个值")
    if kind == "BadParameter":
        hint = _param_name(exc.param) if exc.param is not None else str(exc.param_hint or "")
        what = f"{hint} 的值无效" if hint else "值无效"
        return f"{what}：{message}" if _han(message) else f"{what}（{message}）"
    return message if _han(message) else f"参数有误：{message}"


def show_usage_error(exc: Any) -> None:
    """Print a click usage error in Chinese on stderr: usage line, help hint, the error."""
    if _kind(exc) == "NoArgsIsHelpError":
        exc.show()  # the command's (Chinese) help
        return
    ctx = getattr(exc, "ctx", None)
    lines: list[str] = []
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(f"运行“{ctx.command_path} {ctx.help_option_names[0]}”查看帮助。")
        lines.append("")
    else:  # click's parser raises a few errors before a context exists
        command = next((a for a in sys.argv[1:2] if not a.startswith("-")), "")
        lines = [f"运行“xlperf {command + ' ' if command else ''}--help”查看帮助。", ""]
    lines.append(f"错误：{error_message(exc)}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
