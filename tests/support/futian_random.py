"""Seeded random departments of the 福田区 2021 framework for tests and benchmarks, hitting band edges.

It knows that framework's inputs (totals that add up, cumulative quarterly payments …), which is why it
lives with the tests and not in the package: no file under xlperf/ names a framework's inputs.

Figures are consistent with each other (totals add up, quarterly payments are cumulative and end at
the year's expenditure, stated figures equal what the inputs give), so a validator must report no
error on them; rates are chosen to hit band edges often.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xlperf.data.models import DepartmentData, SelfScore

from xlperf.compiled import data_model
from xlperf.expr import parse, quantize
from xlperf.framework.models import BandsRule, DeductionRule, Framework, Rule
from xlperf.engine.rules import sub_rules
from xlperf.engine.scoring import data_env
from xlperf.compiled import build_env, compiled, score

__all__ = ["band_edges", "random_department"]

CENT = Decimal("0.01")


def _money(rng: random.Random, lo: float, hi: float) -> Decimal:
    return Decimal(str(round(rng.uniform(lo, hi), 2))).quantize(CENT)


_rules = sub_rules  # a rule and the rules nested in it


def band_edges(fw: Framework) -> list[Decimal]:
    """Every edge and threshold the framework's band and deduction rules use."""
    edges: set[Decimal] = set()
    for ind in fw.leaves():
        for r in _rules(ind.rule):
            if isinstance(r, BandsRule):
                for b in r.bands:
                    edges |= {e for e in (b.lower, b.upper) if e is not None}
            if isinstance(r, DeductionRule):
                edges.add(r.threshold)
    return sorted(edges)


def _pair_at(rng: random.Random, rate: Decimal, den_lo: float, den_hi: float) -> tuple[Decimal, Decimal]:
    """(num, den) in 万元 whose rounded ratio is close to ``rate`` (exactly on it when possible)."""
    for _ in range(50):
        den = _money(rng, den_lo, den_hi)
        num = (den * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if den > 0 and quantize(num / den, 4) == quantize(rate, 4):
            return num, den
    den = Decimal(100)
    return (den * rate).quantize(CENT), den


def random_department(fw: Framework, seed: int) -> DepartmentData:
    """A plausible, internally consistent department for ``fw``."""
    rng = random.Random(seed)
    edges = band_edges(fw)

    def pick_rate(lo: float = 0.3, hi: float = 1.15) -> Decimal:
        if edges and rng.random() < 0.45:
            edge = rng.choice(edges)
            return max(Decimal(0), edge + rng.choice([Decimal(0), Decimal(0), Decimal("0.0001"), Decimal("-0.0001")]))
        return Decimal(str(round(rng.uniform(lo, hi), 4)))

    personnel_i, public_i, project_i = _money(rng, 100, 2000), _money(rng, 10, 300), _money(rng, 100, 90000)
    adj = pick_rate(0, 0.4)
    personnel_a = personnel_i + _money(rng, 0, float(personnel_i) * 0.1)
    public_a = public_i
    project_a = (project_i * (1 + adj)).quantize(CENT)
    public_x, public_a = _pair_at(rng, pick_rate(0.4, 1.1), float(public_a), float(public_a))
    personnel_x = (personnel_a * Decimal(str(round(rng.uniform(0.8, 1.0), 4)))).quantize(CENT)
    project_x = (project_a * Decimal(str(round(rng.uniform(0.6, 1.0), 4)))).quantize(CENT)
    total_a = personnel_a + public_a + project_a
    total_x = personnel_x + public_x + project_x
    shares = sorted(Decimal(str(round(rng.uniform(0.02, 1), 4))) for _ in range(3))
    paid = [(total_x * s).quantize(CENT) for s in shares] + [total_x]
    sg_rate = pick_rate(0.3, 1.2)
    sg_actual, sg_budget = _pair_at(rng, sg_rate, 2, 60)
    reception_b = (sg_budget * Decimal("0.4")).quantize(CENT)
    abroad_b = Decimal("0.00") if rng.random() < 0.5 else (sg_budget * Decimal("0.1")).quantize(CENT)
    vehicle_b = sg_budget - reception_b - abroad_b
    reception_x = min(sg_actual, (sg_actual * Decimal("0.4")).quantize(CENT))
    abroad_x = Decimal("0.00") if abroad_b == 0 else min(sg_actual - reception_x, (sg_actual * Decimal("0.1")).quantize(CENT))
    vehicle_x = sg_actual - reception_x - abroad_x
    proc_actual, proc_plan = _pair_at(rng, pick_rate(0.2, 1.1), 5, 3000)
    authorized = rng.randint(5, 120)
    onpost = rng.randint(1, authorized + 3)
    workers = rng.randint(0, 3)
    employees = rng.randint(0, 5)
    base = onpost + workers + employees
    target = min(0.5, float(pick_rate(0, 0.4)))
    dispatched = 0 if target >= 1 else max(0, round(target * base / (1 - target)))
    fa_orig = _money(rng, 20, 900)
    fa_use_num, fa_orig = _pair_at(rng, min(Decimal(1), pick_rate(0.4, 1.0)), float(fa_orig), float(fa_orig))
    planned = rng.randint(0, 40)
    on_time = rng.randint(0, planned) if planned else 0
    tasks = rng.randint(0, 8)
    judgements: dict[str, Any] = {}
    for j in compiled(fw).judged:
        if j.kind == "tier":
            judgements[j.name] = rng.choice(j.options)
        elif j.kind == "points" and j.max_points is not None:
            judgements[j.name] = rng.choice([j.max_points, j.max_points, j.max_points / 2, Decimal(0)])
        elif j.kind == "count":
            judgements[j.name] = rng.choice([0, 0, 1, 2])
        else:
            judgements[j.name] = rng.choice([0, 0, 0, 1])
    raw: dict[str, Any] = {
        "framework": fw.id,
        "info": {"dept_name": f"测试部门{seed:04d}", "eval_year": fw.year, "classified": rng.random() < 0.1},
        "budget": {"personnel_initial": personnel_i, "personnel_adjusted": personnel_a, "personnel_actual": personnel_x,
                   "public_initial": public_i, "public_adjusted": public_a, "public_actual": public_x,
                   "project_initial": project_i, "project_adjusted": project_a, "project_actual": project_x,
                   "carryover_begin": Decimal("0.00"), "violation": rng.random() < 0.05},
        "quarterly": {"quota_total": total_a, "paid_q1": paid[0], "paid_q2": paid[1], "paid_q3": paid[2],
                      "paid_q4": paid[3]},
        "sangong": {"abroad_budget": abroad_b, "abroad_actual": abroad_x, "reception_budget": reception_b,
                    "reception_actual": reception_x, "vehicle_budget": vehicle_b, "vehicle_actual": vehicle_x},
        "procurement": {"procurement_plan": proc_plan, "procurement_actual": proc_actual},
        "staff": {"staff_authorized": authorized, "staff_onpost": onpost, "staff_workers": workers,
                  "staff_employees": employees, "staff_dispatched": dispatched, "staff_other_hired": 0,
                  "staff_retired": rng.randint(0, 20)},
        "assets": {"fa_count": rng.randint(10, 500), "fa_original": fa_orig,
                   "fa_net": (fa_orig * Decimal("0.6")).quantize(CENT), "fa_in_use": fa_use_num,
                   "ia_count": 1, "ia_original": Decimal("10.00"), "ia_net": Decimal("8.00")},
        "projects": {"projects_planned": planned, "projects_on_time": on_time, "key_tasks_total": tasks,
                     "key_tasks_failed": rng.randint(0, tasks) if tasks and rng.random() < 0.3 else 0},
        "service": {"petition_channel": rng.random() < 0.9,
                    "petition_reply_rate": rng.choice([Decimal(1), Decimal(1), Decimal("0.98")]),
                    "petition_ontime_rate": rng.choice([Decimal(1), Decimal("0.95")]),
                    "satisfaction": min(Decimal(1), pick_rate(0.7, 1.0))},
        "judgements": judgements,
    }
    data = data_model(fw).model_validate(raw)
    return _with_self_scores(fw, data, rng)


def _with_self_scores(fw: Framework, data: DepartmentData, rng: random.Random) -> DepartmentData:
    """Self-scores equal to the computed scores, and stated figures equal to what the inputs give."""
    result = score(fw, data)
    self_scores = {i.id: {"score": i.computed, "reason": "按评分标准自评" if i.computed < i.points else ""}
                   for i in result.indicators if i.is_leaf}
    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    stated: dict[str, Any] = {}
    for decl in fw.form.stated:
        expect = decl.expect
        if not expect or rng.random() < 0.3 or decl.name == "self_total_stated":
            continue
        try:
            value = parse(str(expect)).evaluate(env)
        except Exception:
            continue
        if isinstance(value, Decimal):
            stated[decl.name] = quantize(value, 4 if decl.kind == "rate" else 2)
    stated["self_total_stated"] = result.total.computed
    stated.pop("budget_text_total", None)
    stated_model = type(data.stated)  # type: ignore[attr-defined]
    return data.model_copy(update={"self_scores": {k: SelfScore.model_validate(v) for k, v in self_scores.items()},
                                   "stated": stated_model.model_validate(stated)})
