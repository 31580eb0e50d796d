"""The product's code type-checks: mypy with the pydantic plugin, configured in pyproject.toml ([tool.mypy]).

The engineering rules ask for type hints everywhere and a clean mypy; this keeps it so. mypy and the stub
packages are pinned in the ``test`` extra, so every machine gets the same answer.
"""

from __future__ import annotations

import pytest

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.subprocess
def test_mypy_reports_no_errors() -> None:
    # Bounded: a cold run (no .mypy_cache) takes about a minute.
    res = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "xlperf", "udfs", "install"],
        cwd=REPO, capture_output=True, text=True, timeout=1200,
    )
    assert res.returncode == 0, f"mypy reports errors:\n{res.stdout}{res.stderr}"
    assert "Success: no issues found" in res.stdout, res.stdout + res.stderr
