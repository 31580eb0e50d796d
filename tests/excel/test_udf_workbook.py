"""The UDF-flavour workbook computes what the native-formula workbook and the engine compute.

For the seed department and random departments (futian-2021, plus the invented demo-region-2023
framework found through XLPERF_FRAMEWORK_PATH), the UDF workbook's formulas are evaluated in Python
with the ``formulas`` package, with ``xlperf_ratio``/``xlperf_score`` registered as custom
functions that call the REAL udfs/xlperf_udfs.py functions (given values as xlwings would: floats,
None, text). Every derived total, rate (measure) and score cell must equal

- the native-formula workbook of the same data, recalculated by LibreOffice (one soffice call), and
- the engine's :func:`xlperf.engine.scoring.score`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import openpyxl
import pytest
import schedula

from xlperf.data.models import DepartmentData
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from tests.support.futian_random import random_department
from xlperf.addins.excel import functions as fn
from xlperf.framework.models import Framework
from xlperf.compiled import compiled, score
from xlperf.compiled import plan_for
from xlperf.write.template import write_template

from .helpers import DEMO_DIR, demo, futian, seed_data, udfs

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

CUSTOM = {"XLPERF_RATIO": "xlperf_ratio", "XLPERF_SCORE": "xlperf_score"}


@dataclass
class Case:
    fw: Framework
    data: DepartmentData
    udf: Path
    native: Path
    recalculated: Path | None = None


def _cases(tmp: Path) -> list[Case]:
    fw, dfw = futian(), demo()
    plan = [(fw, "seed", seed_data())] + [(fw, f"r{s}", random_department(fw, s)) for s in range(10)]
    plan += [(dfw, f"demo{s}", random_department(dfw, s)) for s in range(2)]
    cases = []
    for f, key, data in plan:
        values = data_values(data)
        cases.append(Case(f, data, write_template(f, tmp / "udf" / f"{key}.xlsx", flavour="udf", values=values),
                          write_template(f, tmp / "native" / f"{key}.xlsx", flavour="native", values=values)))
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    tmp = tmp_path_factory.mktemp("udf-workbook")
    out = _cases(tmp)
    done = recalculate([c.native for c in out], tmp / "lo")  # one soffice run for all of them
    for case, path in zip(out, done, strict=True):
        case.recalculated = path
    return out


def _python(value: Any) -> Any:
    """What xlwings would hand over: a scalar (float/str/bool/None) or nested lists for ranges."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.shape == () or value.size == 1 else value.tolist()
    if isinstance(value, formulas.functions.XlError):
        return str(value)
    if value is schedula.EMPTY:  # an empty cell
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@pytest.fixture(scope="module")
def registered(monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    module = udfs()
    calls: dict[str, int] = {}

    def wrap(name: str) -> Any:
        real = getattr(module, name)

        def custom(*args: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return real(*(_python(a) for a in args))

        return custom

    table = formulas.get_functions()
    for excel_name, name in CUSTOM.items():
        monkeypatch_module.setitem(table, excel_name, wrap(name))
    monkeypatch_module.setenv(fn.FRAMEWORK_PATH_ENV, str(DEMO_DIR))  # demo-region-2023 by its id
    return calls


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


class UdfBook:
    """The named cells of a UDF-flavour workbook, evaluated on demand with ``formulas``."""

    _compiled: dict[str, Any] = {}

    def __init__(self, case: Case) -> None:
        self.plan = plan_for(case.fw, "udf")
        self.wb = openpyxl.load_workbook(case.udf)
        self.values: dict[str, Any] = {}

    def raw(self, name: str) -> Any:
        cp = self.plan.cells[name]
        return self.wb[cp.sheet][cp.cell].value

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            raw = self.raw(name)
            if isinstance(raw, str) and raw.startswith("="):
                func = self._compile(raw)
                args = [self[key.lower()] for key in func.inputs]
                raw = _python(func(*args))
            elif isinstance(raw, int) and not isinstance(raw, bool):
                raw = float(raw)
            self.values[name] = raw
        return self.values[name]

    def _compile(self, formula: str) -> Any:
        if formula not in self._compiled:
            self._compiled[formula] = formulas.Parser().ast(formula)[1].compile()
        return self._compiled[formula]


def _checked_names(fw: Framework) -> list[str]:
    measures = [m.id for m in compiled(fw).measures]
    scores = [f"score_{i.id}" for i in fw.walk()] + ["score_total"]
    return [d.name for d in fw.form.derived] + measures + scores


def _engine(case: Case) -> dict[str, Decimal]:
    result = score(case.fw, case.data)
    out = {f"score_{i.id}": i.computed for i in result.indicators}
    out["score_total"] = result.total.computed
    out.update({m.id: m.value for m in result.measures})
    return out


def test_udf_workbook_equals_native_workbook_and_engine(cases: list[Case], registered: dict[str, int]) -> None:
    compared = 0
    for case in cases:
        plan = plan_for(case.fw, "udf")
        native_plan = plan_for(case.fw, "native")
        book = UdfBook(case)
        lo = openpyxl.load_workbook(case.recalculated, data_only=True)
        engine = _engine(case)
        for name in _checked_names(case.fw):
            cp = plan.cells[name]
            assert book.raw(name) == "=" + cp.formula  # the file holds the plan's formula
            nat = native_plan.cells[name]
            assert (nat.sheet, nat.cell) == (cp.sheet, cp.cell)  # both flavours share the layout
            mine = book[name]
            theirs = lo[nat.sheet][nat.cell].value
            assert isinstance(mine, float), (case.udf.name, name, mine)
            assert mine == pytest.approx(theirs, abs=1e-9), (case.udf.name, name, mine, theirs)
            if name in engine:
                assert mine == pytest.approx(float(engine[name]), abs=1e-9), (case.udf.name, name)
            compared += 1
        # the UDF cells really went through the UDFs (not, say, a cached value)
        assert plan.cells["score_offpost_control"].formula.startswith("xlperf_score(")
    assert registered["xlperf_ratio"] >= 8 * len(cases) and registered["xlperf_score"] >= 15 * len(cases)
    assert compared > 60 * len(cases)


def test_a_udf_that_fails_shows_its_message_in_the_dependent_cells(cases: list[Case],
                                                                    registered: dict[str, int]) -> None:
    case = cases[0]
    book = UdfBook(case)
    book.values["staff_all"] = 0.0
    book.values["staff_offpost"] = "#DIV/0!"  # an input cell showing an error
    assert book["offpost_rate"] == "#XLPERF! 分子是错误值 #DIV/0!，请先修正该单元格"
    assert book["score_offpost_control"] == book["offpost_rate"]  # passed through unchanged
