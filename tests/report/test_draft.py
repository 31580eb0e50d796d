"""The draft of the shipped example workbook, checked against figures worked out here from the example's
data file (workbooks/examples/futian-kcj-2021.yaml, read with PyYAML, summed and divided by hand), never by
re-running the renderer: every declared heading in order, every figure as the workbook holds it, the tables
within the A4 text width, the parts to write marked, and a draft for every framework family."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

from report.common import (
    FAMILIES, FAMILY_IDS, SEED_XLSX, SEED_YAML, TEXT_WIDTH_TWIPS, Read, declared_headings, read,
)
from xlperf.compiled import compile_once
from xlperf.loader import load_framework
from xlperf.framework.report import WriteItem
from xlperf.review.report_draft import draft_for
from xlperf.write.report_docx import draft_report

D = Decimal
NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.|（\d+）)")


def unnumbered(headings: list[str]) -> list[str]:
    return [NUMBER.sub("", h, count=1) for h in headings]


def money(x: Decimal) -> str:
    return f"{x.quantize(D('0.01'), ROUND_HALF_UP):,.2f}"


def pct(num: Decimal, den: Decimal, by: Decimal = D(1)) -> str:
    return f"{(num / den / by * 100).quantize(D('0.01'), ROUND_HALF_UP):.2f}%"


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    raw = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    flat: dict[str, Any] = {}
    for group in ("info", "budget", "quarterly", "sangong", "procurement", "staff", "assets", "projects"):
        flat.update({k: (D(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v)
                     for k, v in raw[group].items()})
    flat["self_scores"] = raw["self_scores"]
    return flat


@pytest.fixture(scope="module")
def draft() -> Read:
    drafted = draft_for(SEED_XLSX, allow_errors=True)  # the example holds the seed's own inconsistencies
    assert drafted.errors, "the example workbook has errors: drafted only with allow_errors"
    return read(drafted.docx)


def _words(r: Read) -> str:
    return r.text.replace("\n", "")


def test_headings_in_declared_order_numbered_by_depth(draft: Read) -> None:
    spec = load_framework("futian-2021").report
    assert spec is not None
    assert unnumbered(draft.headings) == declared_headings(spec.sections)
    assert draft.headings[:3] == ["一、部门（单位）基本情况", "（一）部门主要职能", "（二）年度总体工作和重点工作任务"]
    top = [h for h in draft.headings if h[1] == "、"]
    assert top == ["一、部门（单位）基本情况", "二、部门（单位）主要履职绩效分析", "三、存在问题和整改措施", "四、评价指标评分情况"]
    assert "1.预算执行情况" in draft.headings and "（三）部门履职绩效情况" in draft.headings


def test_title_and_header(draft: Read, seed: dict[str, Any]) -> None:
    assert draft.paragraphs[0] == ("Title", "深圳市福田区科技创新局2021年度部门整体支出绩效自评报告")
    lines = [t for _, t in draft.paragraphs[1:4]]
    assert lines == ["部门名称（公章）：深圳市福田区科技创新局", "单位负责人（签章）：", "填报人：【请填写：填报人】"]


def test_budget_figures_as_the_workbook_holds_them(draft: Read, seed: dict[str, Any]) -> None:
    s = seed
    basic_initial = s["personnel_initial"] + s["public_initial"]  # 642.21 + 39.15
    total_initial = basic_initial + s["project_initial"]
    basic_adjusted = s["personnel_adjusted"] + s["public_adjusted"]
    total_adjusted = basic_adjusted + s["project_adjusted"]
    basic_actual = s["personnel_actual"] + s["public_actual"]
    total_actual = basic_actual + s["project_actual"]
    assert (money(total_initial), money(total_adjusted), money(total_actual)) == ("43,189.21", "81,164.95", "79,260.57")
    text = _words(draft)
    assert (f"年初预算{money(total_initial)}万元，其中：基本支出{money(basic_initial)}万元（人员经费642.21万元、"
            f"日常公用经费39.15万元），项目支出42,507.85万元。") in text
    assert (f"调整后年度预算总指标为{money(total_adjusted)}万元，包括基本支出{money(basic_adjusted)}万元和项目支出"
            "80,454.91万元。") in text
    assert f"实际支出{money(total_actual)}万元，其中：基本支出{money(basic_actual)}万元，项目支出78,629.50万元。" in text
    assert f"部门整体预算执行率为{pct(total_actual, total_adjusted)}" in text  # 97.65%
    adjustment = total_adjusted - total_initial  # 37,975.74: 87.93% of the initial budget, over 10%
    assert f"预算调整、调剂金额为{money(adjustment)}万元，占年初预算的{pct(adjustment, total_initial)}，超过部门预算总规模的10%。" in text
    assert "未超过部门预算总规模的10%" not in text  # its `when:` does not hold


def test_execution_table_rows(draft: Read, seed: dict[str, Any]) -> None:
    s = seed
    table = next(t for t in draft.tables if t[0][:2] == ["项目", "年初预算"])
    assert table[0] == ["项目", "年初预算", "年度预算总指标", "年度总支出", "预算执行率"]
    assert table[2] == ["其中：人员经费", "642.21", "670.89", "606.07", pct(s["personnel_actual"], s["personnel_adjusted"])]
    assert table[3] == ["日常公用经费", "39.15", "39.15", "25.00", "63.86%"]
    assert table[5] == ["总计", "43,189.21", "81,164.95", "79,260.57", "97.65%"]


def test_quarters_sangong_procurement_staff(draft: Read, seed: dict[str, Any]) -> None:
    s = seed
    q = [pct(s[f"paid_q{n}"], s["quota_total"], D(n) / 4) for n in (1, 2, 3, 4)]
    assert q == ["62.56%", "82.02%", "86.94%", "97.65%"]
    capped = [min(s[f"paid_q{n}"] / s["quota_total"] / (D(n) / 4), D(1)).quantize(D("0.0001"), ROUND_HALF_UP)
              for n in (1, 2, 3, 4)]
    avg = f"{(sum(capped) / 4 * 100).quantize(D('0.01'), ROUND_HALF_UP):.2f}%"  # mean of the rounded rates
    text = _words(draft)
    assert f"各季度执行率分别为{'、'.join(q)}，全年平均执行率为{avg}。" in text
    sangong_budget = s["abroad_budget"] + s["reception_budget"] + s["vehicle_budget"]
    sangong_actual = s["abroad_actual"] + s["reception_actual"] + s["vehicle_actual"]
    assert f"“三公”经费财政拨款预算{money(sangong_budget)}万元，实际支出{money(sangong_actual)}万元，" \
           f"“三公”经费控制率为{pct(sangong_actual, sangong_budget)}。" in text  # 4.79 / 8.67 = 55.25%, not 55.23%
    assert f"政府采购执行率为{pct(s['procurement_actual'], s['procurement_plan'])}。" in text  # 37.83%
    staff_all = s["staff_onpost"] + s["staff_workers"] + s["staff_employees"] + s["staff_dispatched"] + s["staff_other_hired"]
    assert f"编外人员控制率为{pct(s['staff_dispatched'] + s['staff_other_hired'], staff_all)}。" in text  # 14/33
    assert f"财政供养人员控制率为{pct(s['staff_onpost'] + s['staff_workers'], s['staff_authorized'])}" in text  # 18/21
    sangong = next(t for t in draft.tables if t[0] == ["项目", "预算数", "实际支出"])
    assert sangong[1:] == [["因公出国（境）费", "0.00", "0.00"], ["公务接待费", "5.00", "1.64"],
                           ["公务用车购置及运行维护费", "3.67", "3.15"], ["“三公”经费合计", "8.67", "4.79"]]


def test_score_table_points_self_computed_and_reasons(draft: Read, seed: dict[str, Any]) -> None:
    table = next(t for t in draft.tables if t[0][0] == "评价指标")
    assert table[0] == ["评价指标", "分值", "自评得分", "计算得分", "扣分原因"]
    rows = {r[0]: r for r in table[1:]}
    # 政府采购执行情况: 730.68 / 1,931.52 = 37.83% × 1 + policy 1 = 1.3783 → 1.38; self-scored 2
    assert rows["政府采购执行情况"][1:4] == ["2", "2", "1.38"]
    assert "37.83%" in rows["政府采购执行情况"][4]
    # 编外人员控制率 14/33 = 42.42% > 10% → 0 of 1; the department's own reason is shown beside it
    assert rows["编外人员控制率"][1:4] == ["1", "0", "0"]
    assert "42.42%" in rows["编外人员控制率"][4] and "自评说明：编外人员控制率42.42%，高于10%" in rows["编外人员控制率"][4]
    assert rows["预算编制合理性"][1:] == ["5", "5", "5", ""]  # no point lost: no reason
    self_total = sum(D(str(v["score"])) for v in seed["self_scores"].values())
    assert table[-1][:3] == ["合计", "100", f"{self_total.normalize():f}"]  # 94.94
    assert f"自评总得分为{self_total.normalize():f}分" in _words(draft)


def test_write_items_are_marked_and_highlighted(draft: Read) -> None:
    spec = load_framework("futian-2021").report
    assert spec is not None
    prompts: list[str] = []

    def walk(sections: Any) -> None:
        for sec in sections:
            prompts.extend(i.write for i in sec.body if isinstance(i, WriteItem))
            walk(sec.children)

    walk(spec.sections)
    assert len(prompts) >= 10
    marked = {}
    for p in draft.doc.paragraphs:
        for run in p.runs:
            if run.text.startswith("【请填写："):
                marked[run.text] = run.font.highlight_color
    for prompt in prompts:
        assert marked.get(f"【请填写：{prompt}】") == WD_COLOR_INDEX.YELLOW, prompt


def test_tables_fit_the_a4_text_width(draft: Read) -> None:
    assert len(draft.doc.tables) == 6
    for table in draft.doc.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= TEXT_WIDTH_TWIPS + len(grid), grid
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None  # repeated on each page


def test_page_and_fonts(draft: Read) -> None:
    from docx.shared import Pt

    sec = draft.doc.sections[0]
    mm = [round(v.mm) for v in (sec.page_width, sec.page_height, sec.top_margin, sec.bottom_margin, sec.left_margin,
                                sec.right_margin)]
    assert mm == [210, 297, 37, 35, 28, 26]
    normal = draft.doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert draft.doc.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert draft.doc.styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"


def test_nothing_from_the_workbook_becomes_a_field() -> None:
    """A department name written as a field or formula stays text; the footer's page number is the only field."""
    from xlperf.ingest.datafile import load_data
    from xlperf.write.report_docx import values_from_data

    fw = load_framework("futian-2021")
    values, result = values_from_data(fw, load_data(SEED_YAML, fw))
    values["dept_name"] = '=HYPERLINK("http://x")\x07{ PAGE }<w:fldSimple/>'
    body = draft_report(compile_once(fw), values, result)
    r = read(body)
    assert r.paragraphs[1][1] == '部门名称（公章）：=HYPERLINK("http://x"){ PAGE }<w:fldSimple/>'  # BEL dropped
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode()
    assert "fldSimple" not in xml.replace("&lt;w:fldSimple/&gt;", "") and "instrText" not in xml and "fldChar" not in xml


@pytest.mark.parametrize("family", FAMILY_IDS)
def test_a_draft_for_every_family(family: str) -> None:
    fw = load_framework(str(FAMILIES / f"{family}.yaml"))
    spec = fw.report
    assert spec is not None
    drafted = draft_for(FAMILIES / f"{family}-data.yaml", str(FAMILIES / f"{family}.yaml"))
    r = read(drafted.docx)
    assert unnumbered(r.headings) == declared_headings(spec.sections)
    assert "{" not in r.text and "}" not in r.text  # every placeholder filled (or marked)
    assert len(r.tables) == len(spec.tables) + 1  # its tables and the score table
    for table in r.doc.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= TEXT_WIDTH_TWIPS + len(grid)


def test_family_figures_worked_by_hand() -> None:
    """annual-2024's data: 基本支出 840.00 of 800.00 (105.00%), 项目支出 1,235.10 of 1,500.00 (82.34%),
    10 of 12 projects (83.33%); coef-2024 and jiangbei-2025 one sentence each."""
    r = read(draft_for(FAMILIES / "annual-2024-data.yaml", str(FAMILIES / "annual-2024.yaml")).docx)
    text = _words(r)
    assert "年初预算2,300.00万元，执行数2,075.10万元。其中：基本支出年初预算800.00万元，执行数840.00万元，执行率105.00%；" in text
    assert "项目支出年初预算1,500.00万元，执行数1,235.10万元，执行率82.34%。" in text
    assert "计划实施项目12个，按计划完成10个，项目完成率83.33%。" in text
    assert "工作计划完成率" not in text  # when: not has_projects
    assert ["合计", "2,300.00", "2,075.10", ""] in r.tables[0]


def test_extends_inherits_the_report_and_the_score_table_follows_the_new_indicator() -> None:
    """futian-2022 writes no report: it has futian-2021's; its new 固定资产成新率 (108.67 / 186.13 = 58.38% <
    60% → 0.5 of 1) is a row of the score table, unscored by the department (—)."""
    from xlperf.ingest.datafile import load_data
    from xlperf.write.report_docx import values_from_data

    fw = load_framework(str(FAMILIES / "futian-2022.yaml"))
    values, result = values_from_data(fw, load_data(SEED_YAML, fw))
    r = read(draft_report(compile_once(fw), values, result))
    assert r.headings[0] == "一、部门（单位）基本情况"
    row = next(row for row in r.tables[-1] if row[0] == "固定资产成新率")
    assert row[1:4] == ["1", "—", "0.5"] and "58.38%" in row[4]


def test_rows_the_department_added_are_drafted_row_by_row() -> None:
    """jiangbei-2025's 绩效目标完成情况 (rows_from: targets): the data file's nine rows, in order, each with its
    完成率 and 得分 — 新建公交站亭 184 / 200 = 92.00%, 8 × 0.92 = 7.36; 养护成本 (逆向) 3.5 / 3.62 = 96.69%,
    8 × 0.9669 = 7.74 — and a blank 偏差原因 where the department gave none."""
    r = read(draft_for(FAMILIES / "jiangbei-2025-data.yaml", str(FAMILIES / "jiangbei-2025.yaml")).docx)
    table = next(t for t in r.tables if t[0][0] == "指标名称")
    raw = yaml.safe_load((FAMILIES / "jiangbei-2025-data.yaml").read_text(encoding="utf-8"))
    assert [row[0] for row in table[1:]] == [t["title"] for t in raw["tables"]["targets"]]
    assert table[2] == ["新建公交站亭（个）", "数量", "200", "184", "8", "92.00%", "7.36", "部分站点用地手续未办结，已列入下年计划"]
    assert table[5] == ["单位里程养护成本（万元/公里）", "成本", "3.5", "3.62", "8", "96.69%", "7.74", "材料价格上涨"]
    assert table[1][-1] == ""
    coef = read(draft_for(FAMILIES / "coef-2024-data.yaml", str(FAMILIES / "coef-2024.yaml")).docx).tables[0]
    assert coef[2] == ["“三公”经费控制率", "1", "1.08", "是", "5", "0.9259", "4.63"]  # 逆向: 1 / 1.08


def test_a_row_template_must_name_columns_of_its_form_table() -> None:
    from xlperf.errors import InputError
    from xlperf.loader import framework_from_text

    text = (FAMILIES / "jiangbei-2025.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError) as info:
        framework_from_text(text.replace("'{targets.category}'", "'{targets.kind}'"), "t.yaml")
    assert "report.tables.targets.each[1]：占位符 {targets.kind} 不是表 targets 的列" in str(info.value)
    with pytest.raises(InputError) as info:
        framework_from_text(text.replace("rows_from: targets", "rows_from: goals"), "t.yaml")
    assert "report.tables.targets.rows_from：goals 不是填报表中的表" in str(info.value)


def test_every_drafted_figure_is_listed_with_its_name() -> None:
    """draft_report(figures=[…]) lists each placeholder's (name, text) in document order: what the checker's
    round trip changes one at a time. The title comes first; the execution table's 总计 row is there."""
    from xlperf.ingest.datafile import load_data
    from xlperf.write.report_docx import values_from_data

    fw = load_framework("futian-2021")
    values, result = values_from_data(fw, load_data(SEED_YAML, fw))
    figures: list[tuple[str, str]] = []
    body = draft_report(compile_once(fw), values, result, figures=figures)
    assert figures[:2] == [("dept_name", "深圳市福田区科技创新局"), ("eval_year", "2021")]
    assert ("exec_rate_total", "97.65%") in figures and ("total_actual", "79,260.57") in figures
    text = _words(read(body))
    assert all(shown in text for _, shown in figures)
    assert len(figures) > 150


def test_write_item_with_when_is_asked_only_when_it_holds(tmp_path: Path) -> None:
    """haicheng-2024 asks for the reason of a “三公”经费 overspend only when there is one: its data spends
    20.35 of 20.00 万元 (asked); at 19.80 of 20.00 the draft has no such 【请填写】."""
    fw = str(FAMILIES / "haicheng-2024.yaml")
    prompt = "【请填写：“三公”经费超过预算的原因】"
    drafted = _words(read(draft_for(FAMILIES / "haicheng-2024-data.yaml", fw).docx))
    assert prompt in drafted
    assert "发放满意度问卷500份，有效问卷480份，满意441份，满意度为91.88%。" in drafted  # the count format 份
    raw = yaml.safe_load((FAMILIES / "haicheng-2024-data.yaml").read_text(encoding="utf-8"))
    raw["procurement"]["sangong_actual"] = 19.8
    within = tmp_path / "within.yaml"
    within.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    text = _words(read(draft_for(within, fw).docx))
    assert prompt not in text and "【请填写：社会效益和可持续影响】" in text  # the other write items stay
