"""Bounds per workbook, not only per part: total cells, total inflated bytes, rows under any namespace prefix;
and time and peak memory per file, measured in fresh processes under resource limits (README "Limits").

The limits are the kernel's (RLIMIT_AS = 512 MiB of address space, RLIMIT_CPU = 30 s, three times the
10 s the README promises, because the machine is shared): a file that needs more is killed or gets
MemoryError, and the test fails. No wall-clock time is asserted.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from xlperf.validate import validate_file
from xlperf.workbook.safety import DEFAULT_LIMITS
from xlperf.workbook.xlsx import MAX_CELLS, BookTooLarge, open_book

from .builders import build_package, grid, with_extra_sheet
from .helpers import EXAMPLE, MiB, REPO, run_limited

CORPUS = REPO / "tests" / "corpus" / "files"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bounds")
    out = {
        # the reported bypass: two sheets of 99,000 × 36 cells, each under every per-part limit
        "two-sheets": build_package(folder / "two-sheets.xlsx",
                                    {"甲": grid(99_000, 36, seed=1), "乙": grid(99_000, 36, seed=2)}, level=1),
        # within the byte limits, over the cell limit: only the cell count can refuse it
        "many-cells": build_package(folder / "many-cells.xlsx",
                                    {"甲": grid(5_000, 36, seed=3), "乙": grid(5_000, 36, seed=4)}, level=1),
        # a million rows under a non-ASCII namespace prefix, without <dimension>
        "prefixed-rows": build_package(folder / "prefixed-rows.xlsx",
                                       {"明细": grid(1_000_000, 1, prefix="表格", dimension=False)}, level=1),
        # the largest workbook accepted: the example plus 290,000 cells, fully validated
        "near-limit": with_extra_sheet(EXAMPLE, folder / "near-limit.xlsx", "附表", grid(8_000, 36, seed=5)),
        # close to the 50 MB file limit: 48 MiB of incompressible data beside the example
        "fifty-mb": with_extra_sheet(EXAMPLE, folder / "fifty-mb.xlsx", "附表", grid(10, 3, seed=6),
                                     stored={"xl/media/blob.bin": random.Random(7).randbytes(48 * MiB)}),
    }
    return out


def test_sizes_are_what_the_cases_claim(big: dict[str, Path]) -> None:
    import zipfile

    with zipfile.ZipFile(big["two-sheets"]) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/")]
        assert all(i.file_size <= DEFAULT_LIMITS.max_member_uncompressed for i in sheets)
        assert all(i.file_size / i.compress_size < DEFAULT_LIMITS.max_ratio for i in sheets)
    with zipfile.ZipFile(big["many-cells"]) as zf:
        assert sum(i.file_size for i in zf.infolist()) < DEFAULT_LIMITS.max_total_uncompressed
    assert 10_000 * 36 > DEFAULT_LIMITS.max_total_cells > 8_000 * 36 + 1_500
    assert 48 * MiB < big["fifty-mb"].stat().st_size < DEFAULT_LIMITS.max_file_bytes


@pytest.mark.parametrize("case, codes", [("two-sheets", {"XP105", "XP114"}), ("many-cells", {"XP114"}),
                                         ("prefixed-rows", {"XP108"})])
def test_refused(case: str, codes: set[str], big: dict[str, Path]) -> None:
    rep = validate_file(big[case])
    assert rep.status == "error" and len(rep.findings) == 1 and rep.findings[0].code in codes, rep.findings
    assert big[case].name in rep.findings[0].message


def test_accepted_near_the_limits(big: dict[str, Path]) -> None:
    for case in ("near-limit", "fifty-mb"):
        rep = validate_file(big[case])
        assert rep.status == "invalid" and rep.total_computed is not None, (case, rep.findings)  # the seed's findings


def test_reader_counts_cells_itself(tmp_path: Path) -> None:
    """Even without the pre-check, the reader stops at MAX_CELLS (counted while parsing, not from <dimension>)."""
    rows = MAX_CELLS // 36 + 10
    path = build_package(tmp_path / "cells.xlsx", {"甲": grid(rows, 36, dimension=False)}, level=1)
    with pytest.raises(BookTooLarge):
        open_book(path)


ALL = ["two-sheets", "many-cells", "prefixed-rows", "near-limit", "fifty-mb"]


@pytest.mark.parametrize("case", ALL + ["corpus:zip_bomb.xlsx", "corpus:million_rows.xlsx", "corpus:xml_bomb.xlsx"])
def test_time_and_memory_bounded(case: str, big: dict[str, Path]) -> None:
    """Each file in a fresh process limited to 512 MiB of address space and 30 s of CPU: it gets its report."""
    path = CORPUS / case.split(":", 1)[1] if case.startswith("corpus:") else big[case]
    out = run_limited(f"""
        from xlperf.validate import validate_file
        rep = validate_file({str(path)!r})
        peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) * 1024 if \\
            __import__("os").path.exists("/proc/self/status") else 0
        print(json.dumps({{"status": rep.status, "codes": [f.code for f in rep.findings], "rss": peak}}))
    """, cpu_seconds=30, memory=512 * MiB)
    assert "XP000" not in out["codes"], out  # no MemoryError or crash inside
    assert out["status"] in ("error", "invalid")
    assert out["rss"] < 512 * MiB
