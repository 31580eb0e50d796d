"""bench/run.py --quick runs every section on 3 files and writes complete JSON (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("xlperf_bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


# bench/run.py --quick: cold CLI processes, LibreOffice, about 30 s
pytestmark = [pytest.mark.slow, pytest.mark.subprocess, pytest.mark.libreoffice]


@pytest.fixture(scope="module")
def results(bench, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "results.json"
    bench.main(["--quick", "--out", str(out), "--workdir", str(tmp / "work")])
    return json.loads(out.read_text(encoding="utf-8"))


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def test_every_section_present(results):
    for key in ("machine", "corpus", "single", "cli", "report", "batch", "growth", "udf", "verdicts"):
        assert key in results, key
    assert results["quick"] is True
    assert results["corpus"]["files"] == 3
    assert results["machine"]["python"] and results["machine"]["nproc"]


def test_single_has_positive_times_and_ratios(results):
    single = results["single"]
    for name in ("validate_file", "openpyxl_load_workbook", "zip_lxml_floor"):
        assert _positive(single["times"][name]["min_s"]) and _positive(single["times"][name]["median_s"])
    for name in ("ratio_validate_vs_openpyxl", "ratio_validate_vs_floor"):
        assert _positive(single[name]["min"]) and _positive(single[name]["median"])
    assert single["status"] in ("ok", "warnings")  # a generated workbook is consistent: no errors


def test_cli_has_positive_times_and_import_profile(results):
    cli = results["cli"]
    for name in ("python_pass", "import_openpyxl", "xlperf_validate", "xlperf_validate_json"):
        assert _positive(cli["times"][name]["median_s"])
    assert _positive(cli["ratio_validate_vs_import_openpyxl"]["median"])
    assert cli["imports"]["modules"] > 0
    assert set(cli["imports"]["heavy_imported"]) >= {"pandas", "xlwings", "openpyxl"}


def test_batch_runs_and_libreoffice(results):
    runs = results["batch"]["runs"]
    assert set(runs) == {"3_files_1_workers", "3_files_2_workers"}
    for run in runs.values():
        assert _positive(run["files_per_s"]["best"]) and _positive(run["files_per_s"]["median"])
        assert sum(run["status"].values()) == 3 and "error" not in run["status"]
    lo = results["batch"]["libreoffice"]
    if shutil.which("soffice"):
        assert lo["available"] and _positive(lo["files_per_s"]) and _positive(lo["seconds"])
        assert _positive(results["batch"]["ratio_vs_libreoffice"]["median"])
    else:
        assert lo["available"] is False


def test_findings_corpus_and_floors(results):
    """The ~50-findings-per-file corpus (issue 22) and the reference floors of a batch on 2 processes."""
    (run,) = results["batch"]["findings_runs"].values()
    assert _positive(run["files_per_s"]["median"]) and run["findings_per_file"] >= 40
    floors = results["batch"]["floors"]
    assert floors["workers"] == 2 and _positive(floors["zip_lxml_floor"]["files_per_s"])


def test_growth_cases(results):
    cases = results["growth"]["cases"]
    assert set(cases) == {"base", "100_rows", "1000_rows"}
    for case in cases.values():
        assert _positive(case["validate"]["median_s"]) and _positive(case["peak_python_heap_mib"])
        assert _positive(case["openpyxl_load"]["median_s"]) and _positive(case["file_bytes"])
    assert cases["1000_rows"]["file_bytes"] > cases["base"]["file_bytes"]
    # the extra sheet is not part of the standard layout and must not change the findings
    assert cases["1000_rows"]["findings"] == cases["base"]["findings"]


def test_udf_per_call(results):
    engine = results["udf"]["engine"]
    for name in ("evaluate_rule_public_funds_control", "score_whole_department", "score_per_indicator"):
        assert _positive(engine[name]["min_us"]) and _positive(engine[name]["median_us"])
    calls = results["udf"]["functions"]["calls"]
    for name in ("ratio", "measure", "exec_rate", "exec_score"):  # every Excel function is timed
        assert _positive(calls[name]["median_us"]) and not str(calls[name]["returns"]).startswith("#XLPERF"), name
    for name in ("score", "explain"):  # for every leaf indicator, the worst reported
        worst = next(v for k, v in calls.items() if k.startswith(f"{name} (worst of "))
        assert _positive(worst["median_us"])
        assert sum(k.startswith(name + "[") for k in calls) >= 20
    for call in calls.values():
        assert _positive(call["median_us"])


def test_verdicts_are_recorded(results):
    for name in ("single_vs_openpyxl_load", "cli_vs_import_openpyxl", "batch_files_per_s_2_workers",
                 "batch_findings_files_per_s_2_workers", "udf_us_per_call"):
        assert isinstance(results["verdicts"][name]["met"], bool)


def test_report_has_positive_times_and_ratio(results):
    report = results["report"]
    assert report["exit_code"] == 0 and report["docx_bytes"] > 0
    for name in ("xlperf_report", "xlperf_validate"):
        assert _positive(report["times"][name]["median_s"])
    assert _positive(report["ratio_report_vs_validate"]["median"]) and _positive(report["ratio_in_process"]["median"])
    assert "report_vs_validate" in results["verdicts"]
