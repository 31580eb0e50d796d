"""Each text rule on a small report of its own, against the example workbook (eval year 2021); expected values
by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlperf.checks.context import CheckContext
from xlperf.reporttext.analyze import analyze
from xlperf.checks.reportbind import index_for, workbook_view
from xlperf.reporttext.document import build_document
from xlperf.data.values import data_values
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework
from xlperf.validate import validate_with_context
from xlperf.write.template import write_template


def notes(ctx: CheckContext, items: list) -> list[tuple[str, object, object]]:
    out = analyze(build_document(items), index_for(ctx), workbook_view(ctx))
    return [(n.kind, n.found, n.expected) for n in out.notes]


def test_growth_arithmetic(example_ctx: CheckContext) -> None:
    got = notes(example_ctx, ["收入43,189.21万元，比2020年增加1,607.45万元，增长5.00%。"])
    # prior = 43,189.21 − 1,607.45 = 41,581.76; 1,607.45 / 41,581.76 = 3.8658…% → 3.87
    assert got == [("growth_arithmetic", Decimal("5.00"), Decimal("3.87"))]
    assert notes(example_ctx, ["收入43,189.21万元，比2020年增加1,607.45万元，增长3.87%。"]) == []
    # a decrease: prior = 90.00 + 10.00 = 100.00, 10.00 / 100.00 = 10.00%
    assert notes(example_ctx, ["某项支出90.00万元，比上年减少10.00万元，下降10.00%。"]) == []


def test_parts(example_ctx: CheckContext) -> None:
    got = notes(example_ctx, ["共支出100.00万元，包括甲类支出60.00万元和乙类支出30.00万元。"])
    assert got == [("parts_sum", Decimal("90.00"), Decimal("100.00"))]
    assert notes(example_ctx, ["共支出100.00万元，包括甲类支出60.00万元、乙类支出30.00万元等。"]) == []  # 等: partial
    got = notes(example_ctx, ["共支出100.00万元，其中：甲类支出60.00万元、乙类支出50.00万元。"])
    assert got == [("parts_exceed_total", Decimal("110.00"), Decimal("100.00"))]
    # a list joined by 、 ends at the next comma: 年末结转结余 is a clause of its own, not a third part
    # (60.00 + 40.00 = 100.00 ≤ 100.00; the clause would make it 130.00)
    assert notes(example_ctx, ["共支出100.00万元，其中甲类支出60.00万元、乙类支出40.00万元，年末结转结余30.00万元。"]) == []
    got = notes(example_ctx, ["共支出100.00万元，其中甲类支出60.00万元、乙类支出50.00万元，年末结转结余30.00万元。"])
    assert got == [("parts_exceed_total", Decimal("110.00"), Decimal("100.00"))]
    # a list joined by commas still runs to the sentence's end
    got = notes(example_ctx, ["共支出100.00万元，其中：甲类支出60.00万元，乙类支出50.00万元。"])
    assert got == [("parts_exceed_total", Decimal("110.00"), Decimal("100.00"))]


def test_count_list(example_ctx: CheckContext) -> None:
    assert notes(example_ctx, ["本局共设3个科室：办公室、财务科。"]) == [("count_list", 3, 2)]
    assert notes(example_ctx, ["本局共设2个科室：办公室、财务科。"]) == []
    assert notes(example_ctx, ["设置了“产出”、“效益”、“满意度”三个一级指标。"]) == []


def test_tables(example_ctx: CheckContext) -> None:
    rows = [["项目", "金额"], ["甲", "1.00"], ["乙", "2.00"], ["合计", "4.00"]]
    assert notes(example_ctx, ["单位：万元", rows]) == [("table_total", Decimal("4.00"), Decimal("3.00"))]
    rows = [["项目", "预算"], ["基本支出", "10.00"], ["其中：人员经费", "8.00"], ["  日常公用经费", "3.00"],
            ["项目支出", "5.00"], ["合计", "15.00"]]
    assert notes(example_ctx, ["单位：万元", rows]) == [("parts_exceed_total", Decimal("11.00"), Decimal("10.00"))]


def test_year_labels(example_ctx: CheckContext) -> None:
    # 81,164.95 is the workbook's 2021 调整后总指标
    assert notes(example_ctx, ["2020年预算总指标81,164.95万元。"])[0][:2] == ("year_label", 2020)
    assert notes(example_ctx, ["2021年预算总指标81,164.95万元。"]) == []
    assert notes(example_ctx, ["上年（2019年）支出100.00万元。"]) == [("year_label", 2019, 2020)]


def test_quarter_range_respectively(example_ctx: CheckContext) -> None:
    """“一至四季度…分别为a、b、c、d”: the k-th figure is the k-th quarter's (the range is no quarter of its own;
    read as 四季度 every figure was compared with paid_q4, 79,260.57)."""
    text = "一至四季度末累计已支付金额分别为12,693.28万元、33,284.43万元、52,925.34万元和79,260.57万元。"
    assert notes(example_ctx, [text]) == []
    got = notes(example_ctx, [text.replace("33,284.43", "33,284.44")])
    assert got == [("figure_mismatch", Decimal("33284.44"), Decimal("33284.43"))]


def test_a_measure_alone_is_the_whole_departments(example_ctx: CheckContext) -> None:
    """“全年执行数X万元” names no subject: the department as a whole (total_actual, 79,260.57). The filler words
    (全年, 数) were taken out before the measure words, leaving “执行”, so the figure was never tied and a
    changed total went unnoticed."""
    assert notes(example_ctx, ["全年执行数79,260.57万元。"]) == []
    assert notes(example_ctx, ["全年执行数79,206.57万元。"]) == [
        ("figure_mismatch", Decimal("79206.57"), Decimal("79260.57"))]


def test_a_subjects_only_figure_takes_the_sentences_last_measure(tmp_path: Path) -> None:
    """haicheng-2024 has one figure of 基本支出 (全年执行数 820.40): “全年执行数1,370.00万元，其中基本支出…” ties
    it (a changed figure is reported); after “年初预算数…，其中基本支出…” it is not that figure, and is left alone."""
    families = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"
    fw = load_framework(str(families / "haicheng-2024.yaml"))
    book = write_template(fw, tmp_path / "h.xlsx", values=data_values(load_data(families / "haicheng-2024-data.yaml", fw)))
    _rep, ctx = validate_with_context(book, fw)
    assert ctx is not None
    assert notes(ctx, ["全年执行数1,370.00万元，其中基本支出820.40万元。"]) == []
    assert notes(ctx, ["全年执行数1,370.00万元，其中基本支出802.40万元。"]) == [
        ("figure_mismatch", Decimal("802.40"), Decimal("820.40"))]
    assert notes(ctx, ["年初预算数1,200.00万元，其中基本支出700.00万元。"]) == []  # 基本支出 年初预算数: no such figure


def test_score_table_total_against_its_level_one_rows(example_ctx: CheckContext) -> None:
    """A score table holds every level: its 合计 is the sum of the level-1 rows (18.00 + 19.00 + 57.94 = 94.94),
    and a wrong one is reported against that sum, not against every row above (which also adds 预算编制 9.00)."""
    rows = [["评价指标", "分值", "自评得分"], ["部门决策", "20", "18.00"], ["预算编制", "10", "9.00"],
            ["部门管理", "20", "19.00"], ["部门绩效", "60", "57.94"]]
    def totals(total: str) -> list[tuple[str, object, object]]:  # the figures are not the example's: ties aside
        return [n for n in notes(example_ctx, ["单位：分", [*rows, ["合计", "100", total]]]) if n[0] == "table_total"]

    assert totals("94.94") == []
    assert totals("95.94") == [("table_total", Decimal("95.94"), Decimal("94.94"))]


def test_a_total_is_checked_at_its_finest_parts_precision(example_ctx: CheckContext) -> None:
    """Scores drop trailing zeros (18, 19.5, 57.44): the 18 is exact, so 合计 96.94 is 2 points off 94.94 and
    reported; read at the 18's precision (whole points) the tolerance was ±2 and it passed."""
    rows = [["评价指标", "分值", "自评得分"], ["部门决策", "20", "18"], ["部门管理", "20", "19.5"],
            ["部门绩效", "60", "57.44"]]

    def totals(total: str) -> list[tuple[str, object, object]]:
        return [n for n in notes(example_ctx, ["单位：分", [*rows, ["合计", "100", total]]]) if n[0] == "table_total"]

    assert totals("94.94") == []
    assert totals("96.94") == [("table_total", Decimal("96.94"), Decimal("94.94"))]
