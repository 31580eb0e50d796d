"""出错说明: written beside a 提示 finding in 校验结果, kept by key across re-runs, read by the validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from xlperf.data.values import data_values
from xlperf.write.annotate import FIRST_ROW, OpenpyxlSink, annotate_copy, apply_findings
from xlperf.findings import FileReport
from xlperf.loader import load_framework
from xlperf.render.json import report_dict
from xlperf.findings import Report
from xlperf.findings import adequate
from xlperf.validate import validate_file
from xlperf.plan.layout import RESULT_SHEET
from xlperf.write.template import write_template

WARN_SEED = 105  # random_department(105): three 提示 findings (YS-04, YS-05, YS-06), no error
GOOD = {"YS-04": "因公出国团组增加一个，经区政府批准追加预算", "YS-05": "接待上级检查任务增加，已报区财政备案",
        "YS-06": "公务用车维修费用超支，车辆老化所致"}


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fw = load_framework("futian-2021")
    return write_template(fw, tmp_path_factory.mktemp("expl") / "unit.xlsx",
                          values=data_values(random_department(fw, WARN_SEED)))


def _rows(path: Path) -> list[list[object]]:
    ws = load_workbook(path)[RESULT_SHEET]
    return [[c.value for c in row[:10]] for row in ws.iter_rows(min_row=FIRST_ROW + 1) if row[1].value]


def _write_explanations(path: Path, by_rule: dict[str, str], reverse: bool = False) -> None:
    """As a department does: type the explanation in column J beside each finding (optionally after
    sorting the rows the other way round)."""
    wb = load_workbook(path)
    ws = wb[RESULT_SHEET]
    rows = [[c.value for c in row[:10]] for row in ws.iter_rows(min_row=FIRST_ROW + 1) if row[1].value]
    if reverse:
        rows.reverse()
    for r, values in enumerate(rows, start=FIRST_ROW + 1):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
        if values[8] in by_rule:
            ws.cell(row=r, column=10, value=by_rule[values[8]])
    wb.save(path)


@pytest.mark.parametrize(("text", "ok"), [("无", False), ("-", False), ("见报告", False), ("  ", False), (None, False),
                                          ("abcd", False), ("。。。。。。", False), ("好好好好好好", False),
                                          ("详见自评报告", False), ("超支系疫情防控追加", True),
                                          ("vehicle repair", True)])
def test_adequate(text: str | None, ok: bool) -> None:
    assert adequate(text) is ok


def test_status_follows_explanations(submitted: Path, tmp_path: Path) -> None:
    first = validate_file(submitted)
    assert sorted(f.rule for f in first.findings if f.severity.value == "warning") == ["YS-04", "YS-05", "YS-06"]
    assert (first.review, first.review_zh) == ("explain", "需说明")
    copy = annotate_copy(submitted, tmp_path / "a1.xlsx", first)
    assert [r[8] for r in _rows(copy) if r[1] == "XP321"] == ["YS-04", "YS-05", "YS-06"]
    # two good explanations and a placeholder: still 需说明
    _write_explanations(copy, {**GOOD, "YS-06": "见报告"})
    rep = validate_file(copy)
    assert {f.rule: f.explanation for f in rep.findings if f.rule} == {**GOOD, "YS-06": "见报告"}
    assert rep.review == "explain"
    _write_explanations(copy, GOOD)
    rep = validate_file(copy)
    assert (rep.review, rep.review_zh) == ("pass_explained", "通过（提示已说明）")
    files = report_dict(Report(files=[rep]))["files"]
    assert files[0]["review"] == "pass_explained"
    assert {f["rule"]: (f["explanation"], f["explained"]) for f in files[0]["findings"] if f["rule"]} == {
        k: (v, True) for k, v in GOOD.items()}


def test_explanations_survive_reordering_and_reruns(submitted: Path, tmp_path: Path) -> None:
    copy = annotate_copy(submitted, tmp_path / "a1.xlsx", validate_file(submitted))
    _write_explanations(copy, GOOD, reverse=True)  # the department sorted the sheet the other way round
    assert [r[8] for r in _rows(copy) if r[1] == "XP321"] == ["YS-06", "YS-05", "YS-04"]
    again = annotate_copy(copy, tmp_path / "a2.xlsx", validate_file(copy))  # --annotate on the submission
    rows = _rows(again)
    assert [r[8] for r in rows if r[1] == "XP321"] == ["YS-04", "YS-05", "YS-06"]  # validator's order again
    assert {r[8]: r[9] for r in rows if r[1] == "XP321"} == GOOD
    # the button's path: the same apply_findings on a live book, with findings in another order and an
    # empty report in between (the explanations are kept as rows of their own, then reattached)
    wb = load_workbook(again)
    sink = OpenpyxlSink(wb)
    report = validate_file(again)
    apply_findings(sink, report.model_copy(update={"findings": [f.model_copy(update={"explanation": None})
                                                                for f in reversed(report.findings)]}))
    apply_findings(sink, FileReport(path="x.xlsx", status="ok"))
    kept = {ws_row[8].value: ws_row[9].value for ws_row in wb[RESULT_SHEET].iter_rows(min_row=FIRST_ROW + 1)
            if ws_row[1].value}
    assert kept == GOOD
    apply_findings(sink, report.model_copy(update={"findings": [f.model_copy(update={"explanation": None})
                                                                for f in report.findings]}))
    out = tmp_path / "a3.xlsx"
    wb.save(out)
    assert {f.rule: f.explanation for f in validate_file(out).findings if f.rule} == GOOD
    assert validate_file(out).review == "pass_explained"


def test_explanation_is_never_a_formula(submitted: Path, tmp_path: Path) -> None:
    copy = annotate_copy(submitted, tmp_path / "a1.xlsx", validate_file(submitted))
    formula = '=HYPERLINK("http://x","超支原因见此链接说明")'
    wb = load_workbook(copy)
    ws = wb[RESULT_SHEET]
    ws.cell(row=FIRST_ROW + 1, column=10).value = formula
    ws.cell(row=FIRST_ROW + 1, column=10).data_type = "s"
    wb.save(copy)
    again = annotate_copy(copy, tmp_path / "a2.xlsx", validate_file(copy))
    cell = load_workbook(again)[RESULT_SHEET].cell(row=FIRST_ROW + 1, column=10)
    assert (cell.value, cell.data_type) == (formula, "s")


def test_errors_mean_revise(tmp_path: Path) -> None:
    fw = load_framework("futian-2021")
    values = data_values(random_department(fw, WARN_SEED))
    values["fa_in_use"] = values["fa_original"] + 1  # ZC-01 强制
    path = write_template(fw, tmp_path / "bad.xlsx", values=values)
    rep = validate_file(path)
    assert "ZC-01" in {f.rule for f in rep.findings}
    assert (rep.review, rep.review_zh) == ("revise", "需修改")
    assert json.loads(json.dumps(report_dict(Report(files=[rep]))))["files"][0]["review_zh"] == "需修改"


def test_button_message_asks_for_explanations(submitted: Path) -> None:
    from xlperf.addins.excel import button as xlwings_sink

    text = xlwings_sink.summary(validate_file(submitted), [])
    assert "审核结论：需说明" in text and "出错说明" in text
    assert "出错说明" not in xlwings_sink.summary(FileReport(path="p", status="ok"), [])


def test_terminal_shows_explanations_and_review(submitted: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.validator.common import run_cli

    monkeypatch.setenv("COLUMNS", "200")  # piped output is 80 columns: wide enough that no explanation wraps
    copy = annotate_copy(submitted, tmp_path / "a1.xlsx", validate_file(submitted))
    _write_explanations(copy, {**GOOD, "YS-06": "-"})
    code, out, _ = run_cli(["validate", "-q", copy])
    assert code == 0
    assert GOOD["YS-04"] in out and "审核结论：需说明" in out
    assert out.count("不能接受") == 1


def test_bureau_report_carries_explanations(submitted: Path, tmp_path: Path) -> None:
    from xlperf.render.excel import write_report

    copy = annotate_copy(submitted, tmp_path / "a1.xlsx", validate_file(submitted))
    _write_explanations(copy, GOOD)
    out = write_report(Report(files=[validate_file(copy)]), tmp_path / "report.xlsx")
    wb = load_workbook(out)
    head = [c.value for c in wb["汇总"][1]]
    assert wb["汇总"].cell(row=2, column=head.index("审核结论") + 1).value == "通过（提示已说明）"
    detail = wb[wb.sheetnames[2]]
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    col = {h: i for i, h in enumerate(rows[0])}
    assert {r[col["规则编号"]]: r[col["出错说明"]] for r in rows[1:] if r[col["规则编号"]]} == GOOD
