"""Fixtures of the validator tests: clean base workbooks, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlperf.data.values import data_values
from tests.support.futian_random import random_department
from xlperf.findings import FileReport
from xlperf.framework.models import Framework
from xlperf.validate import validate_file
from xlperf.write.template import write_template

from .common import QUIET_SEED, futian, seed_clean_data


@pytest.fixture(scope="session")
def fw() -> Framework:
    return futian()


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bases")


@pytest.fixture(scope="session")
def bases(fw: Framework, base_dir: Path) -> dict[str, Path]:
    """Clean workbooks to mutate: "seed" (the corrected seed) and "quiet" (a random department)."""
    return {
        "seed": write_template(fw, base_dir / "seed.xlsx", values=data_values(seed_clean_data())),
        "quiet": write_template(fw, base_dir / "quiet.xlsx", values=data_values(random_department(fw, QUIET_SEED))),
    }


@pytest.fixture(scope="session")
def clean_reports(bases: dict[str, Path]) -> dict[str, FileReport]:
    return {name: validate_file(path) for name, path in bases.items()}
