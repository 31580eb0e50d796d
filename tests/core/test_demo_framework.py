"""A second, invented framework written only as data (tests/data/frameworks/demo-region-2023.yaml).

某市某区 2023: 部门决策 15 / 部门管理 25 / 部门绩效 60, an 在职人员控制率 deduction (−0.5 per started
percentage point over 100%), 预算调整率 bands (≤10% / ≤20% / ≤30% / else 0), a half-year schedule
(50% / 100%, 2 + 2 + 3 points), tiers, a penalty of 2 per event, checklists. The seed department's data is
scored under it; every expected figure is worked out by hand below.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from xlperf.cli import app
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework
from xlperf.compiled import score

from .helpers import DEMO_DATA, DEMO_FW, D, data_from, load_yaml, run_main

FW = load_framework(DEMO_FW)


def demo_dict() -> dict[str, Any]:
    return load_yaml(DEMO_DATA)


@pytest.fixture(scope="module")
def result():
    return score(FW, load_data(DEMO_DATA, load_framework(DEMO_FW)))


def scored(mutate) -> Any:
    raw = demo_dict()
    mutate(raw)
    return score(FW, data_from(raw, FW))


def test_framework_loads_as_data() -> None:
    assert FW.id == "demo-region-2023"
    assert FW.region == "某市某区"
    assert FW.year == 2023
    assert [(i.id, i.points) for i in FW.indicators] == [("decision", 15), ("management", 25), ("performance", 60)]
    assert len(FW.leaves()) == 18
    kinds = {i.rule.kind for i in FW.leaves()}
    assert {"checklist", "penalty", "bands", "linear", "override", "deduction", "sum", "schedule",
            "judged"} <= kinds


# Indicator by indicator --------------------------------------------------------------------------------

EXPECTED = {
    # id: (computed by hand, self-score in the data file)
    "budget_rationality": (D("3.5"), D(4)),     # 1 + 1 + 1 + 0.5
    "budget_compliance": (D(2), D(2)),          # 4 − 1 × 2
    "target_quality": (D(6), D(6)),             # 3 + 2 + 1
    "budget_adjust": (D(0), D("1.5")),          # 87.93% > 30% → 0
    "procurement": (D("1.13"), D(3)),           # 37.83% × 3 = 1.1349 → 1.13
    "disclosure": (D("1.5"), D("1.5")),         # 逾期或不完整公开
    "compliance": (D(2), D(2)),                 # judged 2, no violation
    "in_post_control": (D(3), D(3)),            # (17 + 1) / 21 = 85.71% ≤ 100%
    "offpost_control": (D(0), D(0)),            # 14 / 33 = 42.42% > 20%
    "asset_utilisation": (D(2), D(2)),          # 100% × 2
    "asset_safety": (D(2), D(2)),
    "project_procedure": (D(3), D(3)),          # 2 + 1
    "public_funds_control": (D(8), D(8)),       # 55.25% ≤ 100% → 4; 63.86% ≤ 100% → 4
    # 上半年 33,284.43 / (81,164.95 × 50%) = 82.02%; 全年 79,260.57 / 81,164.95 = 97.65%;
    # mean (82.02% + 97.65%) / 2 = 89.835% → 89.84%; 2 × 0.8202 + 2 × 0.9765 + 3 × 0.8984 = 6.2886 → 6.29
    "budget_execution": (D("6.29"), D("6.29")),
    "key_tasks": (D(8), D(8)),
    "project_timeliness": (D(7), D(7)),         # 18 / 18 × 7
    "effects": (D(18), D(18)),
    "satisfaction": (D(10), D(10)),             # 95% ≥ 90%
}


def test_every_leaf_is_covered() -> None:
    assert set(EXPECTED) == {i.id for i in FW.leaves()}


@pytest.mark.parametrize("indicator_id", list(EXPECTED))
def test_indicator(result, indicator_id: str) -> None:
    computed, own = EXPECTED[indicator_id]
    ind = result.by_id(indicator_id)
    assert ind.computed == computed, ind.explanation
    assert ind.self == own


def test_half_year_measures(result) -> None:
    m = {x.id: x.value for x in result.measures}
    assert m["half_q1"] == D("0.8202")
    assert m["half_q2"] == D("0.9765")
    assert m["half_avg"] == D("0.8984")    # 1.7967 / 2 = 0.89835, half up
    assert m["in_post_rate"] == D("0.8571")
    assert m["adjust_ratio"] == D("0.8793")
    assert "exec_q1" not in m               # the futian schedule measures do not leak in


def test_half_year_arithmetic() -> None:
    assert D("0.8202") * 2 + D("0.9765") * 2 + D("0.8984") * 3 == D("6.2886")


SUBTOTALS = {
    "budgeting": (D("5.5"), D(6)),
    "target_setting": (D(6), D(6)),
    "fund_mgmt": (D("4.63"), D(8)),             # 0 + 1.13 + 1.5 + 2
    "staff_mgmt": (D(3), D(3)),
    "asset_mgmt": (D(4), D(4)),
    "project_mgmt": (D(3), D(3)),
    "economy": (D(8), D(8)),
    "efficiency": (D("21.29"), D("21.29")),  # 6.29 + 8 + 7
    "effectiveness": (D(18), D(18)),
    "fairness": (D(10), D(10)),
    "decision": (D("11.5"), D(12)),
    "management": (D("14.63"), D(18)),      # 4.63 + 3 + 4 + 3
    "performance": (D("57.29"), D("57.29")),  # 8 + 21.29 + 18 + 10
}


@pytest.mark.parametrize("indicator_id", list(SUBTOTALS))
def test_subtotals(result, indicator_id: str) -> None:
    computed, own = SUBTOTALS[indicator_id]
    assert result.by_id(indicator_id).computed == computed
    assert result.by_id(indicator_id).self == own


def test_total(result) -> None:
    # 11.5 + 14.63 + 57.29 = 83.42; self 12 + 18 + 57.29 = 87.29
    assert result.total.computed == D("83.42")
    assert result.total.self == D("87.29")
    assert result.framework == "demo-region-2023"


# The region's own rules at their edges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("onpost", "workers", "authorized", "expected"),
    [
        (20, 1, 21, D(3)),        # 100%
        (202, 1, 200, D(2)),      # 203/200 = 101.5%: 1.5 points over → 2 started points × 0.5 = 1
        (201, 1, 200, D("2.5")),  # 202/200 = 101%: exactly 1 point over → 3 − 0.5
        (211, 1, 200, D(0)),      # 212/200 = 106%: 6 × 0.5 = 3 → 0
        (229, 1, 200, D(0)),      # 115%: floor 0
        (1, 0, 0, D(0)),          # nobody authorized but one in post: over 100%
    ],
)
def test_in_post_deduction(onpost: int, workers: int, authorized: int, expected: Decimal) -> None:
    def mutate(d):
        d["staff"].update(staff_onpost=onpost, staff_workers=workers, staff_authorized=authorized)

    assert scored(mutate).by_id("in_post_control").computed == expected


@pytest.mark.parametrize(
    ("project_adjusted", "expected"),
    [
        # initial 500 + 100 + 400 = 1000
        ("500.00", D(4)),      # 10%
        ("500.10", D(3)),      # 10.01%
        ("600.00", D(3)),      # 20%
        ("600.10", D("1.5")),  # 20.01%
        ("700.00", D("1.5")),  # 30%
        ("700.10", D(0)),      # 30.01%
        ("100.00", D("1.5")),  # total adjusted 700: a 30% cut counts like a 30% increase (absolute)
        ("99.90", D(0)),       # 699.90: a 30.01% cut
    ],
)
def test_adjustment_bands(project_adjusted: str, expected: Decimal) -> None:
    def mutate(d):
        d["budget"].update(personnel_initial=500, personnel_adjusted=500, public_initial=100, public_adjusted=100,
                           project_initial=400, project_adjusted=project_adjusted)

    assert scored(mutate).by_id("budget_adjust").computed == expected


@pytest.mark.parametrize(("failed", "expected"), [(0, D(8)), (1, D(6)), (3, D(2)), (4, D(0)), (5, D(0))])
def test_key_tasks_two_points_each(failed: int, expected: Decimal) -> None:
    def mutate(d):
        d["projects"]["key_tasks_failed"] = failed

    assert scored(mutate).by_id("key_tasks").computed == expected


@pytest.mark.parametrize(("answer", "classified", "expected"),
                         [("按时完整公开", False, D(3)), ("未公开", False, D(0)), ("按规定公开", False, D(0)),
                          ("未公开", True, D(3))])
def test_disclosure_tiers(answer: str, classified: bool, expected: Decimal) -> None:
    def mutate(d):
        d["judgements"]["j_disclosure"] = answer
        d["info"]["classified"] = classified

    assert scored(mutate).by_id("disclosure").computed == expected


def test_half_year_above_schedule_is_capped() -> None:
    # 上半年 600 / (1000 × 50%) = 120% → 100%; 全年 900 / 1000 = 90%: 2 + 1.8 + (1 + 0.9) / 2 × 3 = 6.65
    def mutate(d):
        d["quarterly"].update(quota_total=1000, paid_q1=100, paid_q2=600, paid_q3=700, paid_q4=900)

    assert scored(mutate).by_id("budget_execution").computed == D("6.65")


def test_procurement_over_plan_is_zero() -> None:
    def mutate(d):
        d["procurement"].update(procurement_plan=100, procurement_actual="100.01")

    assert scored(mutate).by_id("procurement").computed == D(0)


# The CLI ---------------------------------------------------------------------------------------------------


def test_cli_json_with_framework_file() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["score", str(DEMO_DATA), "--framework", str(DEMO_FW), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["framework"] == "demo-region-2023"
    assert D(str(doc["total"]["computed"])) == D("83.42")
    assert D(str(doc["total"]["self"])) == D("87.29")
    by_id = {i["id"]: i for i in doc["indicators"]}
    for iid, (computed, own) in {**EXPECTED, **SUBTOTALS}.items():
        assert D(str(by_id[iid]["computed"])) == computed, iid
        assert D(str(by_id[iid]["self"])) == own, iid
    assert D(str(by_id["procurement"]["delta"])) == D("1.87")   # self 3 − computed 1.13
    measures = {m["id"]: D(str(m["value"])) for m in doc["measures"]}
    assert measures["half_avg"] == D("0.8984")


def test_cli_main_with_framework_file() -> None:
    code, out, err = run_main(["score", str(DEMO_DATA), "-f", str(DEMO_FW), "--json"])
    assert code == 0, err
    assert D(str(json.loads(out)["total"]["computed"])) == D("83.42")


def test_data_naming_an_unknown_framework_without_option_is_a_clean_error() -> None:
    # the data file records framework "demo-region-2023", which is not a built-in id
    code, out, err = run_main(["score", str(DEMO_DATA), "--json"])
    assert code == 2
    assert "demo-region-2023" in err
    assert "Traceback" not in out + err


def test_futian_data_under_demo_framework_is_a_clean_error() -> None:
    # the seed example self-scores futian's indicators (indicator_clarity …), unknown to this framework
    from .helpers import EXAMPLE

    code, out, err = run_main(["score", str(EXAMPLE), "-f", str(DEMO_FW), "--json"])
    assert code == 2
    assert "indicator_clarity" in err
    assert str(EXAMPLE) in err
    assert "Traceback" not in out + err


def test_futian_judgements_under_demo_framework_are_rejected(tmp_path) -> None:
    # self-scores removed, but futian's judged inputs (j_clarity_1 …) are still unknown here
    from .helpers import example_dict, write_yaml

    raw = example_dict()
    raw["self_scores"] = {}
    path = write_yaml(tmp_path / "futian-judged.yaml", raw)
    code, out, err = run_main(["score", str(path), "-f", str(DEMO_FW), "--json"])
    assert code == 2
    assert "j_clarity_1" in err
    assert "Traceback" not in out + err
