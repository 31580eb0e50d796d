"""Checks own their findings: a finding code (``XP`` and three digits) is written only in its check class
(xlperf/checks/). Readers return typed notes (xlperf/ingest/notes.py) and every other module names a code
through its class (``FrameworkMismatch.code``), so a code's metadata lives in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODE = re.compile(r"XP\d{3}")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (documentation may name the codes it explains)."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            out.add(id(body[0].value))
    return out


DOC_KEYWORDS = {"description", "help"}
"""Keyword arguments that are documentation (a framework field's description, a command option's help)."""


def _documentation(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in DOC_KEYWORDS:
            out |= {id(n) for n in ast.walk(node.value)}
    return out


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree) | _documentation(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                and CODE.search(node.value):
            hits.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    return hits


def test_no_finding_code_outside_the_checks() -> None:
    files = [p for p in sorted((REPO / "xlperf").rglob("*.py")) if "checks" not in p.relative_to(REPO).parts]
    files += sorted((REPO / "udfs").rglob("*.py"))
    hits = [hit for path in files for hit in _literals(path)]
    assert not hits, "finding codes written outside xlperf/checks/ (name them through their check class):\n" + \
        "\n".join(hits)


def test_the_scan_sees_a_code(tmp_path: Path) -> None:
    """The scan itself: a code in a string (also inside an f-string) is found, one in a docstring or a
    field's description is not."""
    sample = tmp_path / "sample.py"
    sample.write_text('"""Doc naming XP201."""\nA = "XP122"\nB = f"{A} XP305 x"\nC = Field(description="XP207")\n',
                      encoding="utf-8")
    hits = _literals(sample)
    assert [h.split(": ", 1)[0].rsplit(":", 1)[1] for h in hits] == ["2", "3"]
