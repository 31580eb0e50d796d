"""Hostile numbers: every one is a finding at its cell, never decimal.InvalidOperation/Overflow, never a hang.

The cases run in one child process with a CPU-time limit: ``int(Decimal("1E+999999"))`` used to run for
minutes, so a regression kills the child (SIGXCPU) and fails the test instead of stalling CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import EXAMPLE, Xlsx, input_of_kind, run_limited, where

MONEY = input_of_kind("money")
COUNT = input_of_kind("count")
YEAR = "eval_year"
RATE = input_of_kind("rate")
SELF = input_of_kind("points", role="self")

# (case id, input name, how it is stored: "n" = <v> of a numeric cell, "s" = typed text, the text,
#  what the message must say about the range)
CASES = [
    ("money-1e30", MONEY, "n", "1E+30", "1 万亿万元"),
    ("money-40-digits", MONEY, "n", "1234567890123456789012345678901234567890", "1 万亿万元"),
    ("money-40-digits-text", MONEY, "s", "1234567890123456789012345678901234567890", "1 万亿万元"),
    ("money-1e999999999", MONEY, "n", "1E+999999999", "1 万亿万元"),
    ("money-negative-huge", MONEY, "n", "-1E+29", "1 万亿万元"),
    ("self-score-1e30", SELF, "n", "1E+30", "1 万分"),
    ("rate-huge-percent-text", RATE, "s", "1E+300000000%", "1,000,000%"),
    ("count-1e999999", COUNT, "n", "1E+999999", "1000 万"),
    ("count-1e999999999", COUNT, "n", "1E+999999999", "1000 万"),
    ("year-1e999999", YEAR, "n", "1E+999999", "1000 万"),
    ("year-1e999999-text", YEAR, "s", "1E+999999", "1000 万"),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("numbers")
    paths = {}
    for cid, name, stored, text, _ in CASES:
        sheet, cell = where(name)
        book = Xlsx(EXAMPLE)
        if stored == "n":
            book.set_number_text(sheet, cell, text)
        else:
            book.set(sheet, cell, text)
        paths[cid] = str(book.save(folder / f"{cid}.xlsx"))
    return run_limited(f"""
        from xlperf.validate import validate_file
        paths = {json.dumps(paths)}
        out = {{}}
        for cid, path in paths.items():
            rep = validate_file(path)
            out[cid] = {{"status": rep.status, "findings": [f.model_dump(mode="json") for f in rep.findings]}}
        print(json.dumps(out, ensure_ascii=False))
    """, cpu_seconds=60)


@pytest.mark.subprocess
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_out_of_range_number_is_a_finding_at_its_cell(case: tuple, results: dict[str, dict]) -> None:
    cid, name, _stored, text, range_text = case
    sheet, cell = where(name)
    rep = results[cid]
    codes = [f["code"] for f in rep["findings"]]
    assert "XP000" not in codes, rep["findings"]
    assert rep["status"] == "invalid"
    at = [f for f in rep["findings"] if (f["sheet"], f["cell"]) == (sheet, cell) and f["code"] == "XP216"]
    assert len(at) == 1, [(f["code"], f["sheet"], f["cell"], f["message"]) for f in rep["findings"]]
    assert at[0]["severity"] == "error" and range_text in at[0]["message"], at[0]["message"]
    assert text[:10] in at[0]["message"]  # the value is shown (cut when long)


@pytest.mark.subprocess
def test_cli_json_is_complete_and_exit_1(results: dict[str, dict], tmp_path: Path) -> None:
    """Through the CLI: exit 1 (errors found, not an internal failure), complete JSON, no traceback."""
    sheet, cell = where(COUNT)
    path = Xlsx(EXAMPLE).set_number_text(sheet, cell, "1E+999999").save(tmp_path / "count.xlsx")
    out = run_limited(f"""
        import subprocess, sys
        proc = subprocess.run([sys.executable, "-m", "xlperf", "validate", "--json", {str(path)!r}],
                              capture_output=True, text=True)
        print(json.dumps({{"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr}}))
    """, cpu_seconds=60)
    assert out["rc"] == 1 and "Traceback" not in out["err"], out["err"]
    files = json.loads(out["out"])["files"]
    assert [f["status"] for f in files] == ["invalid"]
    assert ("XP216", sheet, cell) in [(x["code"], x["sheet"], x["cell"]) for x in files[0]["findings"]]


TYPED = [  # (case id, text typed into the money cell, code, words the message must hold)
    ("internal-space", "6 70.89", "XP201", ("中间有空格", "无法确定")),
    ("internal-fullwidth-space", "6\u300070.89", "XP201", ("全角空格 U+3000",)),
    ("internal-zero-width-space", "67\u200b0.89", "XP201", ("零宽空格 U+200B", "无法确定")),
    ("leading-zero-width-space", "\u200b670.89", "XP214", ("零宽空格 U+200B",)),
    ("leading-bom", "\ufeff670.89", "XP214", ("BOM", "U+FEFF")),
    ("trailing-nbsp", "670.89\u00a0", "XP214", ("不换行空格 U+00A0",)),
]


@pytest.mark.parametrize("case", TYPED, ids=[c[0] for c in TYPED])
def test_spaces_and_invisible_characters(case: tuple, tmp_path: Path) -> None:
    from decimal import Decimal

    from xlperf.checks.registry import findings_of
    from xlperf.ingest.reader import read_workbook

    cid, text, code, words = case
    sheet, cell = where(MONEY)
    read = read_workbook(Xlsx(EXAMPLE).set(sheet, cell, text).save(tmp_path / f"{cid}.xlsx"))
    at = [f for f in findings_of(read.notes) if (f.sheet, f.cell) == (sheet, cell)]
    assert [f.code for f in at] == [code], [(f.code, f.message) for f in at]
    for word in words:
        assert word in at[0].message, at[0].message
    # a text either way, so 0 as the sheet's N() reads it, and an error
    assert read.values[MONEY] == 0 and at[0].severity.value == "error"
    at_ends = text.strip("\u200b\ufeff\u00a0") != text
    if at_ends:  # only at the ends: unambiguous, the message names the number meant
        assert at[0].expected == Decimal("670.89") and "670.89" in at[0].message
    else:  # between the digits: 670.89 or 6 and 70.89? never guessed
        assert at[0].expected is None


@pytest.mark.subprocess
def test_score_refuses_with_the_cell_named(tmp_path: Path) -> None:
    """``xlperf score`` on a workbook with 1E+999999 in a count cell: exit 2, the cell named, no traceback."""
    sheet, cell = where(COUNT)
    path = Xlsx(EXAMPLE).set_number_text(sheet, cell, "1E+999999").save(tmp_path / "score.xlsx")
    out = run_limited(f"""
        import subprocess, sys
        proc = subprocess.run([sys.executable, "-m", "xlperf", "score", {str(path)!r}], capture_output=True, text=True)
        print(json.dumps({{"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr}}))
    """, cpu_seconds=60)
    assert out["rc"] == 2 and out["out"] == "" and "Traceback" not in out["err"], out["err"]
    assert f"{sheet}!{cell}" in out["err"] and "超出合理范围" in out["err"]
