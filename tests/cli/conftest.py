"""Fixtures of the CLI and output tests: a clean workbook, a copy of the seed example, the command line run
in this process (:func:`xlperf`) and, for the few end-to-end tests, in a fresh one (:func:`xlperf_process`)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from validator.common import QUIET_SEED, REPO, SEED_XLSX, futian
from xlperf.data.values import data_values
from tests.support.cli import Run, xlperf, xlperf_process
from tests.support.futian_random import random_department
from xlperf.write.template import write_template


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


__all__ = ["REPO", "Run", "quiet_book", "seed", "sha256", "xlperf", "xlperf_process"]
