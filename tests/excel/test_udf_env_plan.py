"""xlperf_score / xlperf_explain compute only what the indicator's rule reads (issue 22: ≤ 50 µs per call).

The Excel functions used to rebuild the whole framework's environment on every call; they now compute the
derived figures and measures the rule depends on (:func:`xlperf.engine.scoring.env_plan`), planned once per
framework and indicator. Every framework family (tables of rows, prior-year figures, either/or rules, a
60-point sheet) is scored from raw inputs — so every derived figure and measure a rule needs must be planned
— and compared with the engine's whole-department scoring of the same data.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import xlperf.engine.scoring as scoring
from xlperf.addins.excel import functions as fn
from xlperf.ingest.datafile import load_data
from xlperf.compiled import compiled, score
from xlperf.loader import load_framework

from .helpers import excel_value, yes_no

FAMILIES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"
CASES = sorted(p.name.removesuffix("-data.yaml") for p in FAMILIES.glob("*-data.yaml"))


@pytest.mark.parametrize("family", CASES)
def test_every_indicator_from_raw_inputs_equals_the_whole_environment(family: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Planned environment = the whole framework's environment (build_env, as before), for every leaf; and =
    the engine's whole-department score where the rule reads no table (a table's rows are no name/value pair)."""
    fw = load_framework(FAMILIES / f"{family}.yaml")
    data = load_data(FAMILIES / f"{family}-data.yaml", fw)
    result = score(fw, data)
    tables = {t.name for t in fw.form.tables}
    raw = {**data.values(), **data.judgements}
    pairs = [v for name, value in raw.items() if value is not None and name not in tables
             for v in (name, excel_value(yes_no(value)))]
    planned = {ind.id: (fn.score(fw, ind.id, *pairs), fn.explain(fw, ind.id, *pairs)) for ind in fw.leaves()}
    monkeypatch.setattr(fn, "build_env_for", lambda comp, plan, given: scoring.build_env(comp, given))
    whole = {ind.id: (fn.score(fw, ind.id, *pairs), fn.explain(fw, ind.id, *pairs)) for ind in fw.leaves()}
    assert planned == whole
    for ind in fw.leaves():
        engine = result.by_id(ind.id)
        got, text = planned[ind.id]
        if not tables:
            assert Decimal(str(got)) == engine.computed and text == engine.explanation, ind.id
    assert any(isinstance(got, float) for got, _ in planned.values())  # not only error texts


def test_the_environment_is_planned_once_per_indicator(monkeypatch: pytest.MonkeyPatch) -> None:
    fw = load_framework("futian-2021")
    calls: list[frozenset[str]] = []
    plan = scoring.env_plan

    def counting(comp: Any, wanted: frozenset[str]) -> scoring.EnvPlan:
        calls.append(wanted)
        return plan(comp, wanted)

    monkeypatch.setattr(fn, "env_plan", counting)
    monkeypatch.setattr(fn, "build_env", None, raising=False)  # the whole-framework environment is never built
    for _ in range(3):
        assert fn.score(fw, "offpost_control", "staff_offpost", 14, "staff_all", 33) == 0
    assert fn.explain(fw, "offpost_control", "staff_offpost", 14, "staff_all", 33) \
        == "编外人员控制率 = 14 ÷ 33 = 42.42% > 10% → 0 分"
    assert len(calls) <= 1  # planned at most once (not at all when an earlier test planned it)
    comp = compiled(fw)
    built = scoring.build_env_for(comp, plan(comp, frozenset({"offpost_rate"})), {
        "staff_offpost": Decimal(14), "staff_all": Decimal(33)})[0]
    assert built["offpost_rate"] == Decimal("0.4242")  # 14 / 33 = 0.424242… to 4 places
    assert "exec_rate_total" not in built  # nothing the rule does not read
