"""A text-layer PDF report, read with pypdf (maintained, pure Python, no native library to install on a
bureau's Windows or 信创 machine; pdfplumber is built on pdfminer and is slower by about 10× on text only).

Tables are not recovered from a PDF: its lines are read as paragraphs, so table figures are checked only
where the text quotes them. A PDF without a text layer (a scan) gets a Chinese message saying how to convert.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xlperf.errors import ReportUnreadable
from xlperf.ingest import precheck as pc
from xlperf.ingest.limits import LIMITS, ReportLimits
from xlperf.reporttext.document import ReportDocument, build_document, heading_level

__all__ = ["read_pdf"]

MIN_TEXT = 20
"""Characters a PDF's pages must hold together to count as having a text layer."""


def read_pdf(path: Path, limits: object) -> ReportDocument:
    lim = limits if isinstance(limits, ReportLimits) else LIMITS
    label = path.name
    try:
        fh = pc.open_regular(path)
    except pc.FileRefused as refused:
        raise ReportUnreadable("报告" + refused.issue.message) from None
    with fh:
        import os

        size = os.fstat(fh.fileno()).st_size
        if size > pc.DEFAULT_LIMITS.max_file_bytes:
            raise ReportUnreadable(f"报告“{label}”超过 {pc.DEFAULT_LIMITS.max_file_bytes // pc.MiB} MB，无法读取。")
        if not fh.read(5).startswith(b"%PDF"):
            raise ReportUnreadable(f"报告“{label}”不是 PDF 文件（文件已损坏或扩展名不符）。")
        fh.seek(0)
        lines = _pdf_lines(fh, label, lim)
    if sum(len(x) for x in lines) < MIN_TEXT:
        raise ReportUnreadable(f"报告“{label}”是扫描件或图片 PDF（没有文字层），无法核对其中的数字。请提交 Word 文档"
                               "（.docx），或从 Word/WPS 直接“导出为 PDF”（不要打印后扫描）。")
    return build_document(_paragraphs(lines))


def _content_bytes(page: Any) -> int:
    """The decoded size of a page's content streams (one stream or an array of them), as pypdf decodes
    them for the text (bounded by pypdf's own decompression limit)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = list(contents) if isinstance(contents, list) else [contents]
    total = 0
    for stream in streams:
        data = stream.get_object().get_data() if hasattr(stream.get_object(), "get_data") else b""
        total += len(data)
    return total


def _pdf_lines(fh: object, label: str, lim: ReportLimits) -> list[str]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader

        reader = PdfReader(fh, strict=False)  # type: ignore[arg-type]
        if reader.is_encrypted:
            raise ReportUnreadable(f"报告“{label}”设置了密码，无法读取。请取消密码后重新导出 PDF。")
        lines: list[str] = []
        total = content = 0
        for number, page in enumerate(reader.pages):
            if number >= lim.max_pdf_pages:
                break
            content += _content_bytes(page)
            if content > lim.max_pdf_content_bytes:
                if not lines:
                    raise ReportUnreadable(f"报告“{label}”的页面内容超过 {lim.max_pdf_content_bytes // pc.MiB} MB，"
                                           "不像是从 Word/WPS 导出的报告，未读取。请提交 .docx，或重新导出 PDF。")
                break  # the pages read so far are the report as read
            text = page.extract_text() or ""
            total += len(text)
            if total > lim.max_total_chars:
                break
            lines.extend(text.splitlines())
        return lines
    except ReportUnreadable:
        raise
    except Exception:  # noqa: BLE001 - a hostile PDF must never crash the caller
        raise ReportUnreadable(f"报告“{label}”无法读取（PDF 已损坏）。请重新从 Word/WPS 导出 PDF，或提交 .docx。") from None


def _paragraphs(lines: list[str]) -> list[str | list[list[str]]]:
    """PDF lines → paragraphs: a line ending a sentence (。) or a heading closes a paragraph."""
    out: list[str | list[list[str]]] = []
    current = ""
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if heading_level(line) is not None:
            if current:
                out.append(current)
            out.append(line)
            current = ""
            continue
        current += line
        if line.endswith(("。", "：", ":")):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out
