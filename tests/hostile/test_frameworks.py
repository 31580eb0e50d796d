"""The reviewer chooses the rules: a workbook's framework id is a key into the registered frameworks
(built in, or the reviewer's --framework FILE|DIR), never a path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlperf.loader import load_framework
from xlperf.resolve import builtin_registry, registry_for, resolve
from xlperf.validate import validate_file
from xlperf.write.template import write_template

from .helpers import EXAMPLE, REPO, Xlsx, where

FRAMEWORKS = REPO / "tests" / "data" / "frameworks"
DEMO = FRAMEWORKS / "demo-region-2023.yaml"
HOSTILE_IDS = ["/dev/zero", "/dev/stdin", "../x.yaml", str(DEMO), "demo-region-2023.yaml", "..", ".hidden",
               "a" * 65, "futian-2021/../futian-2021", "C:\\\\frameworks\\\\x.yaml"]


def test_resolve_is_a_lookup() -> None:
    registered = builtin_registry()
    assert resolve("futian-2021", registered).id == "futian-2021"
    for text in HOSTILE_IDS + ["unknown-2030", ""]:
        assert resolve(text, registered) is None, text


def test_reviewer_folder_registers_its_frameworks() -> None:
    registered = registry_for(FRAMEWORKS)
    assert resolve("demo-region-2023", registered).id == "demo-region-2023"
    assert resolve("futian-2021", registered).id == "futian-2021"  # the built-in ones stay registered
    assert resolve("demo-region-2023", builtin_registry()) is None


@pytest.mark.subprocess
def test_hostile_ids_open_nothing(tmp_path: Path) -> None:
    """Each id in the 评价框架编号 cell: XP122 at that cell, and (audited in a child) no file of that name opened."""
    sheet, cell = where("fw_id")
    paths = {}
    for i, text in enumerate(HOSTILE_IDS):
        paths[text] = str(Xlsx(EXAMPLE).set(sheet, cell, text).save(tmp_path / f"fw{i}.xlsx"))
    code = f"""
import json, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" and args else None)
from xlperf.validate import validate_file
out = {{}}
for text, path in {json.dumps(paths)}.items():
    before = len(opened)
    rep = validate_file(path)
    out[text] = [rep.status, [(f.code, f.sheet, f.cell, f.message) for f in rep.findings], opened[before:]]
print(json.dumps(out, ensure_ascii=False))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    for text, (status, findings, opened) in json.loads(proc.stdout).items():
        assert status == "error", (text, findings)
        assert [(c, s, x) for c, s, x, _ in findings] == [("XP122", sheet, cell)], (text, findings)
        assert "--framework" in findings[0][3]
        hostile = {os.path.normpath(text), os.path.normpath(str(tmp_path.parent / text)), "/dev/zero", "/dev/stdin",
                   str(DEMO)}
        assert not [o for o in opened if os.path.normpath(o) in hostile or o.endswith(("x.yaml", "demo-region-2023.yaml"))], (text, opened)


def test_workbook_of_a_reviewer_framework(tmp_path: Path) -> None:
    """A workbook made for the demo framework: unknown without --framework, validated with the folder or file."""
    from xlperf.ingest.datafile import load_data
    from xlperf.data.values import data_values

    demo = load_framework(DEMO)
    book = write_template(demo, tmp_path / "demo.xlsx",
                          values=data_values(load_data(FRAMEWORKS / "demo-region-2023-data.yaml", demo)))
    alone = validate_file(book)
    assert [f.code for f in alone.findings] == ["XP122"] and "不是已登记的框架" in alone.findings[0].message
    with_folder = validate_file(book, str(FRAMEWORKS))
    with_file = validate_file(book, str(DEMO))
    assert with_folder.framework == with_file.framework == "demo-region-2023"
    assert with_folder.status != "error" and with_folder.total_computed == with_file.total_computed is not None
    assert [f.code for f in with_folder.findings] == [f.code for f in with_file.findings]


def test_cli_with_framework_folder(tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    run = xlperf("validate", "--json", "--framework", FRAMEWORKS, EXAMPLE)
    assert "Traceback" not in run.err
    files = json.loads(run.out)["files"]
    assert files[0]["framework"] == "futian-2021" and files[0]["status"] == "invalid"  # the seed's own findings
    assert run.code == 1


@pytest.mark.parametrize("bad", ["empty", "duplicate"])
def test_bad_reviewer_folder_is_a_clear_error(bad: str, tmp_path: Path) -> None:
    folder = tmp_path / "fw"
    folder.mkdir()
    if bad == "duplicate":
        (folder / "a.yaml").write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "b.yaml").write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    rep = validate_file(EXAMPLE, str(folder))
    assert rep.status == "error" and [f.code for f in rep.findings] == ["XP122"]
    assert "框架目录" in rep.findings[0].message
