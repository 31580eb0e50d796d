"""xlwings' Windows argument conversion, run on Linux: how a UDF argument really arrives.

On Windows, ``xlwings.udfs.call_udf`` converts every argument with
``xlwings.conversion.read(None, value, arg_info["options"])`` (a range is first read to its COM
value: a tuple of row tuples, cell errors as integer SCODEs). The conversion pipeline is
platform-neutral except one step, ``Engine.clean_value_data`` of ``xlwings/_xlwindows.py``, which
cannot be imported on Linux (pywin32). That step is taken here from xlwings' installed source
itself (``cell_errors``, ``_clean_value_data_element`` and ``Engine.clean_value_data``, extracted
with :mod:`ast`), so the tests see exactly what xlwings 0.37.8 hands to a UDF: the classic seven
errors as text (``err_to_str``), newer ones as integers, ranges shaped by ``ndim``.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import xlwings
from xlwings import conversion

SOURCE = Path(xlwings.__file__).resolve().parent / "_xlwindows.py"


def _windows_namespace() -> dict[str, Any]:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    wanted: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "cell_errors" for t in node.targets):
            wanted.append(node)
        elif isinstance(node, ast.FunctionDef) and node.name == "_clean_value_data_element":
            wanted.append(node)
        elif isinstance(node, ast.ClassDef) and node.name == "Engine":
            method = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "clean_value_data")
            method.decorator_list = []
            wanted.append(method)
    assert len(wanted) == 3, "xlwings/_xlwindows.py changed shape"
    namespace: dict[str, Any] = {"time_types": (dt.datetime,), "_com_time_to_datetime": lambda v, b: v}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(SOURCE), "exec"), namespace)  # noqa: S102
    return namespace


WINDOWS = _windows_namespace()
CELL_ERRORS: dict[int, str] = WINDOWS["cell_errors"]
"""The errors xlwings itself converts to text (the rest stay integers)."""


def engine() -> Any:
    """An ``excel`` engine whose only platform-specific step is xlwings' own Windows code."""
    return SimpleNamespace(name="excel", impl=SimpleNamespace(clean_value_data=WINDOWS["clean_value_data"]))


@pytest.fixture
def windows_engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", engine())
    return engine


def as_udf_argument(value: Any, options: dict[str, Any]) -> Any:
    """What ``call_udf`` passes for a non-range argument (a range's COM value is the same tuples)."""
    return conversion.read(None, value, options)


def call_like_xlwings(func: Any, *values: Any) -> Any:
    """Call a classic-decorated UDF the way ``xlwings.udfs.call_udf`` does (conversion of each argument)."""
    args_info = func.__xlfunc__["args"]
    args = [as_udf_argument(v, args_info[min(i, len(args_info) - 1)]["options"]) for i, v in enumerate(values)]
    return func(*args)
