"""A batch of any size keeps the parent's memory flat (issue 22): ``xlperf validate --jsonl`` over 20,000 files.

The files are 20,000 symbolic links to one small workbook of a minimal framework (one indicator, three inputs,
one audit rule; with a warning XP321 and a self-score finding XP403, so every file has findings and passes
through the whole pipeline: pre-check, read, scoring, checks, JSON rendered in the worker). The real futian
workbooks cost 5–8× more per file, which on two shared cores would make this test take a quarter of an hour.
The command runs in a fresh process twice, over 1,000 and over 20,000 files, with 2 workers; the parent's
peak RSS (``RUSAGE_SELF``: the workers are other processes) may grow by less than 1.5 KiB per extra file —
the path list and the small per-file summary the batch checks need. Keeping each file's report (what
``--json`` of a batch did before) costs about 8–12 KiB per file of this kind (measured with tracemalloc),
~150–230 MiB for the 19,000 extra files.
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
    def __init__(self): self.n, self.last = 0, ""
    def write(self, text):
        self.n += text.count("\\n")
        if text.strip(): self.last = text
        return len(text)
    def flush(self): pass

sink = Lines()
stdout, sys.stdout = sys.stdout, sink
code = run(["validate", "-q", "--jsonl", "-j", "2", "--framework", sys.argv[1], sys.argv[2]])
sys.stdout = stdout
print(json.dumps({"code": code, "lines": sink.n, "last": json.loads(sink.last),
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _folder(root: Path, target: Path, count: int) -> Path:
    folder = root / f"n{count}"
    folder.mkdir()
    for i in range(count):
        os.symlink(target, folder / f"单位{i:05d}.xlsx")
    return folder


def _run(framework: Path, folder: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("XLPERF_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(framework), str(folder)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_twenty_thousand_files_parent_memory_flat(tmp_path: Path) -> None:
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

    small = _run(framework, _folder(tmp_path, book, 1_000))
    large = _run(framework, _folder(tmp_path, book, 20_000))

    for result, count in ((small, 1_000), (large, 20_000)):
        assert result["code"] == 0  # warnings only
        assert result["lines"] == count + 1  # one line per file, then the batch
        assert result["last"]["summary"]["files"] == count
        assert result["last"]["summary"]["explain"] == count  # every file has its unexplained warning
    growth_kib = large["rss_kib"] - small["rss_kib"]
    assert growth_kib < 19_000 * 1.5, (small["rss_kib"], large["rss_kib"])
