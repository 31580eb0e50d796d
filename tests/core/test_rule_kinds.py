"""Each rule kind on its own, at and around every band edge and threshold.

Rules are taken from the shipped futian-2021 framework (so the framework *data* is checked too) or
built here as small models / one-indicator frameworks. Expected scores are read off the framework
text (the seed's annex) and worked out by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xlperf.framework.models import (
    ChecklistRule, DeductionRule, Framework, JudgedRule, OverrideRule, SumRule, TiersRule,
)
from xlperf.engine.rules import evaluate_rule, finish
from xlperf.compiled import score

from .helpers import D, ctx, data_from, example_dict, futian

FW = futian()


def rule_of(indicator_id: str) -> Any:
    rule = FW.get(indicator_id).rule
    assert rule is not None
    return rule


def part(indicator_id: str, n: int) -> Any:
    """The n-th part of a sum rule (looking through an override)."""
    rule = rule_of(indicator_id)
    if isinstance(rule, OverrideRule):
        rule = rule.rule
    assert isinstance(rule, SumRule)
    return rule.parts[n]


def raw(rule: Any, **env: Any) -> Decimal:
    return evaluate_rule(rule, ctx(env))[0]


def final(indicator_id: str, **env: Any) -> Decimal:
    """Indicator score as the engine reports it: raw clamped to [0, points], rounded to 0.01."""
    ind = FW.get(indicator_id)
    return finish(raw(ind.rule, **env), ind.points, FW.rounding.score_decimals)


def scored(mutate=None, fw: Framework | None = None):
    raw_data = example_dict()
    if mutate:
        mutate(raw_data)
    return score(fw or FW, data_from(raw_data))


def mini(rule: dict[str, Any], measures=(), extra_inputs=()) -> Framework:
    """A one-indicator framework worth exactly the rule's points."""
    pts = rule["points"]
    return Framework.model_validate({
        "id": "mini", "version": "t", "name": "测试框架", "region": "测试", "year": 2023,
        "total_points": pts, "measures": list(measures), "extra_inputs": list(extra_inputs),
        "indicators": [{"id": "top", "name": "一级", "points": pts,
                        "children": [{"id": "leaf", "name": "三级", "points": pts, "rule": rule}]}],
    })


# Bands: 公用经费控制率 (“三公” and 日常公用经费: <90% → 3, 90–100% → 2, >100% → 0) -------------------


BAND_EDGES = [
    (D("0"), D(3)),
    (D("0.5525"), D(3)),
    (D("0.8999"), D(3)),    # 89.99% < 90%
    (D("0.9"), D(2)),       # exactly 90%: 90% ≤ rate ≤ 100%
    (D("0.9001"), D(2)),
    (D("1"), D(2)),         # exactly 100%: still ≤ 100%
    (D("1.0001"), D(0)),    # 100.01% > 100%
    (D("9.9999"), D(0)),
]


@pytest.mark.parametrize(("rate", "expected"), BAND_EDGES)
def test_sangong_band_edges(rate: Decimal, expected: Decimal) -> None:
    assert raw(part("public_funds_control", 0), sangong_rate=rate) == expected


@pytest.mark.parametrize(("rate", "expected"), BAND_EDGES)
def test_public_band_edges(rate: Decimal, expected: Decimal) -> None:
    assert raw(part("public_funds_control", 1), public_rate=rate) == expected


@pytest.mark.parametrize(
    ("s_rate", "p_rate", "expected"),
    [(D("0.8999"), D("0.8999"), D(6)), (D("0.9"), D("0.8999"), D(5)), (D("1"), D("1"), D(4)),
     (D("1.0001"), D("0.9"), D(2)), (D("1.0001"), D("1.0001"), D(0))],
)
def test_public_funds_control_is_the_sum_of_both_parts(s_rate, p_rate, expected) -> None:
    assert final("public_funds_control", sangong_rate=s_rate, public_rate=p_rate) == expected


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("89.99", D(3)),   # 89.99 / 100 = 89.99%
        ("90.00", D(2)),   # 90%
        ("90.01", D(2)),   # 90.01%
        ("100.00", D(2)),  # 100%
        ("100.01", D(0)),  # 100.01%
    ],
)
def test_sangong_edges_from_amounts(actual: str, expected: Decimal) -> None:
    def mutate(d):
        # budget 0 + 60 + 40 = 100.00; actual split over the three items
        d["sangong"].update(abroad_budget=0, reception_budget=60, vehicle_budget=40,
                            abroad_actual=0, reception_actual=30, vehicle_actual=D(actual) - 30)
        d["budget"].update(public_adjusted=100, public_actual=50)  # 50% → 3 for the other part

    res = scored(mutate)
    assert res.by_id("public_funds_control").computed == expected + 3


def test_rate_is_rounded_to_001_percent_before_banding() -> None:
    """Decision 舍入: rates are rounded to 0.01% before they are banded.

    899.95 / 1000 = 89.995% → 90.00% → 2 points; 899.94 / 1000 = 89.994% → 89.99% → 3 points.
    """
    def with_actual(value):
        def mutate(d):
            d["sangong"].update(abroad_budget=0, reception_budget=1000, vehicle_budget=0,
                                abroad_actual=0, reception_actual=value, vehicle_actual=0)
            d["budget"].update(public_adjusted=100, public_actual=50)
        return mutate

    assert scored(with_actual("899.95")).by_id("public_funds_control").computed == D(5)
    assert scored(with_actual("899.94")).by_id("public_funds_control").computed == D(6)


def test_sangong_budget_zero() -> None:
    """Decision 分母为零: “三公” budget 0 with actual spending counts as over 100% (0 points); with no
    spending either, the rate is 0% (< 90%, 3 points)."""
    def zero_budget(actual):
        def mutate(d):
            d["sangong"].update(abroad_budget=0, reception_budget=0, vehicle_budget=0,
                                abroad_actual=0, reception_actual=actual, vehicle_actual=0)
        return mutate

    # public part of the seed: 25.00 / 39.15 = 63.86% → 3
    assert scored(zero_budget(1)).by_id("public_funds_control").computed == D(3)
    assert scored(zero_budget(0)).by_id("public_funds_control").computed == D(6)


# Bands: 编外人员控制率 (<5% → 1, 5% ≤ r ≤ 10% → 0.5, > 10% → 0) ---------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(D("0"), D(1)), (D("0.0499"), D(1)), (D("0.05"), D("0.5")), (D("0.0501"), D("0.5")),
     (D("0.0999"), D("0.5")), (D("0.10"), D("0.5")), (D("0.1001"), D(0)), (D("0.4242"), D(0))],
)
def test_offpost_band_edges(rate: Decimal, expected: Decimal) -> None:
    assert final("offpost_control", offpost_rate=rate) == expected


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        ({"staff_onpost": 9501, "staff_dispatched": 499}, D(1)),      # 499/10000 = 4.99%
        ({"staff_onpost": 19, "staff_dispatched": 1}, D("0.5")),      # 1/20 = 5%
        ({"staff_onpost": 9, "staff_dispatched": 1}, D("0.5")),       # 1/10 = 10%
        ({"staff_onpost": 8999, "staff_dispatched": 1001}, D(0)),     # 1001/10000 = 10.01%
        # 其他直接聘用的编外人员 count as 编外: 1/20 = 5%
        ({"staff_onpost": 19, "staff_other_hired": 1}, D("0.5")),
        # 雇员 and 工勤 are in the denominator, not the numerator (decision 编外人员的范围): 0/20 = 0%
        ({"staff_onpost": 18, "staff_workers": 1, "staff_employees": 1}, D(1)),
        # 1 / (16 + 1 + 1 + 1 + 1) = 1/20 = 5%: denominator = 在编 + 工勤 + 雇员 + 编外
        ({"staff_onpost": 16, "staff_workers": 1, "staff_employees": 2, "staff_dispatched": 1}, D("0.5")),
        # nobody at all: rate 0 → full
        ({"staff_onpost": 0}, D(1)),
    ],
)
def test_offpost_from_counts(staff: dict[str, int], expected: Decimal) -> None:
    def mutate(d):
        d["staff"].update(staff_onpost=0, staff_workers=0, staff_employees=0, staff_dispatched=0,
                          staff_other_hired=0, staff_authorized=20000)
        d["staff"].update(staff)

    assert scored(mutate).by_id("offpost_control").computed == expected


# Bands: 财政供养人员控制率 (≤100% → 1, >100% → 0) ------------------------------------------------------


@pytest.mark.parametrize(
    ("onpost", "workers", "employees", "authorized", "expected"),
    [
        (17, 1, 1, 21, D(1)),    # seed: (17+1)/21 = 85.71%
        (20, 1, 0, 21, D(1)),    # 21/21 = 100%
        (21, 1, 0, 21, D(0)),    # 22/21 = 104.76%
        (20, 1, 9, 21, D(1)),    # 雇员 not counted (decision): 21/21
        (9999, 2, 0, 10000, D(0)),  # 10001/10000 = 100.01%
        (0, 0, 0, 0, D(1)),      # nothing authorized and nobody in post: rate 0
        (1, 0, 0, 0, D(0)),      # nothing authorized but someone in post: over 100%
    ],
)
def test_staff_control(onpost, workers, employees, authorized, expected) -> None:
    def mutate(d):
        d["staff"].update(staff_onpost=onpost, staff_workers=workers, staff_employees=employees,
                          staff_authorized=authorized)

    assert scored(mutate).by_id("staff_control").computed == expected


# Bands: 固定资产利用率 (≥90% → 1, 75–90% → 0.7, 60–75% → 0.4, <60% → 0) -------------------------------


@pytest.mark.parametrize(
    ("in_use", "expected"),
    [("100.00", D(1)), ("90.00", D(1)), ("89.99", D("0.7")), ("75.00", D("0.7")), ("74.99", D("0.4")),
     ("60.00", D("0.4")), ("59.99", D(0)), ("0.00", D(0))],
)
def test_fixed_asset_utilisation(in_use: str, expected: Decimal) -> None:
    def mutate(d):
        d["assets"].update(fa_original=100, fa_in_use=in_use)

    assert scored(mutate).by_id("asset_utilisation").computed == expected


def test_fixed_asset_utilisation_without_fixed_assets_is_full() -> None:
    """Decision 分母为零: no fixed assets → rate 100% → 1 point."""
    def mutate(d):
        d["assets"].update(fa_original=0, fa_in_use=0, fa_net=0, fa_count=0)

    assert scored(mutate).by_id("asset_utilisation").computed == D(1)


# Bands: 满意度 (≥95% → 6, 90–95% → 4, 80–90% → 2, <80% → 1) ----------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(D("1"), D(6)), (D("0.95"), D(6)), (D("0.9499"), D(4)), (D("0.90"), D(4)), (D("0.8999"), D(2)),
     (D("0.80"), D(2)), (D("0.7999"), D(1)), (D("0"), D(1))],
)
def test_satisfaction(value: Decimal, expected: Decimal) -> None:
    assert final("satisfaction", satisfaction=value) == expected


@pytest.mark.parametrize(("value", "expected"), [("0.95", D(6)), ("0.9499", D(4)), ("0.9", D(4)), ("0.8", D(2)),
                                                 ("0.7999", D(1))])
def test_satisfaction_from_data(value: str, expected: Decimal) -> None:
    def mutate(d):
        d["service"]["satisfaction"] = value

    assert scored(mutate).by_id("satisfaction").computed == expected


def test_satisfaction_with_more_decimals_follows_the_rounding_decision() -> None:
    """satisfaction accepts 6 decimals. 0.94996 is shown as “95.00%”; decision 舍入 says rates are
    rounded to 0.01% before banding, so it must score 6 — not “95.00% 在 [90%, 95%) 区间 → 4 分”.
    (Rejecting more than 4 decimals at input would also be consistent.)"""
    raw_data = example_dict()
    raw_data["service"]["satisfaction"] = "0.94996"
    try:
        data = data_from(raw_data)
    except Exception:  # noqa: BLE001 - a validation error is an acceptable answer
        return
    result = score(FW, data).by_id("satisfaction")
    assert result.computed == D(6), result.explanation


# Deduction: 资金调整、调剂规范性 (within 10% → 1; −0.1 per point over 10%, floor 0) -------------------


ADJ = part("financial_compliance", 1)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (D("0"), D(1)),
        (D("0.0999"), D(1)),
        (D("0.10"), D(1)),         # exactly 10%: within
        (D("0.1001"), D("0.999")),  # 0.01 point over → 0.001 deducted (exact units)
        (D("0.105"), D("0.95")),    # 0.5 point over → 0.05
        (D("0.11"), D("0.9")),
        (D("0.15"), D("0.5")),
        (D("0.19"), D("0.1")),
        (D("0.20"), D(0)),          # 10 points over → 1.0 deducted
        (D("0.25"), D(0)),          # 15 points over → 1.5 deducted, floor 0
        (D("0.8793"), D(0)),        # seed
    ],
)
def test_adjustment_deduction_exact(ratio: Decimal, expected: Decimal) -> None:
    assert ADJ.units == "exact"
    assert raw(ADJ, adjust_ratio=ratio) == expected


@pytest.mark.parametrize(
    ("units", "ratio", "expected"),
    [
        ("floor", D("0.105"), D(1)),     # 0.5 unit → 0 whole units
        ("ceil", D("0.105"), D("0.9")),  # 0.5 unit → 1 started unit
        ("floor", D("0.119"), D("0.9")),  # 1.9 → 1
        ("ceil", D("0.1101"), D("0.8")),  # 1.01 → 2
        ("floor", D("0.10"), D(1)),
        ("ceil", D("0.10"), D(1)),       # 0 units stays 0
        ("floor", D("0.20"), D(0)),
        ("ceil", D("0.20"), D(0)),
        ("floor", D("0.25"), D(0)),      # floor of the score: never below 0
        ("ceil", D("0.25"), D(0)),
    ],
)
def test_adjustment_deduction_floor_and_ceil(units: str, ratio: Decimal, expected: Decimal) -> None:
    rule = ADJ.model_copy(update={"units": units})
    assert raw(rule, adjust_ratio=ratio) == expected


def test_deduction_direction_under_and_custom_floor() -> None:
    rule = DeductionRule(kind="deduction", points=D(2), measure="some_rate", threshold=D("0.9"),
                         direction="under", unit=D("0.01"), per_unit=D("0.2"), floor=D("0.5"))
    assert raw(rule, some_rate=D("0.95")) == D(2)       # above the threshold: nothing deducted
    assert raw(rule, some_rate=D("0.9")) == D(2)
    assert raw(rule, some_rate=D("0.87")) == D("1.4")   # 3 points under × 0.2
    assert raw(rule, some_rate=D("0.5")) == D("0.5")    # 40 × 0.2 = 8 → floor 0.5


@pytest.mark.parametrize(
    ("project_adjusted", "expected"),
    [
        # initial total = 500 + 100 + 400 = 1000; adjusted = 500 + 100 + project_adjusted
        ("400.00", D(3)),    # 0%
        ("500.00", D(3)),    # 1100: 10% → 1
        ("505.00", D("2.95")),  # 1105: 10.5% → 0.95
        ("295.00", D("2.95")),  # 895: |−10.5%| (net, absolute: decision) → 0.95
        ("600.00", D(2)),    # 20% → 0
        ("650.00", D(2)),    # 25% → 0 (floor)
    ],
)
def test_financial_compliance_from_amounts(project_adjusted: str, expected: Decimal) -> None:
    def mutate(d):
        d["budget"].update(personnel_initial=500, personnel_adjusted=500, public_initial=100,
                           public_adjusted=100, project_initial=400, project_adjusted=project_adjusted)

    # seed judgements: 资金支出规范性 1, 会计核算规范性 1
    assert scored(mutate).by_id("financial_compliance").computed == expected


# Penalty ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("failed", "expected"), [(0, D(8)), (1, D(4)), (2, D(0)), (3, D(0))])
def test_key_tasks_penalty(failed: int, expected: Decimal) -> None:
    assert raw(rule_of("key_tasks"), key_tasks_failed=D(failed)) == expected

    def mutate(d):
        d["projects"].update(key_tasks_total=5, key_tasks_failed=failed)

    assert scored(mutate).by_id("key_tasks").computed == expected


@pytest.mark.parametrize(("count", "expected"), [(0, D(5)), (1, D(4)), (2, D(3)), (5, D(0)), (7, D(0))])
def test_budget_compliance_penalty(count: int, expected: Decimal) -> None:
    def mutate(d):
        d["judgements"]["j_budget_noncompliance"] = count

    assert scored(mutate).by_id("budget_compliance").computed == expected


def test_target_completeness_penalty_floor() -> None:
    for count, expected in [(0, D(3)), (1, D(2)), (3, D(0)), (4, D(0))]:
        assert final("target_completeness", j_targets_missing=D(count)) == expected


# Tiers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("按规定公开", D("1.5")), ("已公开但不符合要求", D(1)), ("未公开", D(0)),
     ("公开了", D(0)), ("", D(0)), ("按规定公开 ", D(0))],   # unknown / empty / near-miss → default 0
)
def test_tiers(answer: str, expected: Decimal) -> None:
    budget_tiers = part("disclosure", 0)
    assert isinstance(budget_tiers, TiersRule)
    assert raw(budget_tiers, j_disclose_budget=answer) == expected


def test_tiers_default_is_data() -> None:
    rule = TiersRule(kind="tiers", points=D(2), input="j_pick", default=D("0.5"),
                     tiers=[{"label": "好", "score": 2}, {"label": "中", "score": 1}])
    assert raw(rule, j_pick="好") == D(2)
    assert raw(rule, j_pick="中") == D(1)
    assert raw(rule, j_pick="差") == D("0.5")
    assert raw(rule) == D("0.5")   # no answer at all


@pytest.mark.parametrize(
    ("budget", "final_", "expected"),
    [("按规定公开", "按规定公开", D(3)), ("按规定公开", "已公开但不符合要求", D("2.5")),
     ("已公开但不符合要求", "未公开", D(1)), ("随便写", "未公开", D(0))],
)
def test_disclosure_from_data(budget: str, final_: str, expected: Decimal) -> None:
    def mutate(d):
        d["judgements"].update(j_disclose_budget=budget, j_disclose_final=final_)

    assert scored(mutate).by_id("disclosure").computed == expected


# Checklist -----------------------------------------------------------------------------------------------


RATIONALITY = rule_of("budget_rationality")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((1, 1, 1, 1, 1), D(5)),
        ((1, D("0.5"), 0, 1, 1), D("3.5")),                # partial answers
        ((0, 0, 0, 0, 0), D(0)),
        ((-1, 1, 1, 1, 1), D(4)),                          # negative answer clamped to 0 (not 3)
        ((3, 0, 0, 0, 0), D(1)),                           # over-answer clamped to the item's 1 point
        ((5, 5, 5, 5, 5), D(5)),
        ((D("0.25"), D("0.25"), D("0.25"), D("0.25"), D("0.25")), D("1.25")),
    ],
)
def test_checklist_items_clamped(answers, expected) -> None:
    env = {f"j_rationality_{n}": D(a) for n, a in enumerate(answers, 1)}
    assert raw(RATIONALITY, **env) == expected


def test_checklist_missing_answers_count_zero() -> None:
    assert raw(RATIONALITY, j_rationality_1=D(1)) == D(1)


def test_checklist_capped_at_points() -> None:
    rule = ChecklistRule(kind="checklist", points=D(2), items=[
        {"input": "j_a_1", "points": D("1.5"), "text": "甲"},
        {"input": "j_a_2", "points": D("1.5"), "text": "乙"},
    ])
    assert raw(rule, j_a_1=D("1.5"), j_a_2=D("1.5")) == D(2)   # 3 → capped at 2
    assert raw(rule, j_a_1=D("1.5"), j_a_2=D("0.25")) == D("1.75")


def test_checklist_with_uneven_points() -> None:
    # 绩效指标明确性: 2 + 2 + 1 + 1 + 1
    clarity = rule_of("indicator_clarity")
    assert raw(clarity, j_clarity_1=D(2), j_clarity_2=D(2), j_clarity_3=D(0), j_clarity_4=D(1),
               j_clarity_5=D(1)) == D(6)
    assert raw(clarity, j_clarity_1=D(3), j_clarity_2=D(2), j_clarity_3=D(1), j_clarity_4=D(1),
               j_clarity_5=D(1)) == D(7)   # 3 → 2 for item 1


@pytest.mark.parametrize(
    ("channel", "reply", "ontime", "expected"),
    [(True, "1", "1", D(3)), (False, "1", "1", D(2)), (True, "0.99", "1", D(2)), (True, "1", "0.9999", D(2)),
     (True, "1.2", "1.0", D(3)), (False, "0", "0", D(0))],
)
def test_checklist_conditions_petitions(channel, reply, ontime, expected) -> None:
    def mutate(d):
        d["service"].update(petition_channel=channel, petition_reply_rate=reply, petition_ontime_rate=ontime)

    assert scored(mutate).by_id("petitions").computed == expected


# Judged ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "expected"), [(D(25), D(25)), (D("12.5"), D("12.5")), (D(30), D(25)),
                                                  (D(-5), D(0)), (D(0), D(0))])
def test_judged_clamped(answer: Decimal, expected: Decimal) -> None:
    assert raw(rule_of("effects"), j_effects=answer) == expected


def test_judged_missing_answer_is_zero() -> None:
    assert raw(rule_of("effects")) == D(0)


# Sum of parts / linear -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "actual", "policy", "expected"),
    [
        ("1931.52", "730.68", 1, D("1.38")),   # seed: 37.83% × 1 + 1 = 1.3783 → 1.38
        ("100.00", "50.00", D("0.8"), D("1.3")),
        ("100.00", "100.00", 1, D(2)),         # actual == plan is not “greater than plan”
        ("100.00", "100.01", 1, D(1)),         # actual > plan → the rate part is 0
        ("100.00", "100.01", 0, D(0)),
        ("0.00", "0.00", 1, D(2)),             # no plan, no purchase → 100% (decision 分母为零)
        ("0.00", "5.00", 1, D(1)),             # no plan but purchases: actual > plan → 0
        ("100.00", "50.00", 5, D("1.5")),      # judged part clamped to its 1 point
        ("100.00", "50.00", -5, D("0.5")),     # negative judged part clamped to 0, not subtracted
    ],
)
def test_procurement_sum(plan, actual, policy, expected) -> None:
    def mutate(d):
        d["procurement"].update(procurement_plan=plan, procurement_actual=actual)
        d["judgements"]["j_procurement_policy"] = policy

    assert scored(mutate).by_id("procurement").computed == expected


def test_sum_clamps_each_part_and_caps_the_total() -> None:
    rule = SumRule(kind="sum", points=D(2), parts=[
        JudgedRule(kind="judged", points=D(1), input="j_a_1"),
        JudgedRule(kind="judged", points=D(1), input="j_a_2"),
    ])
    assert raw(rule, j_a_1=D(5), j_a_2=D(5)) == D(2)
    assert raw(rule, j_a_1=D(-3), j_a_2=D(1)) == D(1)
    assert raw(rule, j_a_1=D("0.3"), j_a_2=D("0.45")) == D("0.75")


@pytest.mark.parametrize(
    ("planned", "on_time", "expected"),
    [(18, 18, D(6)), (18, 17, D("5.67")),   # 17/18 = 94.44% × 6 = 5.6664 → 5.67
     (3, 1, D(2)),                           # 1/3 = 33.33% × 6 = 1.9998 → 2.00
     (18, 0, D(0)), (18, 20, D(6)),          # 111.11% × 6 capped at 6
     (0, 0, D(6))],                          # no planned projects: 100% (decision)
)
def test_linear_project_timeliness(planned, on_time, expected) -> None:
    def mutate(d):
        d["projects"].update(projects_planned=planned, projects_on_time=on_time)

    assert scored(mutate).by_id("project_timeliness").computed == expected


# Override ---------------------------------------------------------------------------------------------------


def test_override_zero_financial_compliance() -> None:
    def violation(d):
        d["budget"]["violation"] = True

    assert scored().by_id("financial_compliance").computed == D(2)   # seed, for contrast
    assert scored(violation).by_id("financial_compliance").computed == D(0)

    def violation_but_perfect(d):
        violation(d)
        d["budget"].update(project_adjusted=d["budget"]["project_initial"],
                           personnel_adjusted=d["budget"]["personnel_initial"])

    assert scored(violation_but_perfect).by_id("financial_compliance").computed == D(0)


def test_override_full_for_classified_departments() -> None:
    def classified(d):
        d["info"]["classified"] = True
        d["judgements"].update(j_disclose_budget="未公开", j_disclose_final="未公开")

    assert scored(classified).by_id("disclosure").computed == D(3)

    def not_classified(d):
        d["judgements"].update(j_disclose_budget="未公开", j_disclose_final="未公开")

    assert scored(not_classified).by_id("disclosure").computed == D(0)


@pytest.mark.parametrize(("flag", "expected"), [(0, D(2)), (1, D(0))])
def test_override_zero_project_supervision(flag: int, expected: Decimal) -> None:
    def mutate(d):
        d["judgements"]["j_supervision_fail"] = flag

    assert scored(mutate).by_id("project_supervision").computed == expected


# Schedule (预算执行率) ---------------------------------------------------------------------------------------


def quarterly(total, q1, q2, q3, q4):
    def mutate(d):
        d["quarterly"].update(quota_total=total, paid_q1=q1, paid_q2=q2, paid_q3=q3, paid_q4=q4)
    return mutate


def measures_of(result) -> dict[str, Decimal]:
    return {m.id: m.value for m in result.measures}


def test_schedule_seed() -> None:
    """(62.56% + 82.02% + 86.94% + 97.65%) × 1 + 82.29% × 2 = 3.2917 + 1.6458 = 4.9375 → 4.94."""
    res = scored()
    assert res.by_id("budget_execution").computed == D("4.94")


def test_schedule_on_schedule_is_full() -> None:
    res = scored(quarterly("1000.00", "250.00", "500.00", "750.00", "1000.00"))
    assert res.by_id("budget_execution").computed == D(6)


def test_schedule_quarter_above_schedule_is_capped() -> None:
    """Decision: a quarter above 100% of schedule is shown as is but scored at 100%.

    total 1000; q1 300/250 = 120% (→ 100%), q2 400/500 = 80%, q3 750/750 = 100%, q4 1000/1000 = 100%.
    Quarters 1 + 0.8 + 1 + 1 = 3.8; mean of capped rates 3.8 / 4 = 95% × 2 = 1.9; total 5.7.
    (Without the cap it would be 1.2 + 0.8 + 1 + 1 = 4 plus (4 / 4) × 2 = 6.)
    """
    res = scored(quarterly("1000.00", "300.00", "400.00", "750.00", "1000.00"))
    assert res.by_id("budget_execution").computed == D("5.7")
    assert "封顶" in res.by_id("budget_execution").explanation
    m = measures_of(res)
    assert m["exec_q1"] == D("1.2")       # shown uncapped
    assert m["exec_q2"] == D("0.8")
    assert m["exec_avg"] == D("0.95")     # mean of the capped rates


def test_schedule_never_exceeds_its_points() -> None:
    # 500/250 = 200%, 600/500 = 120%, 900/750 = 120%, 1000/1000 = 100% → all capped: 4 + 2 = 6
    res = scored(quarterly("1000.00", "500.00", "600.00", "900.00", "1000.00"))
    assert res.by_id("budget_execution").computed == D(6)


def test_schedule_partial() -> None:
    # 100/250 = 40%, 300/500 = 60%, 600/750 = 80%, 900/1000 = 90%: 2.7 + (2.7 / 4 = 67.5%) × 2 = 4.05
    res = scored(quarterly("1000.00", "100.00", "300.00", "600.00", "900.00"))
    assert res.by_id("budget_execution").computed == D("4.05")


def test_schedule_total_zero() -> None:
    """No 指标 at all: every quarterly rate has a zero denominator and counts as 0% (not a crash, not a
    division error); the score is 0 and the explanation says the denominator is 0."""
    res = scored(quarterly("0.00", "0.00", "0.00", "0.00", "0.00"))
    ind = res.by_id("budget_execution")
    assert ind.computed == D(0)
    assert "分母为 0" in ind.explanation


def test_schedule_half_year_uncapped_is_clamped_to_points() -> None:
    """A half-year schedule without a cap: 600/(1000×50%) = 120% × 2 = 2.4, 1000/1000 = 100% × 2 = 2,
    mean (1.2 + 1) / 2 = 110% × 3 = 3.3 → 7.7, clamped to the 7 points."""
    fw = mini({"kind": "schedule", "points": 7, "paid": ["paid_q2", "paid_q4"], "total": "quota_total",
               "schedule": [0.5, 1], "quarter_points": 2, "average_points": 3, "cap": None,
               "measure_prefix": "half"})
    res = scored(quarterly("1000.00", "100.00", "600.00", "700.00", "1000.00"), fw=fw)
    assert measures_of(res)["half_avg"] == D("1.1")
    assert res.by_id("leaf").computed == D(7)

    # below 100%: 400/500 = 80% × 2 = 1.6, 900/1000 = 90% × 2 = 1.8, mean 85% × 3 = 2.55 → 5.95
    res = scored(quarterly("1000.00", "100.00", "400.00", "700.00", "900.00"), fw=fw)
    assert res.by_id("leaf").computed == D("5.95")


def test_schedule_total_may_be_an_expression() -> None:
    """``total`` is an expression (its names are checked like any other). With total
    ``quota_total + carryover_begin`` = 800 + 200 = 1000, q1 = 250 / (1000 × 25%) = 100%.
    (Building the denominator as the text ``quota_total + carryover_begin * 0.25`` would give
    250 / 850 = 29.41%.)"""
    fw = mini({"kind": "schedule", "points": 6, "paid": ["paid_q1", "paid_q2", "paid_q3", "paid_q4"],
               "total": "quota_total + carryover_begin", "schedule": [0.25, 0.5, 0.75, 1],
               "quarter_points": 1, "average_points": 2, "measure_prefix": "sched"})

    def mutate(d):
        quarterly("800.00", "250.00", "500.00", "750.00", "1000.00")(d)
        d["budget"]["carryover_begin"] = "200.00"

    res = scored(mutate, fw=fw)
    m = measures_of(res)
    assert m["sched_q1"] == D(1)
    assert m["sched_q4"] == D(1)
    assert res.by_id("leaf").computed == D(6)


# finish -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_", "points", "expected"),
    [(D("4.9375"), D(6), D("4.94")), (D("-1"), D(3), D(0)), (D("9"), D(8), D(8)), (D("0.005"), D(1), D("0.01")),
     (D("2.999"), D(3), D(3))],
)
def test_finish(raw_: Decimal, points: Decimal, expected: Decimal) -> None:
    assert finish(raw_, points, 2) == expected
