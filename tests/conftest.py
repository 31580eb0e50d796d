"""Test tiers (markers registered in pyproject.toml): a test that starts a Python process must say so.

``-m "not subprocess"`` is the in-process tier; it only means something if every test that starts
``python`` (``python -m xlperf``, ``python -c``, a venv's python, mypy) carries the ``subprocess`` mark.
This guard fails a test that starts one without it. LibreOffice and poppler are other programs: their
tests carry the ``libreoffice`` mark.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _is_python(program: Any) -> bool:
    try:
        name = Path(os.fsdecode(program)).name
    except TypeError:
        return False
    return program == sys.executable or name.startswith("python")


@pytest.fixture(autouse=True)
def _process_starts_are_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("subprocess") is not None:
        yield
        return
    real = subprocess.Popen.__init__

    def guarded(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        program = args if isinstance(args, (str, bytes, os.PathLike)) else next(iter(args), "")
        if _is_python(program):
            raise AssertionError("this test starts a Python process: mark it @pytest.mark.subprocess")
        real(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)
    yield


# --- Parallel runs (tests/run_all.sh: pytest-xdist, ``--dist loadgroup --no-loadscope-reorder``) -------------
TESTS = Path(__file__).resolve().parent
SHARED_BY_FOLDER = frozenset({"print"})
"""Folders whose files share one expensive session fixture (tests/print: one LibreOffice rendering to PDF)."""
LIBREOFFICE_BATCH = "recalculated"
"""tests/workbook's session fixture: one LibreOffice recalculation of every generated workbook."""
SHARED_SCOPES = frozenset({"module", "class", "package"})


def _group(item: pytest.Item) -> str | None:
    """The unit a worker takes whole: the tests of the LibreOffice batch (it runs once, in the worker holding
    them), a folder of SHARED_BY_FOLDER, a file whose tests share a module- or class-scoped fixture (built once);
    None: the test alone (any worker)."""
    if LIBREOFFICE_BATCH in getattr(item, "fixturenames", ()):
        return "workbook-libreoffice-batch"
    rel = item.path.resolve().relative_to(TESTS)
    if rel.parts[0] in SHARED_BY_FOLDER:
        return rel.parts[0]
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    return rel.as_posix() if any(d.scope in SHARED_SCOPES for group in defs for d in group) else None


def _rank(item: pytest.Item) -> int:
    for rank, mark in enumerate(("slow", "libreoffice", "subprocess")):
        if item.get_closest_marker(mark) is not None:
            return rank
    return 3


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests sharing a fixture get one xdist group, and the units holding the longest tests come first: a long
    unit handed out last would leave the other worker idle at the end. The order within a group is kept."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        name = _group(item)
        if name is not None:
            item.add_marker(pytest.mark.xdist_group(name))
        units.setdefault(name or item.nodeid, []).append(item)
    ordered = sorted(units.values(), key=lambda members: min(_rank(i) for i in members))
    items[:] = [item for members in ordered for item in members]
