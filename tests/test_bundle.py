"""The offline installation bundle (install/build_bundle.py) serves every Python the installer accepts.

Builds the real bundle (downloads from PyPI: marked slow and network), then checks, for each Python in
``wheels/targets.txt``, without any index: (a) pip resolves the installer's requirements from the bundle's
wheels alone for 64-bit Windows (``pip install --no-index --find-links … --dry-run --platform win_amd64
--python-version X --only-binary=:all: --target …``, the Windows-only dependencies named, since pip
evaluates markers for the machine it runs on), and (b) every dependency that applies on Windows, followed
from the xlperf wheel's metadata with ``packaging``, has a wheel in the bundle that this Python can install.
"""

from __future__ import annotations

import email.parser
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

REPO = Path(__file__).resolve().parents[1]


def _load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("xlperf_build_bundle", REPO / "install" / "build_bundle.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.parser.Parser().parsestr(zf.read(meta).decode("utf-8", "replace"))
    return [Requirement(r) for r in message.get_all("Requires-Dist") or []]


def _windows(version: str) -> dict[str, str]:
    return {"implementation_name": "cpython", "os_name": "nt", "platform_machine": "AMD64",
            "platform_system": "Windows", "python_full_version": f"{version}.0", "python_version": version,
            "sys_platform": "win32", "platform_python_implementation": "CPython", "extra": ""}


def _closure(root: Path, pin: str, wheels: list[Path], version: str) -> set[str]:
    """Names of every distribution the installation needs on Windows + Python ``version``; fails when one
    has no installable wheel in the bundle."""
    major, minor = (int(x) for x in version.split("."))
    tags = set(cpython_tags((major, minor), platforms=["win_amd64"])) | set(
        compatible_tags((major, minor), platforms=["win_amd64"]))
    by_name: dict[str, list[tuple[Path, object]]] = {}
    for w in wheels:
        name, ver, _build, wtags = parse_wheel_filename(w.name)
        if wtags & tags:
            by_name.setdefault(canonicalize_name(name), []).append((w, ver))
    env = _windows(version)
    todo = [Requirement(f"xlwings=={pin}"), *[r for r in _requires(root) if r.marker is None or r.marker.evaluate(env)]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen.add(key)
        found = [(w, v) for w, v in by_name.get(key, []) if req.specifier.contains(v, prereleases=True)]  # type: ignore[arg-type]
        assert found, f"Python {version}: no wheel for {req} in the bundle"
        wheel = max(found, key=lambda t: t[1])[0]  # type: ignore[no-any-return]
        todo += [r for r in _requires(wheel) if r.marker is None or r.marker.evaluate(env)]
    return seen


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.network
def test_offline_bundle_resolves_for_every_accepted_python(tmp_path: Path) -> None:
    bb = _load()
    out = tmp_path / "bundle"
    covered = bb.build_bundle(out)
    assert {"3.11", "3.12", "3.13"} <= set(covered)
    assert (out / "wheels" / "targets.txt").read_text(encoding="ascii").split() == covered
    for name in ("install.bat", "install.ps1", "uninstall.bat", "uninstall.ps1", "xlperf.xlam", "xlwings.xlam",
                 "xlperf_udfs.py", "安装说明.md", "wps/ribbon.xml", "wps/main.js", "wps/images/validate.png"):
        assert (out / name).is_file(), name
    (root,) = out.glob("xlperf-*.whl")
    wheels = sorted((out / "wheels").glob("*.whl"))
    assert not [w for w in wheels if w.name.startswith("xlperf-")]
    pin = bb.xlwings_pin()
    used: set[str] = set()
    for version in covered:
        needed = _closure(root, pin, wheels, version)
        used |= needed
        assert {"pandas", "xlwings", "pywin32", "lxml", "pydantic-core"} <= needed
        # pip, offline, for the target: the names pip would not evaluate for Windows here given explicitly
        cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "install", "--no-index", "--find-links",
               str(out / "wheels"), "--dry-run", "--ignore-installed", "--platform", "win_amd64", "--python-version",
               version, "--implementation", "cp", "--only-binary=:all:", "--target", str(tmp_path / f"t{version}"),
               str(root), f"xlwings=={pin}", *sorted(needed - {"xlperf", "xlwings"})]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=bb._pip_env())
        assert res.returncode == 0, f"Python {version}:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
        assert "Would install" in res.stdout and f"xlwings-{pin}" in res.stdout
    # nothing a Windows installation of a covered Python never uses (a Windows-only requirement one version's
    # wheels declared is asked for at once for the next versions, where its marker applies to them)
    extra = {canonicalize_name(parse_wheel_filename(w.name)[0]) for w in wheels} - used
    assert not extra, f"wheels no covered Python needs: {sorted(extra)}"
