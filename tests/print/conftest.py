"""Fixtures of the print tests: the blank template, a filled example and a bureau report, rendered to PDF
by LibreOffice (with the CJK fonts a Chinese office has) in ONE call, and the blank template recalculated."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from xlperf.data.values import data_values
from xlperf.ingest.datafile import load_data
from xlperf.devtools import libreoffice
from xlperf.findings import Report
from xlperf.loader import load_framework
from xlperf.framework.models import Framework
from xlperf.render.excel import write_report
from xlperf.validate import validate_file
from xlperf.write.template import write_template

from tests.support.futian_random import random_department
from tests.workbook.helpers import seed_data
from tests.support.templates import template_copy

REPORT_DEPARTMENTS = 12
FAMILY = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families" / "xiangnan-2023"
"""A family whose 评分标准 are short, so the 计算过程 text decides its 评分表 rows' height."""


@dataclass(frozen=True)
class Printed:
    xlsx: dict[str, Path]  # "blank", "example", "report", "family" (xiangnan-2023, filled) → the workbook
    pdf: dict[str, Path]  # → its PDF
    recalculated_blank: Path  # the blank template opened, recalculated and saved by LibreOffice


def pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext -layout), in order."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=120,
                         text=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


@pytest.fixture(scope="session")
def fw() -> Framework:
    return load_framework("futian-2021")


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Iterator[Printed]:
    root = tmp_path_factory.mktemp("print")
    xlsx = {"blank": template_copy(fw, root / "blank.xlsx"),
            "example": template_copy(fw, root / "example.xlsx", values=data_values(seed_data()))}
    depts = root / "depts"
    files = [template_copy(fw, depts / f"dept{s:02d}.xlsx", values=data_values(random_department(fw, s)))
             for s in range(REPORT_DEPARTMENTS)]
    # each file by its name, not its temporary path: a long path is clipped in the cell (the test of one
    # department per line must not depend on the length of pytest's temporary folder)
    reports = [validate_file(f, fw).model_copy(update={"path": f.name}) for f in files]
    xlsx["report"] = write_report(Report(files=reports), root / "report.xlsx")
    family = load_framework(str(FAMILY.with_suffix(".yaml")))
    xlsx["family"] = write_template(family, root / "family.xlsx",
                                    values=data_values(load_data(FAMILY.parent / f"{FAMILY.name}-data.yaml", family)))
    profile = libreoffice._ensure_profile()  # noqa: SLF001 - the harness's private recalculating profile
    outdir = root / "pdf"
    env = dict(os.environ, HOME=str(profile))
    subprocess.run([libreoffice.soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, xlsx.values())],
                   check=True, capture_output=True, timeout=600, env=env)
    pdf = {k: outdir / (p.stem + ".pdf") for k, p in xlsx.items()}
    assert all(p.exists() for p in pdf.values()), pdf
    blank = libreoffice.recalculate([xlsx["blank"]], root / "recalculated")[0]
    yield Printed(xlsx, pdf, blank)
    shutil.rmtree(profile, ignore_errors=True)
