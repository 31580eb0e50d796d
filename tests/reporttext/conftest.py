from __future__ import annotations

from pathlib import Path

import pytest

from xlperf.checks.context import CheckContext
from xlperf.validate import validate_with_context

from .builders import EXAMPLE, seed_items, write_docx


@pytest.fixture(scope="session")
def seed_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docx(seed_items(), tmp_path_factory.mktemp("seed") / "自评报告.docx")


@pytest.fixture(scope="session")
def example_ctx() -> CheckContext:
    _rep, ctx = validate_with_context(EXAMPLE)
    assert ctx is not None
    return ctx
