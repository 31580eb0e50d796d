"""Bounds per workbook, not only per part: total cells, total inflated bytes, rows under any namespace prefix;
and time and peak memory per file, measured in fresh processes under resource limits (README "Limits").

The limits are the kernel's (RLIMIT_AS = 512 MiB of address space, RLIMIT_CPU = 30 s, three times the
10 s the README promises, because the machine is shared): a file that needs more is killed or gets
MemoryError, and the test fails. No wall-clock time is asserted.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from xlperf.validate import validate_file
from xlperf.ingest.precheck import DEFAULT_LIMITS
from xlperf.ingest.xlsx import MAX_CELLS, BookTooLarge, open_book

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


@pytest.mark.subprocess
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


def _many_sheet_entries(path: Path, count: int) -> Path:
    """The example plus a worksheet padded to nearly 4 MiB (a long comment), listed ``count`` times in the
    workbook part: 4 MiB × ``count`` of XML if every entry were parsed again."""
    import zipfile

    from .builders import DECL, MAIN

    with zipfile.ZipFile(EXAMPLE) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    rnd = random.Random(11)
    padding = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4 * MiB - 4096))
    parts["xl/worksheets/padded.xml"] = (f'{DECL}<worksheet xmlns="{MAIN}"><sheetData><!--{padding}-->'
                                         '<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/padded.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdPad" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/worksheet" Target="worksheets/padded.xml"/></Relationships>')
    wb = parts["xl/workbook.xml"].replace(
        b"<workbook ", b'<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ', 1)
    extra = "".join(f'<sheet name="p{i}" sheetId="{1000 + i}" r:id="rIdPad"/>' for i in range(count))
    parts["xl/workbook.xml"] = wb.replace(b"</sheets>", extra.encode() + b"</sheets>")
    assert len(parts["xl/workbook.xml"]) < 8 * MiB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.mark.subprocess
def test_many_sheets_pointing_to_one_part(tmp_path: Path) -> None:
    """100,000 sheet entries sharing one 4 MiB worksheet part: parsed once, not 100,000 times (CPU-limited)."""
    path = _many_sheet_entries(tmp_path / "entries.xlsx", 100_000)
    out = run_limited(f"""
        from xlperf.validate import validate_file
        rep = validate_file({str(path)!r})
        print(json.dumps({{"status": rep.status, "codes": sorted({{f.code for f in rep.findings}})}}))
    """, cpu_seconds=30, memory=512 * MiB)
    assert "XP000" not in out["codes"] and out["status"] in ("invalid", "error"), out


def test_shared_formula_expansion_is_bounded(tmp_path: Path) -> None:
    """One 8,000-character shared formula with 1,000 dependents would be 8 million characters to translate."""
    formula = "+".join(["A1"] * 2600)[:8000].rstrip("+A")
    cells = [f'<c r="B1"><f t="shared" ref="B1:B1001" si="0">{formula}</f><v>0</v></c>']
    rows = [f'<row r="1">{cells[0]}</row>'] + [f'<row r="{r}"><c r="B{r}"><f t="shared" si="0"/><v>0</v></c></row>'
                                                for r in range(2, 1002)]
    from .builders import DECL, MAIN

    sheet = f'{DECL}<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'.encode()
    path = build_package(tmp_path / "shared.xlsx", {"甲": [sheet]})
    with pytest.raises(BookTooLarge):
        open_book(path)
    rep = validate_file(path)
    assert [f.code for f in rep.findings] == ["XP114"]


def _tags_sheet(count: int) -> list[bytes]:
    """A sheet with one cell and ``count`` unknown empty elements after its data (valid XML, no cells)."""
    from .builders import DECL, MAIN

    rnd = random.Random(count)
    letters = "abcdefghijklmnopqrstuvwxyz"
    body = "".join(f"<{rnd.choice(letters)}{rnd.choice(letters)}/>" for _ in range(count))
    return [f'{DECL}<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
            f"<extra>{body}</extra></worksheet>".encode()]


def test_too_many_tags_refused(tmp_path: Path) -> None:
    path = build_package(tmp_path / "tags.xlsx", {"甲": _tags_sheet(DEFAULT_LIMITS.max_total_tags + 1)}, level=1)
    rep = validate_file(path)
    assert [f.code for f in rep.findings] == ["XP114"] and "标记" in rep.findings[0].message


@pytest.mark.subprocess
def test_unknown_elements_do_not_pile_up(tmp_path: Path) -> None:
    """2.9 million elements that are neither rows nor cells, just under the limit: the streaming reader frees
    them as it goes (a parser keeping them would need far more than 512 MiB)."""
    path = with_extra_sheet(EXAMPLE, tmp_path / "elements.xlsx", "附表", _tags_sheet(2_900_000))
    out = run_limited(f"""
        from xlperf.validate import validate_file
        rep = validate_file({str(path)!r})
        print(json.dumps({{"status": rep.status, "codes": sorted({{f.code for f in rep.findings}})}}))
    """, cpu_seconds=30, memory=512 * MiB)
    assert out["status"] == "invalid" and "XP000" not in out["codes"], out
