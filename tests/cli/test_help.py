"""The command line's help and usage errors (issue 16 §5, issue 19 §8): Chinese through the adapter in
xlperf/cli/zh.py, readable at 80 columns, commands in the order a user needs them."""

from __future__ import annotations

import re

import pytest
import typer
from rich.cells import cell_len

from xlperf.cli import app, command_modules
from xlperf.cli.zh import wrap_cells

from .conftest import xlperf
from .test_cli import _no_english

COMMANDS = [c.name for c in typer.main.get_command(app).commands.values()]  # type: ignore[attr-defined]


def test_commands_in_the_order_a_user_needs_them() -> None:
    run = xlperf("--help", columns=80)
    listed = re.findall(r"(?m)^  ([a-z][a-z-]+)  ", run.out.split("命令：")[1])
    assert listed[:5] == ["template", "validate", "report", "consolidate", "score"], listed
    assert sorted(listed) == sorted(COMMANDS)


def test_every_command_module_is_found() -> None:
    names = [m.__name__.rsplit(".", 1)[1] for m in command_modules()]
    assert names == ["template", "validate", "report", "consolidate", "score", "serve", "reference"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_80_columns_and_cuts_nothing(command: str) -> None:
    run = xlperf(*([command] if command else []), "--help", columns=80)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, run.out
    assert not [line for line in lines if line.lstrip()[:1] in tuple("，。、；：）")], run.out
    _no_english(run.out)
    # no short help cut with "..." (only a list argument's metavar ends so, in the usage line)
    assert not [line for line in lines[1:] if line.rstrip().endswith("...")], run.out
    # every option name is printed whole, on one line
    params = typer.main.get_command(app).commands[command].params if command else []  # type: ignore[attr-defined]
    for name in (o for p in params for o in p.opts if o.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", run.out), (name, run.out)
    # a line break never splits an ASCII word such as "--framework" or "Schema"
    for first, second in zip(lines, lines[1:]):
        if re.search(r"[A-Za-z]$", first) and re.match(r"\s*[a-z]", second.strip() and second.lstrip()[:1] or " "):
            assert not re.match(r"^\s{10,}[a-z]", second), (first, second)


@pytest.mark.parametrize(("args", "message"), [
    (["validate"], "错误：缺少参数 文件或文件夹"),
    (["template"], "错误：缺少选项 --output / -o"),
    (["validate", "--bogus", "x.xlsx"], "错误：没有选项 --bogus"),
    (["validate", "--jsn", "x.xlsx"], "错误：没有选项 --jsn（是否想用 --json、--jsonl？）"),
    (["validate", "--report"], "错误：选项 --report 需要一个值"),
    (["validate", "--json=yes", "x.xlsx"], "错误：选项 --json 不接受值"),
    (["validate", "-j", "两个", "x.xlsx"], "错误：--workers / -j 的值无效：必须是整数"),
    (["template", "-o", "x.xlsx", "--year", "明年"], "错误：--year 的值无效：必须是整数"),
    (["rule", "XP303", "XP304"], "错误：多余的参数：XP304"),
    (["valdate"], "错误：没有命令“valdate”（是否想用 validate？）"),
    (["nosuch"], "错误：没有命令“nosuch”（xlperf --help 列出全部命令）"),
    (["--"], "错误：缺少命令（xlperf --help 列出全部命令）"),
    (["template", "-o", "x.xlsx", "--formulas", "excel"], "错误：值无效：--formulas 只能是 native 或 udf"),
])
def test_every_kind_of_usage_error_is_chinese(args: list[str], message: str) -> None:
    """Each kind of click usage error, told from its class and attributes (never its English text)."""
    run = xlperf(*args)
    assert run.code == 2 and run.out == ""
    assert run.err.rstrip().splitlines()[-1] == message, run.err
    assert "用法：xlperf" in run.err and "--help”查看帮助。" in run.err
    _no_english(run.err)


def test_no_arguments_shows_the_help() -> None:
    run = xlperf()
    assert run.code == 2 and "命令：" in run.out + run.err and "template" in run.out + run.err


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("见 xlperf frameworks）、框架文件", 12, ["见 xlperf", "frameworks）、", "框架文件"]),
    ("输出 JSON Schema。", 14, ["输出 JSON", "Schema。"]),
    ("一二三四五六。", 6, ["一二三", "四五六。"]),  # closing punctuation hangs, never starts a line
    ("[默认：1]", 4, ["[默", "认：", "1]"]),  # only a word wider than the line is cut
])
def test_wrap_cells(text: str, width: int, lines: list[str]) -> None:
    assert wrap_cells(text, width) == lines
