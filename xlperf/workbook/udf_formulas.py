"""Formulas of the UDF-flavour workbook: computed cells call xlperf's Excel functions.

The functions themselves live in ``udfs/xlperf_udfs.py`` and call :mod:`xlperf.excel.functions`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..framework.models import Framework, Indicator
from ..framework.rules import MeasureDef, _rule_names, compiled_names, fmt_pts

__all__ = ["indicator", "measure"]


def measure(fw: Framework, m: MeasureDef, name_of: Callable[[str], str]) -> str:
    args = [m.num.to_excel(name_of), m.den.to_excel(name_of), fmt_pts(m.den_zero)]
    if m.den_zero_num_positive is not None:
        args.append(fmt_pts(m.den_zero_num_positive))
    return f"xlperf_ratio({','.join(args)})"


def indicator(fw: Framework, ind: Indicator, name_of: Callable[[str], str]) -> str:
    """xlperf_score("fw", "id", "name1", name1, ...): every name the rule reads, as pairs."""
    names = sorted(compiled_names(fw, ind))
    pairs = ",".join(f'"{n}",{n}' for n in names)
    return f'xlperf_score("{fw.id}","{ind.id}",{pairs})'
