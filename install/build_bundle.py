#!/usr/bin/env python3
"""Build the complete offline installation bundle for Windows, on any machine with pip (Linux too).

Usage::

    python install/build_bundle.py                  # → bundle/ (and bundle.zip with --zip)
    python install/build_bundle.py -o D:/xlperf-bundle --zip
    python install/build_bundle.py --index-url https://mirrors.aliyun.com/pypi/simple/

The bundle is what a department without internet receives: ``install.bat`` and the other files of
``install/`` (both add-ins, the WPS add-in in ``wps/``), the xlperf wheel, ``xlperf_udfs.py``, and ``wheels/`` with every dependency as a Windows
wheel for each Python the installer accepts (64-bit CPython 3.11, 3.12, 3.13, and 3.14 when every
dependency has a 3.14 wheel). ``wheels/targets.txt`` lists the Python versions the wheels cover, one per
line; ``install.ps1`` reads it to pick a Python the bundle can serve and to explain what to install
otherwise.

Why more than one ``pip download``: with ``--platform``, pip still evaluates environment markers against
the machine it runs on, so a Linux run never fetches Windows-only dependencies (xlwings → pywin32, click
→ colorama, pandas → tzdata …). Each downloaded wheel's ``Requires-Dist`` is therefore evaluated with
``packaging.markers`` for a Windows environment, and what only Windows needs is downloaded too, until
nothing new appears. What the first version needed that way is asked for at once for the next versions
(where its marker applies to them), which saves each of them a second resolution. Each target is then
checked the way the installer will use it, without a network: ``pip install --no-index --find-links wheels --dry-run --platform win_amd64 --python-version X
--only-binary=:all: --target …``.
"""

from __future__ import annotations

import argparse
import email.parser
import functools
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUTPUT = REPO / "bundle"
PLATFORM = "win_amd64"
REQUIRED = ("3.11", "3.12", "3.13")
"""Python versions the bundle must cover (64-bit): the build fails when one cannot be served."""
OPTIONAL = ("3.14",)
"""Covered when every dependency has a wheel for it; otherwise left out of targets.txt (and said so)."""
INSTALL_FILES = ("install.bat", "install.ps1", "uninstall.bat", "uninstall.ps1", "xlperf.xlam", "xlwings.xlam",
                 "安装说明.md")
WPS_DIR = HERE / "wps"
WPS_FILES = ("index.html", "main.js", "ribbon.js", "ribbon.xml", "images/validate.png", "images/clear.png",
             "images/about.png")
"""The WPS add-in install.ps1 registers (the same list as xlperf.addins.wps_install.ADDIN_FILES: tested)."""
UDF_FILE = REPO / "udfs" / "xlperf_udfs.py"
TARGETS_FILE = "targets.txt"


PIP_MIN = (24, 1)
"""pip 23 checks a dependency's Requires-Python against the interpreter it runs on even with
``--python-version`` (``pip install --dry-run --platform …`` then refuses numpy for 3.12 on a 3.11 machine)."""
@functools.cache
def _pip_env() -> dict[str, str]:
    """Environment to run a recent enough pip: this interpreter's own, or one fetched once as a wheel
    (pip runs from its wheel on PYTHONPATH; nothing is installed)."""
    import os
    from importlib.metadata import version

    env = dict(os.environ)
    if tuple(int(x) for x in version("pip").split(".")[:2]) < PIP_MIN:
        folder = Path(tempfile.mkdtemp(prefix="xlperf-pip-"))
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "-d", str(folder), f"pip>={'.'.join(map(str, PIP_MIN))}"], check=True,
                       capture_output=True, timeout=600)
        env["PYTHONPATH"] = str(next(folder.glob("pip-*.whl")))
    return env


def _pip(args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=_pip_env())
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def xlwings_pin() -> str:
    """The exact xlwings of pyproject.toml (the add-in embeds that release's VBA)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'"xlwings==([^"]+)"', text)
    if not m:
        raise ValueError("pyproject.toml pins no xlwings==VERSION")
    return m.group(1)


def _setuptools_recent() -> bool:
    """Whether this environment can build the wheel itself (else pip fetches the build backend)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1)


def build_wheel(out: Path) -> Path:
    """The xlperf wheel, built from the repository (no network needed when setuptools is installed)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "bundle", "*.egg-info", "__pycache__", ".venv", ".pytest_cache",
            ".hypothesis", ".mypy_cache", "results", "out", "*.whl"))
        own = ["--no-build-isolation"] if _setuptools_recent() else []
        _pip(["wheel", "--no-deps", *own, "-w", str(out), str(src)])
    wheels = sorted(out.glob("xlperf-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one xlperf wheel in {out}, found {wheels}")
    return wheels[0]


def windows_environment(version: str) -> dict[str, str]:
    """The marker environment of 64-bit CPython ``version`` on Windows (PEP 508)."""
    return {"implementation_name": "cpython", "implementation_version": f"{version}.0", "os_name": "nt",
            "platform_machine": "AMD64", "platform_release": "10", "platform_system": "Windows",
            "platform_version": "10.0.19045", "python_full_version": f"{version}.0",
            "platform_python_implementation": "CPython", "python_version": version, "sys_platform": "win32"}


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.parser.Parser().parsestr(zf.read(meta).decode("utf-8", "replace"))
    return [Requirement(r) for r in message.get_all("Requires-Dist") or []]


def windows_only_requirements(wheels: Sequence[Path], version: str) -> set[Requirement]:
    """Requirements of these wheels that apply on Windows (``extra`` none) but whose marker is false here,
    markers kept (another Python version evaluates them again)."""
    env = windows_environment(version)
    out: dict[str, Requirement] = {}
    for wheel in wheels:
        for req in _requires(wheel):
            marker: Marker | None = req.marker
            if marker is None:
                continue
            if marker.evaluate(dict(env, extra="")) and not marker.evaluate({"extra": ""}):
                out.setdefault(str(req), req)
    return set(out.values())


def _bare(req: Requirement) -> str:
    return str(Requirement(f"{req.name}{req.specifier}"))


def windows_only(wheels: Sequence[Path], version: str) -> set[str]:
    """Requirements of these wheels that apply on Windows (``extra`` none) but whose marker is false here."""
    return {_bare(req) for req in windows_only_requirements(wheels, version)}


def seeded(found: set[Requirement], version: str) -> list[str]:
    """The Windows-only requirements an earlier version's wheels declared that apply to ``version`` too (their
    markers evaluated for it): asked for in its first ``pip download`` instead of a second one."""
    env = dict(windows_environment(version), extra="")
    return sorted({_bare(req) for req in found if req.marker is None or req.marker.evaluate(env)})


def download(target: Path, requirements: Sequence[str], version: str, index_url: str | None,
             known: Sequence[str] = ()) -> bool:
    """Download the Windows wheels of ``requirements`` for ``version`` (markers evaluated for Windows);
    ``known``: Windows-only requirements expected already (see :func:`seeded`), asked for at once."""
    wanted = [*requirements, *known]
    seen: set[str] = set(known)
    while True:
        args = ["download", "--only-binary=:all:", "--platform", PLATFORM, "--python-version", version,
                "--implementation", "cp", "-d", str(target), *wanted]
        if index_url:
            args += ["--index-url", index_url]
        if _pip(args, check=False).returncode != 0:
            return False
        extra = windows_only(sorted(target.glob("*.whl")), version) - seen
        if not extra:
            return True
        seen |= extra
        wanted += sorted(extra)


def resolves_offline(wheels: Path, requirements: Sequence[str], version: str) -> subprocess.CompletedProcess[str]:
    """What install.ps1 will do, without a network: every requirement resolves from ``wheels`` alone."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["install", "--no-index", "--find-links", str(wheels), "--dry-run", "--ignore-installed",
                "--platform", PLATFORM, "--python-version", version, "--implementation", "cp",
                "--only-binary=:all:", "--target", tmp, *requirements]
        return _pip(args, check=False)


def build_bundle(output: Path = DEFAULT_OUTPUT, *, versions: Sequence[str] = REQUIRED + OPTIONAL,
                 index_url: str | None = None, make_zip: bool = False) -> list[str]:
    """Write the bundle into ``output``; returns the Python versions its wheels cover."""
    output = Path(output)
    if output.exists():
        shutil.rmtree(output)
    wheels_dir = output / "wheels"
    wheels_dir.mkdir(parents=True)
    wheel = build_wheel(output)
    for name in INSTALL_FILES:
        shutil.copy2(HERE / name, output / name)
    shutil.copy2(UDF_FILE, output / UDF_FILE.name)
    for name in WPS_FILES:
        (output / "wps" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(WPS_DIR / name, output / "wps" / name)
    requirements = [str(wheel), f"xlwings=={xlwings_pin()}"]
    covered: list[str] = []
    found: set[Requirement] = set()  # Windows-only requirements of the versions done, markers kept
    for version in versions:
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp)
            ok = download(staged, requirements, version, index_url, seeded(found, version))
            needed = windows_only_requirements(sorted(staged.glob("*.whl")), version)
            found |= needed
            extra = {_bare(req) for req in needed}
            if ok:
                for whl in staged.glob("*.whl"):
                    if canonicalize_name(whl.name.split("-")[0]) != "xlperf":
                        shutil.copy2(whl, wheels_dir / whl.name)
        if ok and resolves_offline(wheels_dir, requirements + sorted(extra), version).returncode == 0:
            covered.append(version)
        elif version in REQUIRED:
            raise RuntimeError(f"the offline bundle cannot serve Python {version} (64-bit): a dependency has no "
                               f"{PLATFORM} wheel for it")
        else:
            print(f"Python {version}: not every dependency has a {PLATFORM} wheel yet, left out of the bundle")
    (wheels_dir / TARGETS_FILE).write_text("\n".join(covered) + "\n", encoding="ascii")
    if make_zip:
        shutil.make_archive(str(output), "zip", output)
    return covered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--index-url", default=None, help="a PyPI mirror")
    parser.add_argument("--zip", action="store_true", help="also write OUTPUT.zip")
    args = parser.parse_args(argv)
    covered = build_bundle(args.output, index_url=args.index_url, make_zip=args.zip)
    print(f"bundle {args.output}: Python {', '.join(covered)} (64-bit, {PLATFORM})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
