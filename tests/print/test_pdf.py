"""What a reviewer prints: the template, a filled workbook and the bureau report rendered to A4 PDF by
LibreOffice with CJK fonts. Pages per sheet are bounded, the longest 评分标准 prints in full, tool ids never
print, each chart prints on a page of its own under no table's header, and the report prints one department per line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlperf.framework.models import Framework
from xlperf.plan.layout import CHART_SHEET, GUIDE_SHEET, RESULT_SHEET, SCORE_SHEET
from xlperf.compiled import plan_for
from xlperf.ingest.xlsx import open_book

from tests.workbook.helpers import error_cells

from .conftest import REPORT_DEPARTMENTS, Printed, pages

pytestmark = pytest.mark.libreoffice
WS = re.compile(r"\s+")


def _by_sheet(pdf: Path, fw: Framework) -> dict[str, list[str]]:
    """Page texts grouped by the sheet whose title heads them (every sheet repeats its title rows)."""
    titles = sorted([*plan_for(fw).blocks, SCORE_SHEET, RESULT_SHEET, CHART_SHEET], key=len, reverse=True)
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
    expected = {GUIDE_SHEET, *plan_for(fw).blocks, SCORE_SHEET, RESULT_SHEET, CHART_SHEET}
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


def test_each_calculation_prints_in_full(printed: Printed) -> None:
    """The 计算过程 column is a formula: its row is as high as the text it shows, even where the 评分标准 beside
    it is one short line (xiangnan-2023's 预算执行率 and 重点工作完成率 printed only their first line)."""
    text = WS.sub("", "".join(pages(printed.pdf["family"])))
    shown = [
        "预算执行率 95.06% → 3.80 分（满分 4）",           # 4,112.37 / 4,326.00 = 95.06% × 4 = 3.8024
        "重点工作完成率 93.75% → 11.25 分（满分 12）",     # 15 / 16 × 12
        "结转结余率 5.74% → 2.50 分（满分 3）",            # 248.13 / 4,326.00 in (5%, 8%]
        "按评分标准计算 → 5.00 分（满分 8）",              # 产出时效: 8 − 2 × 1.5
        "服务对象满意度 92.81% → 10.50 分（满分 12）",     # 297 / 320 in [90%, 95%)
    ]
    cut = [s for s in shown if not _in_order_within(WS.sub("", s), text, 4 * len(s))]
    assert not cut, f"计算过程 cut in print: {cut}"


SCORE_HEADERS = ("评判得分/选项", "自评说明", "评分标准", "计算过程")
FORM_HEADER = "项目数值单位核对值说明"


@pytest.mark.parametrize("which", ["blank", "example"])
def test_each_chart_has_a_page_of_its_own_under_no_table_header(printed: Printed, fw: Framework, which: str) -> None:
    plan = plan_for(fw)
    level = plan.score_chart_level
    assert level is not None and plan.schedule_chart is not None
    sheets = _by_sheet(printed.pdf[which], fw)
    chart_pages = [WS.sub("", t) for t in sheets[CHART_SHEET]]
    titles = {"scores": f"{level}级指标：计算得分与自评得分", "schedule": "累计支出进度与序时进度"}
    # one page per declared chart, each chart on exactly one page
    assert len(chart_pages) == len(fw.form.charts) == 2, len(chart_pages)
    for kind, title in titles.items():
        on = [n for n, text in enumerate(chart_pages) if title in text]
        assert len(on) == 1, f"{kind} chart title on chart pages {on}"
    score_page = next(t for t in chart_pages if titles["scores"] in t)
    names = [r.indicator.name for r in plan.score_rows if r.indicator is not None and r.level == level]
    assert all(n in score_page for n in names)  # the chart's categories: every indicator of the level
    for text in chart_pages:  # no header of the score table or of a form sheet above a chart
        assert not text.startswith(SCORE_SHEET), text[:40]
        assert not any(h in text for h in SCORE_HEADERS), text[:80]
        assert FORM_HEADER not in text, text[:80]
    leaves = [i.criteria for i in fw.leaves() if i.criteria]
    assert not any(WS.sub("", c)[:20] in page for c in leaves for page in chart_pages)
    # and the tables' own pages hold no chart
    others = [WS.sub("", t) for s, ps in sheets.items() if s != CHART_SHEET for t in ps]
    assert not any(title in t for title in titles.values() for t in others)


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
