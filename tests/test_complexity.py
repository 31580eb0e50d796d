"""No function of xlperf/ or udfs/ is above radon's grade C (cyclomatic complexity ≤ 20): each can be read and
tested on its own. (Issue 16 asked it of the engine, the readers, the checks and the CLI; the whole package holds.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radon.complexity import cc_visit

REPO = Path(__file__).resolve().parents[1]
LIMIT = 20
PACKAGES = ("xlperf", "udfs")
"""Measured folders of the repository: every module in them."""


def _blocks(blocks: list[Any]) -> list[Any]:
    """Functions, methods and nested functions (radon lists methods under their class, closures under their
    function)."""
    out = []
    for block in blocks:
        if not hasattr(block, "methods"):  # a class is measured by its methods
            out.append(block)
        out += _blocks(list(getattr(block, "methods", [])) + list(getattr(block, "closures", [])))
    return out


def test_no_function_above_grade_c() -> None:
    over = []
    measured = 0
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            measured += 1
            for block in _blocks(cc_visit(path.read_text(encoding="utf-8"))):
                if block.complexity > LIMIT:
                    over.append(f"{path.relative_to(REPO)}:{block.lineno} {block.name} {block.complexity}")
    assert measured > 100, measured  # the scan sees the package
    assert not over, "cyclomatic complexity above 20 (radon grade D or worse):\n" + "\n".join(over)
