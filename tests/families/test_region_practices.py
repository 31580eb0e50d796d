"""Issue 21 items 5 and 2: review practices belong to the framework (XP405, XP407), and prior-year figures
that must be given (``prior_required``), with every rule or audit over an empty one saying so.

Built on the ppd-2024 family (tests/data/frameworks/families/): its data file gives self-scores, reasons and
last year's “三公”经费支出 (20.00). Expected findings are read off that data file by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from xlperf.ingest.datafile import load_data
from xlperf.compiled import data_model
from xlperf.data.values import data_values
from xlperf.errors import InputError
from xlperf.loader import load_framework
from xlperf.compiled import plan_for
from xlperf.validate import validate_file
from xlperf.write.template import write_template

HERE = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks" / "families"


def variant(tmp_path: Path, edit: dict[str, Any] | None = None, prior_required: bool = False) -> Path:
    """ppd-2024 with top-level keys replaced (and 三公 last year's figure made required)."""
    raw = yaml.safe_load((HERE / "ppd-2024.yaml").read_text(encoding="utf-8"))
    raw.update(edit or {})
    if prior_required:
        for decl in raw["form"]["inputs"]:
            if decl["name"] == "sangong_actual":
                del decl["prior"]
                decl["prior_required"] = True  # alone: implies prior: true
    path = tmp_path / "ppd-variant.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def raw_data() -> dict[str, Any]:
    return yaml.safe_load((HERE / "ppd-2024-data.yaml").read_text(encoding="utf-8"))


def findings(fw_file: Path, raw: dict[str, Any], tmp_path: Path) -> set[tuple[str, str, str | None]]:
    """Validate a workbook filled with ``raw`` (read by ppd-2024's own data model, so a required figure can be
    left out of the workbook)."""
    fw = load_framework(str(fw_file))
    data = data_model(load_framework(str(HERE / "ppd-2024.yaml"))).model_validate(raw)
    book = write_template(fw, tmp_path / "book.xlsx", values=data_values(data))
    found = validate_file(book, str(fw_file)).findings  # with the consequences folded under their input's finding
    return {(f.code, f.location, f.rule) for top in found for f in (top, *top.consequences)}


def at(fw_file: Path, name: str) -> str:
    cell = plan_for(load_framework(str(fw_file))).cells[name]
    return f"{cell.sheet}!{cell.cell}"


# Item 5: practices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "reasons"), [
    ("judged", {"rules_soundness"}),   # the default (Futian): only the judged checklist 9 of 10 without a reason
    # every leaf below its 10 points without a reason: 6.86, 9.52, 9, 8, 9.23 (staff_control 10 is full marks)
    ("all", {"key_spending", "execution", "rules_soundness", "output_quality", "satisfaction_score"}),
    ("none", set()),
])
def test_reason_below_full_is_the_frameworks_choice(tmp_path: Path, policy: str, reasons: set[str]) -> None:
    fw_file = variant(tmp_path, {"practices": {"reason_below_full": policy}})
    got = {loc for code, loc, _ in findings(fw_file, raw_data(), tmp_path) if code == "XP405"}
    assert got == {at(fw_file, f"reason_{r}") for r in reasons}


def test_missing_self_score_can_be_left_to_the_region(tmp_path: Path) -> None:
    raw = raw_data()
    del raw["self_scores"]["key_spending"]
    on = variant(tmp_path)
    assert ("XP407", at(on, "self_key_spending"), None) in findings(on, raw, tmp_path)
    off = variant(tmp_path, {"practices": {"self_score_required": False}})
    assert "XP407" not in {code for code, _, _ in findings(off, raw, tmp_path)}


def test_practices_refuse_unknown_values(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="reason_below_full"):
        load_framework(str(variant(tmp_path, {"practices": {"reason_below_full": "some"}})))


# Item 2: prior-year figures --------------------------------------------------------------------------


def test_empty_prior_figure_is_said_not_guessed(tmp_path: Path) -> None:
    """Without last year's 三公 figure: the audit SG-01 says it did not run (XP330) and the change rate's
    indicator says it cannot be computed because the prior figure is empty (XP409), not den_zero."""
    fw_file = variant(tmp_path)
    raw = raw_data()
    del raw["prior"]
    got = findings(fw_file, raw, tmp_path)
    assert ("XP330", at(fw_file, "prev_sangong_actual"), "SG-01") in got
    assert ("XP409", at(fw_file, "score_sangong_control"), None) in got
    assert not any(code == "XP207" for code, _, _ in got)  # optional: no empty-required finding
    report = validate_file(write_template(load_framework(str(fw_file)), tmp_path / "b2.xlsx",
                                          values=data_values(data_model(load_framework(str(fw_file)))
                                                             .model_validate(raw))), str(fw_file))
    text = next(f.message for f in report.findings if f.code == "XP409")
    assert "上年数 “三公”经费支出 未填写" in text and "prev_" not in text  # the label, not the identifier


def test_required_prior_figure(tmp_path: Path) -> None:
    fw_file = variant(tmp_path, prior_required=True)
    fw = load_framework(str(fw_file))
    assert next(i for i in fw.form.inputs if i.name == "sangong_actual").prior  # implied
    raw = raw_data()
    del raw["prior"]
    got = findings(fw_file, raw, tmp_path)
    assert ("XP207", at(fw_file, "prev_sangong_actual"), None) in got
    assert ("XP330", at(fw_file, "prev_sangong_actual"), "SG-01") in got
    data_file = tmp_path / "data.yaml"
    raw["prior"] = {}
    data_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="prev_sangong_actual"):
        load_data(data_file, fw)
    # given, the figure is accepted and nothing is reported about it
    raw["prior"] = {"prev_sangong_actual": 20.0}
    assert not {c for c, _, _ in findings(fw_file, raw, tmp_path)} & {"XP207", "XP330"}


def test_prior_required_contradicting_prior_false_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((HERE / "ppd-2024.yaml").read_text(encoding="utf-8"))
    for decl in raw["form"]["inputs"]:
        if decl["name"] == "sangong_actual":
            decl.update(prior=False, prior_required=True)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(Exception, match="prior_required"):
        load_framework(str(path))
