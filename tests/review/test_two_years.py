"""Two years of a district: year 2's workbooks carry year 1's figures (--prior), and the consolidation of
year 2 counts the year-over-year 提示 (“三公”经费 up on last year) and sums last year's figures, checked by
arithmetic over the data written into the files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from tests.validator.common import run_cli
from xlperf.data.values import data_values
from xlperf.loader import load_framework
from xlperf.write.template import write_template

pytestmark = pytest.mark.slow  # two years of a district validated and consolidated: tens of seconds

N = 20
SANGONG = ("abroad_actual", "reception_actual", "vehicle_actual")


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fw = load_framework("futian-2021")
    root = tmp_path_factory.mktemp("years")
    (root / "y1").mkdir()
    (root / "y2").mkdir()
    y1, y2 = {}, {}
    for i in range(N):
        y1[i] = data_values(random_department(fw, 300 + i)) | {"agency_code": f"D{i:02d}", "dept_name": f"单位{i:02d}"}
        write_template(fw, root / "y1" / f"d{i:02d}.xlsx", values=y1[i])
    for i in range(N):
        y2[i] = data_values(random_department(fw, 400 + i)) | {"agency_code": f"D{i:02d}", "dept_name": f"单位{i:02d}"}
        data = root / f"y2-{i}.yaml"
        # the data file route: `xlperf template --data` takes the department's figures, `--prior` last year's
        dumped = random_department(fw, 400 + i).model_dump(mode="json")
        dumped["info"]["agency_code"], dumped["info"]["dept_name"] = f"D{i:02d}", f"单位{i:02d}"
        data.write_text(yaml.safe_dump(dumped, allow_unicode=True), encoding="utf-8")
        code, out, err = run_cli(["template", "-o", root / "y2" / f"d{i:02d}.xlsx", "--data", data,
                                  "--prior", root / "y1" / f"d{i:02d}.xlsx"])
        assert code == 0, err
        assert "填入 3 项" in out
    out = root / "汇总2.xlsx"
    code, stdout, stderr = run_cli(["consolidate", "-q", root / "y2", "-o", out, "--include-unaccepted"])
    assert "Traceback" not in stderr
    return {"fw": fw, "y1": y1, "y2": y2, "out": out}


def test_prior_sums_are_last_years_figures(years: dict[str, Any]) -> None:
    ws = load_workbook(years["out"])["金额汇总"]
    from xlperf.compiled import catalog

    labels = {name: spec.label for name, spec in catalog(years["fw"]).items()}
    by_label = {r[0]: (r[1], r[2]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    sums = {name: by_label[label] for name, label in labels.items() if label in by_label}
    df1 = pd.DataFrame([{n: Decimal(years["y1"][i][n]) for n in SANGONG} for i in range(N)])
    df2 = pd.DataFrame([{n: Decimal(years["y2"][i][n]) for n in SANGONG} for i in range(N)])
    for n in SANGONG:
        assert sums[f"prev_{n}"] == (N, float(sum(df1[n], Decimal(0)))), n
        assert sums[n] == (N, float(sum(df2[n], Decimal(0)))), n


def test_sangong_up_counted_across_units(years: dict[str, Any]) -> None:
    up = sum(1 for i in range(N) if sum(Decimal(years["y2"][i][n]) for n in SANGONG)
             > sum(Decimal(years["y1"][i][n]) for n in SANGONG))
    assert 0 < up < N, "the seeds give both cases"
    ws = load_workbook(years["out"])["审核规则统计"]
    counts = {r[0]: r[4] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert counts.get("SN-02", 0) == up
    units = load_workbook(years["out"])["单位汇总"]
    review = [r[8] for r in units.iter_rows(min_row=2, values_only=True)]
    assert sum(1 for r in review if r != "通过") >= up  # each of them at least needs an explanation
