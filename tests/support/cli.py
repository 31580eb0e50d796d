"""Running the command line in tests: in this process (:func:`xlperf`, the default for CLI tests) or, for
the few end-to-end tests marked ``subprocess``, as ``python -m xlperf`` in a fresh process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@contextmanager
def _environment(columns: int | None) -> Iterator[None]:
    """COLUMNS as given (unset otherwise: output is then 80 wide), no XLPERF_DEBUG."""
    saved = {k: os.environ.get(k) for k in ("COLUMNS", "XLPERF_DEBUG")}
    os.environ.pop("XLPERF_DEBUG", None)
    if columns is None:
        os.environ.pop("COLUMNS", None)
    else:
        os.environ["COLUMNS"] = str(columns)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def xlperf(*args: object, columns: int | None = None) -> Run:
    """``xlperf ARGS`` run in this process through :func:`xlperf.cli.run` (what the console script calls),
    stdout and stderr captured (not a terminal, as when piped)."""
    from xlperf.cli import run

    out, err = io.StringIO(), io.StringIO()
    with _environment(columns), redirect_stdout(out), redirect_stderr(err):
        code = run([os.fsdecode(a) if isinstance(a, Path) else str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def xlperf_process(*args: object, columns: int | None = None, cwd: Path = REPO) -> Run:
    """``python -m xlperf ARGS`` in a fresh process (as a user runs it), stdout a pipe: for the end-to-end
    tests (marked ``subprocess``)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    env.pop("XLPERF_DEBUG", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    argv = [os.fsencode(a) if isinstance(a, Path) else str(a) for a in args]
    proc = subprocess.run([sys.executable, "-m", "xlperf", *argv], capture_output=True, cwd=cwd, env=env,
                          timeout=300)
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
