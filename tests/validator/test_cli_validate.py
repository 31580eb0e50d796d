"""``xlperf validate``: exit codes, JSON, the annotated copy, the bureau's report, batches and selection."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook

from xlperf.checks.registry import CHECKS
from xlperf.write.annotate import SEVERITY_COLORS, OpenpyxlSink, apply_findings
from xlperf.findings import FileReport, Finding, Severity
from xlperf.render.json import report_dict
from xlperf.validate import collect_paths, select_checks, validate_file, validate_paths
from xlperf.review.batch import batch_issues
from xlperf.plan.layout import RESULT_SHEET
from xlperf.compiled import plan_for

from .common import CORPUS, REPO, SEED_XLSX, D, futian, pairs, run_cli
from .xlsx_edit import Xlsx

HAN = re.compile(r"[\u4e00-\u9fff]")
QTR, SG, EXEC = "季度支付", "三公经费与政府采购", "预算执行"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def as_json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, ensure_ascii=False, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))


@pytest.fixture()
def seed_copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(SEED_XLSX, tmp_path / "科创局.xlsx"))


@pytest.fixture(scope="module")
def warnings_only(bases: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean seed with one defined name deleted: a warning (XP121), no error."""
    return Xlsx(bases["seed"]).delete_name("paid_q1").save(tmp_path_factory.mktemp("w") / "warn.xlsx")


# Exit codes ----------------------------------------------------------------------------------------------------

def test_exit_0_clean(bases: dict[str, Path]) -> None:
    code, out, err = run_cli(["validate", bases["quiet"]])
    assert code == 0, out + err
    assert "未发现问题" in out


def test_exit_0_with_warnings_only(warnings_only: Path) -> None:
    assert pairs(validate_file(warnings_only)) == [("XP121", f"{QTR}!B5"), ("XP305", f"{EXEC}!B26")]
    code, out, _ = run_cli(["validate", warnings_only])
    assert code == 0
    assert "XP121" in out


@pytest.mark.subprocess
def test_exit_1_seed_example() -> None:
    """End to end: ``python -m xlperf`` in a fresh process."""
    proc = subprocess.run([sys.executable, "-m", "xlperf", "validate", str(SEED_XLSX)], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 1
    assert "XP303" in proc.stdout and "55.25%" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_exit_2_unreadable_in_batch_still_reports_good_files(bases: dict[str, Path], seed_copy: Path) -> None:
    bad = CORPUS / "truncated.xlsx"
    code, out, _ = run_cli(["validate", "--json", "-q", bases["quiet"], bad, seed_copy])
    assert code == 2
    files = json.loads(out)["files"]
    assert [f["path"] for f in files] == [str(bases["quiet"]), str(bad), str(seed_copy)]
    assert [f["status"] for f in files] == ["ok", "error", "invalid"]
    assert [x["code"] for x in files[1]["findings"]] == ["XP102"]
    assert files[2]["counts"] == {"error": 10, "warning": 0, "info": 1}
    assert files[2]["total_computed"] == 94.32


def test_missing_file_in_batch(bases: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = run_cli(["validate", "--json", "-q", tmp_path / "没有这个文件.xlsx", bases["quiet"]])
    assert code == 2
    files = json.loads(out)["files"]
    assert files[0]["status"] == "error" and HAN.search(files[0]["findings"][0]["message"])
    assert files[1]["status"] == "ok"


# JSON ------------------------------------------------------------------------------------------------------------

def test_json_equals_report_dict(bases: dict[str, Path], seed_copy: Path, warnings_only: Path) -> None:
    paths = [seed_copy, bases["seed"], warnings_only, CORPUS / "empty.xlsx"]
    code, out, _ = run_cli(["validate", "--json", "-q", *paths])
    assert code == 2
    result = validate_paths(paths)
    batch = batch_issues(result.files)
    assert [i.kind for i in batch] == ["duplicate"]  # the seed twice (and once more as warn.xlsx)
    assert json.loads(out) == as_json(report_dict(result, batch))


# --annotate and --report --------------------------------------------------------------------------------------

@pytest.fixture()
def annotated(seed_copy: Path, tmp_path: Path) -> tuple[Path, Path, Path, str]:
    before = sha256(seed_copy)
    out, rep = tmp_path / "标注.xlsx", tmp_path / "报告.xlsx"
    code, stdout, stderr = run_cli(["validate", seed_copy, "--annotate", out, "--report", rep])
    assert code == 1, stdout + stderr
    return seed_copy, out, rep, before


def test_submitted_file_unchanged(annotated: tuple[Path, Path, Path, str]) -> None:
    src, out, rep, before = annotated
    assert sha256(src) == before
    assert out.exists() and rep.exists()


def test_annotated_result_sheet(annotated: tuple[Path, Path, Path, str]) -> None:
    src, out, _, _ = annotated
    report = validate_file(src)
    ws = load_workbook(out)[RESULT_SHEET]
    rows = [[c.value for c in row[:8]] for row in ws.iter_rows(min_row=4, max_row=ws.max_row)]
    rows = [r for r in rows if any(v is not None for v in r)]
    assert len(rows) == len(report.findings) == 11
    for i, (row, f) in enumerate(zip(rows, report.findings, strict=True), start=1):
        assert row[:6] == [i, f.code, f.severity.zh, f.sheet, f.cell, f.message]
        link = ws.cell(row=3 + i, column=5).hyperlink
        assert link is not None and link.location == f"'{f.sheet}'!{f.cell}"
    assert "94.32" in str(ws["F3"].value) and "94.94" in str(ws["F3"].value)


def test_annotated_highlights_and_comments(annotated: tuple[Path, Path, Path, str]) -> None:
    src, out, _, _ = annotated
    report = validate_file(src)
    wb = load_workbook(out)
    for f in report.findings:
        cell = wb[f.sheet][f.cell]
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb[-6:] == SEVERITY_COLORS[f.severity]
        assert cell.comment is not None and f"[{f.code} {f.severity.zh}]" in cell.comment.text
        assert f.message in cell.comment.text


def test_annotated_inputs_unchanged(annotated: tuple[Path, Path, Path, str]) -> None:
    """Every input cell (and every other cell outside 校验结果) keeps its value; names are kept."""
    src, out, _, _ = annotated
    a, b = load_workbook(src), load_workbook(out)
    plan = plan_for(futian())
    for name, cp in plan.cells.items():
        if cp.spec is not None and cp.spec.is_input:
            assert b[cp.sheet][cp.cell].value == a[cp.sheet][cp.cell].value, name
    for ws in a.worksheets:
        if ws.title == RESULT_SHEET:
            continue
        for row in ws.iter_rows():
            for c in row:
                assert b[ws.title][c.coordinate].value == c.value, f"{ws.title}!{c.coordinate}"
    assert set(b.defined_names) == set(a.defined_names)


def test_annotated_copy_validates_the_same(annotated: tuple[Path, Path, Path, str]) -> None:
    src, out, _, _ = annotated
    assert pairs(validate_file(out)) == pairs(validate_file(src))


def test_highlight_is_visible_on_every_cell(bases: dict[str, Path], tmp_path: Path) -> None:
    """A highlight must change the cell's look: an info note on a 浅蓝 stated cell must not keep 浅蓝."""
    path = Xlsx(bases["seed"]).set(EXEC, "B39", "97.65%").save(tmp_path / "pct.xlsx")
    report = validate_file(path)
    assert ("XP203", f"{EXEC}!B39") in pairs(report)
    before = load_workbook(path)
    wb = load_workbook(path)
    apply_findings(OpenpyxlSink(wb), report)
    for f in report.findings:
        assert wb[f.sheet][f.cell].fill.fgColor.rgb != before[f.sheet][f.cell].fill.fgColor.rgb, f.location


def _fills(wb: Any, cells: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[Any, Any]]:
    return {(s, c): (wb[s][c].fill.fill_type, wb[s][c].fill.fgColor.rgb) for s, c in cells}


def test_apply_findings_twice_clears_old_marks() -> None:
    wb = load_workbook(SEED_XLSX)
    first = validate_file(SEED_XLSX)
    second = FileReport(path="x.xlsx", status="warnings", findings=[
        Finding(code="XP307", name="q4-not-actual", severity=Severity.warning, message="四季度累计≠年度支出",
                sheet=QTR, cell="B8")])
    cells = [(f.sheet, f.cell) for f in first.findings] + [(QTR, "B8")]
    original = _fills(wb, cells)  # type: ignore[arg-type]
    sink = OpenpyxlSink(wb)
    assert apply_findings(sink, first) == 11
    assert apply_findings(sink, second) == 1
    for f in first.findings:
        cell = wb[f.sheet][f.cell]
        assert (cell.fill.fill_type, cell.fill.fgColor.rgb) == original[(f.sheet, f.cell)], f.location
        assert cell.comment is None, f.location
    b8 = wb[QTR]["B8"]
    assert b8.fill.fgColor.rgb[-6:] == SEVERITY_COLORS[Severity.warning] and "XP307" in b8.comment.text
    ws = wb[RESULT_SHEET]
    assert [c.value for c in ws[4][:5]] == [1, "XP307", "警告", QTR, "B8"]
    for row in ws.iter_rows(min_row=5, max_row=ws.max_row):
        assert all(c.value is None for c in row), [c.value for c in row]
        assert row[4].hyperlink is None
    # the same report again, then an empty one: back to the original look
    apply_findings(sink, second)
    apply_findings(sink, FileReport(path="x.xlsx", status="ok"))
    assert _fills(wb, cells) == original  # type: ignore[arg-type]
    assert all(wb[s][c].comment is None for s, c in cells)


def _sheet_part(path: Path, title: str) -> tuple[zipfile.ZipFile, str]:
    zf = zipfile.ZipFile(path)
    m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = etree.fromstring(zf.read("xl/workbook.xml"))
    rid = next(s.get(f"{r}id") for s in wb.iter(f"{m}sheet") if s.get("name") == title)
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = next(x.get("Target") for x in rels if x.get("Id") == rid)
    return zf, target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _rel_targets(zf: zipfile.ZipFile, part: str) -> list[str]:
    """The parts a part refers to, as zip member names."""
    p = PurePosixPath(part)
    rels = f"{p.parent}/_rels/{p.name}.rels"
    if rels not in zf.namelist():
        return []
    out = []
    for x in etree.fromstring(zf.read(rels)):
        target = x.get("Target")
        if target.startswith("/"):
            out.append(target.lstrip("/"))
            continue
        parts: list[str] = []
        for piece in f"{p.parent}/{target}".split("/"):
            if piece == "..":
                parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        out.append("/".join(parts))
    return out


def test_report_workbook(bases: dict[str, Path], seed_copy: Path, tmp_path: Path) -> None:
    paths = [seed_copy, bases["seed"], bases["quiet"], CORPUS / "not_a_zip.xlsx"]
    rep = tmp_path / "汇总报告.xlsx"
    code, _, _ = run_cli(["validate", "-q", *paths, "--report", rep])
    assert code == 2
    result = validate_paths(paths)
    wb = load_workbook(rep)
    assert wb.sheetnames[:2] == ["汇总", "得分分布"]
    ws = wb["汇总"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2) if row[0].value is not None]
    assert len(rows) == len(paths)
    col = {h: i for i, h in enumerate(header)}
    seed_row = rows[0]
    assert seed_row[col["部门"]] == "深圳市福田区科技创新局"
    assert (seed_row[col["计算总分"]], seed_row[col["自评总分"]]) == (94.32, 94.94)
    assert (seed_row[col["错误"]], seed_row[col["审核结论"]]) == (10, "需修改")
    assert rows[3][col["审核结论"]] == "需修改"
    for i in range(len(paths)):
        link = ws.cell(row=2 + i, column=len(header)).hyperlink
        if not result.files[i].findings:  # a clean file is its summary line: no page, no link
            assert link is None and ws.cell(row=2 + i, column=len(header)).value == "无问题"
            continue
        assert link is not None
        target = link.location.split("!")[0].strip("'")
        assert target in wb.sheetnames
    # the distribution counts the computed totals of the readable files
    dist = {r[0]: r[1] for r in wb["得分分布"].iter_rows(min_row=2, values_only=True) if r[0]}
    totals = [float(f.total_computed) for f in result.files if f.total_computed is not None]
    assert sum(v for k, v in dist.items() if k not in ("平均分", "中位数")) == len(totals) == 3
    assert dist["90–95"] == sum(1 for t in totals if 90 <= t < 95)
    zf, part = _sheet_part(rep, "得分分布")
    drawings = [t for t in _rel_targets(zf, part) if "drawing" in t]
    assert drawings, "得分分布 has no chart"
    charts = [t for t in _rel_targets(zf, drawings[0]) if "chart" in t]
    assert charts and all(c in zf.namelist() for c in charts)
    assert seed_row[col["差异"]] == 0.62  # 94.94 − 94.32, not a binary-float residue (0.6200000000000045)


def test_annotate_onto_the_submitted_file_is_refused(seed_copy: Path) -> None:
    """Overwriting the submission is refused with a Chinese message (a user error: exit 2, no traceback)."""
    before = sha256(seed_copy)
    code, out, err = run_cli(["validate", "-q", seed_copy, "--annotate", seed_copy])
    assert sha256(seed_copy) == before
    assert "Traceback" not in err + out
    assert code == 2
    assert HAN.search(err)


@pytest.mark.parametrize("case", ["annotate-two-files", "empty-folder", "bad-workers"])
def test_usage_errors_exit_2_without_traceback(case: str, bases: dict[str, Path], tmp_path: Path) -> None:
    """Mistakes on the command line: one Chinese (or click) message, exit 2, never a traceback."""
    (tmp_path / "空文件夹").mkdir()
    args = {
        "annotate-two-files": [bases["seed"], bases["quiet"], "--annotate", tmp_path / "a.xlsx"],
        "empty-folder": [tmp_path / "空文件夹"],
        "bad-workers": ["--workers", "两个", bases["seed"]],
    }[case]
    code, out, err = run_cli(["validate", *args])
    assert "Traceback" not in err + out
    assert code == 2
    assert err.strip()
    assert HAN.search(err)
    assert not (tmp_path / "a.xlsx").exists()


# Batches: workers, folders, selection ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(bases: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~20 workbooks in nested folders, clean and faulty, plus files that must be skipped."""
    root = tmp_path_factory.mktemp("batch")
    (root / "区直" / "2021").mkdir(parents=True)
    (root / "街道").mkdir()
    shutil.copy(SEED_XLSX, root / "科创局.xlsx")
    shutil.copy(bases["seed"], root / "区直" / "seed.xlsx")
    shutil.copy(bases["quiet"], root / "街道" / "quiet.xlsx")
    shutil.copy(CORPUS / "truncated.xlsx", root / "街道" / "损坏.xlsx")
    edits = [
        (QTR, "B6", D("8000.00")), (QTR, "B8", D("79000.00")), (QTR, "B4", D("80454.91")),
        (SG, "B7", "约1.6"), (SG, "B7", D("6.20")), (SG, "B19", "730.68万元"), (SG, "B27", D("0.5523")),
        (EXEC, "B12", -25), (EXEC, "B39", "97.65%"), (EXEC, "B15", D("79260.57")), ("人员", "B8", 2.5),
        ("资产", "B6", D("196.00")), ("资产", "B14", D("200.00")), ("评分表", "G24", D("1.5")),
        ("评分表", "G58", None), ("信访与满意度", "B9", 95),
    ]
    for i, (sheet, ref, value) in enumerate(edits):
        sub = root / "区直" / "2021" if i % 2 else root / "街道"
        Xlsx(bases["seed"]).set(sheet, ref, value).save(sub / f"dept-{i:02d}.xlsx")
    (root / "区直" / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    shutil.copy(bases["seed"], root / "区直" / "~$seed.xlsx")  # Excel's lock file
    return root


def test_folder_expanded_recursively(folder: Path) -> None:
    files = collect_paths([folder])
    rel = [str(p.relative_to(folder)) for p in files]
    assert len(files) == 20
    assert "区直/2021/dept-01.xlsx" in rel and "街道/dept-00.xlsx" in rel and "科创局.xlsx" in rel
    assert not any(r.endswith(".txt") or "~$" in r for r in rel)
    assert files == sorted(files)


def test_workers_same_json(folder: Path) -> None:
    c1, out1, _ = run_cli(["validate", "--json", "-q", "--workers", "1", folder])
    c2, out2, _ = run_cli(["validate", "--json", "-q", "--workers", "2", folder])
    assert c1 == c2 == 2  # the truncated file
    j1, j2 = json.loads(out1), json.loads(out2)
    assert len(j1["files"]) == 20
    assert j1 == j2
    assert {f["status"] for f in j1["files"]} == {"ok", "warnings", "invalid", "error"}


def test_select_prefix_ignore_code() -> None:
    chosen = {c.code for c in select_checks(["XP3"], ["XP305"])}
    assert chosen == {c.code for c in CHECKS if c.code.startswith("XP3") and c.code != "XP305"}
    assert {"XP301", "XP320"} <= chosen
    code, out, _ = run_cli(["validate", "--json", "-q", "--select", "XP3", "--ignore", "XP305", SEED_XLSX])
    assert code == 1
    found = [(f["code"], f"{f['sheet']}!{f['cell']}") for f in json.loads(out)["files"][0]["findings"]]
    assert sorted(found) == sorted([("XP301", "三公经费与政府采购!B25"), ("XP301", "预算编制!B17"),
                                    ("XP301", "预算执行!B11"), ("XP302", "三公经费与政府采购!B23"),
                                    ("XP302", "预算执行!B40"), ("XP302", "预算执行!B41"),
                                    ("XP303", "三公经费与政府采购!B27"), ("XP303", "季度支付!B24"),
                                    ("XP303", "预算执行!B42")])


def test_select_by_name_and_family() -> None:
    assert [c.code for c in select_checks(["stated-rate-mismatch"])] == ["XP303"]
    assert {c.code for c in select_checks(["audit"])} == {"XP320", "XP321", "XP322", "XP330"}
    # the longest selector wins: --ignore XP3 --select XP303 keeps XP303
    assert [c.code for c in select_checks(["XP303"], ["XP3"])] == ["XP303"]
    assert "XP303" not in {c.code for c in select_checks(None, ["XP3"])}


def test_report_detail_sheet_links_point_at_own_rows(bases: dict[str, Path], seed_copy: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Above PER_FILE_SHEETS_MAX files all findings go to one 问题明细 sheet; each 汇总 link must lead to that
    file's own rows (a file without findings must not lead to another file's findings)."""
    from xlperf.render import excel

    monkeypatch.setattr(excel, "PER_FILE_SHEETS_MAX", 1)
    result = validate_paths([bases["quiet"], seed_copy, bases["seed"]])
    out = excel.write_report(result, tmp_path / "big.xlsx")
    wb = load_workbook(out)
    detail = wb["问题明细"]
    owner = {row[0].row: row[0].value for row in detail.iter_rows(min_row=2)}
    assert sorted(v for v in owner.values()) == [1] + [2] * 11 + [3]  # 序号 of the file each row belongs to
    # (a file without findings gets one “（未发现问题）” row of its own)
    ws = wb["汇总"]
    for r in range(2, 5):
        link = ws.cell(row=r, column=ws.max_column).hyperlink
        seq = ws.cell(row=r, column=1).value
        if link is None:
            continue
        row = int(re.search(r"(\d+)$", link.location)[1])  # type: ignore[index]
        assert owner.get(row, seq) == seq, f"file {seq} links to 问题明细 row {row}, which belongs to file {owner[row]}"


def test_unknown_selector_is_refused(seed_copy: Path) -> None:
    """--select with a code that does not exist would silently run no check and pass a file with 8 errors."""
    code, out, err = run_cli(["validate", "-q", seed_copy, "--select", "XP399"])
    assert "Traceback" not in err + out
    assert code == 2
    assert "XP399" in err and HAN.search(err)
