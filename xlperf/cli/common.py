"""What every command module shares: the command-group class, the options that mean the same in every
command (``Annotated`` aliases), and the helpers that print a submitted file's text safely.

Command modules import heavy modules (openpyxl, pandas, the validator) inside their functions: the
command line starts by importing every command module, so their top level stays light.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from xlperf.cli.zh import ZhCommand
from xlperf.errors import XlperfError

__all__ = ["AsJson", "CommandGroup", "Expected", "Force", "Framework", "Quiet", "Workers", "collect", "count", "dump", "echo",
           "output_problem", "readable_file", "stderr"]


class CommandGroup(typer.Typer):
    """The commands of one module; merged into the root app (``add_typer`` without a name).

    Every command gets the Chinese help and errors of :class:`~xlperf.cli.zh.ZhCommand` and the Chinese
    ``[选项]`` in its usage line.
    """

    def __init__(self) -> None:
        super().__init__(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", ZhCommand)
        kwargs.setdefault("options_metavar", "[选项]")
        return super().command(name, **kwargs)


def count(value: str | int) -> int:
    """A whole number ≥ 0 typed on the command line (typer's own conversion would answer in English)."""
    if isinstance(value, int):
        return value  # the default
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise typer.BadParameter("必须是整数")
    return int(text)


Framework = Annotated[Optional[str], typer.Option(
    "--framework", "-f", metavar="框架",
    help="内置框架编号（见 xlperf frameworks）、框架文件，或框架文件所在目录（按输入中记录的编号查找）；默认取输入中记录的框架")]
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON")]
Force = Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")]
Workers = Annotated[int, typer.Option("--workers", "-j", help="并行进程数", metavar="数目", parser=count)]
Expected = Annotated[Optional[Path], typer.Option(
    "--expected", metavar="units.csv", help="应报单位名单（CSV：单位编码,单位名称），列出未报送和不在名单中的单位")]


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def dump(obj: Any) -> str:
    """JSON for stdout: Chinese as typed, a submitted file's invisible characters made visible."""
    from xlperf.safe_io import shown_path
    from xlperf.safe_text import json_visible

    return json_visible(shown_path(json.dumps(obj, ensure_ascii=False, indent=2, default=_default)))


def echo(message: str) -> None:
    """typer.echo of a line that may quote a submitted file (a unit name, a file name): printable."""
    from xlperf.safe_text import printable

    typer.echo(printable(message))


def stderr(message: str) -> None:
    from xlperf.safe_io import shown_path
    from xlperf.safe_text import printable

    sys.stderr.write(printable(shown_path(message)) + "\n")
    sys.stderr.flush()


def readable_file(path: Path) -> None:
    """A clear message for an input that is missing, a folder or not a regular file."""
    import stat

    from xlperf.safe_io import shown_path

    try:
        st = path.stat()
    except FileNotFoundError:
        raise XlperfError(f"找不到文件“{shown_path(path)}”") from None
    except OSError as exc:
        raise XlperfError(f"无法读取“{shown_path(path)}”（{exc.strerror or type(exc).__name__}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise XlperfError(f"“{shown_path(path)}”是文件夹，请给出一个文件")
    if not stat.S_ISREG(st.st_mode):
        raise XlperfError(f"“{shown_path(path)}”不是普通文件")


def output_problem(exc: Exception, what: str, target: Path) -> str:
    """The message of an output that could not be written (never a traceback: the findings still show)."""
    from xlperf.safe_io import shown_path

    if isinstance(exc, XlperfError):
        return str(exc)
    return f"未能写出{what}“{shown_path(target)}”（{type(exc).__name__}）"


def collect(paths: list[Path]) -> tuple[list[Path], list[Any]]:
    """(files to read, skipped files with their reasons): a folder's files that are xlperf's own reports, 汇总
    or notices are not submissions (an annotated copy sent back is one); a file named on the command line is
    always read. See :func:`xlperf.review.intake.collect_submissions`."""
    from xlperf.review.intake import collect_submissions

    return collect_submissions(paths)


def skipped_lines(skipped: list[Any]) -> list[str]:
    """One line per skipped file, its name and the reason: the reviewer must see which files were left out."""
    from xlperf.review.intake import skipped_lines as lines

    return lines(skipped)
