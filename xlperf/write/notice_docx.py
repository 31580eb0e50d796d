"""退回修改通知 as a one-page Word document in the style of an official notice (python-docx).

Title, a 文号-like line, the addressee unit, the body, what to fix (sheet, cell, the rule in plain Chinese
and the finding's message), what to explain, the deadline, the issuing office, the date and a contact.
The findings come from :func:`xlperf.findings.notice_rows`, the same data as the workbook notice.
Rules are named by their check's Chinese title, never by an expression. The page holds as many findings as
fit at a legible size; the rest are referred to the annotated copy's 校验结果 sheet, which lists them all.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from xlperf.findings import FileReport, Finding, notice_rows
from xlperf.framework.models import Framework
from xlperf.safe_io import shown_path, write_atomically
from xlperf.safe_text import xml_text
from xlperf.write.printfit import text_units

__all__ = ["NoticeOptions", "notice_paragraphs", "unit_name", "write_notice_docx"]

BODY_PT, TABLE_PT, TITLE_PT = 12, 10.5, 18
TEXT_MAX = 400
"""Characters of one finding's text at most (a hostile file's message is bounded before layout)."""
TABLE_LINES = 25
"""Lines of 10.5 pt table text one A4 page holds beside the title, body and signature."""
PROBLEM_UNITS = 55
"""Width of the 问题及要求 column in width units: 11 cm less the cell padding holds 28 CJK characters at 10.5 pt
(62 counted 31, and a message LibreOffice wrapped on three lines was counted two: the notice ran onto a second
page), less a little for lines broken before a number."""
BODY_UNITS = 76
"""Width of a 12 pt line of the body in width units (16.6 cm: about 38 CJK characters)."""
HEAD_LINES = 4
"""Lines of the addressee and the body that TABLE_LINES leaves room for (a one-line unit name, three of body)."""
BODY_LINE = 1.2
"""A 12 pt body line in 10.5 pt table lines (with their leading), rounded up."""
_EXPRESSION = re.compile(r"<=|>=|==|!=|\babs\(|\bround\(|\b[a-z]+_[a-z_]+\b")


class NoticeOptions(BaseModel):
    """What the issuing office adds to every notice (``consolidate --returns`` options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    office: str | None = None  # 发文单位, e.g. 福田区财政局预算绩效管理科
    contact: str | None = None  # 联系人及电话
    deadline: str | None = None  # 重新报送期限
    date: dt.date | None = None  # 落款日期 (today when None)
    serial: str | None = None  # 文号-like line; built from the year and unit when None


def unit_name(rep: FileReport) -> str:
    """The addressee: the workbook's 单位名称, else the unit the file name carries (an unreadable file)."""
    if rep.department and rep.department.strip():
        return xml_text(rep.department.strip(), 80)
    stem = Path(rep.path).stem
    parts = [p for p in re.split(r"[-_—－\s（(]+", stem) if re.search(r"[\u4e00-\u9fff]", p)]
    chosen = next((p for p in parts if re.search(r"(局|委|办|院|所|中心|队|站|馆|处|科|会|部|署|厅|室)$", p)),
                  parts[0] if parts else stem)
    chosen = re.sub(r"\d{4}年?(度)?", "", chosen) or stem
    return xml_text(chosen, 80) or "报送单位"


def _rule(f: Finding) -> str:
    from xlperf.checks.registry import by_code

    check = by_code().get(f.code)
    title = check.title if check is not None else "审核问题"
    return f"{title}（审核规则 {f.rule}）" if f.rule else title


def _plain(text: str) -> str:
    """A finding's message for a person: bounded, and no expression syntax even if a framework put one in."""
    text = xml_text(text, TEXT_MAX)
    return _EXPRESSION.sub(lambda m: {"<=": "不大于", ">=": "不小于", "==": "等于", "!=": "不等于"}.get(
        m.group(0), "…"), text)


def _place(f: Finding) -> str:
    return f"“{f.sheet}”表 {f.cell}" if f.sheet and f.cell else (f"“{f.sheet}”表" if f.sheet else "整个文件")


def _item(f: Finding, explain: bool) -> tuple[str, str]:
    head = f"【{_rule(f)}】{_plain(f.message)}"
    if explain:
        head += "。请核实；如情况属实，在“校验结果”表“出错说明”列写明原因。"
        if f.explanation:
            head += f"已填写的“{_plain(f.explanation)[:40]}”过短或为占位，不能接受。"
    return _place(f), head


def _lines(text: str, units: float) -> int:
    return max(1, math.ceil(text_units(text) / units))


def notice_paragraphs(rep: FileReport, fw: Framework | None, options: NoticeOptions) -> dict[str, object]:
    """Everything the notice says, as data (tested for plain language without rendering)."""
    fix, explain = notice_rows(rep)
    items = [("修改", *_item(f, False)) for f in fix] + [("说明", *_item(f, True)) for f in explain]
    year = rep.year or (options.date or dt.date.today()).year
    unit = unit_name(rep)
    deadline = options.deadline or "收到本通知后五个工作日内"
    if rep.status == "error":
        body = (f"你单位报送的《{year}年度部门整体支出绩效自评》文件“{Path(shown_path(rep.path)).name}”无法读取"
                "（文件损坏、加密或不是工作簿）。请重新生成并核对后报送。")
    else:
        body = (f"经审核，你单位报送的《{year}年度部门整体支出绩效自评》存在以下问题（强制性问题 {len(fix)} 项，"
                f"需说明的提示性问题 {len(explain)} 项）。请对照“标注”副本中的“校验结果”工作表逐项修改或说明，"
                f"于{deadline}重新报送。")
    # a long unit name or body takes lines from the table: the notice stays on one page (a long name pushed
    # the contact line alone onto a second page)
    head = _lines(f"{unit}：", BODY_UNITS) + _lines(body, BODY_UNITS - 4)
    budget = TABLE_LINES - max(0, head - HEAD_LINES) * BODY_LINE
    shown: list[tuple[str, str, str]] = []
    used = 0
    for kind, place, text in items:
        need = max(_lines(text, PROBLEM_UNITS), _lines(place, 14))
        if used + need > budget and shown:
            break
        shown.append((kind, place, text))
        used += need
    rest = len(items) - len(shown)
    return {
        "title": "绩效自评材料退回修改通知",
        "serial": options.serial or f"（{year}）绩效自评退字第 {xml_text(rep.unit_code or '—', 20)} 号",
        "addressee": f"{unit}：",
        "body": body,
        "items": shown,
        "rest": f"另有 {rest} 项问题，详见标注副本“校验结果”工作表。" if rest else "",
        "deadline": f"重新报送期限：{deadline}。",
        "office": options.office or "（审核单位）",
        "date": _date_zh(options.date or dt.date.today()),
        "contact": f"联系人及电话：{options.contact}" if options.contact else "",
    }


def _date_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _set_font(run: object, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    run.font.name = "Noto Serif CJK SC"  # type: ignore[attr-defined]
    rpr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")


def _para(doc: object, text: str, size: float = BODY_PT, *, bold: bool = False, align: str | None = None,
          indent: bool = False, after: float = 4) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()  # type: ignore[attr-defined]
    if align:
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _set_font(p.add_run(text), size, bold)


def write_notice_docx(rep: FileReport, fw: Framework | None, target: Path, options: NoticeOptions, *,
                      protect: tuple[Path, ...] = ()) -> Path:
    """Write the notice to ``target`` (atomically; never over a submitted file)."""
    from docx import Document
    from docx.shared import Cm, Pt

    text = notice_paragraphs(rep, fw, options)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    _para(doc, str(text["title"]), TITLE_PT, bold=True, align="center", after=2)
    _para(doc, str(text["serial"]), BODY_PT, align="center", after=8)
    _para(doc, str(text["addressee"]), BODY_PT, bold=True)
    _para(doc, str(text["body"]), BODY_PT, indent=True)
    items = text["items"]
    assert isinstance(items, list)
    if items:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        widths = (Cm(1.1), Cm(1.3), Cm(3.2), Cm(11.0))
        table.autofit = False  # LibreOffice and Word would otherwise share the width out evenly
        for col, w in zip(table.columns, widths, strict=True):
            col.width = w
        for cell, head, w in zip(table.rows[0].cells, ("序号", "类别", "位置", "问题及要求"), widths, strict=True):
            cell.width = w
            _set_font(cell.paragraphs[0].add_run(head), TABLE_PT, True)
        for n, (kind, place, problem) in enumerate(items, start=1):
            cells = table.add_row().cells
            for cell, value, w in zip(cells, (str(n), kind, place, problem), widths, strict=True):
                cell.width = w
                cell.paragraphs[0].paragraph_format.space_after = Pt(0)
                _set_font(cell.paragraphs[0].add_run(value), TABLE_PT)
    if text["rest"]:
        _para(doc, str(text["rest"]), TABLE_PT)
    _para(doc, str(text["deadline"]), BODY_PT, indent=True)
    _para(doc, "特此通知。", BODY_PT, indent=True, after=10)
    _para(doc, str(text["office"]), BODY_PT, align="right", after=2)
    _para(doc, str(text["date"]), BODY_PT, align="right", after=6)
    if text["contact"]:
        _para(doc, str(text["contact"]), BODY_PT)
    doc.core_properties.title = "绩效自评材料退回修改通知"
    doc.core_properties.author = "xlperf"
    return write_atomically(target, lambda tmp: doc.save(str(tmp)), what="退回修改通知", protect=protect)


def docx_notices(returned: list[object], fw: Framework | None, options: NoticeOptions, *,
                 protect: tuple[Path, ...] = (), force: bool = False) -> list[str]:
    """For each unit :func:`~xlperf.review.returns.write_returns` wrote a workbook notice for, the Word
    notice beside it (same stem, ``.docx``): the one to print and send; the workbook notice stays as the
    sortable list. Returns the problems (one per unit that failed)."""
    from xlperf.safe_io import OutputError

    problems: list[str] = []
    for unit in returned:
        notice: Path = unit.notice  # type: ignore[attr-defined]
        if unit.problem and not notice.exists():  # type: ignore[attr-defined]
            continue  # the workbook notice could not be written: that problem is already reported
        target = notice.with_suffix(".docx")
        if target.exists() and not force:
            problems.append(f"{target.name} 已存在（用 --force 覆盖）")
            continue
        try:
            write_notice_docx(unit.report, fw, target, options, protect=protect)  # type: ignore[attr-defined]
        except (OSError, OutputError) as exc:
            problems.append(f"{target.name}：未能写出退回修改通知（{exc}）")
            continue
    return problems
