"""Equivalence and instruction counts for speed work on the Excel functions (issue 22 item 6).

    python bench/udf_check.py record OUT.jsonl     # every UDF's output on ~4,300 argument sets (run on the base)
    python bench/udf_check.py check OUT.jsonl      # the same now; exit 1 and list every difference
    python bench/udf_check.py call CASE N          # CASE (e.g. exec_score, "explain[budget_execution]") N times

``record``/``check``: ``xlperf_score`` and ``xlperf_explain`` of every futian-2021 leaf on 24 random departments,
each also with a pair dropped, a value replaced (0, text, 1E+20, an error text, 是, an empty cell …) and with
inputs instead of rates; every other framework's leaves on its data file; ``measure`` of every measure,
``ratio``, ``exec_rate`` and ``exec_score`` on edge cases. Outputs (numbers, texts, ``#XLPERF!`` messages) must
stay byte-identical.

``call``: for instruction counts, deterministic whatever the machine's load (run from the source tree to count):

    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        python bench/udf_check.py call CASE 0
    PYTHONHASHSEED=0 valgrind … python bench/udf_check.py call CASE 1000   # (I refs of 1000 − of 0) / 1000

(A fixed hash seed: loading a framework costs ~2·10⁹ instructions, and a different seed in the two runs moves
that by more than a call's worth.)

The case is called three times before the N counted calls (the framework loaded, its plans and caches built);
the garbage collector is off during them (a collection falling in one run and not the other would add noise).
"""

from __future__ import annotations

import gc
import json
import random
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.futian_random import random_department  # noqa: E402
from xlperf.addins.excel import functions as F  # noqa: E402
from xlperf.compiled import build_env, compiled  # noqa: E402
from xlperf.engine.rules import compiled_names  # noqa: E402
from xlperf.engine.scoring import data_env  # noqa: E402
from xlperf.framework.models import Framework  # noqa: E402
from xlperf.ingest.datafile import load_data  # noqa: E402
from xlperf.loader import load_framework  # noqa: E402

from run import excel_value as excel, udf_cases  # noqa: E402  (bench/run.py)


def _pairs(fw: Framework, env: dict[str, Any], names: list[str]) -> list[Any]:
    return [v for n in names for v in (n, excel(env.get(n)))]


def outputs() -> list[list[str]]:
    out: list[list[str]] = []

    def rec(name: str, fn: Callable[..., Any], *args: Any) -> None:
        try:
            result = repr(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - a UDF must not raise: record it if it does
            result = f"RAISED {type(exc).__name__} {exc}"
        out.append([name, repr(args)[:200], result])

    fw = load_framework("futian-2021")
    rng = random.Random(5)
    odd = [0.0, "", "abc", 1e20, -3.0, "是", None, 1.5, "#DIV/0!", True]
    for seed in range(1, 25):
        data = random_department(fw, seed)
        env, _ = build_env(fw, data_env(data), dict(data.judgements))
        for ind in fw.leaves():
            names = sorted(compiled_names(fw, ind))
            variants = [_pairs(fw, env, names)]
            if names:
                k = rng.randrange(len(names))
                variants.append([*variants[0][:2 * k], *variants[0][2 * k + 2:]])  # a pair left out
                changed = list(variants[0])
                changed[2 * k + 1] = rng.choice(odd)
                variants.append(changed)
            plain = sorted(n for n in env if isinstance(env[n], Decimal | bool | str))
            variants.append(_pairs(fw, env, rng.sample(plain, min(len(plain), 12))))  # inputs, not rates
            for pairs in variants:
                rec("score", F.score, fw.id, ind.id, *pairs)
                rec("explain", F.explain, fw.id, ind.id, *pairs)
    for m in compiled(fw).measures:
        for a, b in [(1.0, 3.0), (0.0, 0.0), (5.0, 0.0), (200.0, 229.81), (-1.0, 2.0), ("x", 1.0)]:
            rec("measure", F.measure, fw.id, m.id, a, b)
    ratios: list[tuple[Any, ...]] = [(1.0, 3.0), (0.0, 0.0), (1.0, 0.0, 5, 7), (2.0, 3.0, 0, None, 2), (1.0, 3.0, 0, None, ""),
                                     ("1,234.5", "97.65%")]
    for args in ratios:
        rec("ratio", F.ratio, *args)
    for args in [(100.0, 120.0), (0.0, 120.0), (100.0, 0.0), (-1.0, 5.0), (130.0, 120.0)]:
        rec("exec_rate", F.exec_rate, *args)
    paid = [10.0, 40.0, 70.0, 100.0]
    schedules: list[tuple[Any, ...]] = [(paid, 120.0), ([10.0, 40.0, 70.0, 130.0], 120.0), (paid[:3], 120.0), ([paid], 120.0),
                 ([0.0] * 4, 120.0), (paid, 0.0), (paid, 120.0, [0.2, 0.5, 0.7, 1.0]), (paid, 120.0, None, 2.0, 3.0),
                 (paid, 120.0, None, None, None, "无"), ([10.0, 140.0, 70.0, 100.0], 120.0, None, 2.0, 3.0, 1.2),
                 ([40.0, 100.0], 120.0, [0.5, 1.0]), (paid, 120.0, None, None, None, 0.5)]
    for args in schedules:
        rec("exec_score", F.exec_score, *args)
    for data_file in sorted((REPO / "tests" / "data" / "frameworks").rglob("*-data.yaml")):
        other = load_framework(str(data_file.with_name(data_file.name.replace("-data.yaml", ".yaml"))))
        loaded = load_data(data_file, other)
        env, _ = build_env(other, data_env(loaded), dict(loaded.judgements))
        for ind in other.leaves():
            pairs = _pairs(other, env, sorted(compiled_names(other, ind)))
            rec("score", F.score, other, ind.id, *pairs)
            rec("explain", F.explain, other, ind.id, *pairs)
        rec("exec_score", F.exec_score, paid, 120.0, None, None, None, None, other)
    return out


def call(case: str, n: int) -> None:
    fw = load_framework("futian-2021")
    data = random_department(fw, 7)
    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    cases = udf_cases(fw, env)  # the cases bench/run.py times
    fn = cases[case]
    for _ in range(3):
        fn()
    gc.collect()
    gc.disable()  # a full collection falls in one run and not the other: thousands of instructions per call
    for _ in range(n):
        fn()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "call":
        call(argv[1], int(argv[2]))
        return 0
    if len(argv) != 2 or argv[0] not in ("record", "check"):
        print(__doc__)
        return 2
    lines = [json.dumps(row, ensure_ascii=False) for row in outputs()]
    path = Path(argv[1])
    if argv[0] == "record":
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines)} outputs → {path}")
        return 0
    before = path.read_text(encoding="utf-8").splitlines()
    diff = [(a, b) for a, b in zip(before, lines, strict=False) if a != b]
    for a, b in diff[:20]:
        print(f"- {a}\n+ {b}")
    if diff or len(before) != len(lines):
        print(f"{len(diff)} of {len(lines)} outputs differ ({len(before)} recorded)")
        return 1
    print(f"all {len(lines)} outputs identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
