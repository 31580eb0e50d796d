"""What a reader sees: drafts rendered to PDF by LibreOffice (one call) and measured with pdfplumber —
every glyph at least 9 pt, every glyph inside the page's text area, no table wider than the text area and no
table text running past its cell. Includes a draft with long texts from the workbook (a long department
name and long reasons) to make the cells wrap."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest

from report.common import FAMILIES, SEED_YAML
from xlperf.compiled import compile_once
from xlperf.ingest.datafile import load_data
from xlperf.devtools.libreoffice import soffice_path
from xlperf.loader import load_framework
from xlperf.review.report_draft import draft_for
from xlperf.write.report_docx import draft_report, values_from_data

pytestmark = pytest.mark.libreoffice

MM = 72 / 25.4
LEFT, RIGHT = 28 * MM, (210 - 26) * MM
TOLERANCE = 1.0  # pt: glyph boxes of a right-aligned number touch the cell's inner edge


def _long_texts() -> bytes:
    fw = load_framework("futian-2021")
    values, result = values_from_data(fw, load_data(SEED_YAML, fw))
    values["dept_name"] = "深圳市福田区科技创新局（深圳市福田区科学技术协会、福田区知识产权服务中心）" * 2
    for key in [k for k in values if k.startswith("reason_")]:
        values[key] = "说明" + "部分项目绩效指标设置不够完整，缺乏统一标准，已制定整改计划并逐项落实。" * 6
    values["self_offpost_control"] = 0
    return draft_report(compile_once(fw), values, result)


@pytest.fixture(scope="module")
def pdfs() -> Iterator[dict[str, Path]]:
    root = Path(tempfile.mkdtemp(prefix="xlperf-report-pdf-"))
    try:
        docs = {
            "seed": draft_for(SEED_YAML).docx,
            "jiangbei": draft_for(FAMILIES / "jiangbei-2025-data.yaml", str(FAMILIES / "jiangbei-2025.yaml")).docx,
            "long": _long_texts(),
        }
        for name, body in docs.items():
            (root / f"{name}.docx").write_bytes(body)
        profile = root / "profile"
        env = dict(os.environ, HOME=str(profile))
        subprocess.run([soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(root), *(str(root / f"{n}.docx") for n in docs)],
                       check=True, capture_output=True, timeout=600, env=env)
        out = {n: root / f"{n}.pdf" for n in docs}
        assert all(p.exists() for p in out.values()), out
        yield out
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("name", ["seed", "jiangbei", "long"])
def test_glyphs_legible_and_inside_the_text_area(pdfs: dict[str, Path], name: str) -> None:
    with pdfplumber.open(pdfs[name]) as pdf:
        assert len(pdf.pages) >= 2
        sizes = []
        for page in pdf.pages:
            assert round(page.width / MM) == 210 and round(page.height / MM) == 297  # A4
            for ch in page.chars:
                if not ch["text"].strip():
                    continue
                sizes.append(ch["size"])
                assert ch["x0"] >= LEFT - TOLERANCE and ch["x1"] <= RIGHT + TOLERANCE, (page.page_number, ch["text"])
                assert 0 <= ch["top"] and ch["bottom"] <= page.height
        assert min(sizes) >= 9, min(sizes)
        assert max(sizes) >= 21  # the 二号 title


@pytest.mark.parametrize("name", ["seed", "jiangbei", "long"])
def test_table_text_stays_in_its_cell(pdfs: dict[str, Path], name: str) -> None:
    tables = 0
    with pdfplumber.open(pdfs[name]) as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                tables += 1
                x0, top, x1, bottom = table.bbox
                assert x0 >= LEFT - TOLERANCE and x1 <= RIGHT + TOLERANCE, (page.page_number, table.bbox)
                cells = [c for c in table.cells if c is not None]
                for ch in page.within_bbox(table.bbox).chars:
                    if not ch["text"].strip():
                        continue
                    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
                    home = [c for c in cells if c[0] <= cx <= c[2] and c[1] <= cy <= c[3]]
                    assert home, (page.page_number, ch["text"])
                    c = min(home, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
                    assert c[0] - TOLERANCE <= ch["x0"] and ch["x1"] <= c[2] + TOLERANCE, (page.page_number, ch["text"], c)
    assert tables >= 3


FIGURE = r"^[-+−]?[\d,]*\.?\d+(%|万元|分)?$"
CELL_MARGIN = 8.0  # pt: LibreOffice's cell padding (about 5.4 pt) and a little


@pytest.mark.parametrize("name", ["seed", "jiangbei"])
def test_texts_read_from_the_left_and_figures_line_up_on_the_right(pdfs: dict[str, Path], name: str) -> None:
    """In a table's body, each line of a text (数量, a 偏差原因) starts at its cell's left edge and each figure
    ends at its cell's right edge (the 偏差原因 and 指标类型 of jiangbei's targets printed right-aligned)."""
    import re

    texts = figures = 0
    with pdfplumber.open(pdfs[name]) as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                for row in table.rows[1:]:  # the header is centred
                    for box in row.cells[1:]:  # the first column holds labels, indented by level
                        if box is None:
                            continue
                        chars = [c for c in page.within_bbox(box).chars if c["text"].strip()]
                        lines: dict[int, list[dict[str, object]]] = {}
                        for ch in chars:
                            lines.setdefault(round(float(ch["top"])), []).append(ch)
                        text = "".join(c["text"] for c in sorted(chars, key=lambda c: (c["top"], c["x0"])))
                        if not text:
                            continue
                        if re.match(FIGURE, text):
                            figures += 1
                            assert box[2] - max(float(c["x1"]) for c in chars) < CELL_MARGIN, (page.page_number, text)
                        elif re.search(r"[\u4e00-\u9fff]", text):
                            texts += 1
                            starts = [min(float(c["x0"]) for c in line) - box[0] for line in lines.values()]
                            assert max(starts) < CELL_MARGIN, (page.page_number, text, starts)
    assert texts and figures
