"""Shared helpers of the hostile-input tests: the shipped example, cell locations, limited child processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

from xlperf.compiled import catalog
from xlperf.loader import load_framework
from xlperf.compiled import plan_for
from xlperf.framework.models import Framework

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = next((REPO / "workbooks" / "examples").glob("*.xlsx"))
MiB = 1024 * 1024


def fw() -> Framework:
    return load_framework("futian-2021")


def where(name: str) -> tuple[str, str]:
    """(sheet, cell) of a named quantity in the standard workbook."""
    cp = plan_for(fw()).cells[name]
    return cp.sheet, cp.cell


def input_of_kind(kind: str, *, role: str | None = None) -> str:
    """The first input name of a kind (money, count, int, rate, points …), optionally of a role (self …)."""
    for name, spec in catalog(fw()).items():
        if spec.is_input and spec.kind == kind and (role is None or spec.role == role):
            if name in plan_for(fw()).cells:
                return name
    raise LookupError(kind)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_limited(code: str, *, cpu_seconds: int = 60, memory: int = 1024 * MiB, guard: float = 300) -> Any:
    """Run ``code`` in a fresh Python with CPU-time and address-space limits; it prints one JSON value.

    The limits make a regression (a hang, a runaway allocation) fail instead of stalling CI: the child is
    killed by the kernel (SIGXCPU) or gets MemoryError. ``guard`` is only a last resort wall-clock timeout.
    """
    prelude = textwrap.dedent(f"""
        import resource, json, sys
        resource.setrlimit(resource.RLIMIT_CPU, ({cpu_seconds}, {cpu_seconds}))
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=guard)
    assert proc.returncode == 0, f"child failed ({proc.returncode}): {proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _load(name: str, path: Path) -> ModuleType:
    import importlib.util

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


Xlsx = _load("xlsx_edit", REPO / "tests" / "validator" / "xlsx_edit.py").Xlsx
"""The validator tests' XML-level workbook editor (exact stored text, no openpyxl round trip)."""
make_corpus = _load("make_corpus", REPO / "tests" / "corpus" / "make_corpus.py")
