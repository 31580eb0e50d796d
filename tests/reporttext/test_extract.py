"""Extraction and comparison primitives, each against a hand-computed value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.reporttext.analyze import agrees
from xlperf.reporttext.document import Paragraph, build_document, heading_level
from xlperf.reporttext.extract import extract_paragraph
from xlperf.reporttext.numbers import cn_to_int


def figures(text: str) -> list[tuple[str, Decimal, str]]:
    return [(f.kind, f.value, f.unit) for f in extract_paragraph(Paragraph(text, 1), 0) if f.kind != "year"]


@pytest.mark.parametrize("text, expected", [
    ("支出1,931.52万元", [("money", Decimal("1931.52"), "万元")]),
    ("支出１，９３１．５２万元", [("money", Decimal("1931.52"), "万元")]),  # full-width digits and comma
    ("拨付扶持资金3.5亿元", [("money", Decimal("35000.0"), "亿元")]),
    ("接待费12,000元", [("money", Decimal("1.2000"), "元")]),
    ("控制率为55.23%", [("rate", Decimal("55.23"), "%")]),
    ("自评得分94.94分", [("points", Decimal("94.94"), "分")]),
    ("核定编制21人，车辆3辆", [("count", Decimal(21), "人"), ("count", Decimal(3), "辆")]),
    ("三个一级指标，十余家企业", [("count", Decimal(3), "个"), ("count", Decimal(10), "家")]),
    ("发放口罩10万余个", [("count", Decimal(100000), "个")]),
    # a 满意度 survey's questionnaires (xiangnan-2023's report: a changed 满意297份 went unnoticed)
    ("回收有效问卷320份，满意297份，2023年份", [("count", Decimal(320), "份"), ("count", Decimal(297), "份")]),
])
def test_figures_and_units(text: str, expected: list[tuple[str, Decimal, str]]) -> None:
    assert figures(text) == expected


def test_markers() -> None:
    got = extract_paragraph(Paragraph("2020年支出100.00万元，比上年增加10.00万元，增长11.11%，约5.00万元。", 1), 0)
    money = [f for f in got if f.kind == "money"]
    assert [f.year_label for f in money][:1] == [2020]
    assert [f.growth for f in money] == [False, True, False]
    assert [f.prior for f in money][1] is True  # 比上年
    assert money[2].approx
    formula = extract_paragraph(Paragraph("执行率=支出/指标*25%", 1), 0)
    assert [f.formula for f in formula] == [True]


@pytest.mark.parametrize("shown, decimals, truth, same", [
    ("55.23", 2, "55.2480", False),  # 4.79 / 8.67 = 55.248…%: 55.25 at two decimals
    ("55.25", 2, "55.2480", True),
    ("97.6", 1, "97.65", True),  # one decimal shown: 97.65 rounds to 97.7, truncates to 97.6; both fine
    ("97.7", 1, "97.65", True),
    ("97.5", 1, "97.65", False),
    ("98", 0, "97.65", True),
    ("97", 0, "97.65", True),
    ("96", 0, "97.65", False),
])
def test_precision_shown(shown: str, decimals: int, truth: str, same: bool) -> None:
    fig = extract_paragraph(Paragraph(f"执行率{shown}%", 1), 0)[0]
    assert fig.decimals == decimals
    assert agrees(fig, Decimal(truth)) is same


def test_chinese_numerals() -> None:
    assert [cn_to_int(t) for t in ("三", "十", "十二", "二十", "一百零五", "两")] == [3, 10, 12, 20, 105, 2]


def test_sections_and_captions() -> None:
    assert [heading_level(t) for t in ("一、基本情况", "（二）预算执行", "1.资金管理", "（3）采购", "正文。")] == [
        1, 2, 3, 4, None]
    doc = build_document(["一、基本情况", "（一）预算", "2021年预算表", "单位：万元", [["项目", "金额"], ["甲", "1.00"]]])
    table = doc.tables[0]
    assert table.unit == "万元" and "2021年预算表" in table.title
    assert table.section == "一、基本情况 / （一）预算"
