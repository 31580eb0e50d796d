"""Batch throughput of this checkout against another one (e.g. main at the branch point), interleaved in one run.

    python bench/compare.py OTHER_CHECKOUT [--workdir DIR] [--files N] [--reps R] [--out FILE]

What `xlperf validate --jsonl -j 2` does (bench/run.py's batch child: ``render.stream.stream_json`` to a
file, each run a fresh process, imports excluded, worker start-up and framework loading included) on N
workbooks of bench/run.py's corpus and N of its ~50-findings corpus (``_noisy``), this checkout and OTHER
alternately, R times each; and the zip + lxml floor on 2 processes in the same run. On a machine shared with
other work the wall-clock rates move with the load: the CPU time per file (the batch process and its
workers, ``getrusage``) and the ratios between the two checkouts are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from run import _BATCH_CHILD, bench_reference_batch, loadavg, make_corpus  # noqa: E402  (bench/run.py)


def _batch(checkout: Path, paths: list[Path], listfile: Path) -> dict[str, Any]:
    """One batch of ``checkout``'s xlperf on ``paths`` with 2 workers, in a fresh process."""
    listfile.write_text(json.dumps([str(p) for p in paths]))
    env = dict(os.environ, PYTHONPATH=str(checkout))
    proc = subprocess.run([sys.executable, "-c", _BATCH_CHILD, str(listfile), "2"], capture_output=True, text=True,
                          cwd=checkout, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(other: Path, workdir: Path, files: int, reps: int) -> dict[str, Any]:
    corpora = {"bench": make_corpus(workdir / "corpus", files)[0],
               "noisy": make_corpus(workdir / "noisy", files, noisy=True)[0]}
    sides = {"this": ROOT, "other": other.resolve()}
    out: dict[str, Any] = {"files": files, "reps": reps, "other": str(other), "load_before": loadavg(),
                           "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "corpora": {}}
    for name, paths in corpora.items():
        runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for _ in range(reps):
            for side, checkout in sides.items():
                runs[side].append(_batch(checkout, paths, workdir / f"list-{name}-{side}.json"))
        floor = bench_reference_batch(paths, 2)
        row: dict[str, Any] = {"floor_files_per_s": floor["zip_lxml_floor"]["files_per_s"]}
        for side, samples in runs.items():
            row[side] = {"files_per_s_best": max(len(paths) / s["seconds"] for s in samples),
                         "cpu_ms_per_file_best": min(s["cpu_seconds"] / len(paths) * 1000 for s in samples),
                         "findings_per_file": samples[-1]["findings_per_file"], "status": samples[-1]["status"]}
        row["this_over_other_files_per_s"] = row["this"]["files_per_s_best"] / row["other"]["files_per_s_best"]
        row["other_over_this_cpu"] = row["other"]["cpu_ms_per_file_best"] / row["this"]["cpu_ms_per_file_best"]
        row["this_of_floor"] = row["this"]["files_per_s_best"] / row["floor_files_per_s"]
        out["corpora"][name] = row
    out["load_after"] = loadavg()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("other", type=Path)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="xlperf-compare-"))
    result = compare(args.other, workdir, args.files, args.reps)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
