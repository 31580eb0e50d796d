"""The batch's own inputs: the expected-units list (``--expected units.csv``) and folders of many files.

Regression cases: a quoted field over csv's 131,072-character limit escaped as ``_csv.Error`` (exit 3,
“内部错误”); ``--expected /dev/zero`` read without end. Now both are one Chinese message, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import EXAMPLE, run_limited

CSV_CASES = [  # (case id, the file's bytes or a device path, words the message must hold)
    ("field-over-csv-limit", b'code,name\n"' + b"x" * 200_000 + b'",a\n', ("第 2 行无法读取",)),
    ("unclosed-quote", b'code,name\n001,"a\n', ()),
    ("device", "/dev/zero", ("不是普通文件",)),
    ("folder", "", ("不是普通文件",)),
]


@pytest.mark.subprocess
@pytest.mark.parametrize("case", CSV_CASES, ids=[c[0] for c in CSV_CASES])
@pytest.mark.parametrize("command", ["validate", "consolidate"])
def test_expected_list_is_a_message(case: tuple, command: str, tmp_path: Path) -> None:
    cid, content, words = case
    if isinstance(content, bytes):
        units = tmp_path / "units.csv"
        units.write_bytes(content)
    else:
        units = Path(content) if content else tmp_path
    args = ["validate", "-q", EXAMPLE, "--expected", units] if command == "validate" else \
        ["consolidate", "-q", EXAMPLE, "-o", tmp_path / "汇总.xlsx", "--expected", units]
    code, err = run_limited(f"""
        from tests.validator.common import run_cli
        code, out, err = run_cli({[str(a) for a in args]!r})
        print(json.dumps([code, err[-2000:]]))
    """, cpu_seconds=60, memory=1024 * 1024 * 1024)  # /dev/zero read whole: MemoryError, not a hang
    assert "内部错误" not in err and "Traceback" not in err, err[-500:]
    if words:
        assert code == 2 and all(w in err for w in words), err[-500:]
    else:
        assert code in (1, 2), err[-500:]


@pytest.mark.subprocess
def test_three_thousand_files(tmp_path: Path) -> None:
    """3,000 files that are not workbooks and one that is: every one reported, bounded time and memory."""
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for i in range(3000):
        (folder / f"{i:04d}.xlsx").write_bytes(b"x")
    (folder / "z.xlsx").write_bytes(EXAMPLE.read_bytes())
    out = run_limited(f"""
        from tests.validator.common import run_cli
        code, out, err = run_cli(["validate", "-q", "--json", {str(folder)!r}])
        files = json.loads(out)["files"]
        print(json.dumps([code, len(files), sorted({{f["status"] for f in files}})]))
    """, cpu_seconds=120, memory=1024 * 1024 * 1024)
    assert out == [2, 3001, ["error", "invalid"]]


def test_a_forged_output_mark_cannot_hide_a_submission(tmp_path: Path) -> None:
    """A submission carrying xlperf's report mark is still the form (its fw_id name): it is validated and
    consolidated, and reported as the duplicate it is; a real report in the folder is skipped and named."""
    from openpyxl import load_workbook

    from xlperf.safe_io import mark_workbook

    from tests.validator.common import run_cli

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    wb = load_workbook(EXAMPLE)
    mark_workbook(wb, "report")
    wb.save(inbox / "伪装成报告.xlsx")
    (inbox / "科创局.xlsx").write_bytes(EXAMPLE.read_bytes())
    assert run_cli(["validate", "-q", inbox / "科创局.xlsx", "--report", tmp_path / "报告.xlsx"])[0] == 1
    (inbox / "报告.xlsx").write_bytes((tmp_path / "报告.xlsx").read_bytes())
    code, out, err = run_cli(["consolidate", "-q", inbox, "-o", tmp_path / "汇总.xlsx"])
    assert code == 1, err
    assert "共 2 个文件" in out and "伪装成报告.xlsx" in out and "同一单位多个文件" in out, out
    assert "已跳过 报告.xlsx：xlperf 生成的校验报告" in out, out


@pytest.mark.parametrize("command", ["validate", "consolidate"])
def test_workers_are_bounded(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: ``-j 100000`` asked ProcessPoolExecutor for 100,000 processes, which it forks at once."""
    import concurrent.futures
    import os

    from tests.validator.common import run_cli

    asked: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def recording(max_workers: int, **kw):  # type: ignore[no-untyped-def]
        asked.append(max_workers)
        return real(max_workers=min(max_workers, 2), **kw)  # a regression must fail here, not fork 100,000

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", recording)
    for i in range(3):
        (tmp_path / f"{i}.xlsx").write_bytes(EXAMPLE.read_bytes() if i == 0 else b"x")
    args = ["validate", "-q", "-j", "100000", tmp_path] if command == "validate" else \
        ["consolidate", "-q", "-j", "100000", tmp_path, "-o", tmp_path / "out" / "汇总.xlsx"]
    code, _out, err = run_cli(args)
    assert code in (1, 2) and "内部错误" not in err, err[-500:]
    assert asked and max(asked) <= min(3, 4 * (os.cpu_count() or 1), 61), asked


def test_a_long_unit_name_gets_its_notice_and_stops_no_other(tmp_path: Path) -> None:
    """Regression: 60 Chinese characters of code and 60 of name made a 380-byte file name; ENAMETOOLONG
    from ``Path.exists`` aborted the notices of every unit (“未能写出退回修改文件（OSError）”)."""
    import random

    from tests.validator.common import run_cli

    from .helpers import Xlsx, fw, where

    rnd = random.Random(1)
    text = "".join(chr(rnd.randrange(0x4E00, 0x9FA5)) for _ in range(1000))
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    code_name = fw().form.role("unit_code")
    Xlsx(EXAMPLE).set(*where("dept_name"), text).set(*where(code_name), text[::-1]).save(inbox / "长.xlsx")
    (inbox / "科创局.xlsx").write_bytes(EXAMPLE.read_bytes())
    returns = tmp_path / "退回"
    code, out, err = run_cli(["consolidate", "-q", inbox, "-o", tmp_path / "汇总.xlsx", "--returns", returns])
    assert code == 1 and "未能写出" not in err, err[-500:]
    names = sorted(p.name for p in returns.iterdir())
    # per unit: the annotated copy and the notice as a workbook and as a Word document
    assert len(names) == 6 and all(len(n.encode("utf-8")) <= 255 for n in names), names
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["docx", "docx", "xlsx", "xlsx", "xlsx", "xlsx"]
