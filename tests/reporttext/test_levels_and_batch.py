"""Levels come from the framework's report.rules; reports are paired with workbooks in a folder; the bureau's
汇总 shows each unit's report and the 退回 notice lists its text findings."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlperf.loader import load_framework
from xlperf.reporttext.pairing import pair_reports, stem_key
from xlperf.validate import validate_with_context

from .builders import EXAMPLE, write_docx

FRAMEWORK = """\
extends: futian-2021
id: futian-2021
version: "1.0"
report:
  title: "{dept_name}{eval_year:年}年度部门整体支出绩效自评报告"
  sections:
    - heading: 部门基本情况
  lexicon:
    terms:
      - {phrase: 年度盘子, name: total_adjusted}
  rules:
    figure_mismatch: 提示
    year_label: 关闭
"""


@pytest.fixture(scope="module")
def framework_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fw") / "futian-2021.yaml"
    path.write_text(FRAMEWORK, encoding="utf-8")
    load_framework(path)  # valid
    return path


def test_levels_and_terms_from_the_framework(framework_file: Path, tmp_path: Path) -> None:
    report = write_docx(["本单位年度盘子81,000.00万元。", "2020年部门年初预算43,189.21万元。",
                         "“三公”经费控制率为55.23%。"], tmp_path / "r.docx")
    rep, _ = validate_with_context(EXAMPLE, str(framework_file), select=["XP5"], report_text=report)
    got = sorted((f.code, f.severity.value, str(f.found)) for f in rep.findings)
    # 年度盘子 is the framework's own term for total_adjusted (81,164.95); 55.23% vs 55.25%; year_label off
    assert got == [("XP502", "warning", "55.23"), ("XP502", "warning", "81000.00")], rep.findings
    default, _ = validate_with_context(EXAMPLE, select=["XP5"], report_text=report)
    assert sorted((f.code, f.severity.value) for f in default.findings) == [
        ("XP502", "error"), ("XP503", "warning")]  # without report: the defaults; 年度盘子 not known


def test_other_unit_and_placeholder(tmp_path: Path) -> None:
    report = write_docx(["部门名称（公章）：深圳市福田区教育局", "2020年度部门整体支出绩效自评报告",
                         "一、基本情况", "【请填写：本年度存在的主要问题】"], tmp_path / "r.docx")
    rep, _ = validate_with_context(EXAMPLE, select=["XP5"], report_text=report)
    assert sorted(f.code for f in rep.findings) == ["XP509", "XP509", "XP510"], rep.findings


def test_pairing_by_name() -> None:
    wb = Path("深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx")
    rp = Path("深圳市福田区科技创新局-2021年度部门整体支出绩效自评报告.docx")
    assert stem_key(wb) == stem_key(rp)
    paired, rest = pair_reports([wb, Path("其他局.xlsx")], [rp, Path("无关.docx")])
    assert paired == {str(wb): rp} and rest == [Path("无关.docx")]


def test_validate_folder_and_consolidate(seed_docx: Path, tmp_path: Path) -> None:
    from tests.validator.common import run_cli

    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(EXAMPLE, batch / EXAMPLE.name)
    shutil.copy(EXAMPLE, batch / "另一单位.xlsx")
    # both copies are one unit: a round counts (and returns) only its newest file, so the one with the report
    ours = (batch / EXAMPLE.name).stat()
    os.utime(batch / "另一单位.xlsx", ns=(ours.st_atime_ns, ours.st_mtime_ns - 60_000_000_000))
    shutil.copy(seed_docx, batch / (EXAMPLE.stem + "报告.docx"))
    code, stdout, _err = run_cli(["validate", str(batch), "--report-text", str(batch), "--json", "--select", "XP5"])
    assert code == 1
    files = {Path(f["path"]).name: f for f in json.loads(stdout)["files"]}
    assert files[EXAMPLE.name]["report_text"]["status"] == "checked"
    assert len(files[EXAMPLE.name]["findings"]) == 10
    assert all(f["text"]["sentence"] for f in files[EXAMPLE.name]["findings"])
    assert files["另一单位.xlsx"]["report_text"]["status"] == "missing"
    out = tmp_path / "汇总.xlsx"
    code, _out, err = run_cli(["consolidate", str(batch), "-o", str(out), "--returns", str(tmp_path / "退回"), "-q"])
    assert code == 1, err
    ws = load_workbook(out)["单位汇总"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    shown = sorted((Path(r["文件"]).name, r["自评报告"], r["报告问题"]) for r in rows)
    assert shown == [("另一单位.xlsx", "未收到", 0), (EXAMPLE.name, "已核对", 10)]
    notices = list((tmp_path / "退回").glob("*退回修改通知.xlsx"))
    text = [c for n in notices for row in load_workbook(n).active.iter_rows(values_only=True) for c in row
            if isinstance(c, str)]
    assert any("报告写“7.30”" in t for t in text) and "表3第2行第2列" in text


def test_show_untied_and_terminal(seed_docx: Path) -> None:
    from tests.validator.common import run_cli

    code, stdout, _err = run_cli(["validate", str(EXAMPLE), "--report-text", str(seed_docx), "--json",
                                  "--select", "XP5", "--show-untied"])
    info = json.loads(stdout)["files"][0]["report_text"]
    assert code == 1 and info["status"] == "checked"
    assert info["figures"] == info["tied"] + info["untied"] and len(info["untied_list"]) == info["untied"] > 0
    assert any("203家" in line for line in info["untied_list"])  # 帮助203家企业…: no workbook figure
    code, stdout, _err = run_cli(["validate", str(EXAMPLE), "--report-text", str(seed_docx), "--select", "XP5"])
    assert f"引用数字 {info['figures']} 个，与工作簿对应 {info['tied']} 个" in stdout and "XP508" in stdout


OUTLINE = """\
extends: futian-2021
id: futian-2021
version: "1.0"
report:
  title: "{dept_name}{eval_year:年}年度部门整体支出绩效自评报告"
  sections:
    - heading: 部门（单位）基本情况
    - heading: 主要履职绩效分析
    - heading: 存在问题和整改措施
    - heading: 评价指标评分情况
"""


def test_report_in_another_outline(seed_docx: Path, tmp_path: Path) -> None:
    fw = tmp_path / "futian-2021.yaml"
    fw.write_text(OUTLINE, encoding="utf-8")
    # the seed's headings: 一、部门（单位）基本情况 / 二、部门（单位）主要履职绩效分析 / 三、总体评价和整改措施 /
    # 四、部门整体支出绩效评价指标评分情况: three of the four prescribed
    rep, _ = validate_with_context(EXAMPLE, str(fw), select=["XP509"], report_text=seed_docx)
    assert rep.findings == []
    other = write_docx(["一、部门单位概况", "正文。", "二、绩效实现情况", "正文。"], tmp_path / "other.docx")
    rep, _ = validate_with_context(EXAMPLE, str(fw), select=["XP509"], report_text=other)
    assert [(f.code, f.found, f.expected) for f in rep.findings] == [("XP509", 0, 4)]
