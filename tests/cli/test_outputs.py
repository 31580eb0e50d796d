"""--report and --annotate never touch an input, never each other, never leave a partial file (issue 10 §5)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from validator.common import run_cli
from xlperf.safe_io import MARK_NAME, OutputError, same_file, write_atomically, written_by_xlperf

from .conftest import sha256, xlperf

HAN = re.compile(r"[\u4e00-\u9fff]")


def _no_traceback(run: object) -> None:
    text = run.out + run.err  # type: ignore[attr-defined]
    assert "Traceback" not in text and "Error:" not in text, text


def _spell(seed: Path, how: str) -> Path:
    """Another name for the submitted file itself."""
    if how == "same":
        return seed
    if how == "hardlink":
        os.link(seed, seed.with_name("硬链接.xlsx"))
        return seed.with_name("硬链接.xlsx")
    if how == "symlink":
        os.symlink(seed, seed.with_name("符号链接.xlsx"))
        return seed.with_name("符号链接.xlsx")
    if how == "dotdot":
        (seed.parent / "子目录").mkdir()
        return seed.parent / "子目录" / ".." / seed.name
    raise AssertionError(how)


@pytest.mark.parametrize("option", ["--report", "--annotate"])
@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "dotdot"])
def test_output_onto_the_input_is_refused(option: str, how: str, seed: Path) -> None:
    """With --force too: the refusal is the same-file check (device and inode), not "already exists"."""
    target = _spell(seed, how)
    before = sha256(seed)
    listing = sorted(p.name for p in seed.parent.iterdir())
    run = xlperf("validate", "-q", seed, option, target, "--force")
    _no_traceback(run)
    assert run.code == 2
    assert "就是要校验的文件" in run.err and "永远不会被修改" in run.err, run.err
    assert sha256(seed) == before
    assert sorted(p.name for p in seed.parent.iterdir()) == listing
    assert run.out == ""  # refused before any file was read


def test_report_and_annotate_must_differ(seed: Path, tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    run = xlperf("validate", "-q", seed, "--report", tmp_path / "out.xlsx", "--annotate",
                 tmp_path / "x" / ".." / "out.xlsx")
    _no_traceback(run)
    assert run.code == 2 and "不能是同一个文件" in run.err, run.err
    assert not (tmp_path / "out.xlsx").exists()


def test_existing_output_needs_force(seed: Path, tmp_path: Path) -> None:
    report = tmp_path / "报告.xlsx"
    report.write_bytes(b"earlier report")
    run = xlperf("validate", "-q", seed, "--report", report)
    _no_traceback(run)
    assert run.code == 2 and "--force" in run.err and HAN.search(run.err)
    assert report.read_bytes() == b"earlier report"
    run = xlperf("validate", "-q", seed, "--report", report, "--force")
    assert run.code == 1, run.err  # the seed example has errors
    assert load_workbook(report).sheetnames[0] == "汇总"


@pytest.mark.parametrize("case", ["folder", "through-a-file", "wrong-suffix", "xlsm-for-xlsx"])
def test_bad_targets_are_a_chinese_message(case: str, seed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "输出"
    folder.mkdir()
    option, target, words = {
        "folder": ("--annotate", folder, "是一个文件夹"),
        "through-a-file": ("--report", seed / "报告.xlsx", "不是文件夹"),
        "wrong-suffix": ("--report", tmp_path / "报告.txt", ".xlsx"),
        "xlsm-for-xlsx": ("--annotate", tmp_path / "标注.xlsm", ".xlsx"),
    }[case]
    before = sha256(seed)
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    run = xlperf("validate", "-q", seed, option, target)
    _no_traceback(run)
    assert run.code == 2 and words in run.err and HAN.search(run.err), run.err
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing  # nothing written, nothing left
    assert sha256(seed) == before


def test_file_name_that_is_not_utf8(seed: Path, tmp_path: Path) -> None:
    """A name in GBK bytes (a zip from a Chinese Windows PC, unpacked on Linux): reports are written, valid."""
    raw = os.fsencode(tmp_path) + b"/\xbf\xc6\xb4\xb4\xbe\xd6.xlsx"  # 科创局 in GBK
    os.rename(seed, raw)
    src = Path(os.fsdecode(raw))
    report, annotated = tmp_path / "报告.xlsx", tmp_path / "标注.xlsx"
    run = xlperf("validate", "-q", src, "--report", report, "--annotate", annotated)
    _no_traceback(run)
    assert run.code == 1, run.err
    assert "\ufffd" in run.out  # the undecodable bytes shown as replacement characters
    ws = load_workbook(report)["汇总"]
    assert ws["J2"].value.endswith("\ufffd.xlsx") and "\ufffd" in ws["J2"].value
    assert "校验结果" in load_workbook(annotated).sheetnames
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".xlperf-")) == []


def test_a_writer_failure_leaves_no_partial_file(seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl fails half-way through saving (as it did on a non-UTF-8 name): no file, a message, findings shown."""
    import openpyxl.workbook.workbook as wbmod

    def broken_save(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04" + b"\0" * 2048)
        raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(wbmod.Workbook, "save", broken_save)
    report = tmp_path / "报告.xlsx"
    code, out, err = run_cli(["validate", "-q", seed, "--report", report])
    assert code == 2
    assert "未能写出报告文件" in err, err
    assert "XP303" in out  # the validator's findings are printed all the same
    assert not report.exists()
    assert [p.name for p in tmp_path.iterdir()] == [seed.name]


def test_write_atomically_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")

    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")

    with pytest.raises(OutputError):
        write_atomically(target, fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_same_file_by_inode(tmp_path: Path) -> None:
    a = tmp_path / "a.xlsx"
    a.write_bytes(b"x")
    os.link(a, tmp_path / "b.xlsx")
    (tmp_path / "c.xlsx").write_bytes(b"x")
    assert same_file(a, tmp_path / "b.xlsx")
    assert not same_file(a, tmp_path / "c.xlsx")  # equal bytes, another file
    assert same_file(tmp_path / "new.xlsx", tmp_path / "d" / ".." / "new.xlsx")  # neither exists yet


# Files xlperf wrote are not submissions ------------------------------------------------------------------------

def test_outputs_are_marked_and_skipped_in_a_folder(seed: Path, tmp_path: Path) -> None:
    report, annotated = tmp_path / "报告.xlsx", tmp_path / "科创局-标注.xlsx"
    assert xlperf("validate", "-q", seed, "--report", report, "--annotate", annotated).code == 1
    assert written_by_xlperf(report) and written_by_xlperf(annotated) and not written_by_xlperf(seed)
    assert load_workbook(report).custom_doc_props[MARK_NAME].value == "report"
    assert load_workbook(annotated).custom_doc_props[MARK_NAME].value == "annotated"
    run = xlperf("validate", "-q", "--json", tmp_path)
    # the annotated copy is a submission (a department writes its 出错说明 in it); the report is not
    assert sorted(Path(f["path"]).name for f in json.loads(run.out)["files"]) == sorted([seed.name, annotated.name])
    assert json.loads(run.out)["skipped"] == [{"path": str(report), "kind": "report",
                                               "reason": "xlperf 生成的校验报告（不是报送的工作簿）"}]
    assert f"已跳过 {report.name}：xlperf 生成的校验报告" in run.err
    text = xlperf("validate", "-q", tmp_path)
    assert f"已跳过 {report.name}" in text.out and "共 2 个文件" in text.out
    named = xlperf("validate", "-q", "--json", annotated)  # named on the command line: validated
    assert [Path(f["path"]).name for f in json.loads(named.out)["files"]] == [annotated.name]


def test_a_workbook_without_the_mark_is_validated(tmp_path: Path) -> None:
    wb = Workbook()
    wb.custom_doc_props.append(__import__("openpyxl.packaging.custom", fromlist=["x"]).StringProperty(
        name="xlperf-other", value="report"))
    wb.save(tmp_path / "a.xlsx")
    assert not written_by_xlperf(tmp_path / "a.xlsx")
    assert not written_by_xlperf(tmp_path / "missing.xlsx")


def test_outputs_get_ordinary_permissions(seed: Path, tmp_path: Path) -> None:
    """Written through a temporary file (mkstemp makes it 0600), yet readable like any file the user saves."""
    mask = os.umask(0o022)
    try:
        report = tmp_path / "报告.xlsx"
        assert run_cli(["validate", "-q", seed, "--report", report])[0] == 1
        assert report.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(mask)
