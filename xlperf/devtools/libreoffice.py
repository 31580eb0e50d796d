"""LibreOffice headless as the reference spreadsheet engine: recalculate workbooks in one call.

A private profile is created once per process with ``OOXMLRecalcMode = 0`` (always recalculate on
load), so cached values in a file can never pass through unchecked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["LibreOfficeMissing", "recalculate", "soffice_path"]

_ITEM = ('<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
         'oor:op="fuse"><value>0</value></prop></item>')
_profile: Path | None = None


class LibreOfficeMissing(RuntimeError):
    pass


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeMissing("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")


def _ensure_profile() -> Path:
    global _profile
    if _profile is not None and (_profile / "user" / "registrymodifications.xcu").exists():
        return _profile
    root = Path(tempfile.mkdtemp(prefix="xlperf-lo-profile-"))
    subprocess.run([soffice_path(), f"-env:UserInstallation={root.as_uri()}", "--headless",
                    "--terminate_after_init"], check=True, capture_output=True, timeout=180)
    xcu = root / "user" / "registrymodifications.xcu"
    text = xcu.read_text(encoding="utf-8")
    if "OOXMLRecalcMode" not in text:
        xcu.write_text(text.replace("</oor:items>", _ITEM + "</oor:items>"), encoding="utf-8")
    _profile = root
    return root


def recalculate(paths: Sequence[Path], outdir: Path, *, timeout: int = 900) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate everything, save as xlsx into ``outdir``."""
    if not paths:
        return []
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("recalculate: input files must have distinct names (outputs are named by stem)")
    profile = _ensure_profile()
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    cmd = [soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, paths)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env)
    out = [outdir / (Path(p).stem + ".xlsx") for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return out
