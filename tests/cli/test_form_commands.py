"""The commands a framework author uses: rules --framework, data-schema, score with a framework folder."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from .conftest import REPO, xlperf

FAMILIES = REPO / "tests" / "data" / "frameworks" / "families"


def test_rules_lists_the_frameworks_audit_rules_beside_the_catalogue() -> None:
    fw_path = FAMILIES / "ppd-2024.yaml"
    audits = yaml.safe_load(fw_path.read_text(encoding="utf-8"))["form"]["audits"]
    run = xlperf("rules", "--framework", fw_path)
    assert run.code == 0, run.err
    assert "XP301" in run.out and "XP320" in run.out  # the catalogue is there
    for audit in audits:
        line = next(ln for ln in run.out.splitlines() if ln.startswith(audit["id"] + "\t"))
        assert ("XP320" if audit["severity"] == "强制" else "XP321") in line and audit["severity"] in line


def test_data_schema_validates_the_data_file_and_refuses_an_unknown_key() -> None:
    run = xlperf("data-schema", "--framework", FAMILIES / "coef-2024.yaml")
    assert run.code == 0, run.err
    schema = json.loads(run.out)
    data = yaml.safe_load((FAMILIES / "coef-2024-data.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    bad = dict(data, no_such_group={"x": 1})
    try:
        jsonschema.validate(json.loads(json.dumps(bad, default=str)), schema)
    except jsonschema.ValidationError:
        pass
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("an unknown top-level key was accepted by the data schema")


def test_score_with_a_framework_folder_finds_the_recorded_framework(tmp_path: Path) -> None:
    by_file = xlperf("score", FAMILIES / "annual-2024-data.yaml", "--framework", FAMILIES / "annual-2024.yaml", "--json")
    by_dir = xlperf("score", FAMILIES / "annual-2024-data.yaml", "--framework", FAMILIES, "--json")
    assert by_file.code == by_dir.code == 0, by_dir.err
    assert json.loads(by_file.out)["total"] == json.loads(by_dir.out)["total"]
    empty = tmp_path / "empty"
    empty.mkdir()
    run = xlperf("score", FAMILIES / "annual-2024-data.yaml", "--framework", empty)
    assert run.code == 2 and "没有框架文件" in run.err and "Traceback" not in run.err
