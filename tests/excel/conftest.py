"""Fixtures of the Excel tests: classic (COM) xlwings decorators applied to the real UDF module."""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import xlwings

from .helpers import UDF_FILE, load_udf_module
from .xlwings_windows import windows_engine  # noqa: F401  (a fixture)

MODULE = "xlperf_udfs"


class _Components:
    def __init__(self) -> None:
        self.imported: list[str] = []

    def __call__(self, name: str) -> str:
        return name

    def Remove(self, component: Any) -> None:  # noqa: N802 - COM name
        pass

    def Import(self, path: str) -> None:  # noqa: N802
        self.imported.append(Path(path).read_text())


class _Application:
    Version = "16.0"

    def __init__(self) -> None:
        self.options: list[dict[str, Any]] = []

    def MacroOptions(self, macro: str, **kwargs: Any) -> None:  # noqa: N802
        self.options.append({"macro": macro, **kwargs})


class FakeXlWorkbook:
    """The COM workbook ``import_udfs`` talks to: the add-in xlperf.xlam."""

    Name = "xlperf.xlam"

    def __init__(self) -> None:
        self.VBProject = types.SimpleNamespace(VBComponents=_Components())
        self.Application = _Application()


@pytest.fixture(scope="module")
def classic() -> Any:
    """xlwings.udfs importable on Linux, with xw.func/arg/ret/sub the classic COM decorators."""
    mp = pytest.MonkeyPatch()
    stubs = {name: types.ModuleType(name) for name in ("pythoncom", "pywintypes", "win32api", "win32com",
                                                        "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda obj: obj  # type: ignore[attr-defined]
    for name, module in stubs.items():
        mp.setitem(sys.modules, name, module)
    mp.delitem(sys.modules, "xlwings.udfs", raising=False)
    udfs = importlib.import_module("xlwings.udfs")
    mp.setitem(sys.modules, "xlwings.udfs", udfs)  # removed again on teardown
    mp.setattr(xlwings, "udfs", udfs, raising=False)
    for public, classic_name in (("func", "xlfunc"), ("arg", "xlarg"), ("ret", "xlret"), ("sub", "xlsub")):
        mp.setattr(xlwings, public, getattr(udfs, classic_name))
    module = load_udf_module("xlperf_udfs_classic")
    mp.setitem(udfs.udf_modules, MODULE, {"module": module, "filename": str(UDF_FILE), "filetime": None})
    book = FakeXlWorkbook()
    udfs.import_udfs(MODULE, book)
    yield types.SimpleNamespace(udfs=udfs, module=module, book=book,
                                vba=book.VBProject.VBComponents.imported[0], options=book.Application.options)
    mp.undo()
    udfs.com_executor.shutdown(wait=False)


