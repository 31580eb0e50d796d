"""Reviewer sheets show Chinese names, never ids (issue 19, item 7): every string cell of every sheet of the
汇总 (``xlperf consolidate``), and every text a chart of it caches, is scanned for an ASCII identifier
(``personnel_initial``) or a framework id (an indicator's ``budgeting``, an input's name).

Two batches: the example alone, and a folder of several units consolidated twice (the second round with one
unit's figures changed, so that 与上轮比较 lists changed inputs)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.futian_random import random_department
from tests.validator.common import run_cli
from tests.workbook.helpers import seed_data, variant
from xlperf.compiled import catalog
from xlperf.data.values import data_values
from xlperf.framework.models import Framework
from xlperf.loader import load_framework
from xlperf.write.template import write_template

UNITS = 5


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework("futian-2021")


def _id_pattern(fw: Framework) -> re.Pattern[str]:
    ids = {i.id for i in fw.walk()} | set(catalog(fw))
    words = "|".join(sorted(map(re.escape, ids), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])([a-z]+_[a-z0-9_]+|{words})(?![A-Za-z0-9_])")


def _ids_in(path: Path, pattern: re.Pattern[str], root: Path) -> list[str]:
    """Every id in a string cell or a chart text; the submitted files' own paths (under ``root``, pytest's
    temporary folder with its ASCII name) are the 文件 column's, not labels."""
    found = []
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (m := pattern.search(cell.value.replace(str(root), ""))):
                    found.append(f"{ws.title}!{cell.coordinate}: {m[0]} in {cell.value[:60]!r}")
    with zipfile.ZipFile(path) as zf:  # chart titles, axis titles and cached category and series labels
        for name in zf.namelist():
            if name.startswith("xl/charts/") and name.endswith(".xml"):
                texts = re.findall(r"<(?:a:t|c:v)>([^<]*)</", zf.read(name).decode("utf-8"))
                found += [f"{name}: {m[0]} in {t[:60]!r}" for t in texts if (m := pattern.search(t))]
    return found


def test_pattern_catches_ids(fw: Framework) -> None:
    """The scan can fail: it finds the ids a reviewer saw (issue 19) and passes Chinese labels and codes."""
    pattern = _id_pattern(fw)
    for text in ("personnel_initial", "指标 budgeting", "decision", "人员经费 paid_q1 年初"):
        assert pattern.search(text), text
    for text in ("人员经费 年初预算", "XP301", "YS-04", "科技创新局.xlsx", "第 1 轮", "2021年度"):
        assert not pattern.search(text), text


def test_consolidation_sheets_show_no_ids(fw: Framework, tmp_path: Path) -> None:
    pattern = _id_pattern(fw)
    one, many = tmp_path / "单个单位", tmp_path / "多个单位"
    seed = data_values(seed_data())
    write_template(fw, one / "科技创新局.xlsx", values=seed)
    for s in range(UNITS):
        write_template(fw, many / f"测试单位{s}.xlsx", values=data_values(random_department(fw, s)))
    shutil.copy(one / "科技创新局.xlsx", many / "科技创新局.xlsx")
    outputs: list[Path] = []
    for folder, name in ((one, "汇总一"), (many, "汇总二")):
        out = folder.parent / f"{name}.xlsx"
        code, _, err = run_cli(["consolidate", "-q", folder, "-o", out, "--include-unaccepted"])
        assert code in (0, 1), err
        outputs.append(out)
    found = [f"{p.name} {hit}" for p in outputs for hit in _ids_in(p, pattern, tmp_path)]  # before round 2 replaces one
    # a second round of the folder: one unit's figures changed (与上轮比较 lists the inputs changed)
    changed = variant(seed_data(), budget={"personnel_initial": "650.00"})
    write_template(fw, many / "科技创新局.xlsx", values=data_values(changed))
    code, _, err = run_cli(["consolidate", "-q", many, "-o", tmp_path / "汇总二.xlsx", "--force"])
    assert code in (0, 1), err
    assert "与上轮比较" in load_workbook(outputs[-1]).sheetnames
    changes = [str(c) for row in load_workbook(outputs[-1])["与上轮比较"].iter_rows(values_only=True) for c in row]
    assert any("人员经费" in c and "年初预算" in c for c in changes), changes  # the changed input, by its label
    found += [f"{outputs[-1].name}（第二轮） {hit}" for hit in _ids_in(outputs[-1], pattern, tmp_path)]
    assert not found, "\n".join(found[:30])
