"""A report as read: paragraphs and tables in document order, each with the section heading it is under.

Readers (ingest/docx.py, ingest/pdf.py) build a :class:`ReportDocument`; nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Block", "Paragraph", "ReportDocument", "Table", "build_document", "heading_level"]

_HEADINGS = (
    (1, re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、．.]")),
    (2, re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")),
    (3, re.compile(r"^\s*\d{1,2}\s*[、．.](?!\d)")),
    (4, re.compile(r"^\s*[（(]\d{1,2}[)）]")),
)
MAX_HEADING_CHARS = 40
"""A numbered line longer than this is a list item of a paragraph, not a heading."""


def heading_level(text: str) -> int | None:
    """1 for 一、, 2 for （一）, 3 for 1、/1., 4 for （1）; None for body text."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS:
        return None
    for level, pattern in _HEADINGS:
        if pattern.match(stripped):
            return level
    return None


@dataclass
class Paragraph:
    text: str
    number: int  # 1-based among the report's non-empty paragraphs
    section: str = ""


@dataclass
class Table:
    rows: list[list[str]]
    number: int  # 1-based among the report's tables
    title: str = ""  # the paragraph just before it (the table's caption), if short
    unit: str = ""  # 万元 / 元 / 亿元 from a 单位：… line
    section: str = ""
    after_paragraph: int = 0
    continued: bool = False  # the previous table going on after a page break (续表)


Block = Paragraph | Table


@dataclass
class ReportDocument:
    blocks: list[Block] = field(default_factory=list)
    truncated: str = ""  # what a bound cut off, in Chinese (empty when the whole report was read)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


_UNIT = re.compile(r"单位[:：]\s*(亿元|万元|元)")


def build_document(items: list[str | list[list[str]]], truncated: str = "") -> ReportDocument:
    """Paragraph texts and tables (rows of cell texts) in order → a document with sections and captions."""
    doc = ReportDocument(truncated=truncated)
    heads: dict[int, str] = {}
    para_no = table_no = 0
    captions: list[str] = []
    previous: Table | None = None
    for item in items:
        section = " / ".join(heads[k] for k in sorted(heads))
        if isinstance(item, str):
            text = item.strip()
            if not text:
                continue
            para_no += 1
            level = heading_level(text)
            if level is not None:
                heads = {k: v for k, v in heads.items() if k < level}
                heads[level] = text[:MAX_HEADING_CHARS]
                section = " / ".join(heads[k] for k in sorted(heads))
            doc.blocks.append(Paragraph(text, para_no, section))
            captions = [*captions, text][-2:] if len(text) <= 80 and level is None else []
        else:
            table_no += 1
            titles = [c for c in captions if not c.endswith(("。", "！", "？"))] or captions  # a sentence is no title
            table = Table(item, table_no, " ".join(titles), "", section, para_no)
            _caption(table, previous)
            doc.blocks.append(table)
            previous = table
            captions = []
    return doc


_CONTINUED = re.compile(r"^[（(]?续表?[)）]?\s*\d*$|^$")


def _caption(table: Table, previous: Table | None) -> None:
    """The table's unit: its caption's 单位：万元, else a 单位：万元 cell of its first row; a table continued on
    the next page (captioned 续表, or not at all, repeating the previous table's header row or as wide as it)
    has the previous table's caption and unit."""
    unit_m = _UNIT.search(table.title)
    if unit_m is None and table.rows:
        unit_m = next((m for cell in table.rows[0] if (m := _UNIT.search(cell))), None)
    table.unit = unit_m.group(1) if unit_m else ""
    if (previous is not None and table.rows and previous.rows and _CONTINUED.match(table.title.strip())
            and (_row_key(table.rows[0]) == _row_key(previous.rows[0]) or _width(table) == _width(previous))):
        table.title = previous.title if previous.continued else f"{previous.title}（续表）".strip()
        table.unit = table.unit or previous.unit
        table.continued = True


def _width(table: Table) -> int:
    return max((len(r) for r in table.rows), default=0)


def _row_key(row: list[str]) -> str:
    return "|".join(re.sub(r"\s", "", c) for c in row)
