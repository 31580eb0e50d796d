"""The ``xlperf`` command line. Heavy modules are imported inside commands to keep start-up fast.

Typer itself (~35 ms of a cold start) is imported only when needed: ``xlperf validate`` with plain
options, the scripted and batch case, is recognised by :func:`_fast_validate` and runs the same
:func:`_run_validate` as the Typer command; everything else (other commands, --help, unusual option
spellings, usage errors, Windows) goes through the Typer app, built on first use by :func:`_typer_app`.
``xlperf.cli.app`` is still the Typer app (module ``__getattr__``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

from xlperf.errors import XlperfError

if TYPE_CHECKING:
    import typer

    FrameworkOpt = Annotated[Optional[str], typer.Option()]

_COMMANDS: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
_APP: Any = None


def _command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``app.command(...)``, recorded until the Typer app is built."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _COMMANDS.append((fn, args, kwargs))
        return fn

    return register


def _typer_app() -> typer.Typer:
    """Import Typer and build the app; the commands' annotations (strings) resolve in this module's globals."""
    global _APP, typer, FrameworkOpt  # noqa: PLW0603
    if _APP is None:
        import typer as typer_module

        typer = typer_module  # type: ignore[no-redef]
        FrameworkOpt = Annotated[  # type: ignore[misc]
            Optional[str],
            typer.Option("--framework", "-f", help="内置框架编号（见 xlperf frameworks）、框架文件，或框架文件所在目录（按输入中记录的编号查找）；"
                              "默认取输入中记录的框架",
                         metavar="框架"),
        ]
        from xlperf.cli_zh import command_class, group_class

        app = typer.Typer(
            cls=group_class(),
            add_completion=False,
            no_args_is_help=True,
            help="xlperf — 部门整体支出绩效自评：评分、生成填报工作簿、校验提交的工作簿。",
            rich_markup_mode=None,
            pretty_exceptions_enable=False,
        )
        app.callback()(_root)
        for fn, args, kwargs in _COMMANDS:
            app.command(*args, cls=command_class(), **kwargs)(fn)
        _APP = app
    return _APP


def __getattr__(name: str) -> Any:
    if name == "app":
        return _typer_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _version(value: bool) -> None:
    if value:
        from xlperf import __version__

        sys.stdout.write(f"xlperf {__version__}\n")
        raise typer.Exit(0)


def _root(
    version: Annotated[bool, typer.Option("--version", "-V", help="显示版本并退出", is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """xlperf — 部门整体支出绩效自评：评分、生成填报工作簿、校验提交的工作簿。"""


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def _dump(obj: Any) -> str:
    from xlperf.write.cellsafe import json_visible
    from xlperf.safe_io import shown_path

    return json_visible(shown_path(json.dumps(obj, ensure_ascii=False, indent=2, default=_default)))


def _echo(message: str) -> None:
    """typer.echo of a line that may quote a submitted file (a unit name, a file name): printable."""
    from xlperf.write.cellsafe import printable

    typer.echo(printable(message))


@_command()
def frameworks() -> None:
    """列出内置的评价框架。"""
    from xlperf.framework.loader import builtin_ids, load_framework

    for fid in builtin_ids():
        fw = load_framework(fid)
        typer.echo(f"{fw.id}\t{fw.version}\t{fw.region}\t{fw.year}\t{fw.name}")


@_command("framework-schema")
def framework_schema(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出每个键的说明（docs/framework-reference.md）")] = False,
) -> None:
    """输出评价框架文件的 JSON Schema（或 --markdown：每个键的说明）。"""
    if markdown:
        from xlperf.render.docs import framework_reference_markdown

        typer.echo(framework_reference_markdown(), nl=False)
        return
    from xlperf.framework.models import Framework

    typer.echo(_dump(Framework.model_json_schema(by_alias=True)))


@_command("data-schema")
def data_schema(framework: FrameworkOpt = None) -> None:
    """输出某个评价框架的部门数据文件（YAML/JSON）的 JSON Schema：由框架声明的输入、填报数和表生成。"""
    from xlperf.api import resolve_framework
    from xlperf.data.models import data_model

    typer.echo(_dump(data_model(resolve_framework(framework, None)).model_json_schema()))


@_command()
def score(
    input: Annotated[Path, typer.Argument(help="数据文件（YAML/JSON）或已填报的工作簿（.xlsx）", metavar="文件")],
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """计算各级指标得分，与自评得分对比，并给出计算过程。"""
    from xlperf.api import score_path

    _readable_file(input)
    result = score_path(input, framework)
    if as_json:
        typer.echo(_dump(_score_json(result)))
        return
    from xlperf.render.text import print_scores

    print_scores(result)


def _readable_file(path: Path) -> None:
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


@_command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .xlsx 文件", metavar="文件.xlsx")],
    framework: FrameworkOpt = None,
    year: Annotated[Optional[int], typer.Option("--year", help="预填的年度（框架中年度输入的值）", metavar="年度")] = None,
    formulas: Annotated[str, typer.Option("--formulas", help="native：Excel 原生公式；udf：调用 xlperf 函数（需安装加载项）",
                                          metavar="native|udf")] = "native",
    data: Annotated[Optional[Path], typer.Option("--data", help="用数据文件（YAML/JSON）预填工作簿", metavar="文件")] = None,
    prior: Annotated[Optional[Path], typer.Option("--prior", help="上年报送的工作簿（或数据文件 YAML/JSON）：按名称填入框架要求的上年数（锁定并记录来源）",
                                                  metavar="上年.xlsx")] = None,
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖")] = False,
) -> None:
    """生成标准评价填报工作簿（所有比率与得分均以公式在表内计算）。"""
    from xlperf.api import resolve_framework
    from xlperf.safe_io import check_target, shown_path, write_atomically
    from xlperf.write.template import write_template

    if formulas not in ("native", "udf"):
        raise typer.BadParameter("--formulas 只能是 native 或 udf")
    check_target(output, what="输出文件", suffixes=(".xlsx",), force=force)
    if data is not None:
        _readable_file(data)
    values = None
    recorded = None
    if data is not None:
        from xlperf.data.loader import load_data
        from xlperf.data.values import data_values

        loaded = load_data(data, resolve_framework(framework, None) if framework is not None else None)
        values, recorded = data_values(loaded), loaded.framework
    fw = resolve_framework(framework, recorded)
    if prior is not None:
        _readable_file(prior)
        from xlperf.review.prior import apply_prior, read_prior
        from xlperf.write.template import build_workbook

        last = read_prior(fw, prior)
        values = {**(values or {}), **last.values}

        def write(tmp: Path) -> None:
            wb = build_workbook(fw, year=year, flavour=formulas, values=values)
            apply_prior(wb, fw, last, formulas)
            wb.save(tmp)

        path = write_atomically(output, write, what="工作簿", protect=(prior,))
    else:
        path = write_atomically(output, lambda tmp: write_template(fw, tmp, year=year, flavour=formulas, values=values),
                                what="工作簿")
    _echo(f"已生成 {shown_path(path)}（框架 {fw.id} {fw.version}）")
    if prior is not None:
        _echo(f"上年数：从“{shown_path(prior.name)}”填入 {len(last.values)} 项")
        if last.unmatched:
            from xlperf.plan.names import catalog

            cat = catalog(fw)
            _echo("上年文件中找不到（或为空）的上年数，请核实后手工填写：" + "、".join(
                f"{n}（{cat[n].label if n in cat else n}）" for n in last.unmatched))
            for n, why in last.refused.items():
                _echo(f"  {n}（{cat[n].label if n in cat else n}）未取用，上年文件 {why}")


@_command()
def inputs(
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出工作簿中的全部输入单元格：名称、中文标签、工作表、单元格、单位、类型。"""
    from xlperf.api import resolve_framework
    from xlperf.plan.names import catalog
    from xlperf.plan.formulas import plan_for

    fw = resolve_framework(framework, None)
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
    for tp in plan.tables.values():  # a table's typed columns: one range each, every row of the form
        table = next(t for t in fw.form.tables if t.name == tp.name)
        for col in (c for c in table.columns if c.expr is None):
            spec = catalog(fw)[f"{table.name}.{col.name}"]
            letter = tp.columns[col.name]
            rows.append({"name": spec.name, "label": spec.label, "sheet": tp.sheet,
                         "cell": f"{letter}{tp.first_row}:{letter}{tp.last_row}", "unit": spec.unit,
                         "type": spec.kind, "role": "column", "required": col.required,
                         **({"options": list(spec.options)} if spec.options else {})})
    if as_json:
        typer.echo(_dump(rows))
        return
    for r in rows:
        typer.echo(f"{r['name']}\t{r['label']}\t{r['sheet']}!{r['cell']}\t{r['unit']}\t{r['type']}")


@_command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="要校验的工作簿文件或文件夹（文件夹下的 .xlsx 全部校验）",
                                                metavar="文件或文件夹")],
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（格式见 xlperf json-schema）")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="把汇总和明细写入新的 .xlsx 报告",
                                                   metavar="文件.xlsx")] = None,
    annotate: Annotated[Optional[Path], typer.Option("--annotate", help="（单个文件）写出标注了问题的副本",
                                                     metavar="文件.xlsx")] = None,
    force: Annotated[bool, typer.Option("--force", help="报告或标注副本已存在时覆盖")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="只显示汇总表，不列出每个文件的问题")] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", help="并行进程数", metavar="数目")] = 1,
    select: Annotated[Optional[str], typer.Option("--select", help="只运行这些校验（代码、前缀或名称，逗号分隔）",
                                                  metavar="规则")] = None,
    ignore: Annotated[Optional[str], typer.Option("--ignore", help="忽略这些校验（代码、前缀或名称，逗号分隔）",
                                                  metavar="规则")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
    expected: Annotated[Optional[Path], typer.Option("--expected", help="应报单位名单（CSV：单位编码,单位名称），"
                                                     "列出未报送和不在名单中的单位", metavar="units.csv")] = None,
) -> None:
    """校验提交的工作簿：合计、预算与支出、比率、自评得分与规则是否一致。退出码 0 无错误，1 有错误，2 有文件无法读取、输出未能写出或参数有误，3 内部错误。"""
    try:
        code = _run_validate(paths, framework, as_json, report, annotate, workers, select, ignore, quiet, _echo,
                             force=force, summary=summary, expected=expected)
    except _UsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    raise typer.Exit(code)


class _UsageError(Exception):
    """A bad command line found while running: the Typer command reports it as click does."""


def _collect(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to validate, files skipped): a folder's files that xlperf itself wrote (reports, annotated
    copies, recognised by their mark) are not submissions. A file named on the command line is always validated."""
    from xlperf.safe_io import written_by_xlperf
    from xlperf.validate import collect_paths

    files: list[Path] = []
    skipped: list[Path] = []
    for p in paths:
        found = collect_paths([p])
        if p.is_dir():
            for f in found:
                (skipped if written_by_xlperf(f) else files).append(f)
        else:
            files.extend(found)
    return files, skipped


def _skipped_names(skipped: list[Path]) -> str:
    """The first skipped files by name: a submission carrying xlperf's mark is skipped too, so the reviewer
    must be able to see which files were left out."""
    from xlperf.write.cellsafe import printable
    from xlperf.safe_io import shown_path

    names = "、".join(printable(shown_path(f.name), newlines=False) for f in skipped[:5])
    return names + ("等" if len(skipped) > 5 else "")


def _run_validate(paths: list[Path], framework: str | None, as_json: bool, report: Path | None,
                  annotate: Path | None, workers: int, select: str | None, ignore: str | None, quiet: bool,
                  echo: Callable[[str], None], *, force: bool = False, summary: bool = False,
                  expected: Path | None = None) -> int:
    """The body of ``xlperf validate`` (shared by the Typer command and the fast path): the exit code.

    Outputs are checked before any file is read (never an input, never each other, existing ones only
    with --force); a report or annotated copy that cannot be written is a message and exit code 2,
    and the findings are printed all the same.
    """
    from xlperf.safe_io import check_outputs, shown_path
    from xlperf.validate import validate_paths

    files, skipped = _collect(paths)
    if not files:
        if skipped:
            raise _UsageError(f"只找到 {len(skipped)} 个 xlperf 生成的报告或标注副本，没有要校验的工作簿")
        raise _UsageError("没有找到要校验的工作簿（.xlsx）")
    if annotate is not None and len(files) != 1:
        raise _UsageError("--annotate 只能用于单个文件")
    source_suffix = files[0].suffix.lower()
    check_outputs(files, {"报告文件": report, "标注副本": annotate}, force=force,
                  suffixes={"标注副本": (".xlsm",) if source_suffix == ".xlsm" else (".xlsx",)})
    sel = [s.strip() for s in select.split(",") if s.strip()] if select else None
    ign = [s.strip() for s in ignore.split(",") if s.strip()] if ignore else None
    from xlperf.checks.registry import resolve

    unknown = [s for s in (sel or []) + (ign or []) if not resolve(s)]
    if unknown:
        raise XlperfError(f"未知的校验规则：{', '.join(unknown)}（xlperf rules 列出全部代码和名称）")
    info = echo if not as_json else _stderr
    if skipped:
        info(f"提示：已跳过 {len(skipped)} 个 xlperf 生成的报告或标注副本（{_skipped_names(skipped)}）")
    fw_ref = str(framework) if framework else None
    units_expected = None
    if expected is not None:
        from xlperf.review.batch import read_expected

        units_expected = read_expected(expected)
    show_progress = not quiet and len(files) > 1
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from rich.console import Console

        with Progress(TextColumn("校验中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True, console=Console(stderr=True)) as bar:
            task = bar.add_task("validate", total=len(files))
            result = validate_paths(files, fw_ref, workers=workers, select=sel, ignore=ign,
                                    progress=lambda _: bar.advance(task))
    else:
        result = validate_paths(files, fw_ref, workers=workers, select=sel, ignore=ign)
    problems: list[str] = []
    written: list[str] = []
    if report is not None:
        from xlperf.render.excel import write_report

        try:
            write_report(result, report, protect=tuple(files))
            written.append(f"报告已写入 {shown_path(report)}")
        except Exception as exc:  # noqa: BLE001 - never a traceback: the findings are still shown
            problems.append(_output_problem(exc, "报告文件", report))
    if annotate is not None:
        first = result.files[0]
        if first.status == "error":
            problems.append(f"“{shown_path(files[0].name)}”无法读取，未写出标注副本")
        else:
            from xlperf.write.annotate import annotate_copy

            try:
                annotate_copy(files[0], annotate, first)
                written.append(f"标注副本已写入 {shown_path(annotate)}（原文件未修改）")
            except Exception as exc:  # noqa: BLE001
                problems.append(_output_problem(exc, "标注副本", annotate))
    batch = None
    if len(files) > 1 or units_expected is not None:
        from xlperf.review.batch import batch_issues

        batch = batch_issues(result.files, units_expected)
    if as_json:
        from xlperf.render.json import report_dict

        echo(_dump(report_dict(result, fw_ref, batch)))
    else:
        from xlperf.render.text import print_report

        for issue in batch or []:  # above the table: the last line stays the batch's summary line
            echo(f"批次检查（{issue.kind_zh}）：{issue.message}")
        print_report(result, summary_only=summary)
        for line in written:
            echo(line)
    for problem in problems:
        _stderr(f"错误：{problem}")
    return 2 if problems else result.exit_code


@_command(short_help="汇总各单位的工作簿（等级、统计、金额合计），写出退回修改通知。")
def consolidate(
    paths: Annotated[list[Path], typer.Argument(help="各单位提交的工作簿文件或文件夹", metavar="文件或文件夹")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的汇总工作簿", metavar="汇总.xlsx")],
    framework: FrameworkOpt = None,
    expected: Annotated[Optional[Path], typer.Option("--expected", help="应报单位名单（CSV：单位编码,单位名称），"
                                                     "列出未报送和不在名单中的单位", metavar="units.csv")] = None,
    returns: Annotated[Optional[Path], typer.Option("--returns", help="为每个需修改或需说明的单位写出标注副本和"
                                                    "退回修改通知的文件夹", metavar="文件夹")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="退回修改通知中的重新报送期限",
                                                    metavar="日期")] = None,
    office: Annotated[Optional[str], typer.Option("--office", help="退回修改通知的发文单位", metavar="单位")] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="退回修改通知的联系人及电话",
                                                   metavar="联系人")] = None,
    workers: Annotated[int, typer.Option("--workers", "-j", help="并行进程数", metavar="数目")] = 1,
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
) -> None:
    """汇总各单位的自评工作簿：每单位一行（得分、等级、审核结论），指标统计、金额合计及其审核、不通过最多的审核规则、重复或漏报的单位；可为需修改的单位写出退回修改通知。退出码 0 全部通过，1 有单位需修改或需说明，2 输出未能写出或参数有误。"""
    from xlperf.write.notice_docx import NoticeOptions

    notice = NoticeOptions(office=office, contact=contact, deadline=deadline)
    raise typer.Exit(_run_consolidate(paths, output, framework, expected, returns, deadline, workers, force, quiet,
                                      notice))


def _run_consolidate(paths: list[Path], output: Path, framework: str | None, expected: Path | None,
                     returns: Path | None, deadline: str | None, workers: int, force: bool, quiet: bool,
                     notice: Any = None) -> int:
    from xlperf.render.consolidation import write_consolidation
    from xlperf.review.batch import read_expected
    from xlperf.review.consolidate import consolidate as build, consolidate_paths
    from xlperf.safe_io import check_outputs, shown_path

    files, skipped = _collect(paths)
    if not files:
        raise XlperfError("没有找到要汇总的工作簿（.xlsx）")
    check_outputs(files, {"汇总文件": output}, force=force)
    if returns is not None and returns.exists() and not returns.is_dir():
        raise XlperfError(f"--returns 应为文件夹，“{shown_path(returns)}”是文件")
    units_expected = read_expected(expected) if expected is not None else None
    if skipped:
        _echo(f"提示：已跳过 {len(skipped)} 个 xlperf 生成的报告、汇总或标注副本（{_skipped_names(skipped)}）")
    fw_ref = str(framework) if framework else None
    if not quiet and len(files) > 1:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("汇总中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True, console=Console(stderr=True)) as bar:
            task = bar.add_task("consolidate", total=len(files))
            units = consolidate_paths(files, fw_ref, workers=workers, progress=lambda _: bar.advance(task))
    else:
        units = consolidate_paths(files, fw_ref, workers=workers)
    cons = build(units, fw_ref, units_expected)
    problems: list[str] = []
    try:
        write_consolidation(cons, output, protect=tuple(files))
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        problems.append(_output_problem(exc, "汇总文件", output))
    from collections import Counter

    counts = Counter(u.report.review_zh for u in units)
    _echo(f"共 {len(units)} 个文件：" + "，".join(f"{k} {v} 个" for k, v in sorted(counts.items())))
    for issue in cons.issues:
        _echo(f"批次检查（{issue.kind_zh}）：{issue.message}")
    if not problems:
        _echo(f"汇总已写入 {shown_path(output)}")
    if returns is not None and cons.needs_revision:
        from xlperf.review.returns import write_returns

        try:
            returns.mkdir(parents=True, exist_ok=True)
            written = write_returns([u.report for u in cons.needs_revision], returns, cons.framework,
                                    protect=tuple(files), deadline=deadline, force=force)
            for item in written:
                if item.problem:
                    problems.append(f"{item.notice.name}：{item.problem}")
            if notice is not None:  # the notice as a Word document (xlperf.write.notice_docx)
                from xlperf.write.notice_docx import docx_notices

                problems += docx_notices(list(written), cons.framework, notice, protect=tuple(files), force=force)
            _echo(f"退回修改：{len(written)} 个单位的通知和标注副本已写入 {shown_path(returns)}")
        except Exception as exc:  # noqa: BLE001
            problems.append(_output_problem(exc, "退回修改文件", returns))
    for problem in problems:
        _stderr(f"错误：{problem}")
    if problems:
        return 2
    return 1 if cons.needs_revision else 0


def _output_problem(exc: Exception, what: str, target: Path) -> str:
    from xlperf.safe_io import shown_path

    if isinstance(exc, XlperfError):
        return str(exc)
    return f"未能写出{what}“{shown_path(target)}”（{type(exc).__name__}）"


def _stderr(message: str) -> None:
    from xlperf.write.cellsafe import printable
    from xlperf.safe_io import shown_path

    sys.stderr.write(printable(shown_path(message)) + "\n")
    sys.stderr.flush()


@_command(short_help="启动本机校验服务（供 WPS 加载项的“一键校验”使用）。")
def serve(
    port: Annotated[int, typer.Option("--port", help="端口（0 = 任选空闲端口）", metavar="端口")] = 17351,
    framework: FrameworkOpt = None,
) -> None:
    """启动本机校验服务：只监听 127.0.0.1，口令保存在用户配置目录的 service.json 中，日志写入同目录的 service.log。"""
    from xlperf.addins.service import serve as run_service

    raise typer.Exit(run_service(port, str(framework) if framework else None, _echo))


@_command()
def report(
    input: Annotated[Path, typer.Argument(help="已填报的工作簿（.xlsx）或数据文件（YAML/JSON）", metavar="文件")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .docx 报告草稿", metavar="报告.docx")],
    framework: FrameworkOpt = None,
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖")] = False,
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="工作簿有错误时仍起草报告（列出错误）")] = False,
) -> None:
    """按评价框架规定的提纲起草绩效自评报告（.docx）：数字全部取自工作簿，需部门填写处标为【请填写：…】。退出码 0 已生成，1 工作簿有错误未生成，2 文件无法读取或输出未能写出。"""
    from xlperf.review.report_draft import RefusedWorkbook, describe, draft_for
    from xlperf.safe_io import check_outputs, shown_path, write_atomically

    _readable_file(input)
    check_outputs([input], {"报告文件": output}, force=force, suffixes={"报告文件": (".docx",)})
    try:
        drafted = draft_for(input, framework, allow_errors=allow_errors)
    except RefusedWorkbook as exc:
        _stderr(f"错误：{exc}")
        raise typer.Exit(2 if exc.unreadable else 1) from None
    path = write_atomically(output, lambda tmp: tmp.write_bytes(drafted.docx), what="报告文件", protect=(input,))
    _echo(f"已生成 {shown_path(path)}（框架 {drafted.framework}）；【请填写：…】处须由部门填写")
    if drafted.errors:
        _echo(f"注意：工作簿有 {len(drafted.errors)} 个错误（按 --allow-errors 仍起草），报告中的相应数字须核实：")
        for line in describe(drafted.errors):
            _echo(line)


@_command("json-schema")
def json_schema() -> None:
    """输出 xlperf validate --json 结果的 JSON Schema。"""
    from xlperf.render.json import report_schema

    typer.echo(_dump(report_schema()))


@_command()
def rules(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出完整的 Markdown 规则文档（docs/rules.md）")] = False,
    framework: FrameworkOpt = None,
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
        from xlperf.api import resolve_framework

        fw = resolve_framework(framework, None)
        typer.echo(f"\n评价框架 {fw.id}（{fw.name}）的审核公式：")
        for a in fw.form.audits:
            code = "XP320" if a.severity == "强制" else "XP321"
            when = f"（当 {a.when} 时）" if a.when else ""
            typer.echo(f"{a.id}\t{code}\t{a.severity}\t{a.assert_}{when}\t{a.message}")


@_command()
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


def _score_json(result: Any) -> dict[str, Any]:
    return {
        "framework": result.framework,
        "framework_version": result.framework_version,
        "department": result.department,
        "year": result.year,
        "total": {"computed": result.total.computed, "self": result.total.self},
        "indicators": [
            {k: getattr(i, k) for k in ("id", "name", "level", "parent", "points", "computed", "self", "delta",
                                         "explanation")}
            for i in result.indicators
        ],
        "measures": [m.model_dump() for m in result.measures],
    }


_VALUE_OPTIONS = {"--framework": "framework", "-f": "framework", "--report": "report", "--annotate": "annotate",
                  "--workers": "workers", "-j": "workers", "--select": "select", "--ignore": "ignore"}
_FLAG_OPTIONS = {"--json": "as_json", "--quiet": "quiet", "-q": "quiet", "--force": "force", "--summary": "summary"}
_WORKERS = re.compile(r"^(0|[1-9][0-9]{0,8})$")


def _utf8(stream: Any) -> bool:
    """A stream that click.echo would write to unchanged (no re-encoding wrapper)."""
    if stream is None:
        return False
    encoding = getattr(stream, "encoding", None)
    if encoding is None:
        import io

        return isinstance(stream, io.StringIO)
    return str(encoding).lower().replace("-", "").replace("_", "") == "utf8"


def _plain_echo(message: str) -> None:
    """typer.echo of a str on a UTF-8 stdout: write, newline, flush (escape sequences: typer itself)."""
    from xlperf.write.cellsafe import printable

    message = printable(message)
    if "\x1b" in message:
        import typer as typer_module

        typer_module.echo(message)
        return
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _fast_args(argv: list[str]) -> dict[str, Any] | None:
    """``validate`` arguments in their plainest spellings, or None to let Typer parse them."""
    if len(argv) < 2 or argv[0] != "validate" or os.name == "nt" or not (_utf8(sys.stdout) and _utf8(sys.stderr)):
        return None
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # shell completion requests are Typer's
    opts: dict[str, Any] = {}
    paths: list[Path] = []
    parsed: bool | int | Path | str
    tokens = iter(argv[1:])
    for token in tokens:
        if not token or "\x1b" in token:
            return None
        if not token.startswith("-"):
            paths.append(Path(token))
            continue
        name, eq, value = token.partition("=")
        if name in _FLAG_OPTIONS and not eq:
            key, parsed = _FLAG_OPTIONS[name], True
        elif name in _VALUE_OPTIONS and (not eq or name.startswith("--")):
            if not eq:
                value = next(tokens, "")
            if not value or value.startswith("-") or "\x1b" in value:
                return None
            key = _VALUE_OPTIONS[name]
            if key == "workers":
                if not _WORKERS.match(value):
                    return None
                parsed = int(value)
            else:
                parsed = Path(value) if key in ("report", "annotate") else value
        else:
            return None  # --help, --, combined short flags, unknown options: Typer decides
        if key in opts:
            return None  # repeated option
        opts[key] = parsed
    if not paths:
        return None
    return {"paths": paths, **opts}


def _fast_validate(argv: list[str]) -> int | None:
    """Run ``xlperf validate`` without importing Typer when its arguments are plain; None otherwise."""
    args = _fast_args(argv)
    if args is None:
        return None
    try:
        return _run_validate(args["paths"], args.get("framework"), args.get("as_json", False), args.get("report"),
                             args.get("annotate"), args.get("workers", 1), args.get("select"), args.get("ignore"),
                             args.get("quiet", False), _plain_echo, force=args.get("force", False),
                             summary=args.get("summary", False))
    except _UsageError:
        return None  # Typer parses again and reports the usage error exactly as always
    except KeyboardInterrupt:
        return 130  # as Typer's command runner does
    except EOFError:
        sys.stderr.write("\n")
        sys.stderr.flush()
        import typer as typer_module

        raise typer_module.Abort() from None
    except OSError as exc:
        import errno

        if exc.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)


def main() -> None:
    """Console entry point: a user error is a Chinese message and exit code 2, never a traceback.

    Exit codes: 0 no errors, 1 errors found, 2 a file could not be read or the command line is wrong,
    3 an internal error of xlperf (set XLPERF_DEBUG=1 for the traceback), 130 interrupted.
    """
    try:
        rc = _fast_validate(sys.argv[1:])
        if rc is None:
            rc = _typer_app()(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except XlperfError as exc:
        _stderr(f"错误：{exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        import typer as typer_module

        if isinstance(exc, typer_module.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, typer_module.Abort):
            sys.exit(130)
        # usage errors (typer bundles its own copy of click's exceptions)
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # the (Chinese) help of the command
            else:
                from xlperf.cli_zh import show_usage_error

                show_usage_error(exc)
            sys.exit(exc.exit_code if isinstance(exc.exit_code, int) else 2)
        if isinstance(exc, OSError):
            import errno

            if exc.errno == errno.EPIPE:
                sys.exit(1)
            from xlperf.safe_io import shown_path

            where = f"“{shown_path(exc.filename)}”" if exc.filename else ""
            _stderr(f"错误：无法访问{where}（{exc.strerror or type(exc).__name__}）")
            sys.exit(2)
        if os.environ.get("XLPERF_DEBUG"):
            raise
        _stderr(f"内部错误：{type(exc).__name__}: {str(exc)[:500]}\n这是 xlperf 的缺陷，请把命令和文件报告给维护者"
                "（设置环境变量 XLPERF_DEBUG=1 可显示详细信息）。")
        sys.exit(3)


if __name__ == "__main__":
    main()
