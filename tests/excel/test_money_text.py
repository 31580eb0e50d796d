"""Money in explanations: always 万元 with two decimals, whole or not ("4,326.00", never "4,326"); counts stay
counts ("14 / 33"). The xlperf_explain Excel function and the validator's 计算过程 (the engine's explanation) word
a rate's numerator and denominator the same way; XP301/XP303 word the figures of their formulas the same way.
Expected texts are hand arithmetic."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from xlperf.addins.excel import functions as fn
from xlperf.checks.money import _describe, _formula_text
from xlperf.compiled import catalog, compiled, score
from xlperf.engine.rules import compiled_names
from xlperf.engine.scoring import data_env, env_plan
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework

from .helpers import futian, seed_data


def test_a_rate_of_amounts_shows_two_decimals_whole_or_not() -> None:
    # 政府采购执行率 = procurement_actual / procurement_plan (万元): 163 / 667 = 0.244377… → 24.44%
    whole = fn.explain(None, "procurement", "procurement_actual", 163.0, "procurement_plan", 667.0,
                       "j_procurement_policy", 1.0)
    assert whole.startswith("政府采购执行率 = 163.00 ÷ 667.00 = 24.44% × 1 = 0.2444 分")
    # 163.18 ÷ 667.14 = 0.244596… → 24.46%
    cents = fn.explain(None, "procurement", "procurement_actual", 163.18, "procurement_plan", 667.14,
                       "j_procurement_policy", 1.0)
    assert cents.startswith("政府采购执行率 = 163.18 ÷ 667.14 = 24.46%")


def test_a_rate_of_counts_shows_counts() -> None:
    assert fn.explain(None, "offpost_control", "staff_offpost", 14, "staff_all", 33) \
        == "编外人员控制率 = 14 ÷ 33 = 42.42% > 10% → 0 分"


def test_period_rates_show_money_with_two_decimals() -> None:
    # 1,000 / (4,326 × 25%) = 1,000 ÷ 1,081.5 = 0.924641… → 92.46%; 3,000.5 ÷ 3,244.5 = 0.924796… → 92.48%
    text = fn.explain(None, "budget_execution", "paid_q1", 1000.0, "paid_q2", 2000.0, "paid_q3", 3000.5,
                      "paid_q4", 4000.0, "quota_total", 4326.0)
    assert text.startswith("一季度执行率 = 1,000.00 ÷ 4,326.00 ÷ 25% = 92.46%；二季度执行率 = 2,000.00 ÷ 4,326.00 ÷ 50%")
    assert "三季度执行率 = 3,000.50 ÷ 4,326.00 ÷ 75% = 92.48%" in text


def test_the_validator_words_money_as_the_excel_function_does() -> None:
    fw = futian()
    seed = seed_data()
    amounts = {"paid_q1": Decimal("1000"), "paid_q2": Decimal("2000"), "paid_q3": Decimal("3000.5"),
               "paid_q4": Decimal("4000"), "quota_total": Decimal("4326")}
    quarterly = seed.quarterly.model_copy(update=amounts)  # type: ignore[attr-defined]
    data = seed.model_copy(update={"quarterly": quarterly})
    engine = score(fw, data).by_id("budget_execution").explanation
    assert engine.startswith("一季度执行率 = 1,000.00 ÷ 4,326.00 ÷ 25% = 92.46%")
    env = data_env(data)
    pairs = [v for n in ("paid_q1", "paid_q2", "paid_q3", "paid_q4", "quota_total") for v in (n, float(env[n]))]
    assert fn.explain(fw.id, "budget_execution", *pairs) == engine


def test_the_money_checks_word_amounts_with_two_decimals() -> None:
    ctx = SimpleNamespace(cat=catalog(futian()), env={"paid_q2": Decimal("33284"), "quota_total": Decimal("81164.95"),
                                                      "staff_offpost": Decimal("14"), "staff_all": Decimal("33")},
                          label=lambda n: n)
    assert _formula_text(ctx, "paid_q2 / quota_total") == "33,284.00 ÷ 81,164.95"  # type: ignore[arg-type]
    assert _formula_text(ctx, "staff_offpost / staff_all") == "14 ÷ 33"  # type: ignore[arg-type]
    assert _describe(ctx, "paid_q2 + quota_total") == "paid_q2 33,284.00 + quota_total 81,164.95"  # type: ignore[arg-type]


FRAMEWORK_DATA = sorted((Path(__file__).parents[1] / "data" / "frameworks").rglob("*-data.yaml"))


@pytest.mark.parametrize("data_file", FRAMEWORK_DATA, ids=lambda p: p.stem)
def test_explain_equals_the_validators_explanation_on_every_framework(data_file: Path) -> None:
    """Every leaf not reading a table (tables are not passed as pairs here), from the data file's raw inputs."""
    fw = load_framework(str(data_file.with_name(data_file.name.replace("-data.yaml", ".yaml"))))
    data = load_data(data_file, fw)
    result = score(fw, data)
    raw = {**data_env(data), **data.judgements}
    pairs = [v for name, value in raw.items() if value is not None and not isinstance(value, tuple | list)
             for v in (name, _excel(value))]
    checked = 0
    for ind in fw.leaves():
        if env_plan(compiled(fw), frozenset(compiled_names(fw, ind))).tables:
            continue
        assert fn.explain(fw, ind.id, *pairs) == result.by_id(ind.id).explanation, (fw.id, ind.id)
        checked += 1
    assert checked >= len(list(fw.leaves())) // 2


def _excel(value: object) -> object:
    """What xlwings passes for a cell holding the value."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return float(value) if isinstance(value, Decimal) else value
