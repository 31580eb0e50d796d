"""The few end-to-end runs of the real entry point (``python -m xlperf`` in a fresh process, stdout a
pipe); every other CLI test calls the app in this process (tests/support/cli.py)."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from rich.cells import cell_len

from validator.common import CORPUS, REPO, SEED_XLSX

from .conftest import xlperf_process

pytestmark = pytest.mark.subprocess


def test_version_and_help() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    run = xlperf_process("--version")
    assert run.code == 0 and run.out == f"xlperf {declared}\n"
    run = xlperf_process("validate", "--help", columns=80)
    assert run.code == 0 and "用法：xlperf validate" in run.out


def test_usage_error() -> None:
    run = xlperf_process("validate", "--jsn", "x.xlsx")
    assert run.code == 2 and run.out == ""
    assert run.err.rstrip().splitlines()[-1] == "错误：没有选项 --jsn（是否想用 --json、--jsonl？）"


def test_piped_output_is_80_columns_unless_columns_says_otherwise() -> None:
    piped = xlperf_process("validate", "-q", SEED_XLSX)
    assert piped.code == 1, piped.err
    assert max(cell_len(line) for line in piped.out.splitlines()) <= 80
    wide = xlperf_process("validate", "-q", SEED_XLSX, columns=200)
    assert 80 < max(cell_len(line) for line in wide.out.splitlines()) <= 200


def test_batch_json(tmp_path: Path) -> None:
    shutil.copy(SEED_XLSX, tmp_path / "科创局.xlsx")
    shutil.copy(CORPUS / "truncated.xlsx", tmp_path / "截断.xlsx")
    run = xlperf_process("validate", "-q", "--json", tmp_path)
    assert run.code == 2, run.err
    data = json.loads(run.out)
    assert sorted(Path(f["path"]).name for f in data["files"]) == ["截断.xlsx", "科创局.xlsx"]
    assert data["skipped"] == []
