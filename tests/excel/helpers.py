"""Shared helpers of the Excel tests: paths, data, the UDF module as Excel would see it."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from xlperf.ingest.datafile import load_data
from xlperf.data.models import DepartmentData
from xlperf.loader import load_framework
from xlperf.framework.models import Framework

REPO = Path(__file__).resolve().parents[2]
UDF_FILE = REPO / "udfs" / "xlperf_udfs.py"
SEED_YAML = REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"
DEMO_DIR = REPO / "tests" / "data" / "frameworks"
DEMO_FW = DEMO_DIR / "demo-region-2023.yaml"

D = Decimal
ERR = "#XLPERF!"


def futian() -> Framework:
    return load_framework("futian-2021")


@cache
def demo() -> Framework:
    return load_framework(DEMO_FW)


@cache
def seed_data() -> DepartmentData:
    return load_data(SEED_YAML)


def load_udf_module(name: str = "xlperf_udfs_under_test") -> ModuleType:
    """udfs/xlperf_udfs.py imported from its file (it is not on sys.path in the repository).

    On Linux the xlwings decorators are no-ops, so the functions are the plain Python ones.
    """
    spec = importlib.util.spec_from_file_location(name, UDF_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def udfs() -> ModuleType:
    return load_udf_module()


def excel_value(value: Any) -> Any:
    """A Python/Decimal value as xlwings hands it to a UDF: numbers are floats, bools stay, text stays."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return float(value)
    return value


def yes_no(value: Any) -> Any:
    return ("是" if value else "否") if isinstance(value, bool) else value
