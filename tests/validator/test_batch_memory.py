"""A batch of any size keeps the parent's memory flat (issue 22): ``xlperf validate --jsonl`` over 20,000 files.

The files are 20,000 symbolic links to one small workbook of a minimal framework (one indicator, three inputs,
one audit rule; with a warning XP321 and a self-score finding XP403, so every file has findings and passes
through the whole pipeline: pre-check, read, scoring, checks, JSON rendered in the worker). The real futian
workbooks cost 5–8× more per file, which on two shared cores would make this test take a quarter of an hour.
The command runs in a fresh process twice, over 200 and over 20,000 files, with 2 workers; the parent's
peak RSS (``RUSAGE_SELF``: the workers are other processes) may grow by less than 1.5 KiB per extra file —
the path list and the small per-file summary the batch checks need. Keeping each file's report (what
``--json`` of a batch did before) costs about 8–12 KiB per file of this kind (measured with tracemalloc),
~155–230 MiB for the 19,800 extra files. The small run is the baseline (interpreter, imports, the workers'
pool, the first files' buffers): 200 files start all of that as 1,000 did, and the bound per extra file is
the same over the larger difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .common import REPO

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

FRAMEWORK = """\
id: mini-2024
version: "1.0"
name: 最小框架
region: 测试
year: 2024
total_points: 10
form:
  inputs:
    - {name: eval_year, label: 评价年度, kind: int, unit: 年, group: info, role: year}
    - {name: budget, label: 预算数, kind: money, group: budget}
    - {name: spent, label: 支出数, kind: money, group: budget}
  audits:
    - {id: A-1, assert: spent <= budget, severity: 提示, message: 支出数超过预算数, at: spent}
  sheets:
    - name: 基本信息
      blocks:
        - {title: 信息, names: [eval_year, fw_id, fw_version]}
        - {title: 预算（万元）, names: [budget, spent, exec_rate]}
measures:
  - {id: exec_rate, name: 执行率, num: spent, den: budget, den_zero: 0}
indicators:
  - id: exec
    name: 执行
    points: 10
    children:
      - id: exec_score
        name: 执行率
        points: 10
        rule: {kind: linear, points: 10, measure: exec_rate, factor: 10}
"""
DATA = """\
framework: mini-2024
info: {eval_year: 2024}
budget: {budget: 100.00, spent: 120.00}
self_scores:
  exec_score: {score: 9}
"""

CHILD = """\
import json, resource, sys
from xlperf.cli import run

class Lines:
    def __init__(self): self.n, self.last, self.explain = 0, "", 0
    def write(self, text):
        self.n += text.count("\\n")
        self.explain += text.count('"review":"explain"')  # a file's JSON is written in one piece
        if text.strip(): self.last = text
        return len(text)
    def flush(self): pass

sink = Lines()
stdout, sys.stdout = sys.stdout, sink
code = run(["validate", "-q", *sys.argv[3:], "-j", "2", "--framework", sys.argv[1], sys.argv[2]])
sys.stdout = stdout
print(json.dumps({"code": code, "lines": sink.n, "last": sink.last[-2000:], "explain": sink.explain,
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _folder(root: Path, target: Path, count: int) -> Path:
    folder = root / f"n{count}"
    folder.mkdir()
    for i in range(count):
        os.symlink(target, folder / f"单位{i:05d}.xlsx")
    return folder


def _run(framework: Path, folder: Path, *options: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="100")
    env.pop("XLPERF_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(framework), str(folder), *(options or ("--jsonl",))],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mini(tmp_path: Path) -> tuple[Path, Path]:
    """The minimal framework and a filled workbook of it (findings XP321 and XP403)."""
    from xlperf.ingest.datafile import load_data
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.validate import validate_file
    from xlperf.write.template import write_template

    framework = tmp_path / "mini.yaml"
    framework.write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "data.yaml").write_text(DATA, encoding="utf-8")
    fw = load_framework(framework)
    book = write_template(fw, tmp_path / "mini.xlsx", values=data_values(load_data(tmp_path / "data.yaml", fw)))
    one = validate_file(book, str(framework))
    assert [f.code for f in one.findings] == ["XP321", "XP403"]  # 120 > 100; self-score 9 below the rule's 10
    return framework, book


def test_twenty_thousand_files_parent_memory_flat(tmp_path: Path) -> None:
    framework, book = _mini(tmp_path)
    small = _run(framework, _folder(tmp_path, book, 200))
    large = _run(framework, _folder(tmp_path, book, 20_000))

    for result, count in ((small, 200), (large, 20_000)):
        assert result["code"] == 0  # warnings only
        assert result["lines"] == count + 1  # one line per file, then the batch
        last = json.loads(result["last"])
        assert last["summary"]["files"] == count
        assert last["summary"]["explain"] == count  # every file has its unexplained warning
    growth_kib = large["rss_kib"] - small["rss_kib"]
    assert growth_kib < 19_800 * 1.5, (small["rss_kib"], large["rss_kib"])


@pytest.mark.parametrize("options", [(), ("--json",)], ids=["text", "json"])
def test_text_and_json_of_a_folder_parent_memory_flat(tmp_path: Path, options: tuple[str, ...]) -> None:
    """The terminal output (each file's block rendered in its worker, the summary table from the files'
    summaries) and a batch's ``--json`` (files spooled to a temporary file until the batch's errors are known)
    keep the parent's memory flat too: 200 and 2,500 files, growth below 1.5 KiB per extra file (keeping the
    reports, as the text output did before, grows ~8–12 KiB per file: 18–27 MiB here; the summary table is
    laid out 1,000 rows at a time)."""
    framework, book = _mini(tmp_path)
    small = _run(framework, _folder(tmp_path, book, 200), *options, "--expected", str(_expected(tmp_path)))
    large = _run(framework, _folder(tmp_path, book, 2_500), *options, "--expected", str(_expected(tmp_path)))
    for result, count in ((small, 200), (large, 2_500)):
        assert result["code"] == 0  # warnings only
        if options == ("--json",):
            assert result["lines"] == 1  # one document
            assert result["explain"] == count  # every file in it, each with its unexplained warning
            assert result["last"].endswith('"skipped":[]}\n')
        else:
            # the count line is the last; the text output also has 4 lines per file's block at least
            assert result["last"].strip() == f"共 {count} 个文件：通过 0 · 通过（提示已说明） 0 · 需说明 {count} · 需修改 0"
            assert result["lines"] > count * 4
    growth_kib = large["rss_kib"] - small["rss_kib"]
    assert growth_kib < 2_300 * 1.5, (small["rss_kib"], large["rss_kib"])


def _expected(tmp_path: Path) -> Path:
    """An --expected list naming no unit of the batch: the batch checks run on the summaries (one line: units
    that sent nothing)."""
    path = tmp_path / "units.csv"
    path.write_text("code,name\n999,未报送单位\n", encoding="utf-8")
    return path
