"""Where the time of one validate_file goes, stage by stage (wall clock, no profiler overhead).

    python bench/breakdown.py [FOLDER_OR_FILES ...] [--files N] [--udf]

Each stage function is wrapped with a timer and validate_file is run on N distinct workbooks (default:
25 generated ones); the table gives the median per workbook of each stage. Nested stages are shown
indented and are included in their parent. ``--udf`` adds a cProfile of one Excel-function call.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # this checkout's xlperf and bench/run.py


def _wrap(owner: Any, attr: str, key: str, acc: dict[str, list[float]]) -> None:
    fn = getattr(owner, attr)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[key].append(time.perf_counter() - t)

    setattr(owner, attr, timed)


STAGES = [  # (label, module, attribute, depth)
    ("read_workbook (reader)", "xlperf.ingest.reader", "read_workbook", 0),
    ("precheck (safety: inflate + scan every part)", "xlperf.ingest.reader", "precheck", 1),
    ("open_book (zip + lxml + cell loop)", "xlperf.ingest.reader", "open_book", 1),
    ("worksheets: parse + cell loop", "xlperf.ingest.xlsx", "_read_sheet", 2),
    ("cell loop only", "xlperf.ingest.xlsx", "_collect", 3),
    ("_choose (framework resolved)", "xlperf.ingest.reader", "_choose", 1),
    ("_read_values (parse input cells)", "xlperf.ingest.reader", "_read_values", 1),
    ("_to_data (DepartmentData, pydantic)", "xlperf.ingest.reader", "_to_data", 1),
    ("score() (engine.scoring)", "xlperf.engine.scoring", "score", 0),
    ("build_env() (compiled)", "xlperf.checks.context", "build_env", 0),
]


def breakdown(paths: list[Path]) -> dict[str, Any]:
    import importlib

    from xlperf.checks.registry import CHECKS

    acc: dict[str, list[float]] = defaultdict(list)
    for label, module, attr, _ in STAGES:
        mod = importlib.import_module(module)
        _wrap(mod, attr, label, acc)
    check_time: dict[str, list[float]] = defaultdict(list)
    for check in CHECKS:
        run = check.run

        def timed_run(self: Any, ctx: Any, run: Callable[..., Any] = run, code: str = check.code) -> Any:
            t = time.perf_counter()
            out = list(run(self, ctx))
            check_time[code].append(time.perf_counter() - t)
            return out

        check.run = timed_run  # type: ignore[method-assign]
    from xlperf.validate import validate_file

    validate_file(paths[0])  # warm: framework loaded, plans built
    acc.clear()
    check_time.clear()
    totals = []
    for p in paths:
        t = time.perf_counter()
        validate_file(p)
        totals.append(time.perf_counter() - t)
    n = len(paths)
    per_file = {label: sum(acc[label]) / n for label, *_ in STAGES}
    checks_total = sum(sum(v) for v in check_time.values()) / n
    scoring_in_checks = per_file["score() (engine.scoring)"] + per_file["build_env() (compiled)"]
    rows = [(label, depth, per_file[label]) for label, _, _, depth in STAGES[:8]]
    # validate_file scores and recomputes once before the checks run (validate._prepare)
    rows.append(("scoring before the checks (validate._prepare)", 0, scoring_in_checks))
    rows.append(("score() (engine.scoring)", 1, per_file["score() (engine.scoring)"]))
    rows.append(("build_env() (once per file)", 1, per_file["build_env() (compiled)"]))
    rows.append((f"checks (all {len(CHECKS)})", 0, checks_total))
    slow = sorted(((sum(v) / n, k) for k, v in check_time.items()), reverse=True)[:10]
    for t, code in slow:
        rows.append((code, 1, t))
    other = statistics.mean(totals) - per_file["read_workbook (reader)"] - checks_total - scoring_in_checks
    rows.append(("validate_file's own work (select, sort, fold, FileReport)", 0, other))
    return {"files": n, "validate_file_mean_ms": statistics.mean(totals) * 1000,
            "validate_file_median_ms": statistics.median(totals) * 1000, "scoring_ms": scoring_in_checks * 1000,
            "rows": [{"stage": label, "depth": depth, "ms": t * 1000} for label, depth, t in rows]}


def file_profile(paths: list[Path], limit: int) -> str:
    """cProfile of validate_file over ``paths`` (after one warm call), sorted by own time."""
    from xlperf.validate import validate_file

    validate_file(paths[0])
    pr = cProfile.Profile()
    pr.enable()
    for p in paths:
        validate_file(p)
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def udf_profile(limit: int = 18) -> str:
    from xlperf.addins.excel import functions as F

    F.ratio(200.0, 229.81)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(200):
        F.ratio(200.0, 229.81)
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--files", type=int, default=25)
    ap.add_argument("--udf", action="store_true")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead of the stages: cProfile of validate_file over the files, N rows by own time")
    args = ap.parse_args(argv)
    if args.paths:
        from xlperf.validate import collect_paths

        paths = collect_paths(args.paths)[: args.files]
    else:
        from run import make_corpus  # bench/run.py

        paths, _ = make_corpus(Path(tempfile.mkdtemp(prefix="xlperf-breakdown-")), args.files)
    if args.profile:
        print(file_profile(paths, args.profile))
        return
    result = breakdown(paths)
    print(f"validate_file on {result['files']} workbooks: mean {result['validate_file_mean_ms']:.2f} ms, "
          f"median {result['validate_file_median_ms']:.2f} ms")
    print(f"{'stage':60s} {'ms/workbook':>12s}")
    for row in result["rows"]:
        print(f"{'  ' * row['depth'] + row['stage']:60s} {row['ms']:12.3f}")
    if args.udf:
        print(udf_profile())


if __name__ == "__main__":
    main()
