"""Unit identity in a batch, the expected-units list, and 退回修改 file names, on hand-made reports."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from tests.support.templates import template_copy
from tests.validator.common import CORPUS, SEED_XLSX, run_cli
from xlperf.data.values import data_values
from xlperf.errors import XlperfError
from xlperf.findings import FileReport, Finding, Severity
from xlperf.loader import load_framework
from xlperf.review.batch import batch_issues, read_expected
from xlperf.review.returns import return_stem, safe_name, write_returns


def rep(path: str, code: str | None, name: str | None, year: int = 2021, version: str = "1.0",
        status: str = "ok", fw: str = "futian-2021") -> FileReport:
    return FileReport(path=path, status=status, unit_code=code, department=name, year=year, framework=fw,
                      framework_version=version)


def test_duplicates_off_year_off_version_missing_unexpected(tmp_path: Path) -> None:
    reports = [rep("a.xlsx", "001", "甲局"), rep("b.xlsx", "002", "乙局"), rep("c.xlsx", " 001", "甲局（重报）"),
               rep("d.xlsx", "003", "丙局", year=2020), rep("e.xlsx", "004", "丁局", version="0.9"),
               rep("f.xlsx", None, "戊 局"), rep("g.xlsx", "009", "不在名单"),
               rep("h.xlsx", "005", "己局", status="error")]
    csv = tmp_path / "units.csv"
    csv.write_text("单位编码,单位名称\n001,甲局\n002,乙局\n003,丙局\n004,丁局\n,戊局\n005,己局\n006,庚局\n",
                   encoding="gb18030")
    issues = batch_issues(reports, read_expected(csv))
    got = sorted((i.kind, i.unit) for i in issues)
    assert got == sorted([
        ("duplicate", "001 甲局"),          # codes compared without spaces
        ("year", "003 丙局"), ("framework", "004 丁局"),
        ("missing", "005 己局"),             # its only file cannot be read
        ("missing", "006 庚局"),
        ("unexpected", "009 不在名单")])     # 戊局 without a code is matched by name (spaces ignored)
    dup = next(i for i in issues if i.kind == "duplicate")
    assert dup.files == ("a.xlsx", "c.xlsx")


def test_expected_list_problems(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("单位编码,单位名称\n", encoding="utf-8")
    with pytest.raises(XlperfError, match="没有单位"):
        read_expected(empty)
    with pytest.raises(XlperfError, match="无法读取"):
        read_expected(tmp_path / "missing.csv")


@pytest.mark.parametrize(("text", "want"), [
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"), ("..", "未知单位"), ("CON", "未知单位"), (" 甲局. ", "甲局"),
    ("x\x00y\n", "xy"), ("长" * 100, "长" * 60), (None, "未知单位")])
def test_safe_name(text: str | None, want: str) -> None:
    assert safe_name(text) == want


def test_return_stem() -> None:
    assert return_stem(rep("x/u1.xlsx", "0101", "甲局/财务科")) == "0101-甲局_财务科"
    assert return_stem(rep("x/u1.xlsx", None, None)) == "u1"


def test_same_name_twice_and_no_overwrite(tmp_path: Path) -> None:
    bad = Finding(code="XP320", severity=Severity.error, message="m", sheet="资产", cell="B7", rule="ZC-01")
    reports = [FileReport(path=str(CORPUS / "truncated.xlsx"), status="error", department="甲局", findings=[bad]),
               FileReport(path=str(CORPUS / "truncated.xlsx"), status="error", department="甲局", findings=[bad])]
    out, removed = write_returns(reports, tmp_path)
    assert removed == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "甲局-退回修改通知.xlsx", "甲局（2）-退回修改通知.xlsx"]
    assert all(u.annotated is None for u in out)  # an unreadable file has nothing to annotate
    # the next round replaces this round's notices: the unit that is no longer sent back loses its notice
    again, removed = write_returns(reports[:1], tmp_path)
    assert again[0].problem is None and removed == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["甲局-退回修改通知.xlsx"]
    # a notice a person changed is not deleted, nor overwritten without --force
    (tmp_path / "甲局-退回修改通知.xlsx").write_bytes(b"changed")
    kept, removed = write_returns(reports[:1], tmp_path)
    assert removed == 0 and kept[0].problem and "已存在" in kept[0].problem
    assert write_returns(reports[:1], tmp_path, force=True)[0][0].problem is None


def test_consolidate_cli_with_hostile_and_unreadable_files(tmp_path: Path) -> None:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    shutil.copy(SEED_XLSX, folder / "seed.xlsx")
    shutil.copy(CORPUS / "truncated.xlsx", folder / "broken.xlsx")
    out, returns = tmp_path / "汇总.xlsx", tmp_path / "退回"
    code, stdout, stderr = run_cli(["consolidate", "-q", folder, "-o", out, "--returns", returns])
    assert code == 1 and "Traceback" not in stderr, stderr
    ws = load_workbook(out)["单位汇总"]
    rows = {r[16].rsplit("/", 1)[-1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["broken.xlsx"][8].startswith("需修改") and rows["seed.xlsx"][8] == "需修改"
    names = sorted(p.name for p in returns.iterdir())
    assert names == ["broken-退回修改通知.docx", "broken-退回修改通知.xlsx", "深圳市福田区科技创新局-标注.xlsx",
                     "深圳市福田区科技创新局-退回修改通知.docx", "深圳市福田区科技创新局-退回修改通知.xlsx"]
    # the returned copy is the department's to correct: a folder run does not skip it as xlperf's output
    code, stdout, _ = run_cli(["validate", "-q", "--summary", returns])
    assert "深圳市福田区科技创新局" in stdout
    # the consolidation itself is skipped when the folder is consolidated again
    shutil.copy(out, folder / "旧汇总.xlsx")
    code, stdout, _ = run_cli(["consolidate", "-q", folder, "-o", tmp_path / "2.xlsx"])
    assert "已跳过 旧汇总.xlsx：xlperf 生成的汇总" in stdout
    assert run_cli(["consolidate", "-q", folder, "-o", out])[0] == 2  # exists, no --force


def test_history_goes_where_the_summary_goes(tmp_path: Path) -> None:
    """A 汇总 into a folder that does not exist yet: the folder is made for the 汇总 and its history alike
    (the history failed with "unable to open database file"); a history path through a file is a message."""
    out = tmp_path / "第一轮" / "汇总.xlsx"
    code, stdout, stderr = run_cli(["consolidate", "-q", SEED_XLSX, "-o", out])
    assert code == 1 and stderr == "", stderr
    assert (out.parent / "xlperf-审核历史.sqlite").is_file() and "审核历史（第 1 轮）已记录" in stdout
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x")
    code, _, stderr = run_cli(["consolidate", "-q", SEED_XLSX, "-o", tmp_path / "2.xlsx",
                               "--history", blocker / "h.sqlite"])
    assert code == 2 and "路径中有一段不是文件夹" in stderr and "Traceback" not in stderr


def test_findings_longer_than_a_sheet_go_on_in_numbered_sheets(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """问题明细 beyond a sheet's rows (1,048,576 in Excel: ~20,000 units with 50 findings) continues in
    「问题明细（2）」… with the header again; each unit's 查看 link goes to the sheet and row of its first finding."""
    from xlperf.render import consolidation

    monkeypatch.setattr(consolidation, "ROW_LIMIT", 7)  # header + 6 findings a sheet
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for i in range(3):
        shutil.copy(SEED_XLSX, folder / f"u{i}.xlsx")
    out = tmp_path / "汇总.xlsx"
    assert run_cli(["consolidate", "-q", "--no-history", folder, "-o", out])[0] == 1
    wb = load_workbook(out)
    parts = [n for n in wb.sheetnames if n.startswith("问题明细")]
    assert parts[0] == "问题明细" and parts[1:] == [f"问题明细（{k}）" for k in range(2, len(parts) + 1)]
    header = [c.value for c in wb["问题明细"][1]]
    rows: list[tuple[str, int, object]] = []
    for name in parts:
        ws = wb[name]
        assert [c.value for c in ws[1]] == header and 2 <= ws.max_row <= 7
        rows += [(name, r, ws.cell(row=r, column=1).value) for r in range(2, ws.max_row + 1)]
    assert len(parts) >= 2 and [n for _, _, n in rows] == sorted(n for _, _, n in rows)  # units in order
    units = wb["单位汇总"]
    link_col = [c.value for c in units[1]].index("问题明细") + 1
    for r in range(2, units.max_row + 1):
        number = units.cell(row=r, column=1).value
        first = next((sheet, row) for sheet, row, n in rows if n == number)
        assert units.cell(row=r, column=link_col).hyperlink.location == f"'{first[0]}'!A{first[1]}"
    assert wb.sheetnames[-len(parts):] == parts


def test_terminal_lists_a_bounded_number_of_changed_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second round lists what changed per unit up to a bound, then counts the rest (a province's round
    printed a line per unit); the 汇总's 与上轮比较 still has every unit."""
    from xlperf import bureau

    monkeypatch.setattr(bureau, "CHANGES_SHOWN", 1)
    fw = load_framework("futian-2021")
    folder = tmp_path / "收件箱"
    for seed in range(3):
        template_copy(fw, folder / f"u{seed}.xlsx", values=data_values(random_department(fw, seed)))
    run_cli(["consolidate", "-q", folder, "-o", tmp_path / "1.xlsx"])
    for seed in range(3):  # every unit sends a corrected file: another 人员经费 年初预算
        values = {**data_values(random_department(fw, seed)), "personnel_initial": Decimal("1.00")}
        template_copy(fw, folder / f"u{seed}.xlsx", values=values)
    code, stdout, stderr = run_cli(["consolidate", "-q", folder, "-o", tmp_path / "2.xlsx"])
    assert code in (0, 1) and stderr == "", stderr
    lines = stdout.splitlines()
    at = lines.index("与上一轮比较（3 个单位）：")
    assert lines[at + 1].startswith("  ") and "……" not in lines[at + 1]
    assert lines[at + 2] == "  ……另有 2 个单位，见汇总的“与上轮比较”表"
    changes = load_workbook(tmp_path / "2.xlsx")["与上轮比较"].iter_rows(min_row=2, values_only=True)
    assert len({row[1] for row in changes}) == 3  # 单位名称
