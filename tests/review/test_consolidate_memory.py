"""A consolidation round of any size keeps the parent's memory flat (issue 22): each unit's report goes from
its worker to a spool (a temporary SQLite database) as it arrives, the parent keeps a small summary per unit,
and the 汇总 is written row by row in openpyxl's write-only mode, as are the history and the notices.

``xlperf consolidate -q -j 2`` (the history recorded, as by default) over 200 and over 2,000 symbolic links to
one workbook of the minimal framework of ``tests/validator/test_batch_memory.py`` (2 findings each: XP321,
XP403), each run in a fresh process. The parent's peak RSS (``RUSAGE_SELF``: the workers are other processes)
may grow by less than 2 KiB per extra file: what it keeps per unit is its summary (~0.5–0.8 KiB: path, name,
code, totals, counts, 审核结论), its place in the sort, whether it is counted and its grade, the 汇总's link
to its findings, and the batch's duplicate list (every file here is the same unit). Keeping each unit's
report until the outputs were written (as before) cost ~30 KiB per file of this kind (bench/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.validator.common import REPO
from tests.validator.test_batch_memory import _folder, _mini

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

CHILD = """\
import io, json, resource, sys
from xlperf.cli import run

real, out, err = sys.stdout, io.StringIO(), io.StringIO()
sys.stdout, sys.stderr = out, err
code = run(["consolidate", "-q", "-j", "2", "--framework", sys.argv[1], sys.argv[2], "-o", sys.argv[3]])
sys.stdout = real
print(json.dumps({"code": code, "text": out.getvalue()[-3000:], "errors": err.getvalue()[-3000:],
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _run(framework: Path, folder: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="100")
    env.pop("XLPERF_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(framework), str(folder), str(out)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_consolidate_parent_memory_flat(tmp_path: Path) -> None:
    framework, book = _mini(tmp_path)
    runs = {}
    for count in (200, 2_000):
        out = tmp_path / f"out{count}" / "汇总.xlsx"
        out.parent.mkdir()
        runs[count] = _run(framework, _folder(tmp_path, book, count), out)
        result = runs[count]
        assert result["code"] == 1, result["errors"]  # every unit 需说明 (its 提示 unexplained)
        assert f"共 {count} 个文件：需说明 {count} 个" in result["text"]
        assert "审核历史（第 1 轮）已记录" in result["text"]
        wb = load_workbook(out, read_only=True)
        units = list(wb["单位汇总"].iter_rows(min_row=2, values_only=True))
        findings = list(wb["问题明细"].iter_rows(min_row=2, values_only=True))
        wb.close()
        assert len(units) == count and [u[0] for u in units] == list(range(1, count + 1))
        assert len(findings) == 2 * count
        assert {f[3] for f in findings} == {"XP321", "XP403"}
    growth_kib = runs[2_000]["rss_kib"] - runs[200]["rss_kib"]
    assert growth_kib < 1_800 * 2, (runs[200]["rss_kib"], runs[2_000]["rss_kib"])
