"""Every named quantity of a framework's workbook: inputs, stated figures, totals, rates, scores.

One catalogue serves the workbook generator (what cell, what validation, what formula), the
workbook reader (which names to read and how to parse them), ``xlperf inputs`` and the validator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .data.derived import DERIVED
from .data.models import SECTIONS
from .framework.cache import per_framework
from .framework.models import Framework
from .framework.scoring import compiled

__all__ = ["NameSpec", "Role", "catalog"]

Role = Literal["input", "stated", "derived", "measure", "judged", "self", "reason", "score", "const"]


@dataclass(frozen=True)
class NameSpec:
    name: str
    label: str
    role: Role
    kind: str  # money | count | rate | bool | text | int | points | tier | flag
    unit: str = ""
    section: str = ""
    required: bool = False
    expr: str | None = None  # formula source for derived/measure; the expectation for stated figures
    note: str | None = None
    indicator: str | None = None
    max_points: Decimal | None = None
    options: tuple[str, ...] = field(default=())

    @property
    def is_input(self) -> bool:
        return self.role in ("input", "stated", "judged", "self", "reason")


def _field_specs() -> list[NameSpec]:
    out = []
    for section_name, section in SECTIONS:
        for name, fld in section.model_fields.items():
            extra = fld.json_schema_extra if isinstance(fld.json_schema_extra, dict) else {}
            role: Role = "stated" if section_name == "stated" else "input"
            out.append(NameSpec(
                name=name, label=str(extra.get("label", name)), role=role, kind=str(extra.get("kind", "text")),
                unit=str(extra.get("unit", "")), section=section_name,
                required=fld.is_required(), expr=extra.get("expect"), note=extra.get("note")))  # type: ignore[arg-type]
    return out


_FIELDS = _field_specs()


@per_framework
def catalog(fw: Framework) -> dict[str, NameSpec]:
    """name → spec for everything a workbook of this framework names, in a stable order (cached)."""
    comp = compiled(fw)
    out: dict[str, NameSpec] = {s.name: s for s in _FIELDS}
    for d in DERIVED:
        unit = {"money": "万元", "count": "人", "rate": "%"}.get(d.kind, "")
        out[d.name] = NameSpec(d.name, d.label, "derived", d.kind, unit, "derived", expr=d.expr)
    for m in comp.measures:
        out[m.id] = NameSpec(m.id, m.name, "measure", "rate", "%", "measure", note=m.note)
    for j in comp.judged:
        kind = j.kind
        unit = {"points": "分", "count": "项", "flag": "是=1/否=0"}.get(kind, "")
        out[j.name] = NameSpec(j.name, j.label, "judged", kind, unit, "judged", indicator=j.indicator_id or None,
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
