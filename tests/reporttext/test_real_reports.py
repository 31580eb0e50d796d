"""The report check on reports written as departments write them (tests/support/real_reports.py), run through
the command line as a reviewer runs it: every expected finding is there (no false negative) and nothing else
is (no false positive). The expected findings were worked out by hand in the corpus, beside each report."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.cli import xlperf
from tests.support.real_reports import CASES, Case, build

from .builders import EXAMPLE


def _findings(report: Path) -> list[dict[str, object]]:
    run = xlperf("validate", EXAMPLE, "--report-text", report, "--select", "XP5", "--json")
    assert run.code in (0, 1), run.err
    data = json.loads(run.out)
    file = data["files"][0] if "files" in data else data
    assert file["report_text"]["status"] == "checked", file["report_text"]
    return list(file["findings"])


def _key(code: object, found: object) -> tuple[str, Decimal]:
    return str(code), Decimal(str(found)).normalize()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("real")
    return {case.name: build(case, folder / f"{case.name}.docx") for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exactly_the_expected_findings(case: Case, built: dict[str, Path]) -> None:
    got = sorted(_key(f["code"], f["found"]) for f in _findings(built[case.name]))
    want = sorted(_key(e.code, e.found) for e in case.expect)
    assert got == want, case.what


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_mismatch_names_the_workbook_figure(case: Case, built: dict[str, Path]) -> None:
    """XP502's expected value is the workbook figure the reviewer checks against (hand arithmetic above)."""
    expected = {_key(e.code, e.found): e.expected for e in case.expect if e.expected is not None}
    for f in _findings(built[case.name]):
        key = _key(f["code"], f["found"])
        if key in expected:
            assert Decimal(str(f["expected"])) == expected[key], f["message"]


def test_a_mismatch_says_where_what_and_by_how_much(built: dict[str, Path]) -> None:
    """Place (table, row, column), the quoted text, the workbook figure with its sheet!cell, the difference, and
    the other place the same wrong figure is quoted: one finding for 97.37 in table 1 and in the text after it."""
    found = [f for f in _findings(built["tables"]) if f["found"] == 97.37]
    assert len(found) == 1
    message = str(found[0]["message"])
    for part in ("表1第7行第5列", "报告写“97.37”", "“项目支出 预算执行率”为 97.73%", "（工作簿 预算执行!B21）",
                 "报告比工作簿少 0.36个百分点", "同一数字另见第3段", "原文："):
        assert part in message, (part, message)
    assert found[0]["text"] == {"section": "一、部门（单位）基本情况", "paragraph": 2, "table": 1, "row": 7,
                                "column": 5, "sentence": found[0]["text"]["sentence"]}  # type: ignore[index]
    money = next(f for f in _findings(built["units"]) if f["code"] == "XP502")
    assert "为 250,000.00元" in str(money["message"]) and "报告比工作簿多 800元" in str(money["message"])
    count = next(f for f in _findings(built["numerals"]) if f["found"] == 15)
    assert "报告比工作簿多 1人" in str(count["message"]) and "（工作簿 人员!B8）" in str(count["message"])


def test_the_text_box_and_the_moved_text_are_read_once(built: dict[str, Path]) -> None:
    """Word writes a text box twice (mc:Choice and its VML mc:Fallback) and moved text twice (w:moveFrom and
    w:moveTo): the wrong 68.36% in the text box is one finding naming one place."""
    with zipfile.ZipFile(built["word-features"]) as z:
        xml = z.read("word/document.xml").decode()
    assert xml.count("日常公用经费控制率68.36%") == 2 and "w:moveFrom" in xml and "w:delText" in xml
    from xlperf.ingest.docx import read_report

    texts = [p.text for p in read_report(built["word-features"]).paragraphs]
    assert sum("68.36%" in t for t in texts) == 1
    assert "2021年公务接待费实际支出1.64万元，公务用车购置及运行维护费实际支出3.51万元。" in texts  # w:ins in, w:del out
    assert "实有在职人员17人。" in texts and not any("核定编制数21人" in t for t in texts)
    assert "第3页" in texts  # a PAGE field's shown result; the comment's text (comments.xml) is not the report's
    assert not any("703.68" in t for t in texts)  # nor the footnote's (footnotes.xml): only the body is read
    with zipfile.ZipFile(built["word-features"]) as z:
        assert "公务接待费实际支出为1.46万元" in z.read("word/footnotes.xml").decode()
    assert not any("1.46" in t for t in texts)
    box = next(f for f in _findings(built["word-features"]) if f["found"] == 68.36)
    assert "另见" not in str(box["message"])


def test_amounts_and_percentages_in_words() -> None:
    from xlperf.reporttext.document import Paragraph
    from xlperf.reporttext.extract import extract_paragraph
    from xlperf.reporttext.numbers import cn_to_int

    assert [cn_to_int(t) for t in ("四亿三千一百八十九万", "一万六千四百", "两千", "一亿", "三万万")] == [
        431_890_000, 16_400, 2_000, 100_000_000, None]
    figs = extract_paragraph(Paragraph("年初预算四亿三千一百八十九万元，执行率百分之九十七点六五，约九成完成，"
                                       "实际支出4.79 万元，完成整改18项。", 1), 0)
    got = [(f.text, f.kind, f.value, f.decimals, f.approx) for f in figs]
    assert got == [("四亿三千一百八十九万元", "money", Decimal("43189.0000"), -4, False),
                   ("百分之九十七点六五", "rate", Decimal("97.65"), 2, False),
                   ("九成", "rate", Decimal(90), 0, True),
                   ("4.79 万元", "money", Decimal("4.79"), 2, False),  # “万元” after a PDF's space is no amount
                   ("18项", "count", Decimal(18), 0, False)]


def test_ranges_and_changes_are_not_quoted_figures() -> None:
    from xlperf.reporttext.document import Paragraph
    from xlperf.reporttext.extract import extract_paragraph

    figs = extract_paragraph(Paragraph("资助10-20万元，执行率95%-100%，控制在3～5万元，执行率提高2.3个百分点，"
                                       "支出减少14.15万元。", 1), 0)
    assert [(f.text, f.formula, f.growth) for f in figs] == [
        ("20万元", True, False), ("95%", True, False), ("100%", True, False), ("5万元", True, False),
        ("14.15万元", False, True)]


def test_a_figure_repeated_many_times_names_a_few_places() -> None:
    from xlperf.checks.reporttext import MAX_PLACES, _also
    from xlperf.reporttext.extract import Where

    places = [Where("", i, "") for i in range(1, 1001)]
    assert _also(places) == "；同一数字另见第1段、第2段、第3段、第4段、第5段等1000处" and MAX_PLACES == 5
    assert _also([Where("", 0, "", table=2, row=4, column=3)]) == "；同一数字另见表2第4行第3列"
    assert _also([]) == ""
