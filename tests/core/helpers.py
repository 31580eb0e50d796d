"""Shared helpers for the core test-suite (no test logic here)."""

from __future__ import annotations

import copy
import io
import sys
import traceback
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from xlperf.data.models import DepartmentData
from xlperf.expr import Value
from xlperf.loader import load_framework
from xlperf.framework.models import Framework
from xlperf.engine.rules import Ctx

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"
FUTIAN_YAML = REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml"
DEMO_DIR = REPO / "tests" / "data" / "frameworks"
DEMO_FW = DEMO_DIR / "demo-region-2023.yaml"
DEMO_DATA = DEMO_DIR / "demo-region-2023-data.yaml"

D = Decimal


def futian() -> Framework:
    return load_framework("futian-2021")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=8)
def _parsed(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader


def load_yaml(path: Path) -> Any:
    """A YAML file as fresh, mutable data (parsed once per run: pure-Python YAML is slow)."""
    return copy.deepcopy(_parsed(path))


def example_dict() -> dict[str, Any]:
    """The seed example as a fresh, mutable dict."""
    return load_yaml(EXAMPLE)


def data_from(raw: Mapping[str, Any], fw: Framework | None = None) -> DepartmentData:
    from xlperf.compiled import data_model
    from xlperf.loader import load_framework

    return data_model(fw or load_framework(raw.get("framework") or "futian-2021")).model_validate(raw)


def ctx(env: Mapping[str, Value]) -> Ctx:
    """A rule context whose measure explanations are just the names."""
    return Ctx(dict(env), lambda name: name)


def run_main(args: list[str]) -> tuple[int, str, str]:
    """Run ``xlperf.cli.main`` in-process: (exit code, stdout, stderr).

    An exception escaping ``main`` is what a user would see as a traceback, so it is rendered into
    stderr exactly like that (``Traceback (most recent call last)`` ...) with exit code 1.
    """
    from xlperf.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv = sys.argv
    sys.argv = ["xlperf", *args]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - we want to see exactly what escapes
                err.write(traceback.format_exc())
                code = 1
    finally:
        sys.argv = old_argv
    return code, out.getvalue(), err.getvalue()


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_yaml(path: Path, obj: Any) -> Path:
    text = yaml.dump(obj, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path
