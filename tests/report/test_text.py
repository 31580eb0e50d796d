"""Formats, ``when:`` and table widths, on values worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.write.report_docx import PAGE, column_widths, heading_number
from xlperf.write.report_text import Piece, format_value, holds, render, tidy

D = Decimal


@pytest.mark.parametrize(("value", "fmt", "kind", "shown"), [
    (D("1931.52"), "万元", "", "1,931.52"),
    (D("3"), "万元", "", "3.00"),
    (D("0.005"), "万元", "", "0.01"),  # half up, as the sheet's ROUND
    (D("1931.52"), "元", "", "19,315,200.00"),
    (D("35000"), "亿元", "", "3.50"),
    (D("0.976535"), "%", "", "97.65%"),
    (D("0.55248"), "%", "", "55.25%"),
    (D("1.3783"), "分", "", "1.38"),
    (D("5"), "分", "", "5"),
    (D("94.940"), "分", "", "94.94"),
    (D("14"), "人", "", "14"),
    (2021, "年", "", "2021"),
    (D("81164.95"), None, "money", "81,164.95"),
    (D("0.4242"), None, "rate", "42.42%"),
    (True, "text", "", "是"),
    ("深圳市福田区科技创新局", None, "text", "深圳市福田区科技创新局"),
    (None, "万元", "", None),
    ("", "text", "", None),
    ("1,234.56万元", "万元", "", None),  # text in a money cell: not a figure, the draft marks it
])
def test_format_value(value: object, fmt: str | None, kind: str, shown: str | None) -> None:
    assert format_value(value, fmt, kind) == shown


def test_render_marks_a_missing_figure_with_its_label() -> None:
    pieces = render("支出{total_actual:万元}万元，执行率{exec:%}。", {"total_actual": D("79260.57")}, {},
                    {"exec": "部门整体预算执行率"})
    assert pieces == [Piece("支出"), Piece("79,260.57", name="total_actual"), Piece("万元，执行率"),
                      Piece("【请填写：部门整体预算执行率】", True, "exec"), Piece("。")]


def test_tidy_removes_folded_line_breaks_next_to_chinese() -> None:
    assert tidy("预算{a:万元}万元，\n其中： 基本支出 {b}万元 and 2 items") == "预算{a:万元}万元，其中：基本支出{b}万元and 2 items"


def test_when() -> None:
    values = {"adjust_ratio": D("0.8793"), "has_projects": False}
    assert holds("adjust_ratio > 0.1", values) and not holds("adjust_ratio <= 0.1", values)
    assert holds("not has_projects", values) and holds(None, values)
    assert not holds("blank_input > 0", values)  # cannot be evaluated: the paragraph is left out


def test_heading_numbers() -> None:
    assert [heading_number(1, n) for n in (1, 4, 10, 12, 20, 21)] == ["一、", "四、", "十、", "十二、", "二十、", "二十一、"]
    assert (heading_number(2, 3), heading_number(3, 2), heading_number(4, 5)) == ("（三）", "2.", "（5）")


def test_column_widths_fill_the_text_width_and_never_break_a_number() -> None:
    rows = [["项目", "年初预算", "年度预算总指标", "年度总支出", "预算执行率"],
            ["其中：人员经费", "42,507.85", "81,164.95", "79,260.57", "97.65%"]]
    widths = column_widths(rows, PAGE.text_width_pt, 10.5)
    assert widths is not None and abs(sum(widths) - PAGE.text_width_pt) < 0.01
    number = 9 * 0.55 * 10.5 + 2 * PAGE.cell_margin_pt  # "42,507.85" on one line inside the cell margins
    assert all(w >= number for w in widths[1:4])
    long = [["指标", "原因"], ["政府采购执行情况", "说明" * 300]]
    w = column_widths(long, PAGE.text_width_pt, 10.5)
    assert w is not None and w[0] >= 8 * 10.5 + 2 * PAGE.cell_margin_pt  # the long column does not squeeze it
    assert column_widths([["1234567890" * 20]], PAGE.text_width_pt, 10.5) is None  # cannot fit on one line
