"""A bureau's round over a folder holding special files: the 汇总 is written and nothing blocks.

``validate`` opened only regular files since the pre-check, but ``consolidate`` hashed every file of the
round for its history with a plain ``open``: a FIFO in the inbox blocked the 汇总 for ever, a link to
/dev/zero never ended. Each run is a child process with CPU and wall-clock limits, so a regression fails
instead of hanging the suite.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import EXAMPLE, REPO, run_limited, sha256


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(EXAMPLE, inbox / "ok.xlsx")
    os.mkfifo(inbox / "fifo.xlsx")
    os.symlink("/dev/zero", inbox / "zero.xlsx")
    return inbox


@pytest.mark.subprocess
def test_the_history_digest_opens_only_regular_files_and_bounds_them(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "big.xlsx").write_bytes(b"x" * 2048)
    got = run_limited(f"""
        from pathlib import Path
        from xlperf.review.history import sha256_of
        inbox = Path({str(inbox)!r})
        print(json.dumps([sha256_of(inbox / n) for n in ("fifo.xlsx", "zero.xlsx", "ok.xlsx")]
                         + [sha256_of(inbox / "big.xlsx", limit=1024), sha256_of(inbox / "big.xlsx", limit=2048)]))
    """, cpu_seconds=20, guard=60)
    import hashlib

    assert got == ["", "", sha256(inbox / "ok.xlsx"), "", hashlib.sha256(b"x" * 2048).hexdigest()]


@pytest.mark.subprocess
def test_consolidate_a_folder_with_a_fifo_and_a_device_link(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    digest = sha256(inbox / "ok.xlsx")
    out = tmp_path / "out"

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.run([sys.executable, "-m", "xlperf", "consolidate", str(inbox), "-o", str(out / "汇总.xlsx"),
                           "--returns", str(out / "退回"), "-j", "1"], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=240, preexec_fn=limits)
    assert proc.returncode == 1, proc.stderr[-2000:]  # units sent back, no internal error
    assert "Traceback" not in proc.stdout + proc.stderr
    assert (out / "汇总.xlsx").is_file() and (out / "xlperf-审核历史.sqlite").is_file()
    names = sorted(p.name for p in (out / "退回").iterdir())
    assert "fifo-退回修改通知.xlsx" in names and "zero-退回修改通知.xlsx" in names
    assert sha256(inbox / "ok.xlsx") == digest


@pytest.mark.parametrize("how", ["input", "link", "document"])
def test_the_history_is_never_a_submission(tmp_path: Path, how: str) -> None:
    """SQLite writes into the file it opens: an empty submitted file named as the history became a database."""
    from tests.support.cli import xlperf

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(EXAMPLE, inbox / "ok.xlsx")
    empty = inbox / "empty.xlsx"
    empty.write_bytes(b"")
    history = {"input": empty, "link": tmp_path / "h.sqlite", "document": tmp_path / "历史.docx"}[how]
    if how == "link":
        history.symlink_to(empty)
    before = {p.name: sha256(p) for p in inbox.iterdir()}
    res = xlperf("consolidate", inbox, "-o", tmp_path / "汇总.xlsx", "--history", history)
    assert res.code == 2, res.out + res.err
    assert "审核历史" in res.err and "--history" in res.err and "Traceback" not in res.out + res.err
    assert {p.name: sha256(p) for p in inbox.iterdir()} == before
    assert not (tmp_path / "汇总.xlsx").exists() and not (tmp_path / "历史.docx").exists()
