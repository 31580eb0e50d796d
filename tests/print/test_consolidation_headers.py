"""The 汇总's column headers read in print: each header of 单位汇总 and 问题明细 is printed as one line — across,
or turned to read upwards where its column is narrow — never wrapped one character per line (提/示/已/说/明).
Measured from the PDF LibreOffice renders: each glyph's position and direction (pdfplumber), and its size."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from tests.support.futian_random import random_department
from tests.validator.common import CORPUS, run_cli
from tests.workbook.helpers import seed_data
from xlperf.data.values import data_values
from xlperf.devtools.printcheck import measure, to_pdf
from xlperf.loader import load_framework
from xlperf.render.consolidation import FINDING_HEADERS, UNIT_HEADERS
from xlperf.write.template import write_template

pytestmark = pytest.mark.libreoffice
BODY_MIN_PT = 9.0


def _words(page: Any) -> set[str]:
    """The page's runs of text: a turned line (its glyphs share x) read upwards, a line across split where
    the gap between two glyphs is wider than half a glyph (the next cell)."""
    lines: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for c in page.chars:
        if c["text"].strip():
            key = ("up", round(c["x0"])) if not c["upright"] else ("across", round(c["top"]))
            lines.setdefault(key, []).append(c)
    words = set()
    for (way, _), chars in lines.items():
        if way == "up":
            chars.sort(key=lambda c: -c["bottom"])
            pos, edge = ("top", "bottom")
        else:
            chars.sort(key=lambda c: c["x0"])
            pos, edge = ("x0", "x1")
        word = chars[0]["text"]
        for a, b in pairwise(chars):
            gap = abs(b[pos] - a[edge]) if way == "across" else abs(a[pos] - b[edge])
            if gap > 0.5 * float(a["size"]):
                words.add(word)
                word = ""
            word += b["text"]
        words.add(word)
    return words


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consolidation-headers")
    fw = load_framework("futian-2021")
    inbox = root / "收件箱"
    inbox.mkdir()
    for s in range(4):
        write_template(fw, inbox / f"dept{s}.xlsx", values=data_values(random_department(fw, s)))
    write_template(fw, inbox / "科技创新局.xlsx", values=data_values(seed_data()))
    shutil.copy(CORPUS / "truncated.xlsx", inbox / "无法读取.xlsx")
    out = root / "汇总.xlsx"
    code, _, err = run_cli(["consolidate", "-q", str(inbox), "-o", str(out), "--no-history"])
    assert code == 1, err
    return to_pdf([out], root / "pdf")[0]


@pytest.mark.parametrize("sheet, headers", [("单位汇总", UNIT_HEADERS), ("问题明细", FINDING_HEADERS)])
def test_every_header_prints_on_one_line(pdf: Path, sheet: str, headers: tuple[str, ...]) -> None:
    with pdfplumber.open(str(pdf)) as doc:
        pages = [_words(p) for p in doc.pages]
    whole = [n for n, words in enumerate(pages, start=1) if set(headers) <= words]
    assert whole, f"{sheet}: no page prints every header whole; missing on the best page: " + str(
        min((set(headers) - words for words in pages), key=len))


def test_the_summary_pages_read_and_nothing_is_cut(pdf: Path) -> None:
    pages = measure(pdf)
    small = [(p.number, p.smallest) for p in pages if p.smallest is not None and p.smallest < BODY_MIN_PT]
    assert not small, small
    clipped = [(p.number, p.clipped[:3]) for p in pages if p.clipped]
    assert not clipped, clipped
