"""report: is checked when a framework is loaded: every placeholder, ``when:`` and lexicon term names a
workbook quantity (the catalogue's names, prev_x, score_/self_ names), each problem in Chinese with its path."""

from __future__ import annotations

import pytest

from report.common import FAMILIES, FAMILY_IDS, declared_headings
from xlperf.errors import InputError
from xlperf.loader import framework_from_text, load_framework
from xlperf.compiled import catalog

ANNUAL = (FAMILIES / "annual-2024.yaml").read_text(encoding="utf-8")


def _load(text: str) -> None:
    framework_from_text(text, "t.yaml")


def _error(text: str) -> str:
    with pytest.raises(InputError) as info:
        _load(text)
    return str(info.value)


def test_every_shipped_and_family_framework_declares_a_report() -> None:
    for ref in ["futian-2021", *(str(FAMILIES / f"{f}.yaml") for f in (*FAMILY_IDS, "futian-2022"))]:
        fw = load_framework(ref)
        assert fw.report is not None, ref
        assert declared_headings(fw.report.sections), ref


def test_unknown_placeholder_names_its_path_and_the_near_name() -> None:
    message = _error(ANNUAL.replace("执行数{total_actual:万元}万元", "执行数{total_actul:万元}万元"))
    assert "t.yaml：report.sections[0].children[1].body[0].text：占位符 {total_actul} 不是工作簿中的名称" in message
    assert "是否为 total_actual" in message


def test_unknown_name_in_a_table_cell_and_in_the_title() -> None:
    text = ANNUAL.replace("- [基本支出, '{basic_initial:万元}'", "- [基本支出, '{basic_initail:万元}'")
    text = text.replace("title: '{dept_name}{eval_year:年}年度部门整体支出绩效自评报告'", "title: '{dept}年度报告'")
    message = _error(text)
    assert "report.tables.execution.rows[0][1]：占位符 {basic_initail} 不是工作簿中的名称" in message
    assert "report.title：占位符 {dept} 不是工作簿中的名称" in message


def test_when_is_parsed_and_its_names_checked() -> None:
    message = _error(ANNUAL.replace("when: not has_projects", "when: not has_projectz"))
    assert "report.sections[1].body[1].when 引用了工作簿中没有的名称 has_projectz" in message
    message = _error(ANNUAL.replace("when: not has_projects", "when: 'has_projects +'"))
    assert "report.sections[1].body[1].when：" in message


def test_table_item_must_name_a_declared_table() -> None:
    message = _error(ANNUAL.replace("- {table: execution}", "- {table: executoin}"))
    assert "report.sections[0].children[1].body[1]：表 executoin 未在 report.tables 中定义（已定义：execution）" in message


def test_lexicon_term_must_name_a_workbook_quantity() -> None:
    message = _error(ANNUAL.replace("{phrase: 满意度, name: satisfaction}", "{phrase: 满意度, name: satisfied}"))
    assert "report.lexicon.terms[2]（满意度）：名称 satisfied 不是工作簿中的名称" in message


def test_a_table_column_cannot_be_quoted_in_text() -> None:
    text = (FAMILIES / "coef-2024.yaml").read_text(encoding="utf-8")
    message = _error(text.replace("共填报绩效指标{rows_count:项}项", "共填报绩效指标{rows.title}项"))
    assert "占位符 {rows.title} 是表的列" in message


def test_row_with_the_wrong_number_of_cells() -> None:
    message = _error(ANNUAL.replace("- [合计, '{total_initial:万元}', '{total_actual:万元}', '']",
                                    "- [合计, '{total_initial:万元}', '{total_actual:万元}']"))
    assert "report.tables.execution.rows[2]：有 3 格，而表头有 4 列" in message


def test_unknown_format_is_refused() -> None:
    message = _error(ANNUAL.replace("{exec_basic:%}；项目", "{exec_basic:percent}；项目"))
    assert "格式“percent”未定义" in message


def test_every_catalogue_name_is_accepted_and_prev_dot_is_prev_underscore() -> None:
    """Every name of the catalogue (plan/names.py: inputs, prev_x, derived and stated figures, rates, judged
    inputs, score_/self_/reason_ names, totals), table columns aside, is a valid placeholder."""
    path = FAMILIES / "ppd-2024.yaml"
    names = [n for n in catalog(load_framework(str(path))) if "." not in n]
    assert {"prev_sangong_actual", "score_total", "self_total", "staff_rate"} <= set(names)
    every = "".join(f"{{{n}}}" for n in names) + "{prev.sangong_actual:万元}"
    text = path.read_text(encoding="utf-8")
    _load(text.replace("产出质量达标率{quality_rate:%}", f"产出质量达标率{{quality_rate:%}}{every}"))


def test_the_guides_worked_example_loads_and_drafts() -> None:
    """docs/frameworks.md's `report:` example, put on a family whose form has the names it quotes."""
    import re

    from report.common import REPO
    from xlperf.compiled import compile_once
    from xlperf.ingest.datafile import load_data
    from xlperf.write.report_docx import draft_report, values_from_data

    guide = (REPO / "docs" / "frameworks.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```yaml\n(.*?)```", guide, re.S) if b.startswith("report:"))
    text = (FAMILIES / "ppd-2024.yaml").read_text(encoding="utf-8")
    fw = framework_from_text(text[: text.index("\nreport:")] + "\n" + example, "guide.yaml")
    values, result = values_from_data(fw, load_data(FAMILIES / "ppd-2024-data.yaml", fw))
    assert draft_report(compile_once(fw), values, result)[:2] == b"PK"


def test_a_body_item_is_checked_as_the_kind_its_key_says() -> None:
    """A misspelt key of a write item is one message under the item's kind, not one per kind of item with
    pydantic's class names (ParagraphItem.text：缺少必填项 …); an item with none of the keys says which it needs."""
    message = _error(ANNUAL.replace("{write: 履职效益（社会效益、经济效益等）, min_chars: 50}",
                                    "{write: 履职效益, min_chars: 50, whem: has_projects}"))
    assert "body.3.write.whem：未知字段" in message
    assert "Item" not in message and len(message.splitlines()) == 1
    message = _error(ANNUAL.replace("{write: 履职效益（社会效益、经济效益等）, min_chars: 50}", "{wrte: 履职效益}"))
    assert "正文项须含 text、write、table 或 scores 之一" in message and "Item" not in message
    message = _error(ANNUAL.replace("{write: 履职效益（社会效益、经济效益等）, min_chars: 50}",
                                    "{write: 履职效益, when: has_projectz}"))
    assert "body[3].when 引用了工作簿中没有的名称 has_projectz" in message
