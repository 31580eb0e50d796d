"""Fixtures of the workbook tests. LibreOffice is started once per session for every workbook.

LibreOffice spends about 0.8 s of one core on each 12-sheet workbook, so the workbooks are written and
recalculated — in ONE ``recalculate`` call — by a separate process started as soon as collection ends
(when a selected test needs it), and the tests that read its output are moved to the end of the
session: the other tests run meanwhile on the other core. Being a process of its own, it has its own
LibreOffice profile, so other tests' LibreOffice calls never share (and block on) its profile. The
session-scoped fixture ``recalculated`` waits for that single call.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from xlperf.framework.models import Framework

from .helpers import SHIPPED_EXAMPLE, Recalculated, batch_cases, futian, seed_data, write_and_recalculate

FIXTURE = "recalculated"


class _Batch:
    def __init__(self) -> None:
        self.root: Path | None = None
        self.pool: ProcessPoolExecutor | None = None
        self.future: Future[dict[str, tuple[str, str]]] | None = None

    def start(self) -> None:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="xlperf-lo-batch-"))
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self.future = self.pool.submit(write_and_recalculate, str(self.root))

    def wait(self) -> dict[str, Recalculated]:
        self.start()
        assert self.future is not None
        paths = self.future.result()  # re-raises what went wrong in the batch process
        cases = {**batch_cases(), SHIPPED_EXAMPLE: ("仓库中的示例工作簿", seed_data())}
        assert set(paths) == set(cases)
        return {cid: Recalculated(cid, what, data, Path(paths[cid][0]), Path(paths[cid][1]))
                for cid, (what, data) in cases.items()}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


_BATCH = _Batch()


def _needs_batch(item: pytest.Item) -> bool:
    return FIXTURE in getattr(item, "fixturenames", ())


PARALLEL = bool(os.environ.get("PYTEST_XDIST_WORKER"))
"""Under pytest-xdist the batch's tests are one group (tests/conftest.py) given to one worker, whose first use
starts the batch; every worker starting it at collection would recalculate the same workbooks once per worker."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not PARALLEL:
        items[:] = [i for i in items if not _needs_batch(i)] + [i for i in items if _needs_batch(i)]


def pytest_collection_finish(session: pytest.Session) -> None:
    if not PARALLEL and not session.config.option.collectonly and any(_needs_batch(i) for i in session.items):
        _BATCH.start()


def pytest_sessionfinish() -> None:
    _BATCH.close()


@pytest.fixture(scope="session")
def fw() -> Framework:
    return futian()


@pytest.fixture(scope="session")
def recalculated() -> dict[str, Recalculated]:
    return _BATCH.wait()
