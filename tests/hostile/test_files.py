"""Only regular files are opened: a FIFO, a socket, a symlink loop, a folder or a device named like a
workbook gets a clear file-family finding, and nothing blocks. A missing file has its own code."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from xlperf.ingest.notes import Noted
from xlperf.validate import collect_paths, validate_file

from .helpers import EXAMPLE, REPO

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def specials() -> Iterator[dict[str, Path]]:
    """Special files under a short path (a socket's path must fit in 108 bytes)."""
    root = Path(tempfile.mkdtemp(prefix="xlp-", dir="/tmp"))
    paths = {
        "fifo": root / "fifo.xlsx",
        "socket": root / "sock.xlsx",
        "loop": root / "loop.xlsx",
        "folder": root / "folder.xlsx",
        "dangling": root / "dangling.xlsx",
        "device": Path("/dev/zero"),
        "missing": root / "missing.xlsx",
    }
    os.mkfifo(paths["fifo"])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(paths["socket"]))
    os.symlink(root / "loop2.xlsx", paths["loop"])
    os.symlink(paths["loop"], root / "loop2.xlsx")
    paths["folder"].mkdir()
    os.symlink(root / "gone.xlsx", paths["dangling"])
    try:
        yield paths
    finally:
        sock.close()
        shutil.rmtree(root, ignore_errors=True)


EXPECTED = {"fifo": ("XP111", "命名管道"), "socket": ("XP111", "套接字"), "loop": ("XP111", "符号链接"),
            "folder": ("XP111", "文件夹"), "device": ("XP111", "字符设备"), "dangling": ("XP112", "不存在"),
            "missing": ("XP112", "不存在")}


@pytest.mark.subprocess
def test_special_files_in_a_child_that_cannot_block(specials: dict[str, Path]) -> None:
    """In a child process (a FIFO opened for reading would block it forever): one finding per file."""
    code = f"""
import json
from xlperf.validate import validate_file
out = {{}}
for key, path in {json.dumps({k: str(v) for k, v in specials.items()})}.items():
    rep = validate_file(path)
    out[key] = [rep.status, [(f.code, f.name, f.message) for f in rep.findings]]
print(json.dumps(out, ensure_ascii=False))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    for key, (want, word) in EXPECTED.items():
        status, findings = got[key]
        assert status == "error", (key, findings)
        assert [f[0] for f in findings] == [want], (key, findings)
        message = findings[0][2]
        assert word in message and HAN.search(message) and specials[key].name in message, (key, message)


def test_missing_file_is_not_empty_file(tmp_path: Path) -> None:
    rep = validate_file(tmp_path / "无此文件.xlsx")
    assert [(f.code, f.name) for f in rep.findings] == [("XP112", "file-not-found")]
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    assert [f.code for f in validate_file(empty).findings] == ["XP101"]


@pytest.mark.subprocess
def test_folder_batch_reports_every_entry(specials: dict[str, Path], tmp_path: Path) -> None:
    """A folder holding a pipe, a socket and a loop next to a real workbook: each entry named *.xlsx gets a
    report, the real one is validated, exit code 2 (unreadable files), JSON complete, no traceback."""
    folder = specials["fifo"].parent
    shutil.copy(EXAMPLE, folder / "zz-example.xlsx")
    listed = {p.name for p in collect_paths([folder])}
    assert {"fifo.xlsx", "sock.xlsx", "loop.xlsx", "dangling.xlsx", "zz-example.xlsx"} <= listed
    proc = subprocess.run([sys.executable, "-m", "xlperf", "validate", "-q", "--json", str(folder)],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    files = {Path(f["path"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert files["zz-example.xlsx"]["status"] == "invalid" and files["zz-example.xlsx"]["total_computed"]
    for name in ("fifo.xlsx", "sock.xlsx", "loop.xlsx"):
        assert [x["code"] for x in files[name]["findings"]] == ["XP111"], files[name]


def test_open_regular_refuses_a_swapped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file opened must be the one examined: a different inode at open time is refused."""
    from xlperf.ingest import precheck as safety

    target = tmp_path / "a.xlsx"
    shutil.copy(EXAMPLE, target)
    other = tmp_path / "b.xlsx"
    shutil.copy(EXAMPLE, other)
    real_open = os.open
    monkeypatch.setattr(safety.os, "open", lambda path, flags, *a: real_open(other, flags, *a))
    with pytest.raises(safety.FileRefused) as info:
        safety.open_regular(target)
    assert info.value.issue.kind is Noted.NOT_A_REGULAR_FILE
