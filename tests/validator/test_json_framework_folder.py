"""``validate --json`` shows the same indicator names and number texts whether the reviewer names the framework
by its file or by the folder holding it: the report carries them, no renderer loads a framework again."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xlperf.compiled import data_model
from xlperf.ingest.datafile import read_raw
from xlperf.data.values import data_values
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.write.template import write_template

from .common import run_cli

DEMO_FW = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "demo-region-2023.yaml"


@pytest.fixture(scope="module")
def demo_with_findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A demo-region workbook with a wrong stated total (万元) and a wrong self-score, and a folder holding
    only the demo framework file."""
    fw = load_framework(DEMO_FW)
    raw = read_raw(DEMO_FW.with_name("demo-region-2023-data.yaml"))
    raw["stated"]["total_actual_stated"] = Decimal("79000.12")  # type: ignore[index]
    raw["self_scores"]["procurement"] = {"score": Decimal("3"), "reason": "自评"}  # type: ignore[index]
    tmp = tmp_path_factory.mktemp("demo-json")
    book = write_template(fw, tmp / "demo.xlsx", values=data_values(data_model(fw).model_validate(raw)))
    folder = tmp / "frameworks"
    folder.mkdir()
    shutil.copy(DEMO_FW, folder / DEMO_FW.name)
    return book, folder


def _shown(framework: Path, book: Path) -> list[tuple[Any, ...]]:
    code, out, err = run_cli(["validate", "--json", "-q", "--framework", framework, book])
    assert code == 1, out + err
    findings = json.loads(out)["files"][0]["findings"]
    return [(f["code"], f["sheet"], f["cell"], f["indicator"], f["found_display"], f["expected_display"])
            for f in findings]


def test_framework_folder_shows_what_the_framework_file_shows(demo_with_findings: tuple[Path, Path]) -> None:
    book, folder = demo_with_findings
    by_file, by_folder = _shown(DEMO_FW, book), _shown(folder, book)
    assert by_folder == by_file
    # not vacuous: the indicator is named (from the demo framework's YAML), the money figure is shown in 万元
    # with two decimals and thousands separators, the self-score with two decimals
    assert ("XP302", "预算执行", "B34", None, "79,000.12", "79,260.57") in by_folder
    assert ("XP402", "评分表", "G20", {"id": "procurement", "name": "政府采购执行率"}, "3.00", "1.13") in by_folder


def test_cell_kinds_follow_the_findings_order(demo_with_findings: tuple[Path, Path]) -> None:
    """The kinds a report carries are listed in the order their cells first appear among its findings, so the
    same file gives the same JSON in every run (they were listed in a set's order, which follows PYTHONHASHSEED)."""
    book, _ = demo_with_findings
    rep = validate_file(book, framework=load_framework(DEMO_FW))
    first_seen = list(dict.fromkeys(f"{f.sheet}!{f.cell}" for f in rep.findings if f.sheet and f.cell))
    assert len(rep.cell_kinds) >= 2  # not vacuous: an order between two cells at least
    assert list(rep.cell_kinds) == [key for key in first_seen if key in rep.cell_kinds]
