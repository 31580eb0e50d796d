"""Fixtures of the CLI and output tests: a clean workbook, a copy of the seed example, a subprocess runner."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from validator.common import QUIET_SEED, REPO, SEED_XLSX, futian
from xlperf.data.values import data_values
from tests.support.futian_random import random_department
from xlperf.write.template import write_template


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def xlperf(*args: object, columns: int | None = None, cwd: Path = REPO) -> Run:
    """``python -m xlperf ARGS`` in a fresh process (as a user runs it), stdout a pipe."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    env.pop("XLPERF_DEBUG", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    argv = [os.fsencode(a) if isinstance(a, Path) else str(a) for a in args]
    proc = subprocess.run([sys.executable, "-m", "xlperf", *argv], capture_output=True, cwd=cwd, env=env,
                          timeout=300)
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def quiet_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean workbook: no finding of any severity."""
    fw = futian()
    return write_template(fw, tmp_path_factory.mktemp("quiet") / "quiet.xlsx",
                          values=data_values(random_department(fw, QUIET_SEED)))


@pytest.fixture()
def seed(tmp_path: Path) -> Path:
    """A copy of the seed example (errors found: exit 1)."""
    return Path(shutil.copy(SEED_XLSX, tmp_path / "科创局.xlsx"))
