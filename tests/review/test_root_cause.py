"""One root cause, one finding (issue 19, item 3): an input with its own error is scored as the sheet
computes with it, and what exists only because of it is folded under its finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlperf.compiled import plan_for
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.write.template import write_template

EXAMPLE = Path(__file__).parents[2] / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"


@pytest.fixture(scope="module")
def fw() -> Any:
    return load_framework("futian-2021")


def _leaf(fw: Any) -> tuple[str, Any]:
    ind = next(i for i in fw.leaves() if i.points <= 6)
    return f"self_{ind.id}", ind


def _mutated(fw: Any, tmp_path: Path, changes: dict[str, Any]) -> Path:
    cells = plan_for(fw).cells
    wb = load_workbook(EXAMPLE)
    for name, value in changes.items():
        c = cells[name]
        wb[c.sheet][c.cell] = value
    out = tmp_path / "u.xlsx"
    wb.save(out)
    return out


# (input, what was typed, the code of its own error)
CASES = [("personnel_initial", None, "XP207"), ("personnel_initial", -5, "XP205"),
         ("personnel_initial", 642.213, "XP208"), ("personnel_initial", "642.21万元", "XP202"),
         ("petition_reply_rate", 93, "XP212"), ("classified", "有", "XP211")]


@pytest.mark.parametrize("name, typed, code", CASES)
def test_scoring_goes_on_and_a_self_score_above_its_points_is_still_reported(
        fw: Any, tmp_path: Path, name: str, typed: Any, code: str) -> None:
    self_name, ind = _leaf(fw)
    rep = validate_file(_mutated(fw, tmp_path, {name: typed, self_name: int(ind.points) + 1}))
    codes = [f.code for f in rep.findings]
    assert code in codes
    assert rep.total_computed is not None and rep.total_self is not None  # before: blank, no XP4xx at all
    assert any(f.code == "XP401" and f.indicator == ind.id for f in rep.findings), codes


def test_a_typo_is_one_finding_with_its_consequences(fw: Any, tmp_path: Path) -> None:
    """642.21 typed as “642.21万元”: the sheet computes with 0, so 基本支出 (642.21 + 39.15, stated 681.36),
    the 总计 and the report's 人员支出 disagree; those are consequences, the seed's own slips are not."""
    base = validate_file(EXAMPLE)
    rep = validate_file(_mutated(fw, tmp_path, {"personnel_initial": "642.21万元"}))
    cause = next(f for f in rep.findings if f.code == "XP202")
    inner = {(c.code, c.location) for c in cause.consequences}
    assert ("XP301", "预算编制!B11") in inner and ("XP302", "预算编制!B13") in inner
    assert f"由此导致 {len(cause.consequences)} 项" in cause.message
    top = {(f.code, f.location, f.message) for f in rep.findings}
    assert not inner & {(c, loc) for c, loc, _ in top}  # folded, not repeated
    # every finding of the seed that does not read 人员经费 年初预算 is still there, on its own
    own = [f for f in base.findings if f.location not in ("预算编制!B11", "预算编制!B12", "预算编制!B13",
                                                           "预算执行!B26")]
    assert all(any(g.code == f.code and g.location == f.location for g in rep.findings) for f in own), own
    assert rep.errors == base.errors + 1 - sum(1 for f in base.findings if f.location in ("预算编制!B11",))


FAMILIES = Path(__file__).parents[1] / "data" / "frameworks" / "families"


def test_a_blank_form_folds_nothing_that_last_years_blank_figures_also_cause(tmp_path: Path) -> None:
    """xiangnan-2023's blank form: 因公出国（境）费 实际支出 is required and blank (XP207), and the “三公”经费变动率
    (XP409, 评分表!F23) and the audit SG-01 (XP330, 收支情况!B20) read it — but they also read last year's
    “三公” figures, blank too and no error of their own: typing this year's figure leaves both findings standing,
    so they are not its consequences and keep their own lines (they were folded under it: “改正本项后这些问题
    随之消除”, untrue)."""
    fw = load_framework(str(FAMILIES / "xiangnan-2023.yaml"))
    out = tmp_path / "blank.xlsx"
    write_template(fw, out)
    rep = validate_file(out, fw)
    top = {(f.code, f.location) for f in rep.findings}
    assert ("XP409", "评分表!F23") in top and ("XP330", "收支情况!B20") in top
    abroad = next(f for f in rep.findings if f.code == "XP207" and f.location == "收支情况!B19")
    assert abroad.consequences == [] and "由此导致" not in abroad.message
    # an audit reading only the blank required figure (有效问卷 ≥ 100) is its consequence and stays folded
    valid = next(f for f in rep.findings if f.code == "XP207" and f.location == "产出效益!B15")
    assert [(c.code, c.location) for c in valid.consequences] == [("XP321", "产出效益!B15")]


def test_a_finding_of_two_input_errors_is_folded_under_neither(fw: Any, tmp_path: Path) -> None:
    """The seed with 人员经费 and 日常公用经费 年初预算 both typed with 万元: 基本支出 (stated 681.36) disagrees
    with their sum because of both; correcting one leaves it, so it is nobody's consequence and is listed
    on its own. With one typo it is folded (test above)."""
    rep = validate_file(_mutated(fw, tmp_path, {"personnel_initial": "642.21万元", "public_initial": "39.15万元"}))
    assert ("XP301", "预算编制!B11") in {(f.code, f.location) for f in rep.findings}
    for f in rep.findings:
        assert ("XP301", "预算编制!B11") not in {(c.code, c.location) for c in f.consequences}


def test_a_rule_reading_a_blank_yes_no_names_it_by_its_label(fw: Any, tmp_path: Path) -> None:
    """The blank form: 群众信访办理情况 reads three inputs, all blank, so XP409 stays on its own (two input errors
    and more) and says which figure is missing in words — it said “未定义的名称 petition_channel”."""
    out = tmp_path / "blank.xlsx"
    write_template(fw, out)
    xp409 = next(f for f in validate_file(out, fw).findings if f.code == "XP409" and f.indicator == "petitions")
    assert "已建立群众意见反映渠道和办理回复机制 未填写" in xp409.message, xp409.message
    assert "未定义" not in xp409.message and "petition_channel" not in xp409.message
