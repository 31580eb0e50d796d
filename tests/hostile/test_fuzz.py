"""Seeded fuzzing of the validator with XML-level mutations of the shipped example (deterministic).

Element deletions, attribute swaps, number changes (huge exponents, 40 digits, NaN), markup characters in
text, cell types, duplicated and moved elements: through ``validate_file`` and the CLI. Every file gets a
report, no exception, no traceback, no XP000, JSON parses, the inputs stay byte-identical. Every mutant the
validator could read gets its annotated copy (``--annotate``; issue 20: 29% of readable mutants got none),
holding no formula but the plan's. A mutant that fails is copied to ``tests/corpus/regress/`` (commit it),
which is replayed on every run, through both paths.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xlperf.compiled import plan_for
from xlperf.validate import validate_file
from xlperf.write.annotate import annotate_copy

from .fuzz import write_mutants
from .helpers import REPO, sha256

SEED = 20261201
COUNT = 200
ANNOTATE_COUNT = 40
"""Mutants annotated per run (each is a load, a copy and a save: the slowest path; issue 20 found 29 % of
readable mutants without a copy, which 40 show many times over)."""
REGRESS = REPO / "tests" / "corpus" / "regress"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _problems(path: Path) -> list[str]:
    try:
        rep = validate_file(path)
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        return [f"raised {type(exc).__name__}: {exc}"]
    out = []
    if rep.status not in ("ok", "warnings", "invalid", "error"):
        out.append(f"status {rep.status}")
    for f in rep.findings:
        if f.code == "XP000":
            out.append(f"XP000 {f.message}")
        if "Traceback" in f.message or not HAN.search(f.message):
            out.append(f"message {f.message!r}")
    if rep.status == "error" and not rep.findings:
        out.append("unreadable without a finding")
    return out


def _annotate_problems(path: Path, folder: Path) -> list[str]:
    """A file the validator could read gets its annotated copy, with no formula but the plan's."""
    from openpyxl import load_workbook

    rep = validate_file(path)
    if rep.status == "error":
        return []
    target = folder / f"标注-{path.name}"
    try:
        annotate_copy(path, target, rep)
        wb = load_workbook(target)
        planned = {k: "=" + v for fw_id in [rep.framework] if fw_id
                   for k, v in plan_for(_framework(fw_id)).formulas().items()}
        foreign = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for c in getattr(ws, "_cells", {}).values()
                   if c.data_type == "f" and planned.get((ws.title, c.coordinate)) != c.value]
        return [f"foreign formulas in the copy: {foreign[:3]}"] if foreign else []
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        return [f"annotate raised {type(exc).__name__}: {exc}"[:300]]
    finally:
        target.unlink(missing_ok=True)


def _framework(fw_id: str):  # type: ignore[no-untyped-def]
    from xlperf.resolve import builtin_registry, resolve

    return resolve(fw_id, builtin_registry())


def _keep(path: Path) -> Path:
    REGRESS.mkdir(parents=True, exist_ok=True)
    kept = REGRESS / path.name.replace("m", "fuzz-", 1).replace(f"{SEED}-", f"{SEED}-", 1)
    shutil.copy(path, kept)
    return kept


@pytest.fixture(scope="module")
def mutants(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[str]]:
    return write_mutants(tmp_path_factory.mktemp("fuzz"), SEED, COUNT)


def test_mutants_differ(mutants: dict[Path, list[str]]) -> None:
    """The fuzzer really mutates: nearly every mutant differs from every other (and it is deterministic)."""
    digests = {sha256(p) for p in mutants}
    assert len(digests) > COUNT * 0.9
    from .fuzz import mutant

    first = next(iter(mutants))
    assert mutant(SEED, 0)[0] == first.read_bytes()


def test_validate_file_on_mutants(mutants: dict[Path, list[str]]) -> None:
    before = {p: sha256(p) for p in mutants}
    failures = {}
    for path, done in mutants.items():
        problems = _problems(path)
        if problems:
            failures[path.name] = (done, problems[:3], str(_keep(path)))
    assert {p: sha256(p) for p in mutants} == before, "a submitted file was modified"
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)[:4000]


@pytest.mark.slow
@pytest.mark.subprocess
def test_cli_on_mutants(mutants: dict[Path, list[str]]) -> None:
    folder = next(iter(mutants)).parent
    before = {p: sha256(p) for p in mutants}
    proc = subprocess.run([sys.executable, "-m", "xlperf", "validate", "-q", "--json", str(folder)],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    files = json.loads(proc.stdout)["files"]
    assert sorted(Path(f["path"]).name for f in files) == sorted(p.name for p in mutants)
    assert all(f["status"] in ("ok", "warnings", "invalid", "error") for f in files)
    crashed = [Path(f["path"]).name for f in files if any(x["code"] == "XP000" for x in f["findings"])]
    assert not crashed, [str(_keep(folder / name)) for name in crashed]
    assert proc.returncode == (2 if any(f["status"] == "error" for f in files) else
                               1 if any(f["counts"]["error"] for f in files) else 0)
    assert {p: sha256(p) for p in mutants} == before, "a submitted file was modified"


@pytest.mark.slow  # ANNOTATE_COUNT loads, copies and saves by openpyxl
def test_annotate_on_mutants(mutants: dict[Path, list[str]], tmp_path: Path) -> None:
    failures = {}
    for path, done in list(mutants.items())[:ANNOTATE_COUNT]:
        problems = _annotate_problems(path, tmp_path)
        if problems:
            failures[path.name] = (done, problems[:2], str(_keep(path)))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)[:4000]


def test_regression_corpus(tmp_path: Path) -> None:
    kept = sorted(REGRESS.glob("*.xlsx"))
    assert kept, "the regression corpus is empty"
    for path in kept:
        digest = sha256(path)
        assert _problems(path) == [], path.name
        assert _annotate_problems(path, tmp_path) == [], path.name
        assert sha256(path) == digest
