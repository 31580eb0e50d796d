"""Shared helpers of the workbook tests: the cases written to workbooks, what the Python engine says
every computed cell of the workbook should hold, and how to compare a spreadsheet's value with it.

No test logic here; the tests are in the ``test_*.py`` modules beside this file.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlperf.ingest.datafile import load_data
from xlperf.data.models import DepartmentData
from xlperf.compiled import data_model
from xlperf.data.values import data_values
from xlperf.expr import ExprError, parse, quantize
from xlperf.loader import load_framework
from xlperf.framework.models import Framework
from xlperf.engine.rules import fmt_pts, fmt_rate
from xlperf.engine.scoring import ScoreResult, data_env
from xlperf.compiled import build_env, score
from xlperf.plan.layout import SCORE_SHEET
from xlperf.plan.formulas import CHART_COLS, FORM_COLS, SCORE_COLS, Plan
from xlperf.compiled import plan_for
from xlperf.write.template import write_template
from xlperf.ingest.xlsx import Book, RawCell

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_XLSX = REPO / "workbooks" / "futian-2021.xlsx"
EXAMPLE_YAML = REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"
EXAMPLE_XLSX = REPO / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
FW_ID = "futian-2021"
D = Decimal
CHINESE = re.compile(r"[\u4e00-\u9fff]")

QUARTER_CHART = ("季度支付", *CHART_COLS)  # the 福田 framework's schedule chart: sheet, label, progress, schedule


def futian() -> Framework:
    return load_framework(FW_ID)


@lru_cache(maxsize=1)
def seed_data() -> DepartmentData:
    return load_data(EXAMPLE_YAML)


def variant(base: DepartmentData, **sections: Mapping[str, Any]) -> DepartmentData:
    """``base`` with some fields replaced, section by section (``staff={"staff_dispatched": 2}``)."""
    raw = base.model_dump()
    for section, updates in sections.items():
        if isinstance(raw.get(section), dict):
            raw[section] = {**raw[section], **updates}
        else:
            raw[section] = updates
    return data_model(futian()).model_validate(raw)


# Hand-built edge cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeCase:
    """Department data sitting exactly on (or one step beside) the framework's edges, and the scores
    the framework's own wording gives there (an oracle independent of both engines)."""

    id: str
    what: str
    data: DepartmentData
    expect: Mapping[str, Decimal] = field(default_factory=dict)  # indicator id or measure id → value


def _budget(initial: tuple[str, str, str], adjusted: tuple[str, str, str],
            actual: tuple[str, str, str] | None = None) -> dict[str, Decimal]:
    """personnel / public / project, initial, adjusted and actual."""
    actual = actual or tuple(str((D(a) * D("0.9")).quantize(D("0.01"))) for a in adjusted)  # type: ignore[assignment]
    out: dict[str, Decimal] = {}
    for part, i, a, x in zip(("personnel", "public", "project"), initial, adjusted, actual, strict=True):
        out[f"{part}_initial"], out[f"{part}_adjusted"], out[f"{part}_actual"] = D(i), D(a), D(x)
    return out


def _sangong(budget: str, actual: str) -> dict[str, Decimal]:
    """All of the "三公" money on 公务接待 (the other two items 0)."""
    return {"abroad_budget": D(0), "abroad_actual": D(0), "reception_budget": D(budget),
            "reception_actual": D(actual), "vehicle_budget": D(0), "vehicle_actual": D(0)}


def _staff(authorized: int, onpost: int, workers: int, employees: int, dispatched: int,
           other_hired: int = 0) -> dict[str, int]:
    return {"staff_authorized": authorized, "staff_onpost": onpost, "staff_workers": workers,
            "staff_employees": employees, "staff_dispatched": dispatched, "staff_other_hired": other_hired}


def _quarters(quota: str, *paid: str) -> dict[str, Decimal]:
    out = {"quota_total": D(quota)}
    out.update({f"paid_q{n}": D(p) for n, p in enumerate(paid, start=1)})
    return out


FULL_JUDGED = {"j_compliance_spending": D(1), "j_compliance_accounting": D(1), "j_procurement_policy": D(1),
               "j_supervision_fail": D(0), "j_supervision_1": D(1), "j_supervision_2": D(1)}


def edge_cases() -> list[EdgeCase]:
    """Every band edge of futian-2021 exactly, one step inside and outside, capped quarters, zero
    denominators and the three override flags. Independent indicators share a workbook."""
    base = seed_data()
    cases: list[EdgeCase] = []

    def add(case_id: str, what: str, expect: Mapping[str, str], judgements: Mapping[str, Any] | None = None,
            **sections: Mapping[str, Any]) -> None:
        j = {**base.judgements, **FULL_JUDGED, **(judgements or {})}
        data = variant(base, judgements=j, stated={}, **sections)
        cases.append(EdgeCase(case_id, what, data, {k: D(v) for k, v in expect.items()}))

    # adjust_ratio = |total_adjusted − total_initial| / total_initial with total_initial = 1000.00
    add("edge-lower", "编外 5%、三公 90%、日常公用 90%、固定资产 60%、满意度 80%、调整 10%（恰在档位下沿）",
        {"offpost_rate": "0.05", "offpost_control": "0.5", "sangong_rate": "0.9", "public_rate": "0.9",
         "public_funds_control": "4", "fa_use_rate": "0.6", "asset_utilisation": "0.4", "satisfaction": "2",
         "adjust_ratio": "0.1", "financial_compliance": "3"},
        budget=_budget(("500.00", "50.00", "450.00"), ("500.00", "50.00", "550.00"), ("480.00", "45.00", "500.00")),
        sangong=_sangong("10.00", "9.00"), staff=_staff(21, 17, 1, 1, 1),
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("60.00")},
        service={"satisfaction": D("0.80")})
    add("edge-upper", "编外 10%、三公 100%、日常公用 100%、固定资产 75%、满意度 90%、调整 10.01%（恰在档位上沿）",
        {"offpost_rate": "0.1", "offpost_control": "0.5", "sangong_rate": "1", "public_rate": "1",
         "public_funds_control": "4", "fa_use_rate": "0.75", "asset_utilisation": "0.7", "satisfaction": "4",
         "adjust_ratio": "0.1001", "financial_compliance": "2.5"},
        judgements={"j_compliance_spending": D("0.5")},  # 0.5 + (1 − 0.1 × 0.01) + 1 = 2.499 → 2.50
        budget=_budget(("500.00", "50.00", "450.00"), ("500.00", "50.00", "550.10"), ("480.00", "50.00", "500.00")),
        sangong=_sangong("10.00", "10.00"), staff=_staff(21, 17, 1, 0, 2),
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("75.00")},
        service={"satisfaction": D("0.90")})
    add("edge-inside", "编外 4.99%、三公 89.99%、日常公用 89.99%、固定资产 90%、满意度 95%、调整 9.99%",
        {"offpost_rate": "0.0499", "offpost_control": "1", "sangong_rate": "0.8999", "public_rate": "0.8999",
         "public_funds_control": "6", "fa_use_rate": "0.9", "asset_utilisation": "1", "satisfaction": "6",
         "adjust_ratio": "0.0999", "financial_compliance": "3", "staff_control": "1"},
        budget=_budget(("500.00", "100.00", "400.00"), ("500.00", "100.00", "499.90"), ("480.00", "89.99", "450.00")),
        sangong=_sangong("100.00", "89.99"), staff=_staff(9600, 9500, 1, 0, 499),
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("90.00")},
        service={"satisfaction": D("0.95")})
    add("edge-outside", "编外 10.01%、三公 100.01%、日常公用 100.01%、固定资产 89.99%、满意度 94.99%、调整 20%",
        {"offpost_rate": "0.1001", "offpost_control": "0", "sangong_rate": "1.0001", "public_rate": "1.0001",
         "public_funds_control": "0", "fa_use_rate": "0.8999", "asset_utilisation": "0.7", "satisfaction": "4",
         "adjust_ratio": "0.2", "financial_compliance": "2"},
        budget=_budget(("500.00", "100.00", "400.00"), ("500.00", "100.00", "600.00"), ("480.00", "100.01", "500.00")),
        sangong=_sangong("100.00", "100.01"), staff=_staff(9000, 8998, 1, 0, 1001),
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("89.99")},
        service={"satisfaction": D("0.9499")})
    add("edge-below-a", "编外 5.01%、财政供养 100%、固定资产 74.99%、满意度 89.99%、调整 10.05%（2.995 分的舍入）",
        {"offpost_rate": "0.0501", "offpost_control": "0.5", "staff_control_rate": "1", "staff_control": "1",
         "fa_use_rate": "0.7499", "asset_utilisation": "0.4", "satisfaction": "2", "adjust_ratio": "0.1005",
         "financial_compliance": "3"},  # 1 + 0.995 + 1 = 2.995 → 3.00 (half up)
        budget=_budget(("500.00", "100.00", "400.00"), ("500.00", "100.00", "500.50")),
        staff=_staff(9499, 9498, 1, 0, 501),  # 在编 9499 = 编制；编外 501 / 10000
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("74.99")},
        service={"satisfaction": D("0.8999")})
    add("edge-below-b", "财政供养 100.01%、固定资产 59.99%、满意度 79.99%、调减 15%（绝对值）",
        {"staff_control_rate": "1.0001", "staff_control": "0", "fa_use_rate": "0.5999", "asset_utilisation": "0",
         "satisfaction": "1", "adjust_ratio": "0.15", "financial_compliance": "2.5"},
        budget=_budget(("500.00", "100.00", "400.00"), ("500.00", "100.00", "250.00")),
        staff=_staff(10000, 9999, 2, 0, 0),
        assets={"fa_original": D("100.00"), "fa_net": D("50.00"), "fa_in_use": D("59.99")},
        service={"satisfaction": D("0.7999")})
    add("edge-adjust-25", "调整 25%：扣 1.5 分，扣完为止（0 分）；重点工作未完成 3 项、预算编制不符合 6 项（扣完为止）",
        {"adjust_ratio": "0.25", "financial_compliance": "2", "key_tasks": "0", "budget_compliance": "0",
         "target_completeness": "1"},
        judgements={"j_budget_noncompliance": D(6), "j_targets_missing": D(2)},
        budget=_budget(("500.00", "100.00", "400.00"), ("500.00", "100.00", "650.00")),
        projects={"key_tasks_total": 5, "key_tasks_failed": 3})
    # Quarterly: executed ahead of schedule. Decision: every quarter's rate is shown as computed, capped
    # at 100% for scoring, and the average is the mean of the capped rates: at most 6 points.
    add("edge-quarters-ahead", "各季度支付超过序时进度（160%、120%、120%、100%）：单季封顶 100%，得 6 分",
        {"exec_q1": "1.6", "exec_q2": "1.2", "exec_q3": "1.2", "exec_q4": "1", "exec_avg": "1",
         "budget_execution": "6"},
        quarterly=_quarters("1000.00", "400.00", "600.00", "900.00", "1000.00"))
    add("edge-quarters-mixed", "季度执行率 80%、120%、80%、110%（四季度支付超过指标）：封顶后平均 90%，得 5.4 分",
        {"exec_q1": "0.8", "exec_q2": "1.2", "exec_q3": "0.8", "exec_q4": "1.1", "exec_avg": "0.9",
         "budget_execution": "5.4"},  # 0.8 + 1 + 0.8 + 1 = 3.6, avg 0.9 × 2 = 1.8
        quarterly=_quarters("1000.00", "200.00", "600.00", "600.00", "1100.00"))
    add("edge-zero-none", "分母为 0 且分子为 0：三公预算 0 支出 0、无采购计划无采购、无项目、无固定资产、"
        "无编制无人员、日常公用预算 0 支出 0、全年指标 0、年初预算 0 未调整",
        {"sangong_rate": "0", "public_rate": "0", "public_funds_control": "6", "procurement_rate": "1",
         "procurement": "2", "project_timeliness_rate": "1", "project_timeliness": "6", "fa_use_rate": "1",
         "asset_utilisation": "1", "staff_control_rate": "0", "staff_control": "1", "offpost_rate": "0",
         "offpost_control": "1", "exec_q1": "0", "exec_avg": "0", "budget_execution": "0", "adjust_ratio": "0",
         "financial_compliance": "3"},
        budget=_budget(("0.00", "0.00", "0.00"), ("0.00", "0.00", "0.00"), ("0.00", "0.00", "0.00")),
        quarterly=_quarters("0.00", "0.00", "0.00", "0.00", "0.00"),
        sangong=_sangong("0.00", "0.00"),
        procurement={"procurement_plan": D("0.00"), "procurement_actual": D("0.00")},
        projects={"projects_planned": 0, "projects_on_time": 0, "key_tasks_total": 0, "key_tasks_failed": 0},
        assets={"fa_count": 0, "fa_original": D("0.00"), "fa_net": D("0.00"), "fa_in_use": D("0.00"),
                "assets_total": None},
        staff=_staff(0, 0, 0, 0, 0))
    add("edge-zero-spent", "分母为 0 而分子大于 0：三公预算 0 支出 1.00、无采购计划有采购 5.00、日常公用预算 0 有支出、"
        "无编制有在编人员、年初预算 0 而调整后有预算",
        {"sangong_rate": "9.9999", "public_rate": "9.9999", "public_funds_control": "0", "procurement": "1",
         "staff_control_rate": "9.9999", "staff_control": "0", "financial_compliance": "2"},
        budget=_budget(("0.00", "0.00", "0.00"), ("100.00", "0.00", "0.00"), ("90.00", "1.00", "0.00")),
        sangong=_sangong("0.00", "1.00"),
        procurement={"procurement_plan": D("0.00"), "procurement_actual": D("5.00")},
        staff=_staff(0, 5, 0, 0, 0))
    # Typed rates are rounded to 0.01% before banding (decision 舍入): 94.995% is 95.00%, 99.995% is 100%,
    # 99.994% is not; binary floating point holds 0.94995 as 0.949949999…, which must still round up.
    add("edge-typed-rates", "满意度 94.995%（舍入为 95%）、信访回复率 99.995%（舍入为 100%）、及时回复率 99.994%",
        {"satisfaction": "6", "petitions": "2"},
        service={"petition_channel": True, "satisfaction": D("0.94995"), "petition_reply_rate": D("0.99995"),
                 "petition_ontime_rate": D("0.99994")})
    add("edge-flags-on", "涉密部门（未公开也得满分）、发生违规支出（财务合规性 0 分）、项目监管证明缺失（项目监管 0 分）",
        {"disclosure": "3", "financial_compliance": "0", "project_supervision": "0"},
        judgements={"j_disclose_budget": "未公开", "j_disclose_final": "未公开", "j_supervision_fail": D(1)},
        info={"classified": True}, budget={"violation": True})
    add("edge-flags-off", "非涉密、部分公开（1 + 1 分）、无违规、有监管证明",
        {"disclosure": "2", "project_supervision": "2"},
        judgements={"j_disclose_budget": "已公开但不符合要求", "j_disclose_final": "已公开但不符合要求"},
        info={"classified": False}, budget={"violation": False})
    return cases


# The workbooks recalculated by LibreOffice ------------------------------------------------------------

RANDOM_SEEDS = range(30)
"""Random departments recalculated by LibreOffice beside the hand-built edge cases (each ~200 computed cells
compared with the engine); 30 since the suite runs in parallel: the batch is one worker's longest unit."""
SHIPPED_EXAMPLE = "shipped-example"


@dataclass(frozen=True)
class Recalculated:
    id: str
    what: str
    data: DepartmentData
    source: Path  # as written by openpyxl (no cached values)
    saved: Path  # opened, recalculated and saved by LibreOffice


def case_ids() -> list[str]:
    """Known at collection time, so each workbook is its own test item."""
    return (["seed-example", SHIPPED_EXAMPLE] + [f"random-{s:03d}" for s in RANDOM_SEEDS]
            + [c.id for c in edge_cases()])


def batch_cases() -> dict[str, tuple[str, DepartmentData]]:
    """id → (what it is, data) of every workbook written for LibreOffice (deterministic)."""
    from tests.support.futian_random import random_department

    fw = futian()
    cases: dict[str, tuple[str, DepartmentData]] = {"seed-example": ("种子示例（由 YAML 重新生成）", seed_data())}
    for s in RANDOM_SEEDS:
        cases[f"random-{s:03d}"] = (f"random_department(fw, {s})", random_department(fw, s))
    for case in edge_cases():
        cases[case.id] = (case.what, case.data)
    return cases


def write_and_recalculate(root: str) -> dict[str, tuple[str, str]]:
    """In a process of its own (so with a LibreOffice profile of its own): write every case with
    write_template, add the committed example file, and recalculate them all in ONE LibreOffice call.
    Returns id → (written path, LibreOffice-saved path)."""
    import shutil

    from xlperf.devtools.libreoffice import recalculate

    src, out = Path(root) / "in", Path(root) / "out"
    src.mkdir(parents=True, exist_ok=True)
    cases = batch_cases()
    written = write_workbooks([(src / f"{cid}.xlsx", data) for cid, (_, data) in cases.items()])
    shipped = src / EXAMPLE_XLSX.name  # the committed example, with its non-ASCII file name
    shutil.copyfile(EXAMPLE_XLSX, shipped)
    try:
        saved = recalculate([*written, shipped], out)
    finally:  # this process's private LibreOffice profile is of no further use
        from xlperf.devtools import libreoffice

        profile = getattr(libreoffice, "_profile", None)
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)
    ids = [*cases, SHIPPED_EXAMPLE]
    return {cid: (str(w), str(s)) for cid, w, s in zip(ids, [*written, shipped], saved, strict=True)}


# What the Python engine says each computed cell holds -------------------------------------------------


@dataclass
class Expected:
    """Engine results for one department, and per computed cell its expected value and precision."""

    result: ScoreResult
    env: dict[str, Any]
    named: dict[str, tuple[Decimal, int]]  # defined name → (value, decimal places)
    helpers: dict[tuple[str, str], tuple[Any, int | None]]  # (sheet, cell) → (value or text check, places)


def places_of(plan: Plan, name: str) -> int:
    spec = plan.cells[name].spec
    kind = spec.kind if spec else "points"
    return {"rate": 4, "count": 0, "int": 0}.get(kind, 2)


def engine_expectations(fw: Framework, data: DepartmentData) -> Expected:
    plan = plan_for(fw)
    result = score(fw, data)
    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    named: dict[str, tuple[Decimal, int]] = {}
    for name, cp in plan.cells.items():
        if not cp.formula:
            continue
        if name == "score_total":
            value = result.total.computed
        elif name == "self_total":
            value = result.total.self if result.total.self is not None else D(0)
        elif name.startswith("score_"):
            value = result.by_id(name.removeprefix("score_")).computed
        elif name in env and isinstance(env[name], Decimal):
            value = env[name]
        else:
            raise AssertionError(f"computed cell {name} ({cp.ref} ={cp.formula}) has no value in the Python engine")
        named[name] = (value, places_of(plan, name))
    return Expected(result, env, named, _helper_expectations(fw, plan, data, result, env))


def _helper_expectations(fw: Framework, plan: Plan, data: DepartmentData, result: ScoreResult,
                         env: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, int | None]]:
    out: dict[tuple[str, str], tuple[Any, int | None]] = {}
    by_cell = {(c.sheet, c.cell): c for c in plan.cells.values()}
    rows = {r.row: r for r in plan.score_rows}
    total_row = plan.score_rows[-1].row
    level2 = [r for r in plan.score_rows if r.indicator is not None and r.level == 2]
    chart_base = total_row + 3
    # Excel reads a blank stated figure as 0 in arithmetic.
    stated_env: dict[str, Any] = {**env, "self_total": result.total.self or D(0)}
    for name, cp in plan.cells.items():
        if cp.spec is not None and cp.spec.role == "stated":
            stated_env.setdefault(name, D(0))
    for h in plan.helpers:
        col = h.cell.rstrip("0123456789")
        row = int(h.cell[len(col):])
        if h.sheet in plan.blocks and col == FORM_COLS["check"]:
            spec = by_cell[(h.sheet, f"{FORM_COLS['value']}{row}")].spec
            assert spec is not None and spec.expr
            places = 4 if spec.kind == "rate" else 2
            try:
                value = parse(spec.expr).evaluate(stated_env)
                out[(h.sheet, h.cell)] = (quantize(D(value), places), places)
            except (ExprError, InvalidOperation, ZeroDivisionError):
                out[(h.sheet, h.cell)] = ("", None)
        elif h.sheet == QUARTER_CHART[0] and col == QUARTER_CHART[2]:
            n = row - 2
            quota, paid = env["quota_total"], env[f"paid_q{n}"]
            out[(h.sheet, h.cell)] = (D(0) if quota == 0 else quantize(paid / quota, 4), 4)
        elif h.sheet == SCORE_SHEET and row == total_row and col == SCORE_COLS["delta"]:
            out[(h.sheet, h.cell)] = ((result.total.self or D(0)) - result.total.computed, 2)
        elif h.sheet == SCORE_SHEET and row in rows and rows[row].indicator is not None:
            ind = result.by_id(rows[row].indicator.id)  # type: ignore[union-attr]
            if col == SCORE_COLS["self"]:  # a branch: the sum of its children's self-scores
                out[(h.sheet, h.cell)] = (ind.self if ind.self is not None else D(0), 2)
            elif col == SCORE_COLS["delta"]:
                if ind.self is None and ind.kind is not None:
                    out[(h.sheet, h.cell)] = ("", None)
                else:
                    out[(h.sheet, h.cell)] = ((ind.self or D(0)) - ind.computed, 2)
            elif col == SCORE_COLS["explain"]:
                out[(h.sheet, h.cell)] = (_explain_check(h.formula or "", ind.computed, ind.points, env, plan), None)
        elif h.sheet == SCORE_SHEET and row > chart_base and col in ("C", "D"):
            ind = result.by_id(level2[row - chart_base - 1].indicator.id)  # type: ignore[union-attr]
            value = ind.computed if col == "C" else (ind.self if ind.self is not None else D(0))
            out[(h.sheet, h.cell)] = (value, 2)
    return out


def _explain_check(formula: str, computed: Decimal, points: Decimal, env: Mapping[str, Any],
                   plan: Plan) -> Callable[[str], list[str]]:
    """The in-sheet explanation must show each rate as the engine has it and the computed score."""
    wanted = [f"→ {quantize(computed, 2):.2f} 分（满分 {fmt_pts(points)}）"]
    for name in re.findall(r'TEXT\((\w+),"0\.00%"\)', formula):
        spec = plan.cells[name].spec
        label = spec.label if spec else name
        wanted.append(f"{label} {fmt_rate(env[name])}")

    def check(text: str) -> list[str]:
        return [w for w in wanted if w not in text]

    return check


# Reading a spreadsheet's value ------------------------------------------------------------------------


def raw_number(raw: RawCell | None) -> Decimal | None:
    if raw is None or raw.type != "n" or raw.value is None:
        return None
    try:
        return Decimal(raw.value)
    except InvalidOperation:
        return None


def agrees(lo: Decimal, py: Decimal, places: int) -> bool:
    """To the unit of ``places``: |lo − py| below half a unit and both round to the same figure."""
    unit = D(1).scaleb(-places)
    return abs(lo - py) < unit / 2 and lo.quantize(unit, ROUND_HALF_UP) == py.quantize(unit, ROUND_HALF_UP)


def shown(raw: RawCell | None) -> str:
    if raw is None:
        return "（空）"
    return f"{raw.value!r} (type {raw.type})"


_NAME_RE = re.compile(r"\b([a-z][a-z0-9_]*)\b")


def inputs_of(formula: str, plan: Plan, values: Mapping[str, Any], env: Mapping[str, Any],
              depth: int = 3) -> dict[str, Any]:
    """The names a formula refers to and their values, following computed names a few levels down."""
    out: dict[str, Any] = {}
    for name in _NAME_RE.findall(formula):
        if name not in plan.cells or name in out:
            continue
        cp = plan.cells[name]
        if cp.formula and depth > 0:
            out[name] = env.get(name, "?")
            out.update({k: v for k, v in inputs_of(cp.formula, plan, values, env, depth - 1).items() if k not in out})
        else:
            out[name] = values.get(name, env.get(name, "（空）"))
    return out


def error_cells(book: Book) -> list[str]:
    return [f"{sheet}!{ref}={c.value}" for sheet, cells in book.sheets.items() for ref, c in cells.items()
            if c.type == "e" or (c.value or "").startswith(("#NAME", "#VALUE", "#REF", "#DIV", "Err:"))]


# Writing many workbooks -----------------------------------------------------------------------------


def _write_one(job: tuple[str, DepartmentData]) -> str:
    path, data = job
    write_template(futian(), path, values=data_values(data))
    return path


def write_workbooks(jobs: Sequence[tuple[Path, DepartmentData]]) -> list[Path]:
    """write_template for each (path, data), on every core (openpyxl is the slow part)."""
    work = [(str(p), d) for p, d in jobs]
    workers = min(len(work), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [Path(_write_one(j)) for j in work]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [Path(p) for p in pool.map(_write_one, work, chunksize=max(1, len(work) // (workers * 4)))]


# Running the command line in-process ------------------------------------------------------------------


@dataclass
class CliRun:
    code: int
    out: str
    err: str


def run_cli(args: Iterable[str]) -> CliRun:
    """``xlperf ARGS`` through the console entry point (xlperf.cli.main), as a user runs it."""
    from xlperf.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["xlperf", *map(str, args)]
    code: int = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return CliRun(code, out.getvalue(), err.getvalue())
