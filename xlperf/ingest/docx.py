"""Reading a submitted report (.docx, text-layer PDF) into a :class:`ReportDocument`, bounded.

A .docx is a zip of XML parts like an .xlsx, so it gets the same pre-check (``precheck._Precheck``: sizes,
ratio, part count, DOCTYPE/entities refused, tag count), with its own package check. The main document part
is then read with lxml directly, streaming (``iterparse``, elements freed as they are read), rather than with
python-docx: python-docx opens the package with ``zipfile`` and parses every part whole, with no bound of its
own, and its object tree costs ~10× lxml's for the same document (measured on the seed report: bench/run.py).
A submitted report is never written.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Final

from lxml import etree

from xlperf.errors import ReportUnreadable
from xlperf.ingest import precheck as pc
from xlperf.ingest.limits import LIMITS, ReportLimits
from xlperf.ingest.notes import Noted
from xlperf.ingest.pdf import read_pdf
from xlperf.reporttext.document import ReportDocument, build_document

__all__ = ["LIMITS", "ReportLimits", "ReportUnreadable", "read_report"]

W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HIDDEN: Final = ("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback", f"{W}moveFrom")
"""Text that is not the document's: a text box's copy for older readers (mc:Fallback repeats mc:Choice) and the
old place of moved text (w:moveFrom; tracked deletions are w:delText, never read)."""
MAX_DEPTH: Final = 64
_MAIN_CTS: Final = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    "application/vnd.ms-word.document.macroEnabled.main+xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")


_CONVERT = "请在 Word 或 WPS 中打开，“另存为”Word 文档（.docx）后重新提交"


def _as_report_message(label: str, issue: pc.FileIssue) -> str:
    """The pre-check's message said of a report: Word for Excel, .docx for .xlsx (the file's name untouched)."""
    if "不是 Word 文档" in issue.message:
        return "报告" + issue.message
    if issue.kind in (Noted.LEGACY_XLS, Noted.NOT_A_WORKBOOK):
        return f"报告“{label}”是旧版 Word 97-2003（.doc）或 WPS 文字（.wps）格式，无法读取。{_CONVERT}。"
    if issue.kind == Noted.ENCRYPTED_WORKBOOK:
        return f"报告“{label}”设置了打开密码（已加密），无法读取。请取消密码后另存为 .docx 重新提交。"
    quoted = f"“{label}”"
    head, sep, tail = issue.message.partition(quoted)
    if not sep:
        head, tail = "", issue.message
    tail = tail.replace("Excel 工作簿", "Word 文档").replace("工作簿", "文档").replace("工作表", "文档")
    tail = tail.replace(".xlsx", ".docx").replace("xlsx", "docx").replace("Excel", "Word")
    return "报告" + head + sep + tail


class _DocxPrecheck(pc._Precheck):
    """The workbook pre-check's zip and XML bounds, with a Word package instead of a workbook."""

    main_part = "word/document.xml"
    captured = b""

    def _check_package(self, infos: list[zipfile.ZipInfo]) -> None:
        members = self._members
        if pc._CT_PART not in members:
            raise self._not_document()
        ct_info = members[pc._CT_PART]
        ct_bytes = self._inspect(ct_info, xml_part=True, sheet=False, capture=self.limits.max_meta_part_bytes)
        defaults, overrides = self._parse_content_types(ct_bytes)
        main = next((p for p, ct in overrides.items() if ct in _MAIN_CTS), None)
        if main is None or main not in members:
            raise self._not_document()
        self.main_part = main
        for info in infos:
            if info is ct_info:
                continue
            ext = os.path.splitext(info.filename)[1].casefold()
            ct = overrides.get(info.filename) or defaults.get(ext.lstrip("."), "")
            xml_part = ext in (".xml", ".rels") or (ct.endswith("xml") and not ct.startswith("image/"))
            if info.filename == main:
                self.captured = self._inspect(info, xml_part=True, sheet=False, capture=LIMITS.max_document_bytes)
            else:
                self._inspect(info, xml_part=xml_part, sheet=False)

    def _not_document(self) -> pc._Refused:
        names = {n.casefold() for n in self._members}
        hint = "（看起来是 Excel 工作簿）" if "xl/workbook.xml" in names else ""
        return pc._refuse(Noted.NOT_A_WORKBOOK, f"“{self.label}”不是 Word 文档{hint}：缺少 word/document.xml。{_CONVERT}。")


def read_report(path: str | os.PathLike[str], limits: ReportLimits = LIMITS) -> ReportDocument:
    """The report's paragraphs and tables in order; :class:`ReportUnreadable` with a Chinese message."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".doc", ".wps", ".rtf", ".odt", ".wpt", ".dot"):
        raise ReportUnreadable(f"报告“{p.name}”是 {suffix} 格式，无法读取。{_CONVERT}（或导出为带文字的 PDF）。")
    if suffix == ".pdf":
        return read_pdf(p, limits)
    data = _checked_document(p)
    return _parse(data, limits)


def _checked_document(p: Path) -> bytes:
    label = p.name
    try:
        fh = pc.open_regular(p)
    except pc.FileRefused as refused:
        raise ReportUnreadable(_as_report_message(label, refused.issue)) from None
    with fh:
        try:
            head = fh.read(8)
            fh.seek(0)
            if head.startswith(b"%PDF"):
                raise ReportUnreadable(f"报告“{label}”实际是 PDF 文件，请把文件扩展名改为 .pdf 后重新提交。")
            check = _DocxPrecheck(fh, os.fstat(fh.fileno()).st_size, label, pc.DEFAULT_LIMITS)
            check.run()
        except pc._Refused as refused:
            raise ReportUnreadable(_as_report_message(label, refused.issue)) from None
        except ReportUnreadable:
            raise
        except Exception:  # noqa: BLE001 - a hostile file must never crash the caller: fail closed
            raise ReportUnreadable(f"报告“{label}”已损坏或不是 Word 文档（.docx）。{_CONVERT}。") from None
    return check.captured


# The main document part ---------------------------------------------------------------------------------------


class _Reader:
    """Streams document.xml: paragraphs and tables of the body in order, each bounded."""

    def __init__(self, limits: ReportLimits) -> None:
        self.limits = limits
        self.items: list[str | list[list[str]]] = []
        self.paragraphs = self.tables = self.cells = self.chars = 0
        self.truncated = ""
        self.stack: list[list[list[str]]] = []  # open tables (nested ones are flattened into their cell)
        self.merge_above: list[list[str]] = []

    def stop(self, what: str) -> None:
        if not self.truncated:
            self.truncated = what

    def paragraph(self, el: etree._Element) -> None:
        if _inside_hidden(el):
            return
        parts: list[str] = []
        size = 0
        for node in el.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
            if node.getparent() is not None and _inside_hidden(node, el):
                continue
            # a line break (Shift+Enter, w:br / w:cr) wraps a line inside its sentence: a space, not a new clause
            piece = node.text or "" if node.tag == f"{W}t" else ("\t" if node.tag == f"{W}tab" else " ")
            parts.append(piece)
            size += len(piece)
            if size > self.limits.max_paragraph_chars:
                break
        text = "".join(parts)[: self.limits.max_paragraph_chars]
        self.chars += len(text)
        if self.chars > self.limits.max_total_chars:
            self.stop(f"文字超过 {self.limits.max_total_chars:,} 个字符")
            return
        if self.stack:
            row = self.stack[-1][-1] if self.stack[-1] else None
            if row is not None and row:
                row[-1] = (row[-1] + "\n" + text) if row[-1] else text
            return
        self.paragraphs += 1
        if self.paragraphs > self.limits.max_paragraphs:
            self.stop(f"段落超过 {self.limits.max_paragraphs:,} 个")
            return
        self.items.append(text)

    def start(self, tag: str, el: etree._Element) -> None:
        if tag == "tbl":
            self.stack.append([])
        elif tag == "tr" and self.stack:
            table = self.stack[-1]
            if len(table) >= self.limits.max_rows_per_table:
                self.stop(f"一个表格的行数超过 {self.limits.max_rows_per_table:,} 行")
            table.append([])
        elif tag == "tc" and self.stack and self.stack[-1]:
            self.cells += 1
            if self.cells > self.limits.max_cells:
                self.stop(f"表格单元格超过 {self.limits.max_cells:,} 个")
            self.stack[-1][-1].append("")

    def end_cell(self, el: etree._Element) -> None:
        """Merged cells as python-docx shows them: a horizontal span repeats its text, a vertical continuation
        takes the text above."""
        if not self.stack or not self.stack[-1] or not self.stack[-1][-1]:
            return
        row = self.stack[-1][-1]
        props = el.find(f"{W}tcPr")
        span = 1
        if props is not None:
            grid = props.find(f"{W}gridSpan")
            if grid is not None:
                try:
                    span = max(1, min(int(grid.get(f"{W}val", "1")), 64))
                except ValueError:
                    span = 1
            vmerge = props.find(f"{W}vMerge")
            if vmerge is not None and vmerge.get(f"{W}val", "continue") != "restart" and len(self.stack[-1]) > 1:
                above = self.stack[-1][-2]
                col = len(row) - 1
                if col < len(above) and not row[-1]:
                    row[-1] = above[col]
        for _ in range(span - 1):
            if self.cells < self.limits.max_cells:
                row.append(row[-1])
                self.cells += 1

    def end_table(self) -> None:
        table = self.stack.pop()
        if self.stack:  # a nested table: its text goes into the enclosing cell
            text = "\n".join("\t".join(r) for r in table)
            outer = self.stack[-1]
            if outer and outer[-1]:
                outer[-1][-1] = (outer[-1][-1] + "\n" + text).strip()
            return
        self.tables += 1
        if self.tables > self.limits.max_tables:
            self.stop(f"表格超过 {self.limits.max_tables:,} 个")
            return
        self.items.append(table)


def _parse(data: bytes, limits: ReportLimits) -> ReportDocument:
    reader = _Reader(limits)
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), tag=[f"{W}{t}" for t in ("p", "tbl", "tr", "tc")],
                             resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        for event, el in events:
            tag = str(el.tag)[len(W):]
            if event == "start":
                if tag != "p":
                    reader.start(tag, el)
                continue
            if tag == "p":
                reader.paragraph(el)
                _free(el)
            elif tag == "tc":
                reader.end_cell(el)
                _free(el)
            elif tag == "tbl":
                reader.end_table()
                _free(el)
            if reader.truncated:
                break
    except etree.XMLSyntaxError:
        raise ReportUnreadable("报告的正文（word/document.xml）不是有效的 XML，文件可能已损坏。" + _CONVERT + "。") from None
    return build_document(reader.items, reader.truncated)


def _inside_hidden(el: etree._Element, stop: etree._Element | None = None) -> bool:
    """Whether ``el`` stands inside text that is not the document's (see ``_HIDDEN``), looking up to ``stop``
    (bounded: nesting deeper than ``MAX_DEPTH`` is not looked through)."""
    node = el.getparent()
    for _ in range(MAX_DEPTH):
        if node is None or node is stop:
            return False
        if node.tag in _HIDDEN:
            return True
        node = node.getparent()
    return False


def _free(el: etree._Element) -> None:
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None and str(el.tag).endswith("}p") and str(parent.tag).endswith("}body"):
        while el.getprevious() is not None:
            del parent[0]
