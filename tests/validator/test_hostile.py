"""The hostile corpus (tests/corpus/files) through the validator and the CLI: a clear Chinese finding per file,
status "error", bounded memory, no traceback, and a batch that goes on to the next file."""

from __future__ import annotations

import json
import re
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from xlperf.findings import Severity
from xlperf.validate import validate_file, validate_paths

from .common import CORPUS, pairs

HAN = re.compile(r"[\u4e00-\u9fff]")
MiB = 1024 * 1024

EXPECTED: dict[str, list[tuple[str, Severity]]] = {
    "empty.xlsx": [("XP101", Severity.error)],
    "not_a_zip.xlsx": [("XP102", Severity.error)],
    "truncated.xlsx": [("XP102", Severity.error)],
    "legacy.xls": [("XP103", Severity.error)],
    "encrypted.xlsx": [("XP104", Severity.error)],
    "zip_bomb.xlsx": [("XP105", Severity.error)],
    "xml_bomb.xlsx": [("XP106", Severity.error)],
    "million_rows.xlsx": [("XP108", Severity.error)],
    "docx_like.xlsx": [("XP109", Severity.error)],
    # a valid workbook with macros that is not the standard template: the macro warning is kept
    "macro.xlsm": [("XP107", Severity.warning), ("XP125", Severity.error)],
    "other_template.xlsx": [("XP125", Severity.error)],
}


def test_corpus_is_complete() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_file(name: str) -> None:
    report = validate_file(CORPUS / name)
    assert report.status == "error"
    assert sorted((f.code, f.severity) for f in report.findings) == sorted(EXPECTED[name])
    for f in report.findings:
        assert HAN.search(f.message), f.message
        assert name in f.message, f.message  # in a batch, the reader must know which file
        assert "Traceback" not in f.message and "Error:" not in f.message
    assert report.department is None and report.total_computed is None


@pytest.mark.parametrize("name", ["zip_bomb.xlsx", "million_rows.xlsx", "xml_bomb.xlsx"])
def test_memory_bounded(name: str) -> None:
    tracemalloc.start()
    try:
        validate_file(CORPUS / name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MiB, f"{name}: peak {peak / MiB:.1f} MiB"


def test_select_keeps_unreadable_reason() -> None:
    """Selecting unrelated checks must not hide why a file could not be read."""
    report = validate_file(CORPUS / "encrypted.xlsx", select=["XP303"])
    assert report.status == "error" and pairs(report) == [("XP104", "")]


def test_standard_workbook_with_macros(bases: dict[str, Path], tmp_path: Path) -> None:
    """The standard template saved as .xlsm with a VBA project: validated as usual, plus the macro warning."""
    target = tmp_path / "带宏.xlsm"
    with zipfile.ZipFile(bases["seed"]) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                    b'vnd.ms-office.vbaProject"/></Types>')
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 508)
    report = validate_file(target)
    assert pairs(report) == [("XP107", ""), ("XP305", "预算执行!B26")]
    assert report.status == "warnings" and report.total_computed is not None


def _batch(tmp_path: Path, bases: dict[str, Path]) -> list[Path]:
    good = Path(shutil.copy(bases["quiet"], tmp_path / "zz_正常.xlsx"))
    return [CORPUS / n for n in sorted(EXPECTED)] + [good]


def test_validate_paths_batch(bases: dict[str, Path], tmp_path: Path) -> None:
    paths = _batch(tmp_path, bases)
    report = validate_paths(paths, workers=2)
    assert [Path(f.path).name for f in report.files] == [p.name for p in paths]
    assert [f.status for f in report.files] == ["error"] * len(EXPECTED) + ["ok"]
    assert report.exit_code == 2


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_cli_batch(as_json: bool, bases: dict[str, Path], tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    paths = _batch(tmp_path, bases)
    run = xlperf("validate", "-q", *(["--json"] if as_json else []), *paths)
    assert run.code == 2
    assert "Traceback" not in run.out + run.err
    if not as_json:
        for p in paths:
            assert p.name in run.out
        assert "无法读取" in run.out
        return
    files = json.loads(run.out)["files"]
    assert [Path(f["path"]).name for f in files] == [p.name for p in paths]
    assert files[-1]["status"] == "ok" and files[-1]["findings"] == []  # the batch went on after the bad files
    assert {f["status"] for f in files[:-1]} == {"error"}
    assert all(HAN.search(x["message"]) for f in files for x in f["findings"])
    got = {Path(f["path"]).name: sorted((x["code"], x["severity"]) for x in f["findings"]) for f in files[:-1]}
    assert got == {name: sorted((c, s.value) for c, s in codes) for name, codes in EXPECTED.items()}
