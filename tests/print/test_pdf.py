"""What a reviewer prints: the template, a filled workbook and the bureau report rendered to A4 PDF by
LibreOffice with CJK fonts. Pages per sheet are bounded, the longest 评分标准 prints in full, tool ids never
print, the score chart has a page of its own, and the report prints one department per line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlperf.framework.models import Framework
from xlperf.plan.layout import GUIDE_SHEET, RESULT_SHEET, SCORE_SHEET
from xlperf.compiled import plan_for
from xlperf.ingest.xlsx import open_book

from tests.workbook.helpers import error_cells

from .conftest import REPORT_DEPARTMENTS, Printed, pages

pytestmark = pytest.mark.libreoffice
WS = re.compile(r"\s+")


def _by_sheet(pdf: Path, fw: Framework) -> dict[str, list[str]]:
    """Page texts grouped by the sheet whose title heads them (every sheet repeats its title rows)."""
    titles = sorted([*plan_for(fw).blocks, SCORE_SHEET, RESULT_SHEET], key=len, reverse=True)
    out: dict[str, list[str]] = {}
    current = None
    for text in pages(pdf):
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if first.startswith(fw.name):
            current = GUIDE_SHEET
        else:
            current = next((t for t in titles if first.startswith(t)), current)
        assert current is not None, f"a page before any sheet title: {first!r}"
        out.setdefault(current, []).append(text)
    return out


def _in_order_within(needle: str, hay: str, window: int) -> bool:
    """Every character of ``needle`` appears in ``hay`` in order, within ``window`` characters of its start."""
    for start in (m.start() for m in re.finditer(re.escape(needle[:6]), hay)):
        pos = start
        for ch in needle:
            pos = hay.find(ch, pos)
            if pos < 0 or pos - start > window:
                break
            pos += 1
        else:
            return True
    return False


@pytest.mark.parametrize("which", ["blank", "example"])
def test_every_sheet_fits_its_pages(printed: Printed, fw: Framework, which: str) -> None:
    sheets = _by_sheet(printed.pdf[which], fw)
    counts = {s: len(p) for s, p in sheets.items()}
    expected = {GUIDE_SHEET, *plan_for(fw).blocks, SCORE_SHEET, RESULT_SHEET}
    assert set(counts) == expected, counts
    # at full type size (tests/print/test_legible.py): a form sheet on a few pages, never a page per row
    too_many = {s: n for s, n in counts.items() if n > (12 if s == SCORE_SHEET else 3)}
    assert not too_many, f"sheets printed on more pages than allowed: {too_many}"


@pytest.mark.parametrize("which", ["blank", "example"])
def test_longest_criteria_prints_in_full_and_ids_never_print(printed: Printed, fw: Framework, which: str) -> None:
    sheets = _by_sheet(printed.pdf[which], fw)
    score_text = WS.sub("", "".join(sheets[SCORE_SHEET]))
    longest = max((i.criteria or "" for i in fw.walk()), key=len)
    assert len(longest) > 100
    wanted = WS.sub("", longest)
    # in a clipped cell the last lines are missing: every character, in order, close together
    assert _in_order_within(wanted, score_text, 4 * len(wanted)), "the longest 评分标准 is cut in print"
    everything = "".join(p for ps in sheets.values() for p in ps)
    printed_ids = [i.id for i in fw.walk() if re.search(rf"\b{re.escape(i.id)}\b", everything)]
    assert not printed_ids, f"indicator ids printed: {printed_ids}"


def test_score_chart_has_a_page_of_its_own(printed: Printed, fw: Framework) -> None:
    plan = plan_for(fw)
    level = plan.score_chart_level
    assert level is not None
    score_pages = _by_sheet(printed.pdf["example"], fw)[SCORE_SHEET]
    title = f"{level}级指标：计算得分与自评得分"
    with_chart = [n for n, text in enumerate(score_pages) if title in WS.sub("", text)]
    assert with_chart == [len(score_pages) - 1], f"chart title on score pages {with_chart} of {len(score_pages)}"
    chart_page = score_pages[-1]
    # the page holds the chart's data table (every indicator of the level) and no indicator rows
    names = [r.indicator.name for r in plan.score_rows if r.indicator is not None and r.level == level]
    assert all(n in chart_page for n in names)
    leaves = [i.criteria for i in fw.leaves() if i.criteria]
    assert not any(WS.sub("", c)[:20] in WS.sub("", chart_page) for c in leaves)


def test_bureau_report_prints_one_department_per_line(printed: Printed) -> None:
    texts = pages(printed.pdf["report"])
    dist_at = next(n for n, t in enumerate(texts) if "计算总分分布" in t)
    summary = "\n".join(texts[:dist_at])
    # 汇总, 得分分布, then one section per department with findings (a clean one is its summary line)
    assert len(texts) <= dist_at + 1 + 2 * REPORT_DEPARTMENTS, f"{len(texts)} pages"
    for n in range(REPORT_DEPARTMENTS):
        lines = [line for line in summary.splitlines() if re.search(rf"测试部门00{n:02d}\b", line)]
        assert len(lines) == 1 and re.search(r"\d+\.\d\d", lines[0]) and re.search("查看|无问题", lines[0]), lines
    distribution = texts[dist_at]
    ticks = re.findall(r"(?m)^\s*(\d+(?:\.\d+)?)\s", distribution)
    assert ticks and not any("." in t for t in ticks), f"fractional department counts on the axis: {ticks}"


def test_blank_template_shows_no_error_values(printed: Printed, fw: Framework) -> None:
    book = open_book(printed.recalculated_blank)
    formulas = [(s, ref) for s, cells in book.sheets.items() for ref, c in cells.items() if c.formula]
    assert len(formulas) >= len(plan_for(fw).formulas())
    assert not error_cells(book), error_cells(book)[:20]
    texts = "".join(pages(printed.pdf["blank"]))
    assert not re.search(r"#(NAME\?|DIV/0!|VALUE!|REF!|N/A)|Err:\d+", texts)
