"""``ruff check`` passes with the committed configuration ([tool.ruff] in pyproject.toml): every ignored rule
family is explained there, and a stale ``# noqa`` is itself a finding (RUF100)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs ruff / lint-imports in a process of their own

REPO = Path(__file__).resolve().parents[1]


def test_ruff_passes() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
