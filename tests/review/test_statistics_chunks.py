"""The 汇总's per-indicator statistics are the same whether the counted units are read from the spool in one
pandas table or in several (``STAT_CHUNK``): exact Decimal sums, the mean rounded once, min/max over all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from xlperf.loader import load_framework
from xlperf.review import consolidate

D = Decimal


@dataclass
class _Unit:
    index: int


class _Spool:
    """Five units' scores for two futian indicators (procurement: 2 points; satisfaction: 6)."""

    scores: tuple[dict[str, tuple[Decimal, Decimal | None]], ...] = (
        {"procurement": (D("2.00"), D("2")), "satisfaction": (D("1.50"), None)},
        {"procurement": (D("1.13"), D("2")), "satisfaction": (D("3.00"), D("3"))},
        {"procurement": (D("0.00"), None), "satisfaction": (D("2.25"), D("2"))},
        {"procurement": (D("1.99"), D("1.5")), "satisfaction": (D("0.01"), None)},
        {"procurement": (D("1.01"), D("1.01"))},
    )

    def data(self, index: int) -> tuple[dict[str, Decimal], dict[str, tuple[Decimal, Decimal | None]]]:
        return {"budget": D("100.01") * (index + 1)}, self.scores[index]


@pytest.mark.parametrize("chunk", [1, 2, 3, 2000])
def test_statistics_by_hand_whatever_the_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(consolidate, "STAT_CHUNK", chunk)
    fw = load_framework("futian-2021")
    stats, sums = consolidate._statistics(fw, _Spool(), [_Unit(i) for i in range(5)])  # type: ignore[arg-type]
    by_id = {s.id: s for s in stats}
    p = by_id["procurement"]
    points = {ind.id: ind.points for ind in fw.walk()}
    assert (points["procurement"], points["satisfaction"]) == (2, 6)  # the full marks the shares use
    # (2.00 + 1.13 + 0.00 + 1.99 + 1.01) / 5 = 6.13 / 5 = 1.226 → 1.23; full marks 1 of 5; self above: 1.13 < 2
    # and 1.99 > 1.5 no, 1.01 = 1.01 no → 1 of the 4 paired; self mean (2 + 2 + 1.5 + 1.01) / 4 = 1.6275 → 1.63
    assert (p.units, p.mean, p.min, p.max) == (5, D("1.23"), D("0.00"), D("2.00"))
    assert (p.full_share, p.self_above_share, p.self_mean) == (D("0.2000"), D("0.2500"), D("1.63"))
    s = by_id["satisfaction"]
    # (1.50 + 3.00 + 2.25 + 0.01) / 4 = 6.76 / 4 = 1.69; full marks 0 of 4; paired 2 (3 = 3.00 no, 2 < 2.25 no)
    assert (s.units, s.mean, s.min, s.max) == (4, D("1.69"), D("0.01"), D("3.00"))
    assert (s.full_share, s.self_above_share, s.self_mean) == (D("0.0000"), D("0.0000"), D("2.50"))
    assert sums["budget"] == (5, D("1500.15"))  # 100.01 × (1 + 2 + 3 + 4 + 5)
    assert by_id["budget_execution"].units == 0 and by_id["budget_execution"].mean is None
