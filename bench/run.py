"""xlperf performance benchmark: one run, the same generated workbooks, ratios against references.

    python bench/run.py [--quick] [--out bench/results.json] [--workdir DIR] [--no-libreoffice]

Sections (each a function below, each a key of the JSON written to ``--out``):

1. ``single``   validate_file on one filled workbook (read + all checks + scoring) vs openpyxl's
                ``load_workbook`` of the same file, and vs a bare zip + lxml parse of its worksheets (floor).
2. ``cli``      ``python -m xlperf validate FILE`` as a cold process vs ``python -c "import openpyxl"``,
                plus which heavy modules the validate path imports (``-X importtime``).
   ``report``   ``python -m xlperf report FILE -o X.docx`` (the 绩效自评报告 drafted) vs ``xlperf validate FILE``,
                both cold processes, interleaved (target ≤ 2×), and in-process draft_for vs validate_file.
3. ``batch``    ``validate_paths(files, workers=N)`` on 200 and 2,000 distinct workbooks with 1 and 2
                workers (each run in a fresh process), vs LibreOffice headless recalculating a subset
                of the same files in one invocation (scaled per file).
   ``consolidate`` the 汇总 of the largest batch (consolidate_paths + the workbook written) vs
                validating the same files, interleaved, 2 workers (target ≤ 1.2×).
4. ``growth``   the workbook with an extra sheet of 1,000 / 10,000 project rows: time and peak memory.
5. ``udf``      Python-side cost per call of the scoring behind the Excel functions.

Timings are wall-clock; every figure is given as min and median over repetitions, and repetitions of
the things compared are interleaved so that load on a shared machine hits both sides alike.
``--quick`` runs every section on 3 files, each process-starting measure once and the in-process ones twice
(used by tests/test_bench_smoke.py: that every section runs and writes its figures, not what they are).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # measure this checkout's xlperf, whatever an editable install points at
PY = sys.executable
CHILD_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
HEAVY = ("pandas", "xlwings", "openpyxl", "rich", "typer", "click", "numpy", "formulas", "concurrent.futures.process")
TARGETS = {
    "single_vs_openpyxl_load": 0.5,  # validate_file ≤ 0.5 × openpyxl load_workbook
    "cli_vs_import_openpyxl": 2.5,  # cold `xlperf validate FILE` ≤ 2.5 × `python -c "import openpyxl"`
    "batch_files_per_s_2_workers": 400.0,  # ≥ 400 workbooks/s with 2 workers (issue 22)
    "batch_findings_files_per_s_2_workers": 300.0,  # ≥ 300/s on the ~50-findings-per-file corpus
    "batch_vs_libreoffice": 90.0,  # ≥ 90 × LibreOffice's files/s
    "udf_us_per_call": 50.0,  # ≤ 50 µs per call
    "consolidate_vs_validate": 1.2,  # xlperf consolidate (汇总 workbook written) ≤ 1.2 × validating the same files
    "report_vs_validate": 2.0,  # cold `xlperf report FILE -o X.docx` ≤ 2 × cold `xlperf validate FILE`
    "report_text_vs_docx_load": 5.0,  # checking a report against a workbook already read ≤ 5 × python-docx load
}


# Helpers ------------------------------------------------------------------------------------------


def stats(samples: Sequence[float]) -> dict[str, float]:
    """min / median / n of a list of seconds (kept in seconds; ms fields for reading)."""
    return {"min_s": min(samples), "median_s": statistics.median(samples), "n": len(samples),
            "min_ms": min(samples) * 1000, "median_ms": statistics.median(samples) * 1000}


def interleaved(funcs: dict[str, Callable[[], Any]], reps: int, warmup: int = 1) -> dict[str, list[float]]:
    """Run each function ``reps`` times, round-robin, after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        for fn in funcs.values():
            fn()
    out: dict[str, list[float]] = {k: [] for k in funcs}
    for _ in range(reps):
        for key, fn in funcs.items():
            t = time.perf_counter()
            fn()
            out[key].append(time.perf_counter() - t)
    return out


def ratio(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {"min": a["min_s"] / b["min_s"], "median": a["median_s"] / b["median_s"]}


def loadavg() -> list[float]:
    try:
        return list(os.getloadavg())
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() if shutil.which("nproc") else ""
    versions: dict[str, str | None] = {}
    for mod in ("lxml", "openpyxl", "pydantic", "typer", "rich"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:  # noqa: BLE001 - informative only
            versions[mod] = None
    soffice = shutil.which("soffice")
    lo_version = None
    if soffice:
        try:
            lo_version = subprocess.run([soffice, "--version"], capture_output=True, text=True,
                                        timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            lo_version = None
    return {"nproc": nproc or str(os.cpu_count()), "cpu_count": os.cpu_count(), "cpu_model": cpu,
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "versions": versions, "libreoffice": lo_version,
            "memory_gib": _mem_gib()}


def _mem_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_rev() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


# Corpus -------------------------------------------------------------------------------------------


def _noisy(values: dict[str, Any]) -> dict[str, Any]:
    """~50 findings per workbook: every stated figure off by 7 % (XP301–303), every self-score 0.37 above the
    rule (XP401/402), every reason left out (XP405)."""
    from decimal import Decimal

    out = dict(values)
    for key, value in values.items():
        if isinstance(value, Decimal) and ("_stated" in key or "_text" in key):
            out[key] = (value * Decimal("1.07") + Decimal("0.13")).quantize(
                value if value.as_tuple().exponent < 0 else Decimal("0.01"))  # type: ignore[operator]
        elif key.startswith("self_") and isinstance(value, Decimal):
            out[key] = value + Decimal("0.37")
        elif key.startswith("reason_"):
            out[key] = ""
    return out


def _make_one(args: tuple[int, int, str, bool]) -> str:
    index, seed, folder, noisy = args
    from xlperf.data.values import data_values
    from tests.support.futian_random import random_department
    from xlperf.loader import load_framework
    from xlperf.write.template import write_template

    fw = load_framework("futian-2021")
    path = Path(folder) / f"dept{index:05d}.xlsx"
    if not path.exists():
        values = data_values(random_department(fw, seed + index))
        write_template(fw, path, values=_noisy(values) if noisy else values)
    return str(path)


def make_corpus(folder: Path, count: int, *, seed: int = 1000, jobs: int = 2,
                noisy: bool = False) -> tuple[list[Path], float]:
    """``count`` distinct filled workbooks (seeded random departments), made in parallel; reused if present.
    ``noisy``: the ~50-findings-per-file corpus (:func:`_noisy`)."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tasks = [(i, seed, str(folder), noisy) for i in range(count)]
    if jobs > 1 and count > 10:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            paths = pool.map(_make_one, tasks, chunksize=8)
    else:
        paths = [_make_one(t) for t in tasks]
    return [Path(p) for p in paths], time.perf_counter() - start


# 1. One workbook in-process ------------------------------------------------------------------------


def floor_parse(path: Path) -> int:
    """The floor: unzip and parse every worksheet XML into an lxml tree, nothing else."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    n = 0
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                etree.fromstring(zf.read(name), parser)
                n += 1
    return n


def bench_single(path: Path, reps: int) -> dict[str, Any]:
    import openpyxl

    from xlperf.validate import validate_file

    report = validate_file(path)
    times = interleaved({
        "validate_file": lambda: validate_file(path),
        "openpyxl_load_workbook": lambda: openpyxl.load_workbook(path),
        "zip_lxml_floor": lambda: floor_parse(path),
    }, reps)
    s = {k: stats(v) for k, v in times.items()}
    return {
        "file": path.name, "bytes": path.stat().st_size, "status": report.status,
        "findings": len(report.findings), "times": s,
        "ratio_validate_vs_openpyxl": ratio(s["validate_file"], s["openpyxl_load_workbook"]),
        "ratio_validate_vs_floor": ratio(s["validate_file"], s["zip_lxml_floor"]),
        "note": "warm process: the framework is loaded and compiled before timing (first call untimed)",
    }


def bench_report_text(workdir: Path, reps: int) -> dict[str, Any]:
    """The seed's report (a .docx built with python-docx from shared/seeds) checked against the shipped example
    workbook, already read, against python-docx merely loading the same .docx."""
    try:
        import docx
    except ImportError:
        return {"available": False, "reason": "python-docx is not installed (pip install python-docx)"}
    from tests.reporttext.builders import EXAMPLE, SEED, seed_items, write_docx
    from xlperf.checks.reportbind import check_report
    from xlperf.validate import validate_with_context

    if not SEED.exists():
        return {"available": False, "reason": f"seed report not found: {SEED}"}
    path = write_docx(seed_items(), workdir / "seed-report.docx")
    _rep, ctx = validate_with_context(EXAMPLE)
    assert ctx is not None
    analysis = check_report(path, ctx)
    times = interleaved({"check_report": lambda: check_report(path, ctx),
                         "python_docx_load": lambda: docx.Document(str(path))}, reps)
    s = {k: stats(v) for k, v in times.items()}
    cpu: dict[str, list[float]] = {"check_report": [], "python_docx_load": []}  # CPU time too: a shared machine stretches wall time
    for _ in range(reps):
        for key, fn in (("check_report", lambda: check_report(path, ctx)),
                        ("python_docx_load", lambda: docx.Document(str(path)))):
            t0 = time.process_time()
            fn()
            cpu[key].append(time.process_time() - t0)
    c = {k: stats(v) for k, v in cpu.items()}
    return {"available": True, "file": path.name, "bytes": path.stat().st_size, "figures": analysis.figures,
            "tied": analysis.tied, "notes": len(analysis.notes), "times": s, "cpu_times": c,
            "ratio_check_vs_docx_load": ratio(s["check_report"], s["python_docx_load"]),
            "cpu_ratio_check_vs_docx_load": ratio(c["check_report"], c["python_docx_load"])}


# 2. Cold CLI process --------------------------------------------------------------------------------


def _cli_commands(path: Path) -> dict[str, list[str]]:
    return {
        "python_pass": [PY, "-c", "pass"],
        "import_openpyxl": [PY, "-c", "import openpyxl"],
        "xlperf_validate": [PY, "-m", "xlperf", "validate", str(path)],
        "xlperf_validate_json": [PY, "-m", "xlperf", "validate", "--json", str(path)],
        # the command line alone: interpreter, Typer, every command module, the app built, no file read
        "xlperf_version": [PY, "-m", "xlperf", "--version"],
    }


def import_profile(path: Path, top: int = 12) -> dict[str, Any]:
    """Which modules ``python -X importtime -m xlperf validate FILE`` imports, and the slowest ones."""
    proc = subprocess.run([PY, "-X", "importtime", "-m", "xlperf", "validate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, env=CHILD_ENV)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            self_us, cum_us = int(parts[0].split(":")[1]), int(parts[1])
        except ValueError:
            continue
        raw = parts[2].rstrip()
        rows.append((raw.strip(), self_us, cum_us, len(raw) - len(raw.lstrip()) <= 1))
    names = {r[0] for r in rows}
    top_level = [r for r in rows if r[3]]
    return {
        "modules": len(rows),
        "heavy_imported": {h: (h in names) for h in HEAVY},
        "slowest_cumulative_ms": [{"module": n, "ms": round(c / 1000, 1)}
                                  for n, _, c, _ in sorted(rows, key=lambda r: -r[2])[:top]],
        "top_level_ms": round(sum(r[2] for r in top_level) / 1000, 1),
    }


def bench_cli(path: Path, reps: int) -> dict[str, Any]:
    cmds = _cli_commands(path)

    def runner(cmd: list[str]) -> Callable[[], None]:
        def run() -> None:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=CHILD_ENV)
        return run

    times = interleaved({k: runner(c) for k, c in cmds.items()}, reps)
    s = {k: stats(v) for k, v in times.items()}
    rc = subprocess.run(cmds["xlperf_validate"], capture_output=True, cwd=ROOT, env=CHILD_ENV).returncode
    return {
        "file": path.name, "exit_code": rc, "times": s,
        "ratio_validate_vs_import_openpyxl": ratio(s["xlperf_validate"], s["import_openpyxl"]),
        "ratio_validate_json_vs_import_openpyxl": ratio(s["xlperf_validate_json"], s["import_openpyxl"]),
        "cli_layer_ms": {"min": s["xlperf_version"]["min_ms"] - s["python_pass"]["min_ms"],
                         "median": s["xlperf_version"]["median_ms"] - s["python_pass"]["median_ms"],
                         "note": "xlperf --version less python -c pass: the most a cold-start path skipping the "
                                 "Typer app could save (it also counts pydantic, which validate needs anyway)"},
        "imports": import_profile(path),
    }


def bench_report(path: Path, reps: int, workdir: Path) -> dict[str, Any]:
    """``xlperf report`` (validate + draft the .docx + write it) against ``xlperf validate`` of the same file."""
    from xlperf.review.report_draft import draft_for
    from xlperf.validate import validate_file

    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "报告.docx"
    cmds = {"xlperf_report": [PY, "-m", "xlperf", "report", str(path), "-o", str(out), "--force", "--allow-errors"],
            "xlperf_validate": [PY, "-m", "xlperf", "validate", str(path)]}

    def runner(cmd: list[str]) -> Callable[[], None]:
        def run() -> None:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=CHILD_ENV)
        return run

    cold = {k: stats(v) for k, v in interleaved({k: runner(c) for k, c in cmds.items()}, reps).items()}
    rc = subprocess.run(cmds["xlperf_report"], capture_output=True, cwd=ROOT, env=CHILD_ENV).returncode
    warm = {k: stats(v) for k, v in interleaved({"draft_for": lambda: draft_for(path, allow_errors=True),
                                                 "validate_file": lambda: validate_file(path)}, reps).items()}
    return {"file": path.name, "exit_code": rc, "docx_bytes": out.stat().st_size if out.exists() else 0,
            "times": cold, "ratio_report_vs_validate": ratio(cold["xlperf_report"], cold["xlperf_validate"]),
            "in_process": warm, "ratio_in_process": ratio(warm["draft_for"], warm["validate_file"])}


# 3. Batch throughput ------------------------------------------------------------------------------

_BATCH_CHILD = """
import json, sys, time
from collections import Counter
from pathlib import Path
from xlperf.render.stream import stream_json
import concurrent.futures.process, xlperf.render.json, xlperf.checks.registry  # imports excluded from the time
paths = [Path(p) for p in json.loads(Path(sys.argv[1]).read_text())]
workers, out = int(sys.argv[2]), Path(sys.argv[1]).with_suffix(".jsonl")
import resource
def cpu():
    return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
c = cpu()
t = time.perf_counter()
with out.open("w", encoding="utf-8") as fh:  # what `xlperf validate --jsonl -j N` does, output to a file
    stream_json(paths, None, fh, lines=True, workers=workers)
dt = time.perf_counter() - t
cpu_seconds = cpu() - c
status, findings = Counter(), 0
with out.open(encoding="utf-8") as fh:
    for line in fh:
        item = json.loads(line)
        if "status" in item:
            status[item["status"]] += 1
            findings += len(item["findings"])
out.unlink()
print(json.dumps({"seconds": dt, "cpu_seconds": cpu_seconds, "files": sum(status.values()), "status": dict(status),
                  "findings_per_file": findings / max(1, sum(status.values()))}))
"""


_CONSOLIDATE_CHILD = """
import json, sys, time
from pathlib import Path
from xlperf.render.consolidation import write_consolidation
from xlperf.review.consolidate import consolidate, consolidate_paths
import openpyxl, openpyxl.chart  # imports excluded from the time, as for validate_paths
paths = [Path(p) for p in json.loads(Path(sys.argv[1]).read_text())]
workers, out = int(sys.argv[2]), Path(sys.argv[3])
from xlperf.review.history import History, history_path
import resource
def cpu():
    return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
c = cpu()
t = time.perf_counter()
intake = consolidate_paths(paths, workers=workers)
with intake.spool:  # the units on disk until the outputs are written, as the consolidate command does
    cons = consolidate(intake)
    with History(history_path(out)) as history:  # the round remembered
        cons.round_no = history.this_round(cons.units)
        cons.history, cons.previous = history, history.previous(cons.round_no)
        write_consolidation(cons, out)
        history.record(cons.round_no, out, cons.spooled(), cons.counted)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "cpu_seconds": cpu() - c, "files": len(cons.units), "parent_peak_kib": peak}))
"""


def run_consolidate(paths: Sequence[Path], workers: int, listfile: Path, out: Path) -> dict[str, Any]:
    """consolidate_paths + the 汇总 workbook written, in a fresh process (as run_batch times validation)."""
    listfile.write_text(json.dumps([str(p) for p in paths]))
    out.unlink(missing_ok=True)
    (out.parent / "xlperf-审核历史.sqlite").unlink(missing_ok=True)  # each run a first round: no history to read
    proc = subprocess.run([PY, "-c", _CONSOLIDATE_CHILD, str(listfile), str(workers), str(out)], capture_output=True,
                          text=True, cwd=ROOT, env=CHILD_ENV, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_consolidate(paths: Sequence[Path], workers: int, reps: int, workdir: Path) -> dict[str, Any]:
    """Consolidating N workbooks vs validating the same N, interleaved in the same run."""
    val: list[float] = []
    con: list[float] = []
    val_cpu: list[float] = []
    con_cpu: list[float] = []
    c_runs: list[dict[str, Any]] = []
    for _ in range(reps):
        v_run = run_batch(paths, workers, workdir / "cons-validate.json")
        c_run = run_consolidate(paths, workers, workdir / "cons-list.json", workdir / "汇总.xlsx")
        c_runs.append(c_run)
        val.append(v_run["seconds"])
        con.append(c_run["seconds"])
        val_cpu.append(v_run.get("cpu_seconds", 0.0))
        con_cpu.append(c_run.get("cpu_seconds", 0.0))
    v, c = stats(val), stats(con)
    cpu = {"validate_s": val_cpu, "consolidate_s": con_cpu,
           "ratio": [a / b for a, b in zip(con_cpu, val_cpu, strict=True) if b > 0]}
    return {"files": len(paths), "workers": workers, "validate": v, "consolidate": c, "ratio": ratio(c, v),
            "cpu": cpu,
            "parent_peak_kib": [r.get("parent_peak_kib") for r in c_runs],
            "note": "each run a fresh process; consolidate = validate + extraction + each unit spooled (temporary "
                    "SQLite) + statistics from the spool + the 汇总 workbook written (write-only, row by row) + the "
                    "round recorded in the SQLite history (sha256 of every file, in the workers)"}


def run_batch(paths: Sequence[Path], workers: int, listfile: Path) -> dict[str, Any]:
    """validate_paths in a fresh process (imports excluded from the time; framework load included)."""
    listfile.write_text(json.dumps([str(p) for p in paths]))
    proc = subprocess.run([PY, "-c", _BATCH_CHILD, str(listfile), str(workers)], capture_output=True, text=True,
                          cwd=ROOT, env=CHILD_ENV, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_libreoffice(paths: Sequence[Path], outdir: Path) -> dict[str, Any]:
    """LibreOffice headless recalculating ``paths`` in ONE invocation (profile created beforehand)."""
    from xlperf.devtools import libreoffice

    try:
        libreoffice.soffice_path()
    except libreoffice.LibreOfficeMissing as exc:
        return {"available": False, "reason": str(exc)}
    libreoffice._ensure_profile()  # one-time profile creation is not part of the measured call
    warm = outdir / "warm"
    libreoffice.recalculate([paths[0]], warm)  # warm the disk cache for LibreOffice's own files
    start = time.perf_counter()
    libreoffice.recalculate(list(paths), outdir / "recalculated")
    total = time.perf_counter() - start
    start = time.perf_counter()
    libreoffice.recalculate([paths[0]], outdir / "one")
    one = time.perf_counter() - start
    return {"available": True, "files": len(paths), "seconds": total, "seconds_per_file": total / len(paths),
            "files_per_s": len(paths) / total, "one_file_invocation_s": one,
            "note": (f"one soffice --convert-to call on {len(paths)} files (start-up included once, spread over "
                     "the files); its per-file rate is used for the batch comparison")}


def _calamine_values(path: Path) -> int:
    """python-calamine reading every cell's value (no formula text), when installed: a native-reader reference."""
    from python_calamine import CalamineWorkbook  # type: ignore[import-not-found,unused-ignore]

    wb = CalamineWorkbook.from_path(str(path))
    return sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)


def bench_reference_batch(paths: Sequence[Path], workers: int) -> dict[str, Any]:
    """The floors of a batch on ``workers`` processes: zip + lxml parse of every worksheet (what any reader of
    formulas must at least do), and python-calamine's values when installed."""
    import multiprocessing

    out: dict[str, Any] = {"files": len(paths), "workers": workers}
    cases: dict[str, Callable[[Path], int]] = {"zip_lxml_floor": floor_parse}
    try:
        import python_calamine  # noqa: F401

        cases["calamine_values"] = _calamine_values
    except ImportError:
        out["calamine_values"] = {"available": False}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(floor_parse, paths[:workers])  # workers started before the clock
        for name, fn in cases.items():
            start = time.perf_counter()
            pool.map(fn, paths, chunksize=16)
            seconds = time.perf_counter() - start
            out[name] = {"available": True, "seconds": seconds, "files_per_s": len(paths) / seconds}
    return out


def bench_batch(paths: Sequence[Path], sizes: Sequence[int], workers: Sequence[int], reps: dict[int, int],
                lo: dict[str, Any], workdir: Path) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    for n in sizes:
        subset = list(paths[:n])
        for w in workers:
            samples, last = [], {}
            for _ in range(reps.get(n, 1)):
                last = run_batch(subset, w, workdir / f"batch-{n}-{w}.json")
                samples.append(last["seconds"])
            s = stats(samples)
            runs[f"{n}_files_{w}_workers"] = {
                "files": n, "workers": w, "times": s, "status": last["status"],
                "findings_per_file": last.get("findings_per_file"),
                "files_per_s": {"best": n / s["min_s"], "median": n / s["median_s"]},
                "ms_per_file": {"best": s["min_ms"] / n, "median": s["median_ms"] / n},
            }
    out: dict[str, Any] = {"runs": runs, "libreoffice": lo,
                           "note": "each run is a fresh process; time = validate_paths() only (worker start-up and "
                                   "framework loading included, interpreter start and imports excluded)"}
    if lo.get("available"):
        largest = max(sizes)
        best_w = max(workers)
        key = f"{largest}_files_{best_w}_workers"
        out["ratio_vs_libreoffice"] = {
            "compared": f"{key} vs LibreOffice on {lo['files']} files",
            "best": runs[key]["files_per_s"]["best"] / lo["files_per_s"],
            "median": runs[key]["files_per_s"]["median"] / lo["files_per_s"]}
    return out


# 4. Growth ----------------------------------------------------------------------------------------


def add_project_sheet(src: Path, dest: Path, rows: int) -> Path:
    """A copy of ``src`` with an extra sheet 项目明细 of ``rows`` project rows (name, budget, actual)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("项目明细")
    ws.append(["项目名称", "预算（万元）", "实际支出（万元）"])
    for i in range(rows):
        budget = round(10 + (i * 7919 % 10000) / 7.0, 2)
        ws.append([f"项目{i + 1:06d}", budget, round(budget * (0.6 + (i % 40) / 100), 2)])
    wb.save(dest)
    return dest


_GROWTH_CHILD = """
import json, resource, sys, time, tracemalloc
from xlperf.validate import validate_file
base, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # after imports
report = validate_file(path)  # first call: also loads the framework and builds its plan
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range(reps):
    t = time.perf_counter(); validate_file(path); times.append(time.perf_counter() - t)
tracemalloc.start()
validate_file(path)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"times": times, "maxrss_before_kib": rss0, "maxrss_after_kib": rss1,
                  "tracemalloc_peak_bytes": peak, "findings": len(report.findings), "status": report.status}))
"""


def bench_growth(base: Path, folder: Path, rows_list: Sequence[int], reps: int) -> dict[str, Any]:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {"base": base}
    for rows in rows_list:
        cases[f"{rows}_rows"] = add_project_sheet(base, folder / f"projects-{rows}.xlsx", rows)
    out: dict[str, Any] = {}
    for key, path in cases.items():
        proc = subprocess.run([PY, "-c", _GROWTH_CHILD, str(base), str(path), str(reps)], capture_output=True,
                              text=True, cwd=ROOT, env=CHILD_ENV, check=True)
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        load = []
        for _ in range(max(1, min(reps, 3))):
            t = time.perf_counter()
            openpyxl.load_workbook(path)
            load.append(time.perf_counter() - t)
        out[key] = {
            "file_bytes": path.stat().st_size, "status": child["status"], "findings": child["findings"],
            "validate": stats(child["times"]),
            "peak_python_heap_mib": child["tracemalloc_peak_bytes"] / 2**20,
            "maxrss_growth_mib": max(0, child["maxrss_after_kib"] - child["maxrss_before_kib"]) / 1024,
            "maxrss_after_imports_mib": child["maxrss_before_kib"] / 1024,
            "maxrss_mib": child["maxrss_after_kib"] / 1024,
            "openpyxl_load": stats(load),
        }
    base_med = out["base"]["validate"]["median_s"]
    for value in out.values():
        value["time_vs_base"] = value["validate"]["median_s"] / base_med
    return {"cases": out, "note": ("the standard layout is fixed, so 'many projects' is emulated by appending a sheet "
                                   "项目明细 of N rows × 3 columns; peak_python_heap = tracemalloc peak during one "
                                   "validate_file (Python objects only, not libxml2's C heap); maxrss_growth = rise "
                                   "of a fresh process's peak RSS from after its imports to after validating the file "
                                   "once (that first call also loads the framework)")}


# 5. UDF / scoring per call ------------------------------------------------------------------------


def _per_call(fn: Callable[[], Any], calls: int, reps: int) -> dict[str, float]:
    fn()
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t) / calls)
    return {"min_us": min(samples) * 1e6, "median_us": statistics.median(samples) * 1e6, "calls": calls * reps}


def excel_value(value: Any) -> Any:
    """A value as xlwings passes it to a UDF: numbers as float, 是/否 for a logical value."""
    from decimal import Decimal

    if isinstance(value, bool):
        return "是" if value else "否"
    return float(value) if isinstance(value, Decimal) else value


def udf_cases(fw: Any, env: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Every Excel function as section 5 times it (and bench/udf_check.py counts it): the plain ones on fixed
    arguments, ``xlperf_score`` and ``xlperf_explain`` of every leaf indicator with the (name, value) pairs the
    UDF-flavour workbook passes, taken from ``env``."""
    import functools

    from xlperf.addins.excel import functions as F
    from xlperf.compiled import compiled
    from xlperf.engine.rules import compiled_names

    plain = next(m.id for m in compiled(fw).measures if m.schedule is None)
    cases: dict[str, Callable[[], Any]] = {
        "ratio": lambda: F.ratio(1.0, 3.0),
        "measure": lambda: F.measure(fw.id, plain, 200.0, 229.81),
        "exec_rate": lambda: F.exec_rate(100.0, 120.0),
        "exec_score": lambda: F.exec_score([10.0, 40.0, 70.0, 100.0], 120.0),
    }
    leaves = list(fw.leaves())
    pairs = {ind.id: [v for n in sorted(compiled_names(fw, ind)) for v in (n, excel_value(env[n]))] for ind in leaves}
    for name, udf in (("score", F.score), ("explain", F.explain)):  # every leaf indicator, as the workbook calls it
        for ind in leaves:
            cases[f"{name}[{ind.id}]"] = functools.partial(udf, fw.id, ind.id, *pairs[ind.id])
    return cases


def bench_udf(calls: int, reps: int) -> dict[str, Any]:
    from tests.support.futian_random import random_department
    from xlperf.loader import load_framework
    from xlperf.engine.rules import Ctx, evaluate_rule
    from xlperf.engine.scoring import data_env
    from xlperf.compiled import build_env, score

    fw = load_framework("futian-2021")
    data = random_department(fw, 7)
    leaves = list(fw.leaves())
    public = next(i for i in leaves if i.id == "public_funds_control")
    rule = public.rule
    assert rule is not None  # a leaf of futian scores by a rule
    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    ctx = Ctx(env, lambda name: name)
    out: dict[str, Any] = {"engine": {
        "evaluate_rule_public_funds_control": _per_call(lambda: evaluate_rule(rule, ctx), calls, reps),
        "score_whole_department": _per_call(lambda: score(fw, data), max(1, calls // 20), reps),
        "build_env_whole_framework": _per_call(lambda: build_env(fw, data_env(data), dict(data.judgements)),
                                               max(1, calls // 10), reps),
    }}
    out["engine"]["score_per_indicator"] = {k: v / len(leaves) if k.endswith("_us") else v
                                            for k, v in out["engine"]["score_whole_department"].items()}
    cases = udf_cases(fw, env)
    results = {}
    for name, case in cases.items():
        value = case()
        results[name] = {**_per_call(case, calls if "[" not in name else max(1, calls // 10), reps),
                         "returns": value if isinstance(value, int | float | str) else repr(value)}
    for name in ("score", "explain"):
        each = [v for k, v in results.items() if k.startswith(name + "[")]
        worst = max(each, key=lambda v: v["median_us"])
        results[f"{name} (worst of {len(each)} indicators)"] = {
            "min_us": worst["min_us"], "median_us": worst["median_us"], "calls": worst["calls"],
            "returns": max((k for k in results if k.startswith(name + "[")),
                           key=lambda k: results[k]["median_us"])}
    out["functions"] = {"available": True, "calls": results}
    return out


# Main ---------------------------------------------------------------------------------------------


def _verdicts(results: dict[str, Any]) -> dict[str, Any]:
    v: dict[str, Any] = {}
    r = results["single"]["ratio_validate_vs_openpyxl"]
    v["single_vs_openpyxl_load"] = {"target": f"≤ {TARGETS['single_vs_openpyxl_load']}", "min": r["min"],
                                    "median": r["median"], "met": r["median"] <= TARGETS["single_vs_openpyxl_load"]}
    r = results["report"]["ratio_report_vs_validate"]
    v["report_vs_validate"] = {"target": f"≤ {TARGETS['report_vs_validate']}", "min": r["min"],
                               "median": r["median"], "met": r["median"] <= TARGETS["report_vs_validate"]}
    r = results["cli"]["ratio_validate_vs_import_openpyxl"]
    v["cli_vs_import_openpyxl"] = {"target": f"≤ {TARGETS['cli_vs_import_openpyxl']}", "min": r["min"],
                                   "median": r["median"], "met": r["median"] <= TARGETS["cli_vs_import_openpyxl"]}
    runs = results["batch"]["runs"]
    key = max((k for k in runs if runs[k]["workers"] == 2), key=lambda k: runs[k]["files"], default=None)
    if key:
        rate = runs[key]["files_per_s"]
        v["batch_files_per_s_2_workers"] = {"target": f"≥ {TARGETS['batch_files_per_s_2_workers']}", "run": key,
                                            **rate, "met": rate["median"] >= TARGETS["batch_files_per_s_2_workers"]}
    for key, run_ in (results["batch"].get("findings_runs") or {}).items():
        rate = run_["files_per_s"]
        v["batch_findings_files_per_s_2_workers"] = {
            "target": f"≥ {TARGETS['batch_findings_files_per_s_2_workers']}", "run": key, **rate,
            "met": rate["median"] >= TARGETS["batch_findings_files_per_s_2_workers"]}
    lo = results["batch"].get("ratio_vs_libreoffice")
    if lo:
        v["batch_vs_libreoffice"] = {"target": f"≥ {TARGETS['batch_vs_libreoffice']}", **lo,
                                     "met": lo["median"] >= TARGETS["batch_vs_libreoffice"]}
    for key, name in (("consolidate", "consolidate_vs_validate"),
                      ("consolidate_findings", "consolidate_findings_vs_validate")):
        cons = results.get(key)
        if cons:
            r = cons["ratio"]
            cpu = cons.get("cpu", {}).get("ratio") or [r["median"]]
            v[name] = {"target": f"≤ {TARGETS['consolidate_vs_validate']}", "files": cons["files"],
                       "min": r["min"], "median": r["median"], "cpu_median": statistics.median(cpu),
                       "met": statistics.median(cpu) <= TARGETS["consolidate_vs_validate"]}
    rt = results.get("report_text") or {}
    if rt.get("available"):
        r = rt["ratio_check_vs_docx_load"]
        v["report_text_vs_docx_load"] = {"target": f"≤ {TARGETS['report_text_vs_docx_load']}", "min": r["min"],
                                         "median": r["median"],
                                         "met": r["median"] <= TARGETS["report_text_vs_docx_load"]}
    udf = results["udf"]
    calls = dict(udf["engine"])
    if udf.get("functions", {}).get("available"):
        calls.update({f"functions.{k}": val for k, val in udf["functions"]["calls"].items()})
    worst = max((k for k in calls if k.startswith("functions.")), key=lambda k: calls[k]["median_us"])
    v["udf_us_per_call"] = {"target": f"≤ {TARGETS['udf_us_per_call']} µs", "worst": worst,
                            "worst_median_us": calls[worst]["median_us"],
                            "met": calls[worst]["median_us"] <= TARGETS["udf_us_per_call"]}
    return v


def run(quick: bool = False, out: Path | None = None, workdir: Path | None = None, libreoffice: bool = True,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every section and return (and write, if ``out``) the results."""
    own_tmp = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="xlperf-bench-")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    n_files = 3 if quick else 2000
    sizes = (3,) if quick else (200, 2000)
    import xlperf

    results: dict[str, Any] = {"quick": quick, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "git": _git_rev(),
                               "xlperf_from": str(Path(xlperf.__file__).parent),
                               "machine": machine_info(), "loadavg_start": loadavg(), "targets": TARGETS}
    try:
        log(f"corpus: {n_files} workbooks in {workdir}")
        paths, made_s = make_corpus(workdir / "corpus", n_files)
        results["corpus"] = {"files": len(paths), "seconds_to_generate": made_s,
                             "bytes_each_approx": paths[0].stat().st_size,
                             "how": "xlperf template (openpyxl) filled with random_department(fw, seed) per file"}
        log("batch: LibreOffice")
        lo_files = paths[: 3 if quick else 50]
        lo = bench_libreoffice(lo_files, workdir / "lo") if libreoffice else {"available": False,
                                                                               "reason": "--no-libreoffice"}
        log("single")
        results["single"] = bench_single(paths[0], 2 if quick else 200)
        lo_saved = workdir / "lo" / "recalculated" / paths[0].name
        if lo.get("available") and lo_saved.exists():
            results["single_saved_by_libreoffice"] = bench_single(lo_saved, 2 if quick else 200)
        log("cli")
        results["cli"] = bench_cli(paths[0], 1 if quick else 20)
        log("report")
        results["report"] = bench_report(paths[0], 1 if quick else 10, workdir / "report")
        log("batch")
        results["batch"] = bench_batch(paths, sizes, (1, 2), {3: 1} if quick else {200: 5, 2000: 2}, lo, workdir)
        log("batch: ~50 findings per file")
        noisy, _ = make_corpus(workdir / "corpus-findings", 3 if quick else 1000, noisy=True)
        results["batch"]["findings_runs"] = bench_batch(noisy, (len(noisy),), (2,), {len(noisy): 1 if quick else 3},
                                                        {}, workdir)["runs"]
        log("batch: floors (zip + lxml, python-calamine) on 2 processes")
        results["batch"]["floors"] = bench_reference_batch(paths[: max(sizes)], 2)
        log("consolidate")
        results["consolidate"] = bench_consolidate(paths[: max(sizes)], 2, 1 if quick else 3, workdir)
        results["consolidate_findings"] = bench_consolidate(noisy, 2, 1 if quick else 3, workdir)
        log("growth")
        results["growth"] = bench_growth(paths[0], workdir / "growth", (100, 1000) if quick else (1000, 10000),
                                         1 if quick else 10)
        log("report text")
        results["report_text"] = bench_report_text(workdir, 2 if quick else 50)
        log("udf")
        results["udf"] = bench_udf(50 if quick else 2000, 3 if quick else 7)
        results["verdicts"] = _verdicts(results)
        results["loadavg_end"] = loadavg()
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return results


def run_cli_only(out: Path | None, workdir: Path | None, reps: int = 20,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """Only section 2 (cold CLI) on one generated workbook: a quick check of the start-up ratio."""
    own_tmp = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="xlperf-bench-")) if workdir is None else workdir
    try:
        paths, _ = make_corpus(workdir / "corpus", 1)
        results: dict[str, Any] = {"git": _git_rev(), "machine": machine_info(), "loadavg_start": loadavg(),
                                   "cli": bench_cli(paths[0], reps), "loadavg_end": loadavg()}
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    c = results["cli"]
    for key in ("python_pass", "import_openpyxl", "xlperf_version", "xlperf_validate", "xlperf_validate_json"):
        log(f"{key:22s} {c['times'][key]['min_ms']:7.1f} / {c['times'][key]['median_ms']:7.1f} ms (min / median)")
    r = c["ratio_validate_vs_import_openpyxl"]
    log(f"xlperf validate ÷ import openpyxl: {r['min']:.2f} / {r['median']:.2f} (target ≤ "
        f"{TARGETS['cli_vs_import_openpyxl']}); load {results['loadavg_start']} → {results['loadavg_end']}")
    if out is not None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return results


def summary(results: dict[str, Any]) -> str:
    lines = [f"machine: {results['machine']['cpu_model']}, nproc {results['machine']['nproc']}, "
             f"Python {results['machine']['python']}; load {results.get('loadavg_start')}"]
    s = results["single"]["times"]
    lines.append(f"1. validate_file {s['validate_file']['min_ms']:.2f}/{s['validate_file']['median_ms']:.2f} ms "
                 f"(min/median); openpyxl load {s['openpyxl_load_workbook']['min_ms']:.2f}/"
                 f"{s['openpyxl_load_workbook']['median_ms']:.2f} ms; floor {s['zip_lxml_floor']['min_ms']:.2f}/"
                 f"{s['zip_lxml_floor']['median_ms']:.2f} ms")
    r = results["single"]
    lines.append(f"   ratio vs openpyxl {r['ratio_validate_vs_openpyxl']['min']:.3f}/"
                 f"{r['ratio_validate_vs_openpyxl']['median']:.3f}; vs floor {r['ratio_validate_vs_floor']['min']:.2f}/"
                 f"{r['ratio_validate_vs_floor']['median']:.2f}")
    c = results["cli"]
    lines.append(f"2. cold `xlperf validate` {c['times']['xlperf_validate']['min_ms']:.0f}/"
                 f"{c['times']['xlperf_validate']['median_ms']:.0f} ms; import openpyxl "
                 f"{c['times']['import_openpyxl']['min_ms']:.0f}/{c['times']['import_openpyxl']['median_ms']:.0f} ms;"
                 f" ratio {c['ratio_validate_vs_import_openpyxl']['min']:.2f}/"
                 f"{c['ratio_validate_vs_import_openpyxl']['median']:.2f}; heavy imported: "
                 f"{[k for k, v in c['imports']['heavy_imported'].items() if v]}")
    rp = results["report"]
    lines.append(f"2b. cold `xlperf report` {rp['times']['xlperf_report']['min_ms']:.0f}/"
                 f"{rp['times']['xlperf_report']['median_ms']:.0f} ms vs `xlperf validate` "
                 f"{rp['times']['xlperf_validate']['min_ms']:.0f}/{rp['times']['xlperf_validate']['median_ms']:.0f} ms;"
                 f" ratio {rp['ratio_report_vs_validate']['min']:.2f}/{rp['ratio_report_vs_validate']['median']:.2f};"
                 f" in process {rp['ratio_in_process']['min']:.2f}/{rp['ratio_in_process']['median']:.2f}")
    for key, run_ in results["batch"]["runs"].items():
        lines.append(f"3. {key}: {run_['files_per_s']['best']:.0f}/{run_['files_per_s']['median']:.0f} files/s")
    lo = results["batch"]["libreoffice"]
    if lo.get("available"):
        lines.append(f"   LibreOffice: {lo['files_per_s']:.2f} files/s ({lo['files']} files in {lo['seconds']:.1f} s);"
                     f" ratio {results['batch']['ratio_vs_libreoffice']['best']:.0f}/"
                     f"{results['batch']['ratio_vs_libreoffice']['median']:.0f}×")
    for key, run_ in (results["batch"].get("findings_runs") or {}).items():
        lines.append(f"3. findings corpus {key}: {run_['files_per_s']['best']:.0f}/{run_['files_per_s']['median']:.0f}"
                     f" files/s ({run_.get('findings_per_file', 0):.0f} findings per file)")
    floors = results["batch"].get("floors") or {}
    for key in ("zip_lxml_floor", "calamine_values"):
        if (floors.get(key) or {}).get("available"):
            lines.append(f"3. {key} on {floors['workers']} processes: {floors[key]['files_per_s']:.0f} files/s")
    cons = results.get("consolidate")
    if cons:
        lines.append(f"3b. consolidate {cons['files']} files ({cons['workers']} workers): "
                     f"{cons['consolidate']['median_s']:.2f} s vs validate {cons['validate']['median_s']:.2f} s, "
                     f"ratio {cons['ratio']['min']:.2f}/{cons['ratio']['median']:.2f}")
    for key, g in results["growth"]["cases"].items():
        lines.append(f"4. {key}: {g['validate']['median_ms']:.1f} ms (×{g['time_vs_base']:.1f}), heap peak "
                     f"{g['peak_python_heap_mib']:.1f} MiB, maxrss +{g['maxrss_growth_mib']:.1f} MiB; openpyxl "
                     f"{g['openpyxl_load']['median_ms']:.0f} ms")
    u = results["udf"]
    for key, val in u["engine"].items():
        lines.append(f"5. {key}: {val['min_us']:.1f}/{val['median_us']:.1f} µs")
    for key, val in u.get("functions", {}).get("calls", {}).items():
        lines.append(f"5. functions.{key}: {val['min_us']:.1f}/{val['median_us']:.1f} µs → {val['returns']}")
    for key, val in results["verdicts"].items():
        lines.append(f"target {key}: {'met' if val['met'] else 'NOT met'} ({val})")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The results as the Markdown table used in bench/README.md (``--table FILE`` prints it)."""
    def ms(t: dict[str, float]) -> str:
        return f"{t['min_ms']:.1f} / {t['median_ms']:.1f} ms"

    def ratio_(r: dict[str, float], fmt: str = ".2f") -> str:
        return f"{r['min'] if 'min' in r else r['best']:{fmt}} / {r['median']:{fmt}}"

    v = results["verdicts"]
    s, c, b = results["single"], results["cli"], results["batch"]
    rows = [("1", "validate_file, one workbook (read + 53 checks + scoring)", ms(s["times"]["validate_file"]), "", ""),
            ("1", "openpyxl load_workbook, same file", ms(s["times"]["openpyxl_load_workbook"]), "", ""),
            ("1", "zip + lxml parse of its worksheets (floor)", ms(s["times"]["zip_lxml_floor"]), "", ""),
            ("1", "**validate_file ÷ openpyxl load**", ratio_(s["ratio_validate_vs_openpyxl"], ".3f"), "≤ 0.5",
             "yes" if v["single_vs_openpyxl_load"]["met"] else "no"),
            ("1", "validate_file ÷ floor", ratio_(s["ratio_validate_vs_floor"]), "", "")]
    lo_single = results.get("single_saved_by_libreoffice")
    if lo_single:
        rows.append(("1", "same workbook saved by LibreOffice (cached values, shared strings): validate ÷ openpyxl",
                     ratio_(lo_single["ratio_validate_vs_openpyxl"], ".3f"), "", ""))
    rows += [("2", "cold `python -m xlperf validate FILE`", ms(c["times"]["xlperf_validate"]), "", ""),
             ("2", "cold `python -m xlperf validate --json FILE`", ms(c["times"]["xlperf_validate_json"]), "", ""),
             ("2", "cold `python -c \"import openpyxl\"`", ms(c["times"]["import_openpyxl"]), "", ""),
             ("2", "cold `python -c pass`", ms(c["times"]["python_pass"]), "", ""),
             ("2", "**xlperf validate ÷ import openpyxl**", ratio_(c["ratio_validate_vs_import_openpyxl"]), "≤ 2.5",
              "yes" if v["cli_vs_import_openpyxl"]["met"] else "no")]
    for key, run_ in b["runs"].items():
        rows.append(("3", f"`validate --jsonl`, {run_['files']} workbooks, {run_['workers']} worker(s)",
                     f"{run_['files_per_s']['best']:.0f} / {run_['files_per_s']['median']:.0f} workbooks/s",
                     "≥ 400 (2 workers)" if run_["workers"] == 2 and run_["files"] == max(r["files"] for r in
                                                                                        b["runs"].values()) else "",
                     ("yes" if v["batch_files_per_s_2_workers"]["met"] else "no")
                     if key == v.get("batch_files_per_s_2_workers", {}).get("run") else ""))
    for key, run_ in (b.get("findings_runs") or {}).items():
        rows.append(("3", f"`--jsonl`, {run_['files']} workbooks with ~{run_.get('findings_per_file') or 0:.0f} findings "
                          f"each, 2 workers", f"{run_['files_per_s']['best']:.0f} / {run_['files_per_s']['median']:.0f}"
                          " workbooks/s", "≥ 300", "yes" if v.get("batch_findings_files_per_s_2_workers", {}).get("met")
                     else "no"))
    floors = b.get("floors") or {}
    for key, label in (("zip_lxml_floor", "zip + lxml parse of the worksheets (floor)"),
                       ("calamine_values", "python-calamine, every value (no formulas)")):
        if (floors.get(key) or {}).get("available"):
            rows.append(("3", f"{label}, {floors['files']} workbooks, {floors['workers']} processes",
                         f"{floors[key]['files_per_s']:.0f} workbooks/s", "", ""))
    lo = b["libreoffice"]
    if lo.get("available"):
        rows.append(("3", f"LibreOffice headless, {lo['files']} workbooks in one call",
                     f"{lo['files_per_s']:.2f} workbooks/s ({lo['seconds_per_file']:.2f} s each)", "", ""))
        rows.append(("3", "**validate (2 workers) ÷ LibreOffice**", ratio_(b["ratio_vs_libreoffice"], ".0f") + " ×",
                     "≥ 90×", "yes" if v["batch_vs_libreoffice"]["met"] else "no"))
    for key, g in results["growth"]["cases"].items():
        rows.append(("4", f"growth: {key.replace('_', ' ')} ({g['file_bytes'] / 1024:.0f} KiB)",
                     f"{ms(g['validate'])}, ×{g['time_vs_base']:.1f}; heap peak {g['peak_python_heap_mib']:.1f} MiB,"
                     f" RSS +{g['maxrss_growth_mib']:.1f} MiB; openpyxl load {g['openpyxl_load']['median_ms']:.0f} ms",
                     "", ""))
    u = results["udf"]
    for key, val in u["engine"].items():
        rows.append(("5", f"engine: {key}", f"{val['min_us']:.1f} / {val['median_us']:.1f} µs", "", ""))
    for key, val in u.get("functions", {}).get("calls", {}).items():
        rows.append(("5", f"xlperf.addins.excel.functions.{key}", f"{val['min_us']:.1f} / {val['median_us']:.1f} µs",
                     "≤ 50 µs", "yes" if val["median_us"] <= TARGETS["udf_us_per_call"] else "no"))
    out = ["| § | measure | min / median | target | met |", "|---|---|---|---|---|"]
    out += [f"| {a} | {b_} | {c_} | {d} | {e} |" for a, b_, c_, d, e in rows]
    return "\n".join(out)


def run_consolidate_only(out: Path | None, workdir: Path | None, files: int = 2000, reps: int = 3,
                         log: Callable[[str], None] = print) -> dict[str, Any]:
    """Only section 3b (consolidate vs validate, interleaved) on ``files`` generated workbooks of each corpus: the
    bench corpus (clean departments) and the ~50-findings-per-file corpus (:func:`_noisy`)."""
    own_tmp = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="xlperf-bench-")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        log(f"corpora: {files} workbooks each in {workdir}")
        paths, _ = make_corpus(workdir / "corpus", files)
        noisy, _ = make_corpus(workdir / "corpus-findings", files, noisy=True)
        results: dict[str, Any] = {"git": _git_rev(), "machine": machine_info(), "loadavg_start": loadavg()}
        log("consolidate: bench corpus")
        results["consolidate"] = bench_consolidate(paths, 2, reps, workdir)
        log("consolidate: ~50 findings per file")
        results["consolidate_findings"] = bench_consolidate(noisy, 2, reps, workdir)
        results["loadavg_end"] = loadavg()
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    for key in ("consolidate", "consolidate_findings"):
        c = results[key]
        log(f"{key} {c['files']} files: {c['consolidate']['min_s']:.2f} / {c['consolidate']['median_s']:.2f} s, "
            f"validate {c['validate']['min_s']:.2f} / {c['validate']['median_s']:.2f} s (min / median); wall ratio "
            f"{c['ratio']['min']:.2f} / {c['ratio']['median']:.2f} (target ≤ {TARGETS['consolidate_vs_validate']}); "
            f"CPU (process and workers) ratio {', '.join(f'{r:.2f}' for r in c['cpu']['ratio'])}")
    log(f"load {results['loadavg_start']} → {results['loadavg_end']}")
    if out is not None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return results


def run_udf_only(out: Path | None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Only section 5: every Excel function per call, in one run, and its ratio to ``xlperf_measure``."""
    results: dict[str, Any] = {"git": _git_rev(), "machine": machine_info(), "loadavg_start": loadavg()}
    results["udf"] = bench_udf(2000, 7)
    results["loadavg_end"] = loadavg()
    calls = results["udf"]["functions"]["calls"]
    base = calls["measure"]["median_us"]
    for name, val in sorted(calls.items(), key=lambda kv: -kv[1]["median_us"]):
        log(f"{name:48s} {val['min_us']:8.1f} / {val['median_us']:8.1f} µs (min / median)  "
            f"{val['median_us'] / base:5.2f} × xlperf_measure")
    log(f"load {results['loadavg_start']} → {results['loadavg_end']}")
    if out is not None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 files, few repetitions (smoke test)")
    ap.add_argument("--out", type=Path, default=None, help="JSON results file (default: bench/results.json)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep generated workbooks here (reused on the next run); default: a temporary folder")
    ap.add_argument("--no-libreoffice", action="store_true", help="skip the LibreOffice comparison")
    ap.add_argument("--table", type=Path, default=None, metavar="RESULTS_JSON",
                    help="only print the Markdown table of an existing results file")
    ap.add_argument("--cli-only", action="store_true",
                    help="only the cold-CLI section (one workbook, 20 interleaved repetitions); --out if given")
    ap.add_argument("--consolidate-only", action="store_true",
                    help="only section 3b: consolidate vs validate on 2,000 workbooks of each corpus, the bench "
                         "corpus and the ~50-findings one (--files, --reps interleaved runs)")
    ap.add_argument("--udf-only", action="store_true",
                    help="only section 5: every Excel function per call and its ratio to xlperf_measure; --out if given")
    ap.add_argument("--reps", type=int, default=3, help="with --consolidate-only: runs of each (default 3)")
    ap.add_argument("--files", type=int, default=2000,
                    help="with --consolidate-only: workbooks of each corpus (default 2,000)")
    args = ap.parse_args(argv)
    if args.cli_only:
        return run_cli_only(args.out, args.workdir)
    if args.udf_only:
        return run_udf_only(args.out)
    if args.consolidate_only:
        return run_consolidate_only(args.out, args.workdir, files=args.files, reps=args.reps)
    args.out = args.out or ROOT / "bench" / "results.json"
    if args.table is not None:
        results = json.loads(args.table.read_text(encoding="utf-8"))
        print(markdown(results))
        return results
    results = run(quick=args.quick, out=args.out, workdir=args.workdir, libreoffice=not args.no_libreoffice)
    print(summary(results))
    print(f"written {args.out}")
    return results


if __name__ == "__main__":
    main()
