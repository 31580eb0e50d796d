"""Bad data files and malformed framework files through the CLI.

Every case must end with exit code 2, a Chinese message on stderr that names the file and the
offending field / name, and no traceback. Most cases run ``xlperf.cli.main`` in-process (fast); a few
run ``python -m xlperf`` in a subprocess to check the real entry point end to end.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .helpers import EXAMPLE, FUTIAN_YAML, REPO, example_dict, load_yaml, run_main, write_yaml

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_clean_error(code: int, out: str, err: str, *needles: str) -> None:
    assert "Traceback" not in out + err, err
    assert code == 2, (code, out, err)
    assert err.strip(), "the message goes to stderr"
    assert CJK.search(err), f"message must be Chinese: {err!r}"
    for needle in needles:
        assert needle in err, (needle, err)


def data_file(tmp_path: Path, mutate: Callable[[dict[str, Any]], None], name: str = "data.yaml") -> Path:
    raw = example_dict()
    mutate(raw)
    return write_yaml(tmp_path / name, raw)


def framework_file(tmp_path: Path, mutate: Callable[[dict[str, Any]], None] | None = None,
                   text: str | None = None, name: str = "fw.yaml") -> Path:
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
        return path
    raw = load_yaml(FUTIAN_YAML)
    if mutate:
        mutate(raw)
    return write_yaml(path, raw)


def leaf(raw_fw: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    def walk(items):
        for item in items:
            if item["id"] == indicator_id:
                return item
            found = walk(item.get("children", []))
            if found:
                return found
        return None

    found = walk(raw_fw["indicators"])
    assert found is not None, indicator_id
    return found


# Data files ----------------------------------------------------------------------------------------------


def _del(section: str, key: str):
    def mutate(d):
        del d[section][key]
    return mutate


def _set(section: str, key: str, value: Any):
    def mutate(d):
        d[section][key] = value
    return mutate


DATA_CASES = {
    "missing amount": (_del("budget", "public_actual"), ["budget.public_actual", "缺少"]),
    "negative amount": (_set("budget", "project_actual", -1), ["budget.project_actual", "不能小于 0"]),
    "negative sangong": (_set("sangong", "reception_actual", -0.01), ["sangong.reception_actual"]),
    "2.5 people": (_set("staff", "staff_dispatched", 2.5), ["staff.staff_dispatched", "整数"]),
    "quarter missing": (_del("quarterly", "paid_q3"), ["quarterly.paid_q3", "缺少"]),
    "three decimals": (_set("procurement", "procurement_actual", 730.685), ["procurement.procurement_actual",
                                                                             "小数"]),
    "text amount": (_set("budget", "public_adjusted", "三十九"), ["budget.public_adjusted", "数字"]),
    "typo field": (_set("budget", "publik_actual", 1), ["budget.publik_actual", "未知字段"]),
    "stated figure under its input's group": (_set("budget", "basic_initial_stated", 681.36),
                                              ["budget.basic_initial_stated", "未知字段", "应写在 stated: 下"]),
    "input under another group": (_set("staff", "public_actual", 1), ["staff.public_actual 应写在 budget: 下"]),
    "unknown indicator in self_scores": (
        lambda d: d["self_scores"].update(no_such_indicator={"score": 1}), ["no_such_indicator", "自评"]),
    "unknown judged input": (lambda d: d["judgements"].update(j_no_such_thing=1), ["j_no_such_thing", "评判"]),
    "self score with 3 decimals": (lambda d: d["self_scores"].update(procurement={"score": 1.375}),
                                   ["self_scores.procurement.score"]),
    "negative self score": (lambda d: d["self_scores"].update(procurement={"score": -1}),
                            ["self_scores.procurement.score"]),
    "missing section": (lambda d: d.pop("staff"), ["staff", "缺少"]),
}


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_data_file(tmp_path: Path, case: str) -> None:
    mutate, needles = DATA_CASES[case]
    path = data_file(tmp_path, mutate)
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), *needles)
    assert out == ""   # nothing half-printed on stdout


def test_judged_answer_as_text_for_a_numeric_input(tmp_path: Path) -> None:
    """A judged count/points answer typed as text (e.g. 'abc' or '1' in quotes) must be reported like
    any other bad input — not escape as an ExprError traceback from the rule engine."""
    path = data_file(tmp_path, lambda d: d["judgements"].update(j_targets_missing="abc"))
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), "j_targets_missing")


def test_judged_points_answer_as_text(tmp_path: Path) -> None:
    path = data_file(tmp_path, lambda d: d["judgements"].update(j_rationality_1="一分"))
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), "j_rationality_1")


def test_missing_data_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), "找不到")


def test_data_file_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), "键值表")


def test_data_file_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("info: {department: 甲\nbudget: [\n", encoding="utf-8")
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), "YAML")


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x", encoding="utf-8")
    code, out, err = run_main(["score", str(path), "--json"])
    assert_clean_error(code, out, err, str(path), ".txt")


# Framework files -------------------------------------------------------------------------------------------


def _points_not_summing(fw):
    leaf(fw, "budgeting")["points"] = 9        # children 5 + 5 = 10


def _total_not_100(fw):
    fw["total_points"] = 90                    # 20 + 20 + 60 = 100


def _rule_points_mismatch(fw):
    leaf(fw, "key_tasks")["rule"]["points"] = 7   # indicator 8


def _unknown_kind(fw):
    leaf(fw, "key_tasks")["rule"]["kind"] = "magic"


def _unknown_name_in_measure(fw):
    fw["measures"][0]["num"] = "procurement_actul"


def _unknown_name_in_rule(fw):
    leaf(fw, "key_tasks")["rule"]["count"] = "key_tasks_faild"


def _forbidden_expression(fw):
    fw["measures"][0]["num"] = "__import__('os').getcwd()"


def _band_score_over_points(fw):
    leaf(fw, "asset_utilisation")["rule"]["bands"][0]["score"] = 2


def _duplicate_id(fw):
    leaf(fw, "key_tasks")["id"] = "effects"


FRAMEWORK_CASES = {
    "points not summing": (_points_not_summing, ["budgeting", "9", "10"]),
    "total not 100": (_total_not_100, ["90", "100"]),
    "rule points mismatch": (_rule_points_mismatch, ["key_tasks"]),
    "unknown kind": (_unknown_kind, ["kind", "magic"]),
    "unknown name in a measure": (_unknown_name_in_measure, ["procurement_actul", "procurement_rate"]),
    "unknown name in a rule": (_unknown_name_in_rule, ["key_tasks_faild", "key_tasks"]),
    "forbidden expression": (_forbidden_expression, ["measures.0.num"]),
    "band score over points": (_band_score_over_points, ["档位得分超过本项分值"]),
    "duplicate indicator id": (_duplicate_id, ["effects", "重复"]),
}


@pytest.mark.parametrize("case", list(FRAMEWORK_CASES))
def test_malformed_framework(tmp_path: Path, case: str) -> None:
    mutate, needles = FRAMEWORK_CASES[case]
    fw = framework_file(tmp_path, mutate)
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw), *needles)


def test_framework_bad_yaml(tmp_path: Path) -> None:
    fw = framework_file(tmp_path, text="id: [futian-2021\nversion: '1'\n")
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw), "YAML")


def test_framework_not_a_mapping(tmp_path: Path) -> None:
    fw = framework_file(tmp_path, text="- a\n- b\n")
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw), "键值表")


def test_framework_not_found(tmp_path: Path) -> None:
    fw = tmp_path / "nowhere.yaml"
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw), "futian-2021")


@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        ("bands measure", lambda fw: leaf(fw, "asset_utilisation")["rule"].update(measure="fa_use_rate +")),
        ("schedule paid", lambda fw: leaf(fw, "budget_execution")["rule"]["paid"].__setitem__(0, "paid_q1 +")),
        ("schedule total", lambda fw: leaf(fw, "budget_execution")["rule"].update(total="quota_total )")),
        ("linear measure", lambda fw: leaf(fw, "project_timeliness")["rule"].update(measure="a.b")),
    ],
)
def test_framework_expression_syntax_error_in_rule_fields(tmp_path: Path, where: str, mutate) -> None:
    """Expressions in ``measure`` / ``paid`` / ``total`` are not validated by the models (unlike
    ``zero_if``, ``count``, ``when`` and measure ``num``/``den``); the ExprError raised later while
    checking names must still become a clean message, not a traceback."""
    fw = framework_file(tmp_path, mutate)
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw))


def test_framework_measure_using_a_later_measure(tmp_path: Path) -> None:
    """A declared measure may only use names that exist when it is computed. ``exec_avg`` (generated by the
    schedule rule, computed after the declared measures) passes the name check at load time but is
    undefined when the measure is evaluated: the result must be a clean error (at load or at scoring),
    not a traceback."""
    def mutate(fw):
        fw["measures"][0]["num"] = "procurement_actual + exec_avg * 0"

    fw = framework_file(tmp_path, mutate)
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err)
    assert "exec_avg" in err or "procurement_rate" in err, err


def test_framework_tier_score_over_points(tmp_path: Path) -> None:
    """Bands refuse a score above the rule's points (档位得分超过本项分值); tiers must too, or a typo
    (2 for a 1.5-point part) is silently clamped."""
    def mutate(fw):
        leaf(fw, "disclosure")["rule"]["rule"]["parts"][0]["tiers"][1]["score"] = 2

    fw = framework_file(tmp_path, mutate)
    code, out, err = run_main(["score", str(EXAMPLE), "--framework", str(fw), "--json"])
    assert_clean_error(code, out, err, str(fw))


# The real entry point ---------------------------------------------------------------------------------------


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True, cwd=REPO,
                          encoding="utf-8", timeout=60)


@pytest.mark.subprocess
def test_subprocess_missing_amount(tmp_path: Path) -> None:
    path = data_file(tmp_path, _del("budget", "public_actual"))
    proc = run_module("score", str(path), "--json")
    assert_clean_error(proc.returncode, proc.stdout, proc.stderr, str(path), "budget.public_actual")


@pytest.mark.subprocess
def test_subprocess_judged_text_answer(tmp_path: Path) -> None:
    path = data_file(tmp_path, lambda d: d["judgements"].update(j_targets_missing="abc"))
    proc = run_module("score", str(path), "--json")
    assert_clean_error(proc.returncode, proc.stdout, proc.stderr, str(path), "j_targets_missing")
