"""A stated figure is compared at the places its cell shows, by the sheet and by the validator alike.

The sheet marks a stated figure when it differs from its check value (the conditional format beside the
check column); ``xlperf validate`` reports XP301/XP303. Both compare the two rounded to what the cells show
— a rate to 0.01% (format 0.00%), money to 0.01 — so a person who sees 1.50% against 1.49% sees the mark and
the finding, and 1.49% against 1.49% neither. Each case is written once; LibreOffice evaluates the sheet's
own conditional-format formula (copied into a spare cell of a probe copy) and the validator reads the file.

Expected by hand: “三公”经费 budget 100.00 and actual 1.49 (all in 公务用车) give 1.49 ÷ 100.00 = 1.49%;
基本支出 年初预算 = 642.21 + 39.15 = 681.36.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from xlperf.compiled import plan_for
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from xlperf.framework.models import Framework
from xlperf.ingest.xlsx import open_book
from xlperf.validate import validate_file
from xlperf.write.template import write_template

from .common import seed_clean_data

D = Decimal
SANGONG = {"abroad_budget": D("0.00"), "reception_budget": D("0.00"), "vehicle_budget": D("100.00"),
           "abroad_actual": D("0.00"), "reception_actual": D("0.00"), "vehicle_actual": D("1.49"),
           "sangong_budget_stated": D("100.00"), "sangong_actual_stated": D("1.49")}
# (case, stated figure, typed value, marked: what the cells show differs)
CASES = [
    ("rate-0.015", "sangong_rate_stated", D("0.015"), True),      # shows 1.50% against 1.49%
    ("rate-0.0149", "sangong_rate_stated", D("0.0149"), False),   # 1.49% against 1.49%
    ("rate-0.01494", "sangong_rate_stated", D("0.01494"), False),  # shows 1.49% (1.494% rounds down)
    ("rate-0.01495", "sangong_rate_stated", D("0.01495"), True),  # shows 1.50% (1.495% rounds half up)
    ("rate-0.01485", "sangong_rate_stated", D("0.01485"), False),  # shows 1.49% (1.485% rounds half up)
    ("money-681.364", "basic_initial_stated", D("681.364"), False),  # shows 681.36
    ("money-681.365", "basic_initial_stated", D("681.365"), True),   # shows 681.37
    ("money-681.355", "basic_initial_stated", D("681.355"), False),  # shows 681.36 (half up)
    ("money-681.35", "basic_initial_stated", D("681.35"), True),
]
CODES = {"sangong_rate_stated": "XP303", "basic_initial_stated": "XP301"}
PROBE_COL = "Z"


def _highlight_formula(ws: Any, cell: str) -> str:
    """The formula of the sheet's mismatch highlight on a stated figure's cell (the only rule there)."""
    rules = [rule for rng in ws.conditional_formatting if str(rng.sqref) == cell for rule in rng.rules
             if rule.formula and "ISNUMBER" in rule.formula[0]]
    assert len(rules) == 1, [r.formula for r in rules]
    return str(rules[0].formula[0])


@pytest.fixture(scope="module")
def outcomes(fw: Framework, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bool, set[str]]]:
    """case → (the sheet marks the cell, in LibreOffice; the validator's codes at that cell)."""
    work = tmp_path_factory.mktemp("stated-places")
    plan = plan_for(fw)
    base = {**data_values(seed_clean_data()), **SANGONG}
    probes, found = [], {}
    for case, name, typed, _ in CASES:
        path = write_template(fw, work / f"{case}.xlsx", values={**base, name: typed})
        cp = plan.cells[name]
        report = validate_file(path, fw, select=[CODES[name]])
        found[case] = {f.code for f in report.findings if (f.sheet, f.cell) == (cp.sheet, cp.cell)}
        wb = load_workbook(path)
        ws = wb[cp.sheet]
        row = int("".join(ch for ch in cp.cell if ch.isdigit()))
        ws[f"{PROBE_COL}{row}"] = "=" + _highlight_formula(ws, cp.cell)
        probe = work / f"probe-{case}.xlsx"
        wb.save(probe)
        probes.append(probe)
    saved = recalculate(probes, work / "lo")
    out = {}
    for (case, name, _, _), path in zip(CASES, saved, strict=True):
        cp = plan.cells[name]
        row = int("".join(ch for ch in cp.cell if ch.isdigit()))
        raw = open_book(path).cell(cp.sheet, f"{PROBE_COL}{row}")
        assert raw is not None and raw.value in ("0", "1", 0, 1, True, False), (case, raw)
        out[case] = (str(raw.value) in ("1", "True"), found[case])
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("case, name, typed, marked", CASES, ids=[c[0] for c in CASES])
def test_sheet_and_validator_agree_at_the_shown_places(outcomes: dict[str, tuple[bool, set[str]]], case: str,
                                                       name: str, typed: Decimal, marked: bool) -> None:
    sheet_marks, codes = outcomes[case]
    assert sheet_marks is marked, f"{case}: the sheet {'marks' if sheet_marks else 'does not mark'} {typed}"
    assert codes == ({CODES[name]} if marked else set()), f"{case}: validate found {codes}"
