"""A verdict means what it says: no self-score is an error, a constant formula is read by its value, an
explanation must be words (issue 19, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from xlperf.data.values import data_values
from xlperf.compiled import score
from xlperf.loader import load_framework
from xlperf.compiled import plan_for
from xlperf.findings import adequate
from xlperf.validate import validate_file
from xlperf.write.template import write_template

SEED = 105


@pytest.fixture(scope="module")
def fw():  # type: ignore[no-untyped-def]
    return load_framework("futian-2021")


def _leaf_key(fw) -> str:  # type: ignore[no-untyped-def]
    leaf = next(x for x in score(fw, random_department(fw, SEED)).indicators if x.is_leaf and x.points < 7)
    return f"self_{leaf.id}"


def test_no_self_score_at_all_is_one_error(fw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = {k: v for k, v in data_values(random_department(fw, SEED)).items() if not k.startswith("self_")}
    rep = validate_file(write_template(fw, tmp_path / "u.xlsx", values=values))
    codes = [f.code for f in rep.findings]
    assert codes.count("XP410") == 1 and "XP407" not in codes
    assert rep.review_zh == "需修改" and rep.total_self is None
    # futian-2021 scores 三级指标 only (xiangnan-2023, with leaves at levels 2 and 3: tests/families/)
    assert "（21 项三级指标全部为空）" in next(f.message for f in rep.findings if f.code == "XP410")


def test_one_self_score_blank_is_a_warning_not_xp410(fw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = data_values(random_department(fw, SEED))
    values[_leaf_key(fw)] = None
    rep = validate_file(write_template(fw, tmp_path / "u.xlsx", values=values))
    assert [f.code for f in rep.findings if f.code in ("XP407", "XP410")] == ["XP407"]


@pytest.mark.parametrize("formula, typed", [("=7", 7), ("=3+4", 7), ("=(10-3)*1", 7), ("=14/2", 7)])
def test_self_score_as_constant_formula_is_checked_by_value(fw, tmp_path: Path, formula: str,  # type: ignore[no-untyped-def]
                                                            typed: int) -> None:
    """A self-score of 7 typed as a formula that no program calculated (openpyxl saves no result) is
    the same error as 7 typed: above the indicator's points (XP401), the formula named (XP213)."""
    values = data_values(random_department(fw, SEED))
    leaf = _leaf_key(fw)
    path = write_template(fw, tmp_path / "u.xlsx", values=values)
    cell = plan_for(fw).cells[leaf]
    wb = load_workbook(path)
    wb[cell.sheet][cell.cell] = formula
    wb.save(path)
    typed_path = write_template(fw, tmp_path / "t.xlsx", values={**values, leaf: typed})
    rep, ref = validate_file(path), validate_file(typed_path)
    at = f"{cell.sheet}!{cell.cell}"
    assert [(f.code, f.found) for f in rep.findings if f.location == at and f.code != "XP213"] == \
        [(f.code, f.found) for f in ref.findings if f.location == at]
    assert any(f.code == "XP401" for f in rep.findings if f.location == at)
    assert any(f.code == "XP213" and formula in f.message for f in rep.findings if f.location == at)


@pytest.mark.parametrize("text", ["12345", "ababab", "123123", "好好好好好好", "1.1.1.1.1", "a1b2c3".upper()[:1] * 6])
def test_explanation_without_words_is_not_adequate(text: str) -> None:
    assert not adequate(text)


@pytest.mark.parametrize("text", ["年中追加任务，已批准", "2021年追加预算5万元，已报批", "因公出国团组增加"])
def test_explanation_in_words_is_adequate(text: str) -> None:
    assert adequate(text)
