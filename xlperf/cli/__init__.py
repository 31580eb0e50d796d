"""The ``xlperf`` command line: a Typer app whose commands live one group per module in this package.

Each command module (``validate.py``, ``consolidate.py``, …) defines ``app = CommandGroup()`` (see
common.py), its commands with ``@app.command()`` and ``ORDER``, the place of its commands in ``xlperf
--help`` (the order a user needs them: make a workbook, check it, consolidate, then the reference
commands). This module finds those modules, merges their commands into the root app in that order, and
runs it: :func:`main` is the console entry point, :func:`run` the same for a caller with its own argv.
Adding a command is adding a module (docs/cli.md).
"""

from __future__ import annotations

import errno
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Annotated

import typer

from xlperf.cli.common import CommandGroup, stderr
from xlperf.cli.zh import ZhGroup, is_usage_error, show_usage_error
from xlperf.errors import XlperfError

__all__ = ["app", "command_modules", "main", "run"]

HELP = "xlperf — 部门整体支出绩效自评：评分、生成填报工作簿、校验提交的工作簿。"


def command_modules() -> list[ModuleType]:
    """The modules of this package that define commands (an ``app`` that is a CommandGroup), by ORDER."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "app", None), CommandGroup):
            found.append(module)
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 1000), m.__name__))


def _version(value: bool) -> None:
    if value:
        from xlperf import __version__

        typer.echo(f"xlperf {__version__}")
        raise typer.Exit(0)


def _root(
    version: Annotated[bool, typer.Option("--version", "-V", help="显示版本并退出", is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """xlperf — 部门整体支出绩效自评：评分、生成填报工作簿、校验提交的工作簿。"""


def _build() -> typer.Typer:
    root = typer.Typer(cls=ZhGroup, add_completion=False, no_args_is_help=True, help=HELP, rich_markup_mode=None,
                       pretty_exceptions_enable=False, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
    root.callback()(_root)
    for module in command_modules():
        root.add_typer(module.app)
    return root


app = _build()


def run(argv: Sequence[str] | None = None) -> int:
    """Run ``xlperf ARGV`` (default: the process's arguments): the exit code. A user error is a Chinese
    message and exit code 2, never a traceback.

    Exit codes: 0 no errors, 1 errors found, 2 a file could not be read or the command line is wrong,
    3 an internal error of xlperf (set XLPERF_DEBUG=1 for the traceback), 130 interrupted.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rc = typer.main.get_command(app).main(args, prog_name="xlperf", standalone_mode=False)
        return rc if isinstance(rc, int) else 0
    except XlperfError as exc:
        stderr(f"错误：{exc}")
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    except Exception as exc:  # noqa: BLE001 - every other exception becomes a message and an exit code
        return _failure(exc)


def _failure(exc: Exception) -> int:
    """A usage error (Chinese, 2), an unreadable path (2), a broken pipe (1) or a bug of xlperf (3)."""
    if is_usage_error(exc):
        show_usage_error(exc)
        code = getattr(exc, "exit_code", 2)
        return code if isinstance(code, int) else 2
    if isinstance(exc, OSError):
        if exc.errno == errno.EPIPE:
            return 1
        from xlperf.safe_io import shown_path

        where = f"“{shown_path(exc.filename)}”" if exc.filename else ""
        stderr(f"错误：无法访问{where}（{exc.strerror or type(exc).__name__}）")
        return 2
    if os.environ.get("XLPERF_DEBUG"):
        raise exc
    stderr(f"内部错误：{type(exc).__name__}: {str(exc)[:500]}\n这是 xlperf 的缺陷，请把命令和文件报告给维护者"
           "（设置环境变量 XLPERF_DEBUG=1 可显示详细信息）。")
    return 3


def main() -> None:
    """Console entry point (``xlperf = xlperf.cli:main``)."""
    sys.exit(run())
