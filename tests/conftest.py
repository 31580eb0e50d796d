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
