"""上年数 written into this year's workbook: the filled prior-year cells locked, noted and recorded.

Reading last year's submission is :mod:`xlperf.ingest.prior`; the recorded property is read back from a
submitted workbook by :func:`xlperf.ingest.prior.recorded_prior`.
"""

from __future__ import annotations

import json
from typing import Any

from xlperf.compiled import plan_for
from xlperf.framework.models import Framework
from xlperf.ingest.prior import PRIOR_PROPERTY, PriorValues
from xlperf.safe_text import xml_text

__all__ = ["apply_prior"]


def apply_prior(wb: Any, fw: Framework, prior: PriorValues, flavour: str = "native") -> None:
    """Lock the filled prior-year cells of a built workbook, note their source, record it as a property."""
    from openpyxl.comments import Comment
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import PatternFill, Protection  # lazy: openpyxl costs a cold CLI ~0.2 s

    plan = plan_for(fw, flavour)
    year = f"{int(prior.year)} 年度" if prior.year is not None else "上年"
    note = xml_text(f"上年数：取自{year}报送的工作簿“{prior.source.name}”，已锁定，请勿修改。", 500)
    for name in prior.values:
        cell_plan = plan.cells.get(name)
        if cell_plan is None:
            continue
        cell = wb[cell_plan.sheet][cell_plan.cell]
        cell.protection = Protection(locked=True)
        cell.fill = PatternFill("solid", fgColor="E7E6E6")
        cell.comment = Comment(note, "xlperf", width=300, height=80)
    record = {"file": prior.source.name, "sha256": prior.sha256, "framework": prior.framework,
              "year": int(prior.year) if prior.year is not None else None,
              "values": {k: str(v) for k, v in prior.values.items()}}
    props = wb.custom_doc_props
    for prop in list(props.props):
        if prop.name == PRIOR_PROPERTY:
            props.props.remove(prop)
    props.append(StringProperty(name=PRIOR_PROPERTY, value=json.dumps(record, ensure_ascii=False)[:8000]))
