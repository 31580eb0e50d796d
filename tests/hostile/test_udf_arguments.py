"""The Excel functions (UDFs) run on whatever workbook is open, a submitted one included: a formula's
framework argument must not make xlperf open files the user did not configure.

Regression case: ``=xlperf_score("/proc/self/environ", …)`` read that file (and showed its YAML error in the
cell); on Windows ``"\\\\server\\share\\x.yaml"`` would have sent the user's credentials to that server. Now a
framework path is opened only when it is the XLPERF_FRAMEWORK setting or lies inside an XLPERF_FRAMEWORK_PATH
folder; decided on the text, before any file access (audited with an audit hook in a child process).
"""

from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys
from pathlib import Path

from .helpers import REPO

DEMO_DIR = REPO / "tests" / "data" / "frameworks"
HOSTILE = ["/proc/self/environ", "/etc/passwd.yaml", "\\\\\\\\evil.example\\\\share\\\\x.yaml", "//evil.example/share/x.yaml",
           f"{DEMO_DIR}/../../../etc/x.yaml", "../x.yaml", "C:\\\\Windows\\\\win.ini"]


@pytest.mark.subprocess
def test_paths_in_a_formula_open_nothing(tmp_path: Path) -> None:
    code = f"""
import json, os, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event in ("open", "os.listdir", "os.scandir")
                 and args else None)
from xlperf.addins.excel import functions as fn
out = {{}}
for text in {json.dumps(HOSTILE)}:
    before = len(opened)
    result = [fn.score(text, "x"), fn.measure(text, "m", 1, 2), fn.exec_score([1, 2, 3, 4], 10, framework=text)]
    mine = (os.path.join({str(REPO)!r}, "xlperf"), sys.prefix, sys.base_prefix)  # imports of xlperf itself
    out[text] = [result, [o for o in opened[before:] if not os.path.abspath(o).startswith(mine)]]
print(json.dumps(out, ensure_ascii=False))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "XLPERF_FRAMEWORK_PATH": str(DEMO_DIR)}
    env.pop("XLPERF_FRAMEWORK", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for text, (results, opened) in json.loads(proc.stdout).items():
        assert all(r.startswith("#XLPERF! 框架文件") and "XLPERF_FRAMEWORK_PATH" in r for r in results), (text, results)
        assert not opened, (text, opened)


def test_a_file_in_the_configured_folder_still_works(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from xlperf import resolve
    from xlperf.addins.excel import functions as fn

    monkeypatch.setenv(fn.FRAMEWORK_PATH_ENV, str(DEMO_DIR))
    monkeypatch.setattr(resolve, "_UDF_REGISTERED", {})
    assert fn.exec_score([10, 50, 70, 100], 100, framework=str(DEMO_DIR / "demo-region-2023.yaml")) == 7.0
    assert fn.exec_score([10, 50, 70, 100], 100, framework="demo-region-2023") == 7.0
