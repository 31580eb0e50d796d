"""Every named quantity of a framework's workbook: inputs, stated figures, totals, rates, scores.

One catalogue serves the workbook generator (what cell, what validation, what formula), the
workbook reader (which names to read and how to parse them), ``xlperf inputs`` and the validator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from xlperf.engine.rules import Compiled
from xlperf.framework.form import DEFAULT_UNITS, PRIOR_PREFIX, InputDecl
from xlperf.framework.models import Framework

__all__ = ["NameSpec", "Role", "build_catalog", "date_bound", "shown_places"]

def shown_places(kind: str) -> int:
    """Decimals a stated figure is compared at: what its cell shows (rates 0.00% = 4 decimals of the
    fraction, everything else 0.00). The sheet's check value and highlight and the validator (XP301–XP303)
    use this one number, so a figure the sheet marks is the figure the validator reports."""
    return 4 if kind == "rate" else 2


Role = Literal["input", "stated", "derived", "measure", "judged", "self", "reason", "score", "const", "column"]


@dataclass(frozen=True)
class NameSpec:
    name: str
    label: str
    role: Role
    kind: str  # money | count | rate | bool | text | int | points | tier | flag | date
    unit: str = ""
    section: str = ""  # inputs and stated figures: the data file's group; others: their role's group
    required: bool = False
    expr: str | None = None  # formula source for derived/measure; the expectation for stated figures
    note: str | None = None
    indicator: str | None = None
    max_points: Decimal | None = None
    options: tuple[str, ...] = field(default=())
    default: object = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    role_of: str | None = None  # department / year / unit_code
    prior_of: str | None = None  # for prev_x: x
    date_min: str | None = None  # a date input: its earliest allowed day, as an expression (date(2021,1,1))
    date_max: str | None = None
    text_if: str | None = None  # a table column: rows where it holds text (a qualitative row's target)

    @property
    def is_input(self) -> bool:
        return self.role in ("input", "stated", "judged", "self", "reason")


def date_bound(bound: object) -> str | None:
    """A date input's ``min`` / ``max`` as an expression: an ISO date is date(y, m, d)."""
    if isinstance(bound, date):
        return f"date({bound.year}, {bound.month}, {bound.day})"
    return bound if isinstance(bound, str) else None


def _input_spec(decl: InputDecl, *, prior: bool = False) -> NameSpec:
    kind = "tier" if decl.kind == "choice" else decl.kind
    unit = decl.unit if decl.unit is not None else DEFAULT_UNITS[decl.kind]
    name = PRIOR_PREFIX + decl.name if prior else decl.name
    label = f"上年 {decl.label}" if prior else decl.label
    return NameSpec(name=name, label=label, role="input", kind=kind, unit=unit,
                    section="prior" if prior else decl.group,
                    required=decl.prior_required if prior else decl.is_required, note=decl.help,
                    options=tuple(decl.options),
                    default=None if prior else decl.default,
                    minimum=decl.min if isinstance(decl.min, Decimal) else None,
                    maximum=decl.max if isinstance(decl.max, Decimal) else None,
                    role_of=None if prior else decl.role, prior_of=decl.name if prior else None,
                    date_min=None if prior else date_bound(decl.min), date_max=None if prior else date_bound(decl.max))


def build_catalog(fw: Framework, comp: Compiled) -> dict[str, NameSpec]:
    """name → spec for everything a workbook of this framework names, in a stable order."""
    form = fw.form
    out: dict[str, NameSpec] = {}
    for decl in form.inputs:
        out[decl.name] = _input_spec(decl)
        if decl.prior:
            out[PRIOR_PREFIX + decl.name] = _input_spec(decl, prior=True)
    for st in form.stated:
        out[st.name] = NameSpec(st.name, st.label, "stated", st.kind, DEFAULT_UNITS[st.kind], st.group,
                                expr=st.expect, note=st.help)
    for d in form.derived:
        unit = d.unit if d.unit is not None else DEFAULT_UNITS[d.kind]
        out[d.name] = NameSpec(d.name, d.label, "derived", d.kind, unit, "derived", expr=d.expr)
    for t in form.tables:
        for col in t.columns:
            name = f"{t.name}.{col.name}"
            kind = "tier" if col.kind == "choice" else col.kind  # a drop-down list, read as a choice input is
            out[name] = NameSpec(name, f"{t.label} {col.label}", "column", kind, DEFAULT_UNITS.get(col.kind, ""),
                                 t.name, expr=col.expr, default=col.default, options=tuple(col.options),
                                 text_if=col.text_if)
    for m in comp.measures:
        out[m.id] = NameSpec(m.id, m.name, "measure", "rate", "%", "measure", note=m.note)
    for j in comp.judged:
        unit = {"points": "分", "count": "项", "flag": "是=1/否=0"}.get(j.kind, "")
        out[j.name] = NameSpec(j.name, j.label, "judged", j.kind, unit, "judged", indicator=j.indicator_id or None,
                               max_points=j.max_points, options=j.options)
    for ind in fw.walk():
        out[f"score_{ind.id}"] = NameSpec(f"score_{ind.id}", f"{ind.name} 计算得分", "score", "points", "分",
                                          "score", indicator=ind.id, max_points=ind.points)
        if not ind.children:
            out[f"self_{ind.id}"] = NameSpec(f"self_{ind.id}", f"{ind.name} 自评得分", "self", "points", "分",
                                             "self", indicator=ind.id, max_points=ind.points)
            out[f"reason_{ind.id}"] = NameSpec(f"reason_{ind.id}", f"{ind.name} 自评说明", "reason", "text", "",
                                               "self", indicator=ind.id)
    out["score_total"] = NameSpec("score_total", "总分（计算）", "score", "points", "分", "score",
                                  max_points=fw.total_points)
    out["self_total"] = NameSpec("self_total", "总分（自评）", "score", "points", "分", "score",
                                 max_points=fw.total_points)
    out["fw_id"] = NameSpec("fw_id", "评价框架编号", "const", "text", section="const")
    out["fw_version"] = NameSpec("fw_version", "评价框架版本", "const", "text", section="const")
    return out
