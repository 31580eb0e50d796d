"""A tiers (分档) rule reading a choice the department picks on the form, through framework data only.

xiangnan-choice-2023 (tests/data/frameworks/families) is xiangnan-2023 with 预决算信息公开 scored from the
form input ``disclosure`` (kind choice, options 按时完整公开 / 公开但不完整 / 未公开) instead of a judged
answer on the score sheet. For every option and a blank cell the workbook's own formula, recalculated by
LibreOffice, and the validator (xlperf's engine on the read workbook) give the criteria's points, worked
out by hand: 3, 1.5, 0, and 0 when nothing is chosen (the rule's default).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xlperf.api import score_path
from xlperf.compiled import plan_for
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from xlperf.errors import InputError
from xlperf.ingest.datafile import load_data
from xlperf.ingest.xlsx import open_book
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.write.template import write_template

HERE = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"
FRAMEWORK = HERE / "xiangnan-choice-2023.yaml"
CHOICES = [("按时完整公开", Decimal(3)), ("公开但不完整", Decimal("1.5")), ("未公开", Decimal(0)), (None, Decimal(0))]


def test_the_choice_is_a_form_input_not_a_score_sheet_answer() -> None:
    fw = load_framework(str(FRAMEWORK))
    plan = plan_for(fw)
    assert plan.cells["disclosure"].sheet == "产出效益"
    assert "j_disclosure" not in plan.cells and not any(s.name == "disclosure" and s.role == "judged"
                                                        for s in (c.spec for c in plan.cells.values() if c.spec))


@pytest.mark.libreoffice
def test_sheet_and_validator_score_every_choice_alike(tmp_path: Path) -> None:
    fw = load_framework(str(FRAMEWORK))
    base = data_values(load_data(HERE / "xiangnan-choice-2023-data.yaml", fw))
    paths = []
    for n, (choice, _) in enumerate(CHOICES):
        values = {k: v for k, v in base.items() if k != "disclosure"}
        if choice is not None:
            values["disclosure"] = choice
        paths.append(write_template(fw, tmp_path / f"c{n}.xlsx", values=values))
    saved = recalculate(paths, tmp_path / "lo")
    score_cell, cell = plan_for(fw).cells["score_disclosure_score"], plan_for(fw).cells["disclosure"]
    for (choice, points), path, lo in zip(CHOICES, paths, saved, strict=True):
        raw = open_book(lo).cell(score_cell.sheet, score_cell.cell)
        assert raw is not None and Decimal(str(raw.value)) == points, (choice, raw)
        report = validate_file(path, fw)
        if choice is None:  # required: its own error, the score's disagreement (self 1.5, computed 0) folded under it
            blank = next(f for f in report.findings if f.code == "XP207" and f.location == f"{cell.sheet}!{cell.cell}")
            assert [(c.code, c.indicator) for c in blank.consequences] == [("XP402", "disclosure_score")]
            continue
        got = {i.id: i.computed for i in score_path(path, FRAMEWORK).indicators}  # the workbook as xlperf reads it
        assert got["disclosure_score"] == points, (choice, got["disclosure_score"])
        flagged = [f for f in report.findings if f.indicator == "disclosure_score"]
        # self-scored 1.5: above a computed 0 (XP402), below a computed 3 (XP403)
        assert [f.code for f in flagged] == (["XP402"] if points < Decimal("1.5") else
                                             ["XP403"] if points > Decimal("1.5") else []), flagged


def test_a_tier_that_is_not_an_option_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(FRAMEWORK.read_text(encoding="utf-8").replace(
        "extends: xiangnan-2023.yaml", f"extends: {HERE / 'xiangnan-2023.yaml'}").replace(
        "- {label: 未公开, score: 0}", "- {label: 没有公开, score: 0}"), encoding="utf-8")
    with pytest.raises(InputError, match=r"没有公开.*disclosure"):
        load_framework(str(broken))


def _yes_no_framework(folder: Path) -> Path:
    """The same indicator scored by a 是/否 (bool) input of the form: 是 3 points, 否 0."""
    path = folder / "yes-no.yaml"
    path.write_text(FRAMEWORK.read_text(encoding="utf-8")
                    .replace("extends: xiangnan-2023.yaml", f"extends: {HERE / 'xiangnan-2023.yaml'}")
                    .replace("kind: choice, group: survey,", "kind: bool, group: survey,")
                    .replace("       options: [按时完整公开, 公开但不完整, 未公开], help: 按本年度预决算公开的实际情况选择}",
                             "       help: 是否按时完整公开}")
                    .replace("""                - {label: 按时完整公开, score: 3}
                - {label: 公开但不完整, score: 1.5}
                - {label: 未公开, score: 0}""", """                - {label: 是, score: 3}
                - {label: 否, score: 0}"""), encoding="utf-8")
    return path


@pytest.mark.libreoffice
def test_a_yes_no_input_scores_its_tiers_in_the_sheet_and_the_validator(tmp_path: Path) -> None:
    fw = load_framework(str(_yes_no_framework(tmp_path)))
    base = data_values(load_data(HERE / "xiangnan-choice-2023-data.yaml", load_framework(str(FRAMEWORK))))
    cases = [(True, Decimal(3)), (False, Decimal(0))]
    paths = [write_template(fw, tmp_path / f"yn{n}.xlsx", values={**base, "disclosure": answer})
             for n, (answer, _) in enumerate(cases)]
    saved = recalculate(paths, tmp_path / "lo")
    score_cell = plan_for(fw).cells["score_disclosure_score"]
    for (answer, points), path, lo in zip(cases, paths, saved, strict=True):
        raw = open_book(lo).cell(score_cell.sheet, score_cell.cell)
        assert raw is not None and Decimal(str(raw.value)) == points, (answer, raw)
        got = {i.id: i.computed for i in score_path(path, str(tmp_path / "yes-no.yaml")).indicators}
        assert got["disclosure_score"] == points, (answer, got["disclosure_score"])
