"""Reading a drafted report back (python-docx) and the framework families' files, for the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx

from xlperf.framework.report import Section

REPO = Path(__file__).resolve().parents[2]
FAMILIES = REPO / "tests" / "data" / "frameworks" / "families"
EXAMPLES = REPO / "workbooks" / "examples"
SEED_YAML = EXAMPLES / "futian-kcj-2021.yaml"
SEED_XLSX = EXAMPLES / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
FAMILY_IDS = ("annual-2024", "coef-2024", "ppd-2024", "jiangbei-2025")
TEXT_WIDTH_TWIPS = round((210 - 28 - 26) / 25.4 * 1440)  # A4 less the 28 + 26 mm side margins


@dataclass(frozen=True)
class Read:
    paragraphs: list[tuple[str, str]]  # (style name, text) of the body's paragraphs, in order
    tables: list[list[list[str]]]  # each table's rows of cell texts
    doc: Any

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.paragraphs) + "\n" + "\n".join(
            "\t".join(row) for table in self.tables for row in table)

    @property
    def headings(self) -> list[str]:
        return [t for s, t in self.paragraphs if s.startswith("Heading")]


def read(data: bytes | Path) -> Read:
    import io

    doc = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return Read(paragraphs, tables, doc)


def declared_headings(sections: list[Section]) -> list[str]:
    """Every heading of the outline, depth first (the order a reader meets them)."""
    out: list[str] = []
    for sec in sections:
        out.append(sec.heading)
        out += declared_headings(sec.children)
    return out
