"""Formulas of the UDF-flavour workbook: computed cells call xlperf's Excel functions.

The functions themselves live in ``udfs/xlperf_udfs.py`` and call :mod:`xlperf.addins.excel.functions`:

- a measure becomes ``xlperf_ratio(num, den, den_zero[, den_zero_num_positive[, decimals]])``, the
  same arguments :meth:`MeasureDef.value` uses (``decimals`` only when the framework does not round
  rates to 4 places, the function's default; ``den_zero_num_positive`` then repeats ``den_zero`` when
  the measure has none, which means the same);
- a level-3 score becomes ``xlperf_score("<framework id>", "<indicator id>", "name1", name1, …)``
  with every name the indicator's rule reads, in sorted order;
- a cap (framework ``caps``) stays a native ``MIN(score, IF(band, cap, …))`` around the function call or
  the sum, in this flavour too: it reads one measure cell and compares it with constants, which every
  spreadsheet evaluates, so an xlperf function would add nothing but a dependency on the add-in. Only the
  measure's reference is read as ``(m+0)`` (see :func:`cap_name_of`).
"""

from __future__ import annotations

from collections.abc import Callable

from xlperf.engine.rules import MeasureDef, compiled_names, fmt_pts
from xlperf.framework.models import Framework, Indicator
from xlperf.plan.names import NameSpec

__all__ = ["DEFAULT_DECIMALS", "cap_name_of", "indicator", "measure"]

DEFAULT_DECIMALS = 4
"""The ``decimals`` default of ``xlperf_ratio`` (xlperf.addins.excel.functions.ratio)."""


def measure(fw: Framework, m: MeasureDef, name_of: Callable[[str], str],
            computed: frozenset[str] = frozenset()) -> str:
    """``computed``: the measures, whose cells are xlperf functions too. A failed function shows a text
    (``#XLPERF! …``) that ``MIN`` and ``SUM`` would skip (a failed quarter then counted as 100%), so such a
    reference is read as ``(x+0)``: a text makes that ``#VALUE!``, an error in any quarter makes the average
    an error, as in the native workbook."""

    def ref(name: str) -> str:
        return f"({name_of(name)}+0)" if name in computed else name_of(name)

    args = [m.num.to_excel(ref), m.den.to_excel(ref), fmt_pts(m.den_zero)]
    if m.den_zero_num_positive is not None or m.decimals != DEFAULT_DECIMALS:
        positive = m.den_zero if m.den_zero_num_positive is None else m.den_zero_num_positive
        args.append(fmt_pts(positive))
    if m.decimals != DEFAULT_DECIMALS:
        args.append(str(m.decimals))
    return f"xlperf_ratio({','.join(args)})"


def indicator(fw: Framework, ind: Indicator, name_of: Callable[[str], str]) -> str:
    """xlperf_score("fw", "id", "name1", name1, ...): every name the rule reads, as pairs."""
    names = sorted(compiled_names(fw, ind))
    pairs = ",".join(f'"{n}",{n}' for n in names)
    return f'xlperf_score("{fw.id}","{ind.id}",{pairs})'


def cap_name_of(cat: dict[str, NameSpec], name_of: Callable[[str], str]) -> Callable[[str], str]:
    """Names in a cap's condition: a measure cell holds an xlperf function whose failure is a text, and a
    text compares greater than any number (it would fall in a band ``>= 0.7``); ``(m+0)`` makes it
    ``#VALUE!``, so the capped score is an error, as it is in the native workbook when the rate is."""

    def ref(name: str) -> str:
        spec = cat.get(name)
        return f"({name_of(name)}+0)" if spec is not None and spec.role == "measure" else name_of(name)

    return ref
