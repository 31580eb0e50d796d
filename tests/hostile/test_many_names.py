"""A workbook part (up to 8 MiB) can define 90,000 names: findings about them stay few.

Regression case: 90,000 sheet-local ``dept_name`` definitions gave 90,000 XP130 findings (35 s, 630 MB for
one file, far beyond the README's 10 s and 512 MiB). Now a repeated (sheet, name) is reported once, and beyond
100 shadowing names one finding counts the rest. Measured under the kernel's limits, not by time.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from .helpers import EXAMPLE, MiB, Xlsx, run_limited


def _with_names(path: Path, case: str) -> Path:
    book = Xlsx(EXAMPLE)
    wb = book.parts["xl/workbook.xml"].decode("utf-8")
    rnd = random.Random(3)
    if case == "one-name-repeated":
        names = "".join(f'<definedName name="dept_name" localSheetId="{rnd.randrange(12)}">'
                        f"'基本信息'!$B${rnd.randrange(1, 10**6)}</definedName>" for _ in range(90_000))
    else:  # 45,000 global names, each shadowed on a sheet
        names = "".join(f"<definedName name=\"n{i}\">'基本信息'!$B${i + 1}</definedName>" for i in range(45_000))
        names += "".join(f'<definedName name="n{i}" localSheetId="{i % 12}">'
                         f"'基本信息'!$C${i + 1}</definedName>" for i in range(45_000))
    book.parts["xl/workbook.xml"] = wb.replace("<definedNames>", "<definedNames>" + names, 1).encode("utf-8")
    assert len(book.parts["xl/workbook.xml"]) < 8 * MiB
    return book.save(path)


@pytest.mark.subprocess
@pytest.mark.parametrize("case", ["one-name-repeated", "distinct-names"])
def test_local_names_give_few_findings(case: str, tmp_path: Path) -> None:
    path = _with_names(tmp_path / f"{case}.xlsx", case)
    out = run_limited(f"""
        from xlperf.validate import validate_file
        rep = validate_file({str(path)!r})
        print(json.dumps([rep.status, [(f.code, f.sheet, f.message) for f in rep.findings]]))
    """, cpu_seconds=30, memory=512 * MiB)
    status, findings = out
    codes = [c for c, _, _ in findings]
    assert status == "invalid" and "XP000" not in codes
    assert 1 <= codes.count("XP130") <= 101, codes.count("XP130")
    if case == "distinct-names":
        assert any(c == "XP130" and s is None and "另有 44900 个" in m for c, s, m in findings)
