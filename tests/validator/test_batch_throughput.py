"""A batch reads the reviewer's framework once and streams its results (issue 22).

* ``--framework FILE|DIR`` is parsed once per run (in the parent) and compiled at most once per process:
  counted by wrapping the parser and :class:`~xlperf.compiled.CompiledFramework` (worker processes are
  forked, so the wrappers log from every process into one file).
* :func:`~xlperf.validate.iter_validate` yields each file's summary and its JSON rendered in the worker, in
  the order given, the same as the reports a kept batch holds.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import xlperf.compiled
import xlperf.loader
from xlperf.findings import FileReport, FileSummary
from xlperf.loader import builtin_ids
from xlperf.render.json import file_dict, file_line
from xlperf.resolve import choose
from xlperf.validate import CHUNK, Job, Outcome, _pooled, iter_validate, validate_paths

from .common import REPO

BUILTIN_YAML = REPO / "xlperf" / "framework" / "builtin" / f"{builtin_ids()[0]}.yaml"
FILES = 6


def _batch(tmp_path: Path, bases: dict[str, Path]) -> list[Path]:
    folder = tmp_path / "batch"
    folder.mkdir()
    out = []
    for i in range(FILES):
        target = folder / f"unit{i:02d}.xlsx"
        shutil.copy(bases["quiet" if i % 2 else "seed"], target)
        out.append(target)
    return out


def _log_compiles(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Append ``<pid> compile <id>`` / ``<pid> parse <source>`` lines to ``log`` from whichever process."""
    compiled_init = xlperf.compiled.CompiledFramework.__init__
    parse = xlperf.loader.framework_from_text

    def counting_init(self: Any, fw: Any) -> None:
        with log.open("a") as f:
            f.write(f"{os.getpid()} compile {fw.id}\n")
        compiled_init(self, fw)

    def counting_parse(text: str, source: str, folder: Path | None = None) -> Any:
        with log.open("a") as f:
            f.write(f"{os.getpid()} parse {source}\n")
        return parse(text, source, folder)

    monkeypatch.setattr(xlperf.compiled.CompiledFramework, "__init__", counting_init)
    monkeypatch.setattr(xlperf.loader, "framework_from_text", counting_parse)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_reviewer_framework_parsed_once_compiled_once_per_process(
        kind: str, workers: int, bases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _batch(tmp_path, bases)
    folder = tmp_path / "frameworks"
    folder.mkdir()
    reviewer_file = folder / "mine.yaml"
    shutil.copy(BUILTIN_YAML, reviewer_file)
    reviewer = reviewer_file if kind == "file" else folder
    log = tmp_path / "compiles.log"
    _log_compiles(monkeypatch, log)

    report = validate_paths(paths, str(reviewer), workers=workers)

    assert all(f.status in ("ok", "warnings") and f.total_computed is not None for f in report.files)
    lines = [line.split(" ", 2) for line in log.read_text().splitlines()]
    parses = [(pid, src) for pid, what, src in lines if what == "parse" and src == str(reviewer_file)]
    assert len(parses) == 1, lines  # once for the whole run (the parent), never again per file or per worker
    assert parses[0][0] == str(os.getpid())
    compiles = Counter(pid for pid, what, _ in lines if what == "compile")
    assert compiles and set(compiles.values()) == {1}, lines  # one compile in each process that read files
    assert len(compiles) <= workers


def test_many_calls_with_a_framework_file_share_one_parse(bases: dict[str, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """validate_file(path, FILE) called per file (the API, consolidate's jobs) parses the file once per content:
    before, each call parsed and compiled it again and kept every compiled copy (1.35 MiB per file)."""
    from xlperf.validate import validate_file

    reviewer_file = tmp_path / "mine.yaml"
    shutil.copy(BUILTIN_YAML, reviewer_file)
    log = tmp_path / "compiles.log"
    _log_compiles(monkeypatch, log)
    paths = _batch(tmp_path, bases)
    for path in paths:
        assert validate_file(path, str(reviewer_file)).total_computed is not None
    reviewer_file.write_text(reviewer_file.read_text(encoding="utf-8") + "\n# 修改\n", encoding="utf-8")
    assert validate_file(paths[0], str(reviewer_file)).total_computed is not None  # new content: parsed again
    lines = log.read_text().splitlines()
    assert sum(" parse " in line for line in lines) == 2, lines  # once per distinct content
    assert sum(" compile " in line for line in lines) == 2, lines


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_outcomes_are_the_kept_reports(workers: int, bases: dict[str, Path], tmp_path: Path) -> None:
    paths = _batch(tmp_path, bases)
    paths.insert(2, tmp_path / "missing.xlsx")  # an unreadable file keeps its place
    kept = validate_paths(paths, workers=workers)
    streamed = list(iter_validate(paths, workers=workers, render=file_line, keep=False))
    assert [o.summary.path for o in streamed] == [str(p) for p in paths]
    assert all(o.report is None for o in streamed)
    for outcome, rep in zip(streamed, kept.files):
        assert outcome.text is not None and "\n" not in outcome.text
        assert json.loads(outcome.text) == file_dict(rep)
        s = outcome.summary
        assert (s.status, s.errors, s.warnings, s.review, s.department, s.year, s.total_computed) == (
            rep.status, rep.errors, rep.warnings, rep.review, rep.department, rep.year, rep.total_computed)
    assert [o.summary.status for o in streamed][2] == "error"


def test_a_broken_framework_file_is_each_files_finding(bases: dict[str, Path], tmp_path: Path) -> None:
    """As for one file: the batch does not die when the reviewer's file is not a framework (XP122 per file)."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nindicators: [1, 2\n", encoding="utf-8")
    with pytest.raises(Exception):
        choose(str(broken))
    report = validate_paths(_batch(tmp_path, bases)[:2], str(broken), workers=2)
    assert [[f.code for f in r.findings] for r in report.files] == [["XP122"], ["XP122"]]


def _mixed_batch(tmp_path: Path, bases: dict[str, Path], fw: Any) -> list[Path]:
    """Two files of one unit, one of another year (XP411), an unreadable file, a clean one."""
    from tests.support.futian_random import random_department
    from xlperf.data.values import data_values
    from xlperf.write.template import write_template

    folder = tmp_path / "mixed"
    folder.mkdir()
    values = data_values(random_department(fw, 7))
    values[fw.form.role("year")] = fw.year - 1
    other_year = write_template(fw, folder / "d_other_year.xlsx", values=values)
    paths = [Path(shutil.copy(bases["seed"], folder / "a_seed.xlsx")),
             Path(shutil.copy(bases["quiet"], folder / "b_quiet.xlsx")),
             Path(shutil.copy(bases["quiet"], folder / "c_quiet_again.xlsx")), other_year,
             folder / "e_missing.xlsx"]
    return paths


def _expected(paths: list[Path]) -> dict[str, Any]:
    """The batch's JSON as the kept reports give it (validate_paths, batch checks, report_dict)."""
    from xlperf.findings import Report
    from xlperf.render.json import report_dict
    from xlperf.review.batch import batch_issues, with_batch_errors

    kept = validate_paths(paths)
    batch = batch_issues(kept.files)
    return report_dict(Report(files=with_batch_errors(kept.files, batch)), batch)


def test_cli_batch_json_rendered_in_workers_is_the_report(bases: dict[str, Path], fw: Any, tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    paths = _mixed_batch(tmp_path, bases, fw)
    expected = _expected(paths)
    assert {i["kind"] for i in expected["batch"]} == {"duplicate", "year"}  # the batch has work to do
    run = xlperf("validate", "-q", "--json", "-j", "2", *paths)
    assert run.code == 2  # one file unreadable
    assert json.loads(run.out) == expected


def test_cli_jsonl_one_line_per_file_then_the_batch(bases: dict[str, Path], fw: Any, tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    paths = _mixed_batch(tmp_path, bases, fw)
    expected = _expected(paths)
    run = xlperf("validate", "-q", "--jsonl", "-j", "2", *paths)
    assert run.code == 2
    lines = run.out.splitlines()
    assert len(lines) == len(paths) + 1
    files = [json.loads(line) for line in lines[:-1]]
    last = json.loads(lines[-1])
    flagged = [f for f in expected["files"] if any(x["code"] == "XP411" for x in f["findings"])]
    assert [f["path"] for f in flagged] == [expected["files"][3]["path"]]
    # a file's line leaves before the batch is known: its batch error is in the last line
    for got, want in zip(files, expected["files"]):
        if want in flagged:
            want = dict(want, findings=[x for x in want["findings"] if x["code"] != "XP411"])
            assert got["findings"] == want["findings"] and got["path"] == want["path"]
        else:
            assert got == want
    assert last["batch"] == expected["batch"] and last["skipped"] == []
    assert [(e["path"], [x["code"] for x in e["findings"]]) for e in last["batch_errors"]] == [
        (flagged[0]["path"], ["XP411"])]
    reviews = Counter(f["review"] for f in expected["files"])
    assert {k: last["summary"][k] for k in ("pass", "pass_explained", "explain", "revise")} == {
        k: reviews.get(k, 0) for k in ("pass", "pass_explained", "explain", "revise")}
    assert last["summary"]["files"] == len(paths) and last["summary"]["unreadable"] == 1


def test_the_engine_environment_is_built_once_per_file(bases: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring and the checks share one environment (it was built twice per file)."""
    import xlperf.engine.scoring as scoring
    from xlperf.validate import validate_file

    calls: list[int] = []
    build = scoring.build_env

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(scoring, "build_env", counting)  # every caller reaches the engine's one build_env
    for name in ("seed", "quiet"):
        calls.clear()
        report = validate_file(bases[name])
        assert report.total_computed is not None
        assert len(calls) == 1, name


def test_cli_text_of_a_batch_streamed_is_what_the_reports_print(bases: dict[str, Path], fw: Any,
                                                                tmp_path: Path) -> None:
    """The text output of a batch: each file's block rendered in its worker is the block the parent would print
    from the file's report, in the order given; then the batch's lines, then the summary table and count line
    of the reports with the batch's errors (XP411 here) counted."""
    from io import StringIO

    from rich.console import Console

    from tests.support.cli import xlperf
    from xlperf.findings import Report
    from xlperf.render.text import print_file, print_summary
    from xlperf.review.batch import batch_issues, with_batch_errors

    paths = _mixed_batch(tmp_path, bases, fw)
    kept = validate_paths(paths)
    batch = batch_issues(kept.files)
    want = StringIO()
    console = Console(file=want, width=80, color_system=None, highlight=False, emoji=False)
    for rep in kept.files:
        print_file(rep, console)
    want.write("".join(f"批次检查（{i.kind_zh}）：{i.message}\n" for i in batch))
    print_summary(Report(files=with_batch_errors(kept.files, batch)).files, console)
    for workers in ("1", "2"):
        run = xlperf("validate", "-q", "-j", workers, *paths)
        assert run.code == 2  # one file unreadable
        assert run.out == want.getvalue()
    assert "XP411" not in run.out and "需修改" in run.out.splitlines()[-1]  # counted in the table, not in a block


@pytest.mark.parametrize("workers", [1, 2])
def test_consolidate_reads_the_reviewer_framework_once(workers: int, bases: dict[str, Path], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``xlperf consolidate --framework FILE``: parsed once for the round (the 汇总's framework included) and
    compiled once per process that reads files, as for validate."""
    from tests.support.cli import xlperf

    paths = _batch(tmp_path, bases)
    reviewer_file = tmp_path / "mine.yaml"
    shutil.copy(BUILTIN_YAML, reviewer_file)
    log = tmp_path / "compiles.log"
    _log_compiles(monkeypatch, log)
    run = xlperf("consolidate", "-q", "--no-history", "-j", str(workers), "--framework", str(reviewer_file),
                 str(paths[0].parent), "-o", str(tmp_path / "汇总.xlsx"))
    assert run.code in (0, 1), run.err
    lines = [line.split(" ", 2) for line in log.read_text().splitlines()]
    parses = [pid for pid, what, src in lines if what == "parse" and src == str(reviewer_file)]
    assert parses == [str(os.getpid())], lines
    compiles = Counter(pid for pid, what, _ in lines if what == "compile")
    assert set(compiles.values()) == {1} and len(compiles) <= workers + 1, lines  # the workers, and the parent's 汇总


def _fake_run(job: Job) -> Outcome:
    """A worker's run that reports its path, or kills its worker process for a path ending in ``die``."""
    if job.path.endswith("die"):
        os._exit(3)
    rep = FileReport(path=job.path, status="valid", findings=[])
    return Outcome(None, FileSummary.of(rep), f"{job.path}:{os.getpid()}")


def test_files_go_to_workers_in_tasks_of_several_in_order_and_a_dead_worker_costs_only_its_file() -> None:
    """Files are sent CHUNK at a time (the parent's cost per file divided by CHUNK): outcomes come in the order
    given, a batch that is no multiple of CHUNK included; when a worker dies, each file of its task runs again
    alone, and only the file that killed it is reported as the error (XP000)."""
    count = 4 * CHUNK + 3
    paths = [f"f{i:02d}" + ("die" if i == CHUNK + 1 else "") for i in range(count)]
    jobs = (Job(p, None, False, None, None, None) for p in paths)
    outcomes = list(_pooled(jobs, 2, None, _fake_run))
    assert [o.summary.path for o in outcomes] == paths
    dead = outcomes[CHUNK + 1]
    assert dead.summary.status == "error" and dead.text is None
    assert all(o.summary.status == "valid" and o.text and o.text.startswith(o.summary.path)
               for i, o in enumerate(outcomes) if i != CHUNK + 1)
    workers = {o.text.rsplit(":", 1)[1] for o in outcomes if o.text}
    assert os.getpid() not in {int(w) for w in workers}  # run in worker processes, not in the parent
