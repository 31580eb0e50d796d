"""上年数 carried from last year's workbook, and the rules of the shipped framework that use them."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from tests.validator.common import run_cli
from tests.validator.xlsx_edit import Xlsx
from xlperf.data.values import data_values
from xlperf.loader import load_framework
from xlperf.ingest.prior import PRIOR_PROPERTY, read_prior
from xlperf.write.prior import apply_prior
from xlperf.validate import validate_file
from xlperf.compiled import plan_for
from xlperf.write.template import build_workbook, write_template

SANGONG = ("abroad_actual", "reception_actual", "vehicle_actual")


@pytest.fixture(scope="module")
def fw() -> Any:
    return load_framework("futian-2021")


def _values(fw: Any, seed: int, **extra: Any) -> dict[str, Any]:
    v = data_values(random_department(fw, seed))
    v.update(extra)
    return v


def _this_year(fw: Any, path: Path, values: dict[str, Any], last: Path) -> Path:
    prior = read_prior(fw, last)
    wb = build_workbook(fw, values={**values, **prior.values})
    apply_prior(wb, fw, prior)
    wb.save(path)
    return path


def _rules(path: Path) -> dict[str, str]:
    return {f.rule: f.severity.value for f in validate_file(path).findings if f.rule}


def test_prior_values_filled_locked_and_recorded(fw: Any, tmp_path: Path) -> None:
    last_values = _values(fw, 110, carryover_end=Decimal("12.34"))
    last = write_template(fw, tmp_path / "2021.xlsx", values=last_values)
    out = _this_year(fw, tmp_path / "2022.xlsx", _values(fw, 111), last)
    plan = plan_for(fw)
    wb = load_workbook(out)
    for name in (*SANGONG, "carryover_end"):
        where = plan.cells[f"prev_{name}"]
        cell = wb[where.sheet][where.cell]
        assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == Decimal(last_values[name]), name
        assert cell.protection.locked and wb[where.sheet].protection.sheet
        assert "2021.xlsx" in cell.comment.text
    record = json.loads(next(p.value for p in wb.custom_doc_props.props if p.name == PRIOR_PROPERTY))
    assert record["sha256"] == hashlib.sha256(last.read_bytes()).hexdigest()
    assert record["values"]["prev_reception_actual"] == str(Decimal(last_values["reception_actual"]))


def test_unmatched_names_are_listed(fw: Any, tmp_path: Path) -> None:
    """Last year's file of an older form: no 年末结转结余 filled, no 公务用车 name at all."""
    last = write_template(fw, tmp_path / "2021.xlsx", values=_values(fw, 110))
    Xlsx(last).delete_name("vehicle_actual").save(last)
    prior = read_prior(fw, last)
    assert sorted(prior.unmatched) == ["prev_carryover_end", "prev_vehicle_actual"]
    assert sorted(prior.values) == ["prev_abroad_actual", "prev_reception_actual"]
    code, out, err = run_cli(["template", "-o", tmp_path / "blank.xlsx", "--prior", last])
    assert code == 0, err
    assert "prev_vehicle_actual" in out and "prev_carryover_end" in out and "填入 2 项" in out


def test_sangong_up_on_last_year_needs_an_explanation(fw: Any, tmp_path: Path) -> None:
    last_values = _values(fw, 110)
    last = write_template(fw, tmp_path / "2021.xlsx", values=last_values)
    this = _values(fw, 103)  # a fully clean department
    last_total = sum(Decimal(last_values[n]) for n in SANGONG)
    this_total = sum(Decimal(this[n]) for n in SANGONG)
    up = _this_year(fw, tmp_path / "up.xlsx", this, last)
    assert ("SN-02" in _rules(up)) is (this_total > last_total)
    # certainly higher / not higher than last year: all of it as 公务接待, its budget raised alike
    assert last_total > Decimal("0.01")
    for reception, fires in ((last_total + 1, True), (last_total - Decimal("0.01"), False), (last_total, False)):
        v = dict(this, abroad_actual=Decimal(0), vehicle_actual=Decimal(0), reception_actual=reception)
        v["reception_budget"] = max(Decimal(v["reception_budget"]), reception)
        for k in [k for k in v if k.startswith(("sangong_", "budget_table_total"))]:
            v[k] = None  # stated sub-totals not given
        rules = _rules(_this_year(fw, tmp_path / f"case{reception}.xlsx", v, last))
        assert (rules.get("SN-02") == "warning") is fires, (reception, rules)


def test_balance_and_opening_balance_rules(fw: Any, tmp_path: Path) -> None:
    v = _values(fw, 103)
    total_actual = sum(Decimal(v[n]) for n in ("personnel_actual", "public_actual", "project_actual"))
    begin = Decimal(v.get("carryover_begin") or 0)
    end = Decimal("100.00")
    balanced = total_actual + end - begin  # 年初 + 收入 = 支出 + 年末
    assert _rules(write_template(fw, tmp_path / "none.xlsx", values=v)) == {}  # optional inputs empty: no rule
    ok = write_template(fw, tmp_path / "ok.xlsx", values={**v, "income_total": balanced, "carryover_end": end})
    assert "PH-01" not in _rules(ok)
    within = write_template(fw, tmp_path / "within.xlsx",
                            values={**v, "income_total": balanced + Decimal("0.01"), "carryover_end": end})
    assert "PH-01" not in _rules(within)  # ±0.01 万元
    off = write_template(fw, tmp_path / "off.xlsx",
                         values={**v, "income_total": balanced + Decimal("0.02"), "carryover_end": end})
    assert _rules(off).get("PH-01") == "error"
    opening = write_template(fw, tmp_path / "open.xlsx", values={**v, "prev_carryover_end": begin + 5})
    assert _rules(opening).get("SN-01") == "error"
    same = write_template(fw, tmp_path / "same.xlsx", values={**v, "prev_carryover_end": begin})
    assert "SN-01" not in _rules(same)


def test_prior_figure_edited_by_hand_is_an_error(fw: Any, tmp_path: Path) -> None:
    last_values = _values(fw, 110)
    last = write_template(fw, tmp_path / "2021.xlsx", values=last_values)
    this = _this_year(fw, tmp_path / "2022.xlsx", _values(fw, 103), last)
    assert "XP322" not in {f.code for f in validate_file(this).findings}
    where = plan_for(fw).cells["prev_reception_actual"]
    edited = Xlsx(this).set(where.sheet, where.cell, Decimal(last_values["reception_actual"]) + 1).save(
        tmp_path / "edited.xlsx")
    rep = validate_file(edited)
    hits = [f for f in rep.findings if f.code == "XP322"]
    assert [(f.sheet, f.cell, f.severity.value) for f in hits] == [(where.sheet, where.cell, "error")]
    assert hits[0].expected == Decimal(last_values["reception_actual"])
    assert rep.review == "revise"
    # a workbook without the record (typed by hand from the start) is not compared
    plain = write_template(fw, tmp_path / "plain.xlsx", values={**_values(fw, 103), "prev_reception_actual": 99})
    assert "XP322" not in {f.code for f in validate_file(plain).findings}


def test_prior_from_last_years_data_file(fw: Any) -> None:
    import yaml

    from tests.validator.common import SEED_YAML

    raw = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    prior = read_prior(fw, SEED_YAML)
    assert prior.values == {f"prev_{n}": Decimal(str(raw["sangong"][n])).quantize(Decimal("0.01")) for n in SANGONG}
    assert prior.unmatched == ["prev_carryover_end"]
