"""A text-layer PDF report (the seed's .docx exported by LibreOffice Writer, as a department exports from
Word/WPS): read with pypdf, its paragraph figures checked like the .docx's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from xlperf.devtools import libreoffice
from xlperf.validate import validate_with_context

from .builders import EXAMPLE

pytestmark = pytest.mark.libreoffice


def test_text_layer_pdf(seed_docx: Path, tmp_path: Path) -> None:
    profile = libreoffice._ensure_profile()  # noqa: SLF001 - the harness's private profile
    try:
        subprocess.run([libreoffice.soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(seed_docx)],
                       check=True, capture_output=True, timeout=600, env=dict(os.environ, HOME=str(profile)))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = tmp_path / (seed_docx.stem + ".pdf")
    rep, _ = validate_with_context(EXAMPLE, select=["XP5"], report_text=pdf)
    assert rep.report_text is not None and rep.report_text.status == "checked", rep.findings
    assert rep.report_text.figures > 150  # the tables' cells come as lines of text, not as tables
    found = {(f.code, str(f.found)) for f in rep.findings}
    # the paragraph findings of the .docx (a PDF has no tables, so not the table ones)
    for expected in [("XP502", "55.23"), ("XP502", "25.37"), ("XP503", "2020"), ("XP504", "43211.54")]:
        assert expected in found, sorted(found)
    from .test_seed_report import EXPECTED

    assert found <= {(code, str(value)) for code, value in EXPECTED}, sorted(found)  # no false alarm either
