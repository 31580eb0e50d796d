"""The WPS add-in's JavaScript: type-checked against et-jsapi-declare (tsc --checkJs), and its buttons driven
by the Node tests in tests/wps/node/ against a mock ET object model and a real ``xlperf serve``.

The expected workbook state comes from ``xlperf validate --annotate`` on the same file, read with openpyxl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.cli.conftest import xlperf
from validator.common import REPO, SEED_XLSX
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET

from .replay import digest

ADDIN = REPO / "install" / "wps"
NODE_TESTS = REPO / "tests" / "wps" / "node"
VISIBILITY = {"visible": -1, "hidden": 0, "veryHidden": 2}


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is required for the WPS add-in tests (tests/run_all.sh installs nodejs and npm)"
    return path


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)


def test_addin_typechecks_against_et_jsapi_declare() -> None:
    npm = _tool("npm")
    ci = _run([npm, "ci", "--no-audit", "--no-fund"], cwd=ADDIN)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    declared = json.loads((ADDIN / "node_modules" / "et-jsapi-declare" / "package.json").read_text(encoding="utf-8"))
    assert declared["name"] == "et-jsapi-declare"
    tsc = _run([str(ADDIN / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", str(ADDIN)])
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr


def _cells(state: dict[str, Any], sheet: str) -> dict[str, Any]:
    return {addr: v[0] for addr, v in state[sheet]["cells"].items() if v[0] is not None}


def _expected(fresh: Path, annotated: Path) -> dict[str, Any]:
    before, after = digest(load_workbook(fresh)), digest(load_workbook(annotated))
    highlights = {f"{name}!{addr}": [v[1], v[2]] for name, sheet in after.items()
                  if name not in (RESULT_SHEET, MARKS_SHEET)
                  for addr, v in sheet["cells"].items() if v[2] and v[2].startswith("[XP")}
    originals = {}
    for key in highlights:
        name, addr = key.split("!")
        old = before[name]["cells"].get(addr, (None, None, None, None))
        originals[key] = [old[1], old[2]]
    wb = load_workbook(fresh)
    return {
        "initial_sheets": [[ws.title, VISIBILITY[ws.sheet_state]] for ws in wb.worksheets],
        "final_sheets": [[name, VISIBILITY[s["state"]]] for name, s in after.items()],
        "result_values": _cells(after, RESULT_SHEET),
        "result_links": {a: v[3] for a, v in after[RESULT_SHEET]["cells"].items() if v[3]},
        "result_hidden": after[RESULT_SHEET]["hidden_cols"],
        "marks_sheet": MARKS_SHEET,
        "marks_values": _cells(after, MARKS_SHEET),
        "highlights": highlights,
        "originals": originals,
        "protected_sheet": next(iter(highlights)).split("!")[0],
    }


def test_node_tests_drive_the_buttons_against_a_real_service(tmp_path: Path) -> None:
    node = _tool("node")
    wb = load_workbook(SEED_XLSX)
    for name in (RESULT_SHEET, MARKS_SHEET):
        if name in wb.sheetnames:
            wb.remove(wb[name])
    fresh = tmp_path / "深圳市 预算=2021.xlsx"
    wb.save(fresh)
    annotated = tmp_path / "annotated.xlsx"
    run = xlperf("validate", "-q", fresh, "--annotate", annotated)
    assert run.code == 1, run.err
    expected = _expected(fresh, annotated)
    assert expected["highlights"] and expected["result_values"]
    (tmp_path / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    env = dict(os.environ, XLPERF_REPO=str(REPO), XLPERF_PYTHON=sys.executable, XLPERF_FIXTURE=str(fresh),
               XLPERF_ANNOTATED=str(annotated), XLPERF_BROKEN=str(broken),
               XLPERF_EXPECTED=str(tmp_path / "expected.json"))
    proc = _run([node, "--test", "--test-reporter=spec", str(NODE_TESTS / "button.test.js")], env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-4000:]
    assert "pass 8" in proc.stdout and "fail 0" in proc.stdout
