"""Shared data for the validator tests: paths, the corrected seed department, small helpers."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlperf.ingest.datafile import load_data
from xlperf.data.models import DepartmentData
from xlperf.compiled import data_model
from xlperf.loader import load_framework
from xlperf.framework.models import Framework

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "workbooks" / "examples"
SEED_YAML = EXAMPLES / "futian-kcj-2021.yaml"
SEED_XLSX = EXAMPLES / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
CORPUS = REPO / "tests" / "corpus" / "files"
GOLDEN = REPO / "tests" / "golden"

D = Decimal

# A random_department seed whose workbook is entirely clean (no finding of any severity) and whose budget
# adjustment stays under the 10% threshold; test_bases.py guards that this stays true.
QUIET_SEED = 103


def futian() -> Framework:
    return load_framework("futian-2021")


def seed_clean_data() -> DepartmentData:
    """The seed department with its own inconsistencies corrected by hand (see test_seed_findings.py).

    Each correction is the value the rest of the seed's own tables give:
    * 正文 budget composition: the 离退休 22.33 is not part of the budget table's 基本支出 (681.36 = 642.21 +
      39.15), so the composition is 642.21 + 39.15 + 42,507.85 = 43,189.21 without it;
    * 预算安排表 政府采购 = 1,931.52 (as in the 政府采购执行情况 text) and its 合计 = 1,931.52 + 8.67 = 1,940.19;
    * “三公”经费控制率 = 4.79 / 8.67 = 0.552479… → 55.25%;
    * 二季度支出进度 = 33,284.43 / 81,164.95 = 0.410084… → 41.01%;
    * 项目 budget / expenditure in the text = the table's 80,454.91 / 78,629.50;
    * 项目 执行率 in the text = 78,629.50 / 80,454.91 = 97.73%;
    * 人员经费 breakdown: 工资福利 + 补助 must make 606.07, so the other 101.10 is put under 补助 (116.58);
    * procurement self-score = 730.68 / 1,931.52 = 0.3783 → 0.38 + policy 1 = 1.38, with a reason;
    * stated self total = 94.94 − 2 + 1.38 = 94.32.
    """
    raw = load_data(SEED_YAML).model_dump(mode="python")
    stated = raw["stated"]
    stated["budget_text_retiree"] = None
    stated["procurement_plan_budget_table"] = D("1931.52")
    stated["budget_table_total_stated"] = D("1940.19")
    stated["sangong_rate_stated"] = D("0.5525")
    stated["progress_q2_stated"] = D("0.4101")
    stated["project_adjusted_text"] = D("80454.91")
    stated["project_actual_text"] = D("78629.50")
    stated["project_rate_text"] = D("0.9773")
    stated["personnel_subsidy_text"] = D("116.58")
    stated["self_total_stated"] = D("94.32")
    raw["self_scores"]["procurement"] = {"score": D("1.38"), "reason": "政府采购执行率 37.83%，政策功能落实到位"}
    return data_model(futian()).model_validate(raw)


def run_cli(args: Sequence[str]) -> tuple[int, str, str]:
    """Run ``xlperf ARGS`` in this process (as the console script does): (exit code, stdout, stderr)."""
    from xlperf.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv = sys.argv
    sys.argv = ["xlperf", *map(str, args)]
    code: Any = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = old_argv
    return (code if isinstance(code, int) else (0 if code is None else 1)), out.getvalue(), err.getvalue()


def pairs(report: Any) -> list[tuple[str, str]]:
    """(code, sheet!cell) of every finding, sorted: the shape most assertions compare."""
    return sorted((code, loc) for code, loc in report.flatten(["code", "location"]))
