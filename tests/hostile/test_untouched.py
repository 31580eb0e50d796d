"""Every entry point a reviewer or a department uses leaves the submitted files exactly as they were:
bytes, size, modification time and permissions (``score``, ``validate`` with ``--report``/``--annotate``/
``--json``, ``consolidate`` with ``--returns``, ``template --prior``), on a hostile file as on a clean one.

Found on the way: ``consolidate --framework DIR`` (a reviewer's folder of frameworks, accepted by every other
command) failed with “不是框架文件”.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.validator.common import run_cli

from .helpers import EXAMPLE, REPO, Xlsx, where

FRAMEWORKS = REPO / "tests" / "data" / "frameworks"


def _state(paths: list[Path]) -> dict[str, tuple[bytes, int, int, int]]:
    out = {}
    for p in paths:
        st = os.stat(p)
        out[p.name] = (p.read_bytes(), st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def test_no_entry_point_touches_a_submission(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    sheet, cell = where("dept_name")
    Xlsx(EXAMPLE).set(sheet, cell, '=HYPERLINK("http://evil.example","x")').set("校验结果", "J4", "[" * 3000) \
        .set("校验结果", "L4", "[" * 3000).save(inbox / "恶意.xlsx")
    shutil.copy(EXAMPLE, inbox / "科创局.xlsx")
    os.chmod(inbox / "科创局.xlsx", 0o444)
    past = 1_600_000_000_000_000_000
    for p in inbox.iterdir():
        os.utime(p, ns=(past, past))
    files = sorted(inbox.iterdir())
    before = _state(files)
    out = tmp_path / "out"
    runs = [
        ["score", files[0]],
        ["validate", "-q", "--json", inbox],
        ["validate", "-q", inbox, "--report", out / "报告.xlsx"],
        ["validate", "-q", files[0], "--annotate", out / "标注.xlsx"],
        ["consolidate", "-q", inbox, "-o", out / "汇总.xlsx", "--returns", out / "退回"],
        ["consolidate", "-q", inbox, "-o", out / "汇总2.xlsx", "--framework", FRAMEWORKS],
        ["template", "-o", out / "本年.xlsx", "--prior", files[1]],
    ]
    for args in runs:
        code, _stdout, err = run_cli(args)
        assert code in (0, 1), (args[0], code, err[-800:])
        assert "内部错误" not in err and "Traceback" not in err, err[-800:]
    assert _state(files) == before
    assert sorted(p.name for p in inbox.iterdir()) == [p.name for p in files]  # nothing written beside them
