"""Properties of the engine under the futian-2021 framework, for random valid department data.

- every indicator's computed score is within [0, points];
- level-2 / level-1 scores equal the sum of their children exactly, the total the sum of level 1;
- monotonicity of the money/staff rules in the direction the framework text says.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlperf.compiled import compiled, score

from .helpers import D, data_from, futian

FW = futian()
COMP = compiled(FW)
LEAF_IDS = [i.id for i in FW.leaves()]

# Generating one department draws ~90 values (~15 ms); keep the folder well under 20 s.
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONO = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def money(max_cents: int = 10**9) -> st.SearchStrategy[Decimal]:
    """Non-negative amounts with two decimals (万元), up to 10 million 万元 by default."""
    return st.integers(min_value=0, max_value=max_cents).map(lambda c: Decimal(c).scaleb(-2))


def small_money() -> st.SearchStrategy[Decimal]:
    # hypothesis draws 0 and small boundary values often enough (~5%) to reach the zero-denominator
    # branches; a one_of with st.just(0) would triple the generation time.
    return money()


counts = st.integers(min_value=0, max_value=300)
rates = st.integers(min_value=0, max_value=12_000).map(lambda n: Decimal(n).scaleb(-4))   # 0 .. 1.2


@st.composite
def judged_answers(draw) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j in COMP.judged:
        if j.is_tier:
            out[j.name] = draw(st.sampled_from([*j.options, "其他", ""]))
        elif j.kind == "flag":
            out[j.name] = draw(st.sampled_from([0, 1]))
        elif j.kind == "count":
            out[j.name] = draw(st.integers(min_value=0, max_value=8))
        else:
            assert j.max_points is not None
            top = int(j.max_points * 100)
            # within and beyond the points, including negative answers
            out[j.name] = Decimal(draw(st.integers(min_value=-100, max_value=top + 300))).scaleb(-2)
    return out


MONEY_FIELDS = {
    "budget": ["personnel_initial", "personnel_adjusted", "personnel_actual", "public_initial", "public_adjusted",
               "public_actual", "project_initial", "project_adjusted", "project_actual"],
    "sangong": ["abroad_budget", "abroad_actual", "reception_budget", "reception_actual", "vehicle_budget",
                "vehicle_actual"],
    "procurement": ["procurement_plan", "procurement_actual"],
    "assets": ["fa_original", "fa_net", "fa_in_use"],
}
COUNT_FIELDS = {
    "staff": ["staff_authorized", "staff_onpost", "staff_workers", "staff_employees", "staff_dispatched",
              "staff_other_hired", "staff_retired"],
    "assets": ["fa_count"],
    "projects": ["projects_planned", "projects_on_time", "key_tasks_total"],
}
N_MONEY = sum(len(v) for v in MONEY_FIELDS.values()) + 5   # + quota_total and four payments
N_COUNT = sum(len(v) for v in COUNT_FIELDS.values())


@st.composite
def department(draw) -> dict[str, Any]:
    # a few wide draws instead of ~60 small ones: generation dominates the run time otherwise
    amounts = iter(draw(st.tuples(*[small_money()] * N_MONEY)))
    numbers = iter(draw(st.tuples(*[counts] * N_COUNT)))
    flags = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    service_rates = draw(st.tuples(rates, rates, rates))
    raw: dict[str, Any] = {
        "framework": "futian-2021",
        "info": {"dept_name": "测试部门", "eval_year": 2021, "classified": flags[0]},
        "budget": {"violation": flags[1]}, "sangong": {}, "procurement": {}, "assets": {}, "staff": {},
        "projects": {"key_tasks_failed": draw(st.integers(0, 5))},
        "service": {"petition_channel": flags[2], "petition_reply_rate": service_rates[0],
                    "petition_ontime_rate": service_rates[1], "satisfaction": service_rates[2]},
        "judgements": draw(judged_answers()),
    }
    for section, names in MONEY_FIELDS.items():
        raw[section].update({name: next(amounts) for name in names})
    for section, names in COUNT_FIELDS.items():
        raw[section].update({name: next(numbers) for name in names})
    total = next(amounts)
    q = sorted(next(amounts) for _ in range(4))   # cumulative payments: q1 ≤ q2 ≤ q3 ≤ q4
    raw["quarterly"] = {"quota_total": total, "paid_q1": q[0], "paid_q2": q[1], "paid_q3": q[2], "paid_q4": q[3]}
    return raw


def run(raw: dict[str, Any]):
    return score(FW, data_from(raw))


def computed(raw: dict[str, Any], indicator_id: str) -> Decimal:
    return run(raw).by_id(indicator_id).computed


# Bounds and sums ---------------------------------------------------------------------------------


@SETTINGS
@given(department())
def test_every_score_within_its_points(raw: dict[str, Any]) -> None:
    result = run(raw)
    assert len(result.indicators) == len(FW.walk())
    for ind in result.indicators:
        assert D(0) <= ind.computed <= ind.points, (ind.id, ind.computed, ind.explanation)
        if ind.level == 3:
            # rounded once to 0.01
            assert ind.computed == ind.computed.quantize(D("0.01")), ind.id
    assert D(0) <= result.total.computed <= FW.total_points


@SETTINGS
@given(department())
def test_parents_are_exact_sums_and_total_is_sum_of_level_one(raw: dict[str, Any]) -> None:
    result = run(raw)
    by_id = {i.id: i for i in result.indicators}
    for ind in FW.walk():
        if ind.children:
            assert by_id[ind.id].computed == sum((by_id[c.id].computed for c in ind.children), D(0)), ind.id
    level1 = [i for i in result.indicators if i.level == 1]
    assert [i.id for i in level1] == [i.id for i in FW.indicators]
    assert result.total.computed == sum((i.computed for i in level1), D(0))
    # and equal to the sum of all level-3 scores
    assert result.total.computed == sum((by_id[i].computed for i in LEAF_IDS), D(0))
    for ind in result.indicators:
        if ind.parent is None:
            assert ind.level == 1
        else:
            assert by_id[ind.parent].level == ind.level - 1
            # a parent is listed before its children
            assert result.indicators.index(by_id[ind.parent]) < result.indicators.index(ind)


# Monotonicity -------------------------------------------------------------------------------------


@MONO
@given(department(), st.sampled_from(["abroad_actual", "reception_actual", "vehicle_actual"]), money(10**7))
def test_more_sangong_spending_never_raises_public_funds_score(raw, item, extra) -> None:
    before = computed(raw, "public_funds_control")
    more = copy.deepcopy(raw)
    more["sangong"][item] += extra
    assert computed(more, "public_funds_control") <= before


@MONO
@given(department(), money(10**7))
def test_more_public_spending_never_raises_public_funds_score(raw, extra) -> None:
    before = computed(raw, "public_funds_control")
    more = copy.deepcopy(raw)
    more["budget"]["public_actual"] += extra
    assert computed(more, "public_funds_control") <= before


@MONO
@given(department(), st.integers(min_value=1, max_value=500))
def test_more_dispatched_staff_never_raises_offpost_score(raw, extra) -> None:
    before = computed(raw, "offpost_control")
    more = copy.deepcopy(raw)
    more["staff"]["staff_dispatched"] += extra
    assert computed(more, "offpost_control") <= before


@MONO
@given(department(), money(10**7))
def test_more_fixed_assets_in_use_never_lowers_utilisation(raw, extra) -> None:
    before = computed(raw, "asset_utilisation")
    more = copy.deepcopy(raw)
    more["assets"]["fa_in_use"] += extra
    assert computed(more, "asset_utilisation") >= before


@MONO
@given(department(), st.integers(min_value=1, max_value=4), money(10**7))
def test_paying_more_in_a_quarter_never_lowers_budget_execution(raw, quarter, extra) -> None:
    before = computed(raw, "budget_execution")
    more = copy.deepcopy(raw)
    qs = more["quarterly"]
    qs[f"paid_q{quarter}"] += extra
    for later in range(quarter + 1, 5):   # keep the cumulative order q1 ≤ q2 ≤ q3 ≤ q4
        qs[f"paid_q{later}"] = max(qs[f"paid_q{later}"], qs[f"paid_q{quarter}"])
    assert computed(more, "budget_execution") >= before


@MONO
@given(department(), money(10**7))
def test_adjusting_further_from_the_initial_budget_never_raises_financial_compliance(raw, extra) -> None:
    before = computed(raw, "financial_compliance")
    b = raw["budget"]
    initial = b["personnel_initial"] + b["public_initial"] + b["project_initial"]
    adjusted = b["personnel_adjusted"] + b["public_adjusted"] + b["project_adjusted"]
    more = copy.deepcopy(raw)
    if adjusted >= initial:
        more["budget"]["project_adjusted"] += extra
    else:
        # move further down, staying non-negative
        step = min(extra, more["budget"]["project_adjusted"])
        more["budget"]["project_adjusted"] -= step
    assert computed(more, "financial_compliance") <= before


@MONO
@given(department())
def test_budget_execution_never_exceeds_its_points_and_on_schedule_is_full(raw) -> None:
    # decision: each quarter is capped at 100%, so the score is at most 6 whatever was paid
    assert computed(raw, "budget_execution") <= D(6)
    total = raw["quarterly"]["quota_total"]
    if total > 0:
        on = copy.deepcopy(raw)
        on["quarterly"].update(paid_q1=total * 2, paid_q2=total * 2, paid_q3=total * 2, paid_q4=total * 2)
        assert computed(on, "budget_execution") == D(6)
