"""Text from a submitted file in the terminal: printed as typed (no rich markup), bounded, wrapped (issue 10 §6,
issue 11 §6)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from rich.cells import cell_len
from rich.console import Console

from validator.common import SEED_XLSX, SEED_YAML
from validator.xlsx_edit import Xlsx
from xlperf.findings import FileReport, Finding, Report, Severity
from xlperf.render.text import NAME_MAX, print_report, summary_line

from .conftest import xlperf

MARKUP = "科技局[/]"
NASTY = ["科技局[/]", "[bold red]红[/]", "[link=http://evil.example]点我[/link]", ":smile: :warning:", "\\[x]"]


def _render(report: Report, width: int = 80, **kw: object) -> str:
    out = io.StringIO()
    print_report(report, Console(file=out, width=width, color_system=None), **kw)  # type: ignore[arg-type]
    return out.getvalue()


def _report(text: str) -> Report:
    finding = Finding(code="XP201", name="text-in-number-cell", severity=Severity.error, sheet=text, cell="B7",
                      message=f"“{text}”不是数字")
    return Report(files=[FileReport(path=f"/收件/{text}.xlsx", status="invalid", department=text, year=2021,
                                    findings=[finding])])


@pytest.mark.parametrize("text", NASTY)
def test_markup_in_user_text_is_printed_as_typed(text: str) -> None:
    shown = re.sub(r"[\s│┃]+", "", _render(_report(text), width=200))
    assert re.sub(r"\s+", "", text) in shown


def test_huge_name_is_bounded() -> None:
    name = "科" * 9_000_000  # a 9 MB department name
    out = _render(_report(name), width=120)
    assert len(out) < 20_000
    assert "…" in out
    assert out.count("科") < 4 * NAME_MAX + 1200  # name (path, department, summary twice) bounded; message 1000


def test_summary_line_counts_each_status() -> None:
    from xlperf.findings import Finding, Severity

    one = {"ok": [], "error": [], "warnings": [Finding(code="XP321", severity=Severity.warning, message="m")],
           "invalid": [Finding(code="XP320", severity=Severity.error, message="m")]}
    files = [FileReport(path=f"{s}-{i}.xlsx", status=s, findings=one[s]) for i, s in enumerate(
        ["ok", "ok", "warnings", "invalid", "invalid", "invalid", "error"])]
    assert summary_line(Report(files=files)) == "共 7 个文件：通过 2 · 通过（提示已说明） 0 · 需说明 1 · 需修改 4（其中无法读取 1）"


def test_summary_only_prints_no_findings() -> None:
    out = _render(_report("科技局"), width=120, summary_only=True)
    assert "XP201" not in out and "校验汇总" in out and "共 1 个文件" in out


def test_validate_a_workbook_whose_department_is_markup(tmp_path: Path) -> None:
    src = Xlsx(SEED_XLSX).set("基本信息", "B4", MARKUP).save(tmp_path / "科创局.xlsx")
    run = xlperf("validate", "-q", src)
    assert run.code == 1, run.err  # the seed example's own errors; no crash
    assert MARKUP in run.out and "Traceback" not in run.out + run.err


def test_score_a_data_file_whose_department_is_markup(tmp_path: Path) -> None:
    data = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    key = next(k for k, v in data.items() if isinstance(v, dict) and "dept_name" in v)
    data[key]["dept_name"] = MARKUP
    path = tmp_path / "data.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = xlperf("score", path)
    assert run.code == 0, run.err
    assert MARKUP in run.out


@pytest.mark.parametrize("columns", [80, 120])
def test_findings_wrap_instead_of_being_cut(columns: int) -> None:
    """At 80 and 120 columns every line fits and no text is cut with “…”: the XP303 message is there in full."""
    run = xlperf("validate", "-q", SEED_XLSX, columns=columns)
    assert run.code == 1, run.err
    lines = run.out.splitlines()
    assert max(cell_len(line) for line in lines) <= columns
    assert "…" not in run.out
    joined = re.sub(r"[\s│┃]+", "", run.out)
    assert "填报为55.23%，按数据计算4.79÷8.67=55.25%" in joined, joined[:2000]
    assert "深圳市福田区科技创新局" in joined
    assert "共1个文件：通过0·通过（提示已说明）0·需说明0·需修改1" in joined


def test_piped_output_is_80_columns_wide_unless_columns_says_otherwise() -> None:
    """Issue 19 §8: not a terminal and no COLUMNS → 80 columns (it was 160); COLUMNS is obeyed."""
    piped = xlperf("validate", "-q", SEED_XLSX)
    assert max(cell_len(line) for line in piped.out.splitlines()) <= 80
    wide = xlperf("validate", "-q", SEED_XLSX, columns=200)
    assert 80 < max(cell_len(line) for line in wide.out.splitlines()) <= 200
