"""退回修改: for each unit needing revision, its annotated copy and a notice, ready to mail.

A unit is sent back when its review status is 需修改 (强制 errors left, or the file cannot be read) or
需说明 (提示 findings without an adequate 出错说明). The notice lists what to fix (sheet, cell, the rule
and its message) and what to explain; the annotated copy is the department's own file with the
findings marked, not marked as xlperf's output, so the department can correct it and send it back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlperf.findings import FileReport, Finding, Severity, notice_rows, plain_value
from xlperf.framework.models import Framework
from xlperf.ingest.explanations import EXPLAIN_HEADER
from xlperf.safe_io import OutputError, shown_path, write_atomically
from xlperf.safe_text import put, xml_text
from xlperf.write.printfit import BODY_PT, LINE_PT, fit_table, fitted_widths, lines_needed

NOTICE_WIDTHS = (5, 14, 8, 24, 60, 12, 12, 24)
"""Columns of the 退回修改通知 workbook: 序号 工作表 单元格 规则 问题说明 发现值 应为 已填写的说明."""

__all__ = ["ReturnedUnit", "prepare_returns", "return_stem", "return_unit", "safe_name", "write_returns"]

NAME_MAX = 60
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+')
"""Separators, reserved and control characters, and the invisible or bidirectional ones (U+202E would show
``科技局-标注.xlsx`` reversed in a file manager, a zero-width space would make two names look the same)."""
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class ReturnedUnit:
    report: FileReport
    notice: Path
    annotated: Path | None  # None when the file could not be read (nothing to annotate)
    problem: str | None = None  # why the annotated copy could not be written


def safe_name(text: str | None, fallback: str = "未知单位") -> str:
    """A file-name part on every system: no separators, reserved, control, invisible or bidirectional
    characters or Windows device names; no leading/trailing dots or spaces; bounded. Nor does it begin with
    ``-`` (a command-line option to the tool the file is handed to), ``=``, ``+`` or ``@`` (a formula when
    the name is pasted into a sheet)."""
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", xml_text(text or "", 500))).strip(" ._")
    text = text.lstrip("-=+@ ._")
    text = re.sub(r"\s+", " ", text)
    if not text or _RESERVED.match(text) or set(text) <= {"_", "."}:
        return fallback
    return text[:NAME_MAX].rstrip(" .")


STEM_BYTES = 150
"""UTF-8 bytes of a file-name stem at most: a file name may have 255 bytes, and 60 Chinese characters of code
and 60 of name are 360 (ENAMETOOLONG stopped every unit's notice)."""


def text_place(f: Finding) -> str | None:
    """Where in the 绩效自评报告 a text finding stands, for a 单元格 column: 第12段, 表3第2行第7列."""
    t = f.text
    if t is None:
        return None
    if t.table:
        return f"表{t.table}第{t.row}行第{t.column}列"
    return f"第{t.paragraph}段" if t.paragraph else None


def _cut_bytes(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text.rstrip(" .")


def return_stem(rep: FileReport) -> str:
    """``<单位编码>-<单位名称>``, or the name alone, or the submitted file's name (at most STEM_BYTES)."""
    parts = [safe_name(p, "") for p in (rep.unit_code, rep.department) if p]
    parts = [p for p in parts if p]
    return _cut_bytes("-".join(parts) or safe_name(Path(rep.path).stem, "未命名文件"), STEM_BYTES) or "未命名文件"


def _rule_text(fw: Framework | None, f: Finding) -> str:
    if fw is not None and f.rule:
        from xlperf.review.consolidate import rule_text

        text = rule_text(fw, f.rule)
        if text is not None:
            return f"{f.rule} {text}"
    return f.code


NOTICE_HEADS = ("序号", "工作表", "单元格", "规则", "问题说明", "发现值", "应为", "已填写的说明（提示性问题：过短或为占位，不能接受）")
"""The one header row of the notice's tables, repeated at the top of every printed page."""


def _write_notice(rep: FileReport, fw: Framework | None, target: Path, deadline: str | None,
                  protect: tuple[Path, ...], change: Any = None) -> Path:
    """The notice as a workbook that prints legibly: the widths fit an A4 landscape page at (almost) full
    size, every text wraps, rows are as high as their text and as many pages as it takes, the column headers
    repeated on each (it printed on one page at ~7 pt)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    fix, explain = notice_rows(rep)
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "退回修改通知"
    widths = fitted_widths(NOTICE_WIDTHS)
    banners: list[int] = []

    def banner(r: int, text: str, font: Any = None) -> None:  # a line across the table, wrapped
        cell = put(ws, r, 1, text)
        if font is not None:
            cell.font = font
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(NOTICE_HEADS))
        banners.append(r)

    banner(1, f"{rep.department or '（未填单位名称）'} 绩效自评材料退回修改通知", Font(bold=True, size=14))
    lines = [
        f"单位编码：{rep.unit_code or '（未填）'}    年度：{rep.year or '（未填）'}    审核结论：{rep.review_zh}",
        f"提交文件：{Path(shown_path(rep.path)).name}",
        f"计算总分：{rep.total_computed if rep.total_computed is not None else '—'}    "
        f"自评总分：{rep.total_self if rep.total_self is not None else '—'}",
        "请按下列问题修改（强制性问题必须改正）或在“校验结果”工作表“" + EXPLAIN_HEADER
        + "”列填写出错说明（提示性问题），" + (f"于 {deadline} 前" if deadline else "") + "重新报送。",
    ]
    for r, line in enumerate(lines, start=2):
        banner(r, line)
    head_row = len(lines) + 3
    for c, head in enumerate(NOTICE_HEADS, start=1):
        put(ws, head_row, c, head).font = Font(bold=True)
    r = head_row + 1
    for heading, items in ((f"一、需要修改的问题（{Severity.error.zh}，{Severity.error.level_zh}）", fix),
                           (f"二、需要填写出错说明的问题（{Severity.warning.zh}，{Severity.warning.level_zh}）", explain)):
        banner(r, heading, Font(bold=True))
        r += 1
        if not items:
            put(ws, r, 2, "（无）")
            r += 1
        for i, f in enumerate(items, start=1):
            sheet, cell = (f.sheet, f.cell) if f.text is None else ("自评报告", text_place(f))
            row = [i, sheet, cell, _rule_text(fw, f), f.message, plain_value(f.found), plain_value(f.expected)]
            if items is explain:
                row.append(f.explanation)
            for c, v in enumerate(row, start=1):
                put(ws, r, c, v)
            r += 1
    if change is not None:
        r = _change_section(ws, r + 1, change, banner)
    fit_table(ws, NOTICE_WIDTHS, first_row=1, last_row=r, title_rows=f"{head_row}:{head_row}")
    full = sum(widths)
    for b in banners:  # fit_table measured a merged line by its first column only
        first: Any = ws.cell(row=b, column=1)
        size = max(float(first.font.sz) if first.font is not None and first.font.sz else BODY_PT, BODY_PT)
        needed = lines_needed(str(first.value), full * BODY_PT / size)
        ws.row_dimensions[b].height = needed * LINE_PT * size / BODY_PT + 2
    from xlperf.safe_io import mark_workbook

    mark_workbook(wb, "notice")
    return write_atomically(target, wb.save, what="退回修改通知", protect=protect)


def _change_section(ws: Any, r: int, change: Any, banner: Any) -> int:
    """三、与上一轮相比: the summary line, then the findings fixed since and those still open."""
    from openpyxl.styles import Font

    banner(r, f"三、与上一轮（第 {change.previous_round} 轮）相比", Font(bold=True))
    r += 1
    banner(r, change.summary)
    r += 1
    for what, items in (("已改正", change.fixed), ("仍未改正", change.still_open), ("新增", change.new),
                        ("已说明", change.explained)):
        if items:
            banner(r, f"{what}（{len(items)} 项）")
            r += 1
        for i, (code, rule, sheet, cell, _sev, message) in enumerate(items, start=1):
            for c, v in enumerate((i, sheet, cell, f"{rule} {code}".strip(), message), start=1):
                put(ws, r, c, v)
            r += 1
    if change.figures_changed:
        banner(r, "数据变化：" + "、".join(change.figures_changed[:30]) + ("等" if len(change.figures_changed) > 30 else ""))
        r += 1
    return r + 1


def _write_annotated(rep: FileReport, target: Path, protect: tuple[Path, ...],
                     fw: Framework | None = None) -> Path:
    """The department's file with the findings marked: the same annotation as --annotate (made inert the
    same way), but not marked as xlperf's output, since the department corrects this copy and sends it back."""
    from xlperf.write.annotate import write_annotated

    return write_annotated(Path(rep.path), target, rep, fw, kind="returned", protect=protect)


def _unique(stem: str, taken: set[str]) -> str:
    name, n = stem, 2
    while name.lower() in taken:
        name, n = f"{stem}（{n}）", n + 1
    taken.add(name.lower())
    return name


OWN_KINDS = ("notice", "returned")
"""Marks of the files a round writes into the returns folder: the next round replaces them."""


def prepare_returns(folder: Path) -> int:
    """Delete the notices and returned copies a previous round wrote into ``folder`` (recognised by their
    mark, never by name); anything else there is left alone. Returns how many were removed."""
    import stat

    from xlperf.safe_io import output_kind

    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for path in entries:
        try:
            st = path.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or path.suffix.lower() not in (".xlsx", ".xlsm"):
            continue
        if output_kind(path) in OWN_KINDS:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass  # then the unit's problem says the file exists
            removed += _remove_word_notice(path.with_suffix(".docx"))
    return removed


def _remove_word_notice(path: Path) -> int:
    """The Word form of a removed notice (same stem), when it is xlperf's: a regular file whose core
    properties name xlperf as author of a 退回修改通知 (read from docProps/core.xml only, bounded)."""
    import stat
    import zipfile

    try:
        if not stat.S_ISREG(path.lstat().st_mode) or path.stat().st_size > 5_000_000:
            return 0
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 100_000:
                return 0
            core = zf.read(info).decode("utf-8", "replace")
        if "<dc:creator>xlperf</dc:creator>" not in core or "退回修改通知" not in core:
            return 0
        path.unlink()
        return 1
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return 0


def write_returns(reports: list[FileReport], folder: str | Path, fw: Framework | None = None, *,
                  protect: tuple[Path, ...] = (), deadline: str | None = None,
                  force: bool = False, changes: dict[str, Any] | None = None) -> tuple[list[ReturnedUnit], int]:
    """Write, for each report needing revision, ``<stem>-退回修改通知.xlsx`` and ``<stem>-标注.xlsx``
    (always .xlsx: a copy carries no macro of the submission) into ``folder``; two units with the same name get distinct files.
    The files a previous round wrote there (marked notice or returned) are removed first, so a unit that now
    passes has no notice left; any other file in the way is replaced only with ``force`` (else that unit's
    problem says so). Returns (units written, files of the previous round removed). A round writes them unit
    by unit (:func:`prepare_returns`, then :func:`return_unit` for each)."""
    folder = Path(folder)
    removed = prepare_returns(folder)
    taken: set[str] = set()
    out: list[ReturnedUnit] = []
    for rep in reports:
        item = return_unit(rep, folder, fw, taken, protect=protect, deadline=deadline, force=force,
                           change=(changes or {}).get(rep.path))
        if item is not None:
            out.append(item)
    return out, removed


def return_unit(rep: FileReport, folder: Path, fw: Framework | None, taken: set[str], *,
                protect: tuple[Path, ...] = (), deadline: str | None = None, force: bool = False,
                change: Any = None) -> ReturnedUnit | None:
    """One unit's notice and annotated copy (None: the unit is not sent back); ``taken``: the names the
    round's notices have so far (two units of the same name get distinct files)."""
    if rep.review not in ("revise", "explain"):
        return None
    stem = _unique(return_stem(rep), taken)
    notice = folder / f"{stem}-退回修改通知.xlsx"
    target = folder / f"{stem}-标注.xlsx"
    try:
        clash = [p.name for p in (notice, target) if p.exists()]
        if clash and not force:
            return ReturnedUnit(rep, notice, None, f"{'、'.join(clash)} 已存在（用 --force 覆盖）")
        _write_notice(rep, fw, notice, deadline, protect, change)
    except (OSError, OutputError) as exc:  # this unit's notice only: the others are still written
        why = str(exc) if isinstance(exc, OutputError) else exc.strerror or type(exc).__name__
        return ReturnedUnit(rep, notice, None, f"未能写出退回修改通知（{why}）")
    annotated: Path | None = None
    problem = None
    if rep.status != "error":
        try:
            annotated = _write_annotated(rep, target, protect, fw)
        except OutputError as exc:
            problem = str(exc)
    return ReturnedUnit(rep, notice, annotated, problem)
