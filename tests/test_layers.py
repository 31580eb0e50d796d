"""The import layers of pyproject.toml's [tool.importlinter] hold: no cycle, no import against the declared
direction, function-local imports included (import-linter reads every import statement of a module)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs ruff / lint-imports in a process of their own

REPO = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    # Without the console script beside the interpreter (a venv reusing the system's packages), its entry
    # point: `python -m importlinter.cli` only defines the command and prints nothing.
    entry = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    command = [str(lint)] if lint.exists() else [sys.executable, "-c", entry]
    proc = subprocess.run([*command, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_every_package_of_xlperf_is_in_a_layer() -> None:
    """A new package or top-level module must be given its place in the layers (else nothing checks it)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    package = REPO / "xlperf"
    children = {f"xlperf.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    children |= {f"xlperf.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    missing = {c for c in children if c not in named and not any(n.startswith(c + ".") for n in named)}
    assert not missing, f"not in a layer of [tool.importlinter]: {sorted(missing)}"
