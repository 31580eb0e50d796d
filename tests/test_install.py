"""The Windows installer bundle in install/, checked on Linux (no Excel, no
PowerShell):

(a) the xlperf wheel builds from the repository and installs into a fresh
    virtual environment;
(b) install/xlperf.xlam is a valid OOXML add-in whose ribbon (tab 绩效自评,
    button 一键校验) calls VBA macros that exist and end up running
    ``xlperf_udfs.main()`` through xlwings' RunPython, configured by the
    add-in's own config sheet;
(c) install/build_addin.py reproduces the committed add-in;
(d) install.ps1 / uninstall.ps1 / *.bat use the same names as the package,
    the add-in and the repository.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PureWindowsPath

import defusedxml.ElementTree as ET
import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

REPO = Path(__file__).resolve().parents[1]
INSTALL = REPO / "install"
ADDIN = INSTALL / "xlperf.xlam"
UDF_FILE = REPO / "udfs" / "xlperf_udfs.py"

UDF_MODULE = "xlperf_udfs"
TAB_LABEL = "绩效自评"
VALIDATE_LABEL = "一键校验"
VENV = r"%LOCALAPPDATA%\xlperf\venv"
UDF_DIR = r"%LOCALAPPDATA%\xlperf\udfs"

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
RIBBON_RELS = {  # Office 2007 (customUI.xml) and 2010+ (customUI14.xml) relationship types
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
}


def _load_build_addin():
    spec = importlib.util.spec_from_file_location("xlperf_build_addin", INSTALL / "build_addin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build_addin():
    return _load_build_addin()


# ---------------------------------------------------------------------------
# helpers to read an add-in
# ---------------------------------------------------------------------------
def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _ribbon(parts: dict[str, bytes]):
    rels = ET.fromstring(parts["_rels/.rels"])
    targets = [r.get("Target").lstrip("/") for r in rels if r.get("Type") in RIBBON_RELS]
    assert targets, "no ribbon (customUI) relationship in _rels/.rels"
    return ET.fromstring(parts[targets[0]])


def _vba_modules(path: Path) -> dict[str, str]:
    """Module name -> source, extracted with oletools' olevba."""
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros(), "no VBA in the add-in"
        modules = {}
        for _, _, vba_filename, code in parser.extract_macros():
            modules[vba_filename.rsplit(".", 1)[0]] = code.replace("\r\n", "\n")
        return modules
    finally:
        parser.close()


def _procedure(code: str, name: str) -> str:
    m = re.search(
        rf"^[ \t]*(?:(?:Public|Private)[ \t]+)?(Sub|Function)[ \t]+{name}[ \t]*\((.*?)\).*?^[ \t]*End[ \t]+\1",
        code,
        re.M | re.S | re.I,
    )
    assert m, f"procedure {name} not found"
    return m.group(0)


def _project_name(modules: dict[str, str]) -> str:
    for code in modules.values():
        m = re.search(r'PROJECT_NAME\s+As\s+String\s*=\s*"([^"]+)"', code)
        if m:
            return m.group(1)
    raise AssertionError("PROJECT_NAME not found in the add-in's VBA")


def _sheet_cells(parts: dict[str, bytes], sheet_name: str) -> dict[str, str]:
    """Cell reference -> text of one worksheet of the add-in."""
    wb = ET.fromstring(parts["xl/workbook.xml"])
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(parts["xl/_rels/workbook.xml.rels"])}
    names = [s.get("name") for s in wb.iter(f"{NS_MAIN}sheet")]
    assert sheet_name in names, f"sheet {sheet_name!r} not in {names}"
    sheet = next(s for s in wb.iter(f"{NS_MAIN}sheet") if s.get("name") == sheet_name)
    target = "xl/" + rels[sheet.get(f"{NS_REL}id")].lstrip("/").removeprefix("xl/")
    sst = ET.fromstring(parts["xl/sharedStrings.xml"])
    strings = ["".join(si.itertext()) for si in sst.findall(f"{NS_MAIN}si")]
    cells = {}
    for c in ET.fromstring(parts[target]).iter(f"{NS_MAIN}c"):
        v = c.find(f"{NS_MAIN}v")
        if v is None:
            continue
        cells[c.get("r")] = strings[int(v.text)] if c.get("t") == "s" else v.text
    return cells


def _addin_config(parts: dict[str, bytes], modules: dict[str, str]) -> dict[str, str]:
    """The add-in's xlwings configuration as xlwings' GetConfigFromSheet reads
    it: keys from column A (upper-cased) down to the first empty cell, values
    from column B, on the sheet "<PROJECT_NAME>.conf"."""
    cells = _sheet_cells(parts, _project_name(modules) + ".conf")
    config, row = {}, 1
    while cells.get(f"A{row}"):
        config[cells[f"A{row}"].upper()] = cells.get(f"B{row}", "")
        row += 1
    return config


# ---------------------------------------------------------------------------
# (a) wheel
# ---------------------------------------------------------------------------
def _can_build_without_isolation() -> bool:
    try:
        from importlib.metadata import version

        st = tuple(int(x) for x in version("setuptools").split(".")[:2])
    except Exception:
        return False
    if st < (68, 0):
        return False
    return st >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _run(cmd, **kwargs):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert res.returncode == 0, f"{cmd} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.mark.slow
@pytest.mark.subprocess
def test_wheel_builds_and_installs_into_fresh_venv(tmp_path):
    src = tmp_path / "xlperf-src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache",
            ".hypothesis", "results", "out", "*.whl", "node_modules",
        ),
    )
    dist = tmp_path / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(dist)]
    if _can_build_without_isolation():
        cmd.append("--no-build-isolation")
    # An absolute path: a bare directory name would be looked up on PyPI.
    _run(cmd + [str(src.resolve())])
    wheels = list(dist.glob("xlperf-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "xlperf/__init__.py" in names
    # The UDF module is installed beside the wheel (PYTHONPATH), not inside it.
    assert not any(n.split("/")[-1] == f"{UDF_MODULE}.py" for n in names)
    assert re.search(r"^xlperf\s*=\s*xlperf\.cli:main", entry_points, re.M)

    env_dir = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)])
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # pip comes from the base interpreter's site-packages (system site
    # packages); it installs into the venv it runs in.  --force-reinstall
    # because an editable xlperf of the outer environment is visible, too.
    _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
         "--disable-pip-version-check", str(wheels[0])],
        cwd=tmp_path, env=env,
    )
    out = _run(
        [str(python), "-c", "import xlperf, sys; print(xlperf.__file__); print(sys.prefix)"],
        cwd=tmp_path, env=env,
    ).stdout.split("\n")
    assert Path(out[0]).resolve().is_relative_to(env_dir.resolve()), out
    script = bindir / ("xlperf.exe" if os.name == "nt" else "xlperf")
    assert script.exists()
    if "xlperf/cli.py" in names or "xlperf/cli/__init__.py" in names:
        res = subprocess.run(
            [str(script), "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
        )
        assert res.returncode == 0, res.stdout + res.stderr
        assert "xlperf" in (res.stdout + res.stderr).lower()


# ---------------------------------------------------------------------------
# (b) the add-in
# ---------------------------------------------------------------------------
def test_addin_is_a_valid_ooxml_addin_package():
    assert ADDIN.is_file()
    with zipfile.ZipFile(ADDIN) as z:
        assert z.testzip() is None
    parts = _parts(ADDIN)
    types = ET.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iter(f"{NS_CT}Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{NS_CT}Default")}
    assert overrides["xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    for name, data in parts.items():
        if name.endswith("/"):
            continue
        ext = name.rsplit(".", 1)[-1]
        assert name in overrides or ext in defaults, f"{name} has no content type"
        if ext in ("xml", "rels"):
            ET.fromstring(data)  # every XML part parses
    # every relationship target exists
    for rels_name in [n for n in parts if n.endswith(".rels")]:
        base = rels_name.replace("_rels/", "").removesuffix(".rels")
        base_dir = base.rsplit("/", 1)[0] if "/" in base else ""
        for r in ET.fromstring(parts[rels_name]).iter(f"{NS_PKG}Relationship"):
            if r.get("TargetMode") == "External":
                continue
            target = r.get("Target")
            path = target.lstrip("/") if target.startswith("/") else (f"{base_dir}/{target}" if base_dir else target)
            assert path in parts, f"{rels_name}: missing target {target}"
    assert olefile.isOleFile(data=parts["xl/vbaProject.bin"])


def test_ribbon_has_tab_and_validate_button():
    ribbon = _ribbon(_parts(ADDIN))
    tabs = [t for t in ribbon.iter(f"{NS_UI}tab") if t.get("label") == TAB_LABEL]
    assert len(tabs) == 1, "ribbon tab 绩效自评 missing"
    labels = [b.get("label") for b in tabs[0].iter(f"{NS_UI}button")]
    assert VALIDATE_LABEL in labels
    ids = [el.get("id") for el in ribbon.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "duplicate control ids"


def test_every_onaction_is_a_ribbon_callback_in_the_vba():
    ribbon = _ribbon(_parts(ADDIN))
    modules = _vba_modules(ADDIN)
    actions = [el.get("onAction") for el in ribbon.iter() if el.get("onAction")]
    assert actions
    for action in actions:
        module, _, proc = action.rpartition(".")
        assert module in modules, f"onAction {action}: no VBA module {module!r} ({sorted(modules)})"
        sub = _procedure(modules[module], proc)
        assert re.match(
            rf"\s*(Public\s+)?Sub\s+{proc}\s*\(\s*\w+\s+As\s+IRibbonControl\s*\)", sub, re.I
        ), f"{action} is not a ribbon callback Sub(control As IRibbonControl)"


def test_validate_button_runs_xlperf_udfs_main():
    ribbon = _ribbon(_parts(ADDIN))
    modules = _vba_modules(ADDIN)
    button = next(b for b in ribbon.iter(f"{NS_UI}button") if b.get("label") == VALIDATE_LABEL)
    module, _, proc = button.get("onAction").rpartition(".")
    body = _procedure(modules[module], proc)
    calls = re.findall(r'^\s*RunPython\s*\(?\s*"([^"]*)"', body, re.M)
    assert len(calls) == 1, body
    statements = [s.strip() for s in calls[0].split(";")]
    assert statements == [f"import {UDF_MODULE}", f"{UDF_MODULE}.main()"], calls[0]
    # the module is fixed, not derived from the add-in's file name
    assert "ThisWorkbook.Name" not in body
    # RunPython is xlwings' public VBA function, shipped inside the add-in
    assert any(
        re.search(r"^Public Function RunPython\(PythonCommand As String\)", code, re.M)
        for code in modules.values()
    )


def test_addin_config_sheet_points_runpython_at_the_install(build_addin):
    parts = _parts(ADDIN)
    modules = _vba_modules(ADDIN)
    config = _addin_config(parts, modules)
    assert config["INTERPRETER_WIN"] == VENV + r"\Scripts\python.exe"
    assert config["PYTHONPATH"] == UDF_DIR
    assert config["UDF MODULES"] == UDF_MODULE
    # RunPython never puts the workbook's folder on sys.path (see the RunPython test below)
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert not config.get("CONDA PATH") and not config.get("CONDA ENV")
    assert str(config.get("USE UDF SERVER", "0")).upper() in ("0", "FALSE")
    # the Chinese texts the callbacks show (Msg(n)) exist in column D
    cells = _sheet_cells(parts, _project_name(modules) + ".conf")
    rows = {int(n) for n in re.findall(r"\bMsg\((\d+)\)", modules["RibbonMyAddin"])}
    assert rows
    for n in rows:
        assert re.search(r"[\u4e00-\u9fff]", cells.get(f"D{n}", "")), f"message D{n} missing"


def _prepare_sys_path_arg(add_workbook: str, workbook: Path, pythonpath: Path) -> str:
    """The string xlwings' RunPython/XLPyCommand VBA builds for ``prepare_sys_path``:
    AddExcelDir; ActiveWorkbook.FullName; ThisWorkbook.FullName; three OneDrive/SharePoint
    settings; the PYTHONPATH setting."""
    return f"{add_workbook};{workbook};{workbook};;;;{pythonpath}"


@pytest.mark.subprocess
def test_runpython_command_imports_udf_module_and_calls_main(tmp_path):
    """Run the command string of the button the way xlwings' ExecuteWindows
    does (``python -c "import xlwings.utils;xlwings.utils.prepare_sys_path(..);
    <command>"``), with a stub xlperf_udfs on the add-in's PYTHONPATH and a
    stray xlperf_udfs.py beside the workbook, which must not be the one imported."""
    modules = _vba_modules(ADDIN)
    parts = _parts(ADDIN)
    config = _addin_config(parts, modules)
    ribbon = _ribbon(parts)
    button = next(b for b in ribbon.iter(f"{NS_UI}button") if b.get("label") == VALIDATE_LABEL)
    module, _, proc = button.get("onAction").rpartition(".")
    command = re.search(r'RunPython\s*\(?\s*"([^"]*)"', _procedure(modules[module], proc)).group(1)
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    marker = tmp_path / "called.txt"
    (udfs / f"{UDF_MODULE}.py").write_text(
        f"def main():\n    open({str(marker)!r}, 'w').write('installed')\n", encoding="utf-8"
    )
    folder = tmp_path / "OneDrive - 单位" / "报送"
    folder.mkdir(parents=True)
    workbook = folder / "自评.xlsx"
    workbook.write_bytes(b"")
    (folder / f"{UDF_MODULE}.py").write_text(  # a stale copy beside the workbook
        f"def main():\n    open({str(marker)!r}, 'w').write('stray')\n", encoding="utf-8"
    )

    def run(add_workbook: str) -> tuple[str, bool]:
        """(which main() ran, whether the workbook's folder was on sys.path)."""
        marker.unlink(missing_ok=True)
        arg = _prepare_sys_path_arg(add_workbook, workbook, udfs)
        probe = f"import sys, os; print(os.path.normcase({str(folder)!r}) in map(os.path.normcase, sys.path))"
        code = f"import xlwings.utils;xlwings.utils.prepare_sys_path({arg!r}); {probe}; {command}"
        res = subprocess.run([sys.executable, "-B", "-c", code], check=True, cwd=tmp_path, timeout=120,
                             capture_output=True, text=True)
        return marker.read_text(), res.stdout.strip() == "True"

    assert run(config["ADD_WORKBOOK_TO_PYTHONPATH"]) == ("installed", False)
    # what the add-in's VBA passes, whatever a setting (or a submitted workbook's *.conf sheet) says:
    # AddExcelDir is the literal "false" on Windows, not a GetConfig lookup
    windows = _without_mac(_procedure(modules["xlwings"], "RunPython"))
    passed = {v.strip('"') for v in re.findall(r'AddExcelDir = ("\w+")', windows)}
    assert passed == {"false"} and "GetConfig(\"ADD_WORKBOOK_TO_PYTHONPATH\"" not in windows
    assert run(passed.pop()) == ("installed", False)
    # the setting matters: with xlwings' default ("true") the folder is put on sys.path (in an
    # order prepare_sys_path leaves to a set, so the stray copy may win)
    assert run("true")[1] is True


def test_vba_project_is_patched_in_place(build_addin):
    """Only RibbonMyAddin (and the dir record pointing at it) changed; the
    compound file keeps the template's streams and sizes, the module has no
    stale p-code, and Office is told to compile from source."""
    built = olefile.OleFileIO(_parts(ADDIN)["xl/vbaProject.bin"])
    with zipfile.ZipFile(build_addin.template_path()) as z:
        template = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    streams = sorted("/".join(p) for p in built.listdir())
    assert streams == sorted("/".join(p) for p in template.listdir())
    for s in streams:
        assert built.get_size(s) == template.get_size(s), s
        if s not in ("VBA/dir", "VBA/RibbonMyAddin", "VBA/_VBA_PROJECT", "VBA/xlwings"):
            assert built.openstream(s).read() == template.openstream(s).read(), s
    assert built.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"
    dir_data = bytes(decompress_stream(bytearray(built.openstream("VBA/dir").read())))
    records = {r["name"]: r for r in build_addin._dir_modules(dir_data)}
    assert records["RibbonMyAddin"]["offset"] == 0
    source = bytes(decompress_stream(bytearray(built.openstream("VBA/RibbonMyAddin").read())))
    assert source.startswith(b'Attribute VB_Name = "RibbonMyAddin"\r\n')
    assert b"xlperf_udfs.main()" in source


def _without_mac(code: str) -> str:
    """The Windows side of VBA source: every ``#If Mac Then`` branch (up to its ``#Else``/``#End If``)
    dropped (nested ``#If`` blocks inside the Mac branch are skipped with it)."""
    out, skip, depth = [], False, 0
    for line in code.split("\n"):
        word = line.strip().split(" ")[0].lower()
        if skip:
            if word == "#if":
                depth += 1
            elif word in ("#else", "#elseif", "#end") and depth == 0:
                skip = False
                continue
            elif word == "#end":
                depth -= 1
            continue
        if line.strip().lower().startswith("#if mac then"):
            skip, depth = True, 0
            continue
        out.append(line)
    return "\n".join(out)


SHIPPED_ADDINS = sorted(INSTALL.glob("*.xlam"))
"""Every add-in the installer ships (install.ps1 copies each of them into XLSTART)."""


def test_the_installer_ships_exactly_the_built_addins(build_addin, ps1):
    names = [p.name for p in SHIPPED_ADDINS]
    assert names == sorted([build_addin.ADDIN_FILE_NAME, build_addin.STANDARD_ADDIN_FILE_NAME])
    a = _ps_assignments(ps1["install.ps1"])
    assert sorted([a["AddinFile"], a["XlwingsAddinFile"]]) == names
    bundle = _load_build_bundle()
    assert set(names) <= set(bundle.INSTALL_FILES)


def _all_code(modules: dict[str, str]) -> str:
    return "\n".join(modules.values())


def _vba_like_class(pattern: str) -> re.Pattern[str]:
    """VBA's ``v Like "*[...]*"`` (one character class, anywhere) as a regular expression."""
    m = re.fullmatch(r"\*\[(.*?)\]\*", pattern)
    assert m, pattern
    return re.compile("[" + re.escape(m.group(1)) + "]")


def _vba_text_function(code: str, name: str) -> str:
    """The text a generated ``Private Function <name>() As String`` (ChrW pieces) returns."""
    body = _procedure(code, name)
    text = ""
    for line in re.findall(r"^\s*s = s & (.*)$", body, re.M):
        for piece in re.findall(r'"(?:[^"]|"")*"|ChrW\(&H[0-9A-F]{4}\)', line):
            text += chr(int(piece[7:11], 16)) if piece.startswith("ChrW") else piece[1:-1].replace('""', '"')
    return text


def _refusal_text(path: Path, modules: dict[str, str], get_config: str) -> str:
    """The message box text GetConfig shows before refusing a value."""
    cell = re.search(r'\.Range\("(D\d+)"\)', get_config)
    if cell:
        return _sheet_cells(_parts(path), _project_name(modules) + ".conf")[cell.group(1)]
    function = re.search(r"MsgBox (\w+)\(\)", get_config)
    assert function, "GetConfig shows no message before refusing a value"
    return _vba_text_function(_all_code(modules), function.group(1))


@pytest.mark.parametrize("path", SHIPPED_ADDINS, ids=lambda p: p.name)
def test_addin_reads_no_configuration_from_a_submitted_workbook(path, build_addin):
    """Every add-in the installer ships (its VBA extracted with olevba) reads settings only from the
    add-in's own sheet and the user's own file: the lookups of a ``<PROJECT_NAME>.conf`` sheet in the
    active workbook and of a ``<PROJECT_NAME>.conf`` file beside it are gone, and nothing of the active
    workbook (its folder, its full name, a ``*.py`` sheet) reaches sys.path, the command line or the UDF
    modules."""
    modules = _vba_modules(path)
    code = _all_code(modules)
    assert code.count("Function GetConfig(") == 1
    get_config = _procedure(code, "GetConfig")
    assert "ActiveWorkbook" not in get_config
    assert "GetDirectoryConfigFilePath" not in get_config and '"directory"' not in get_config
    assert "GetConfigFromSheet(ThisWorkbook)" in get_config and "GetConfigFilePath()" in get_config
    # the user's own file is the xlwings.conf in the user's profile that install.ps1 writes
    user_file = _without_mac(_procedure(code, "GetConfigFilePath"))
    literal = r'Environ\("USERPROFILE"\) & "\\\.xlwings\\xlwings\.conf"'
    by_name = r'Environ\("USERPROFILE"\) & "\\\." & PROJECT_NAME & "\\" & PROJECT_NAME & "\.conf"'
    assert re.search(literal, user_file) or (re.search(by_name, user_file) and _project_name(modules) == "xlwings")
    assert "$XlwingsConf      = Join-Path $env:USERPROFILE '.xlwings\\xlwings.conf'" in (
        INSTALL / "install.ps1").read_text(encoding="utf-8-sig")
    # no other procedure reads a sheet or a directory config file of the active workbook
    assert not re.search(r"GetConfigFromSheet\((?!ThisWorkbook\))", code.replace("Function GetConfigFromSheet(", ""))
    assert [m.start() for m in re.finditer(r"GetDirectoryConfigFilePath\(", code)] == [
        code.index("Function GetDirectoryConfigFilePath(") + len("Function ")]
    windows = _without_mac(_procedure(code, "RunPython"))
    assert "ActiveWorkbook.FullName" not in windows and "Set wb = ActiveWorkbook" not in windows
    assert re.findall(r"AddExcelDir = (.*)", windows) == ['"false"', '"false" \' xlperf']
    py_command = _procedure(code, "XLPyCommand")
    assert "ADD_WORKBOOK_TO_PYTHONPATH" not in py_command
    assert "ActiveWorkbook.FullName" not in _without_mac(py_command.split("#Else", 1)[0])
    # Import Functions / the UDF server: no module named after a sheet of the active workbook
    main = next(c for c in modules.values() if "Function GetUdfModules(" in c)  # (the ribbon has a Sub of that name)
    assert re.findall(r"For Each sht In (\S+)", _procedure(main, "GetUdfModules")) == ["ThisWorkbook.Worksheets"]


@pytest.mark.parametrize("path", SHIPPED_ADDINS, ids=lambda p: p.name)
def test_addin_refuses_values_a_command_line_would_act_on(path, build_addin):
    """GetConfig refuses (message box, then ``End``: no VBA runs on with the value) every value holding a
    character cmd.exe acts on or a line break, checked after %VARIABLE% expansion, with a Chinese message."""
    modules = _vba_modules(path)
    get_config = _procedure(_all_code(modules), "GetConfig")
    check = re.search(r'^\s*If v Like "(.*?)" Or InStr\(v, vbCr\) > 0 Or InStr\(v, vbLf\) > 0 Then$', get_config, re.M)
    assert check, "GetConfig no longer checks the value"
    assert get_config.index("v = ExpandEnvironmentStrings(v)") < check.start() < get_config.index("GetConfig = v")
    refused = _vba_like_class(check.group(1).replace('""', '"'))
    assert set(refused.pattern[1:-1].replace("\\", "")) == set(build_addin.REFUSED_CHARACTERS) >= set('"%&^|<>')
    hostile = ['C:\\Temp" & calc.exe & rem "', "C:\\a&b", "C:\\x|y", "%COMSPEC%", "a^b", "C:\\x>y", "C:\\x<y"]
    assert all(refused.search(v) for v in hostile)
    fine = ["C:\\Users\\张三\\AppData\\Local\\xlperf\\venv\\Scripts\\python.exe", "C:\\Users\\a b (x)\\udfs", "False"]
    assert not any(refused.search(v) for v in fine)
    assert re.search(r"^\s*End\s*$", get_config, re.M)
    assert "命令行" in _refusal_text(path, modules, get_config)


@pytest.mark.parametrize("path", SHIPPED_ADDINS, ids=lambda p: p.name)
def test_a_cell_cannot_run_python_through_the_addin(path):
    """Public functions of a loaded add-in can be called from any open workbook's cells: RunPython,
    ExecuteWindows and RunFrozenPython (and in xlwings.xlam RunServerPython and RunRemotePython, which send the
    workbook to a URL and run the macros its answer names) return at once when a cell calls them
    (Application.Caller is a Range then; from the ribbon, a macro or a button it is not)."""
    code = _all_code(_vba_modules(path))
    guard = 'If TypeName(Application.Caller) = "Range" Then Exit Function'
    names = ["RunPython", "ExecuteWindows", "RunFrozenPython"]
    names += [n for n in ("RunServerPython", "RunRemotePython") if f"Function {n}(" in code]  # xlwings.xlam
    assert len(names) == (5 if path.name == "xlwings.xlam" else 3)
    for name in names:
        body = re.split(r"\)[^\n]*\n", _procedure(code, name), maxsplit=1)[1]  # after the signature
        statements = [line.strip() for line in body.split("\n") if line.strip() and not line.strip().startswith("'")]
        assert statements[0].startswith(guard), (name, statements[:2])


def test_standard_addin_is_patched_in_place(build_addin):
    """The shipped xlwings.xlam is xlwings' own with only Config (whole source, no p-code) and Main
    (the edits) changed; the compound file keeps every stream and size."""
    built = olefile.OleFileIO(_parts(INSTALL / "xlwings.xlam")["xl/vbaProject.bin"])
    with zipfile.ZipFile(build_addin.standard_addin_path()) as z:
        original = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
        original_parts = {n: z.read(n) for n in z.namelist()}
    streams = sorted("/".join(p) for p in built.listdir())
    assert streams == sorted("/".join(p) for p in original.listdir())
    for s in streams:
        assert built.get_size(s) == original.get_size(s), s
        if s not in ("VBA/dir", "VBA/Config", "VBA/Main", "VBA/Remote", "VBA/_VBA_PROJECT"):
            assert built.openstream(s).read() == original.openstream(s).read(), s
    assert built.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"
    for name, data in _parts(INSTALL / "xlwings.xlam").items():
        if name != "xl/vbaProject.bin":
            assert data == original_parts[name], name
    before = build_addin.read_vba_modules(original_parts["xl/vbaProject.bin"])
    after = build_addin.read_vba_modules(_parts(INSTALL / "xlwings.xlam")["xl/vbaProject.bin"])
    assert after["Main"] == build_addin.apply_edits(before["Main"], build_addin.STANDARD_MAIN_EDITS)
    assert after["Config"].startswith(build_addin.standard_config_source(before["Config"]))
    assert after["Remote"].startswith(build_addin.standard_remote_source(before["Remote"]))
    edited = ("Main", "Config", "Remote")
    assert {k: v for k, v in after.items() if k not in edited} == {k: v for k, v in before.items() if k not in edited}


@pytest.mark.slow  # some ten seconds: the exact-size encoding of Config's and Remote's many chunks
def test_rebuilding_reproduces_the_committed_standard_addin(build_addin, tmp_path):
    rebuilt = build_addin.build_standard(tmp_path / "xlwings.xlam")
    old, new = _parts(INSTALL / "xlwings.xlam"), _parts(rebuilt)
    assert list(old) == list(new)
    for name in old:
        assert new[name] == old[name], f"{name} differs: run python install/build_addin.py"


def test_xlwings_edits_keep_everything_else(build_addin):
    """Only the edited lines of the xlwings module differ from the template's (same length, the
    rest byte for byte), so upgrading xlwings shows exactly what xlperf changed."""
    with zipfile.ZipFile(build_addin.template_path()) as z:
        template = build_addin.read_vba_modules(z.read("xl/vbaProject.bin"))["xlwings"]
    built = build_addin.read_vba_modules(_parts(ADDIN)["xl/vbaProject.bin"])["xlwings"]
    assert len(built) == len(template) and built == build_addin.xlwings_source(template)
    import difflib

    ops = difflib.SequenceMatcher(None, template.split("\n"), built.split("\n"), autojunk=False).get_opcodes()
    changed = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in ops if tag != "equal")
    assert 0 < changed < 100  # GetConfig (56 lines), RunPython/XLPyCommand, GetUdfModules, three guards


@pytest.mark.parametrize("seed", range(4))
def test_ovba_exact_size_encoder_roundtrips(build_addin, seed):
    rnd = random.Random(seed)
    words = [b"Sub ", b"End Sub\r\n", b"RunPython ", b'"x"', b"\r\n", b"    ", b"If ", b"Then "]
    data = b"".join(rnd.choice(words) for _ in range(rnd.randint(20, 60)))
    data += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40)))
    lo = build_addin.min_compressed_size(data)
    hi = build_addin.max_compressed_size(len(data))
    assert lo < hi
    for size in sorted({lo, (2 * lo + hi) // 3, (lo + hi) // 2, hi}):
        encoded = build_addin.compress_exact(data, size)
        assert encoded is not None and len(encoded) == size
        assert bytes(decompress_stream(bytearray(encoded))) == data
        assert build_addin.decompress(encoded) == data
    assert build_addin.compress_exact(data, lo - 1) is None
    assert build_addin.compress_exact(data, hi + 1) is None


def test_multi_chunk_source_fits_a_stream_exactly(build_addin):
    """A module source of several 4 KiB chunks (the standard add-in's Config module) is encoded in exactly the
    size of the stream it replaces, and oletools' decompressor reads the source back (then filler comments)."""
    rnd = random.Random(7)
    words = [b"Function ", b"End Function\r\n", b"GetConfig(", b'"x" & ', b"\r\n", b"    ", b"ChrW(&H7684) & "]
    data = b"".join(rnd.choice(words) for _ in range(rnd.randint(900, 1500)))
    for size in (len(data) // 2, 3 * 4098 + 200):  # compressed; more chunks than the source fills (filler)
        encoded = build_addin._fit_long_source(data, size)
        assert len(encoded) == size
        text = bytes(decompress_stream(bytearray(encoded)))
        assert text.startswith(data) and set(text[len(data):].split(b"\r\n")) <= {b""} | {
            b"'" + b"-" * n for n in range(80)}


# ---------------------------------------------------------------------------
# (c) reproducible build
# ---------------------------------------------------------------------------
def test_rebuilding_reproduces_the_committed_addin(build_addin, tmp_path):
    import xlwings

    committed_modules = _vba_modules(ADDIN)
    embedded = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', committed_modules["xlwings"]).group(1)
    assert xlwings.__version__ == embedded, (
        f"install/xlperf.xlam was built from xlwings {embedded}, but xlwings "
        f"{xlwings.__version__} is installed: pin xlwings=={embedded} or rebuild with "
        "`python install/build_addin.py` and update $XlwingsVersion in install/install.ps1"
    )
    rebuilt = build_addin.build(tmp_path / "xlperf.xlam")
    old, new = _parts(ADDIN), _parts(rebuilt)
    assert list(old) == list(new)
    ribbon_name = "customUI/customUI.xml"
    assert new[ribbon_name] == old[ribbon_name]
    assert _vba_modules(rebuilt) == committed_modules
    for name in old:  # every part, byte for byte (the zip container may differ)
        assert new[name] == old[name], f"{name} differs: run python install/build_addin.py"


# ---------------------------------------------------------------------------
# (d) installer scripts
# ---------------------------------------------------------------------------
def _ps_assignments(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\$(\w+)\s*=\s*'([^']*)'", text, re.M))


def _ps_delimiters(text: str):
    """(char, line, index) of every bracket outside PowerShell strings and comments."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            assert end >= 0, f"unterminated block comment at line {line}"
            line += text.count("\n", i, end)
            i = end + 2
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith(("@'\n", "@'\r\n", '@"\n', '@"\r\n'), i):
            quote = text[i + 1]
            end = text.find("\n" + quote + "@", i + 2)
            assert end >= 0, f"unterminated here-string at line {line}"
            line += text.count("\n", i, end + 1)
            i = end + 3
            continue
        if c in "'\"":
            j = i + 1
            while True:
                assert j < n, f"unterminated string starting at line {line}"
                if c == '"' and text[j] == "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote = escaped
                        j += 2
                        continue
                    break
                j += 1
            line += text.count("\n", i, j)
            i = j + 1
            continue
        if c == "`":
            i += 2
            continue
        if c in "{}()[]":
            yield c, line, i
        i += 1


def _assert_balanced(text: str, name: str) -> None:
    pairs = {"}": "{", ")": "(", "]": "["}
    stack: list[tuple[str, int]] = []
    for c, line, _ in _ps_delimiters(text):
        if c in "{([":
            stack.append((c, line))
        else:
            assert stack, f"{name}:{line}: unmatched {c!r}"
            opened, at = stack.pop()
            assert opened == pairs[c], f"{name}:{line}: {c!r} closes {opened!r} from line {at}"
    assert not stack, f"{name}: unclosed {stack[-1][0]!r} from line {stack[-1][1]}"


@pytest.fixture(scope="module")
def ps1():
    scripts = {}
    for name in ("install.ps1", "uninstall.ps1"):
        raw = (INSTALL / name).read_bytes()
        # Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page,
        # which would garble the Chinese messages.
        assert raw.startswith(b"\xef\xbb\xbf"), f"{name} needs a UTF-8 BOM"
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), f"{name}: use CRLF"
        scripts[name] = raw.decode("utf-8-sig")
    return scripts


@pytest.mark.parametrize("name", ["install.ps1", "uninstall.ps1"])
def test_powershell_scripts_are_balanced(ps1, name):
    text = ps1[name]
    _assert_balanced(text, name)
    assert re.search(r"^\s*param\(", text, re.M)


def test_balance_check_catches_errors():
    _assert_balanced("function f { if ($a) { 'x}' } }  # }\n", "ok")
    for bad in ("function f { if ($a) { }\n", "$x = @(1, 2\n", "Write-Host 'x\n", "$a = ($b]\n"):
        with pytest.raises(AssertionError):
            _assert_balanced(bad, "bad")


def test_install_script_names_match_package_and_addin(ps1, build_addin):
    text = ps1["install.ps1"]
    a = _ps_assignments(text)
    assert a["UdfModule"] == UDF_MODULE == build_addin.UDF_MODULE
    assert a["UdfFileName"] == f"{UDF_MODULE}.py"
    # the UDF module is taken from the repository's udfs/xlperf_udfs.py
    assert PureWindowsPath(a["RepoUdfRelPath"]).as_posix() == UDF_FILE.relative_to(REPO).as_posix()
    assert a["AddinFile"] == ADDIN.name == build_addin.ADDIN_FILE_NAME == build_addin.DEFAULT_OUTPUT.name
    assert a["WheelPattern"] == "xlperf-*.whl"
    assert Path("xlperf-0.1.0-py3-none-any.whl").match(a["WheelPattern"])

    # venv and UDF folder: %LOCALAPPDATA%\xlperf\{venv,udfs}
    assert re.search(r"^\$InstallRoot\s*=\s*Join-Path \$env:LOCALAPPDATA 'xlperf'\s*$", text, re.M)
    assert re.search(r"^\$VenvDir\s*=\s*Join-Path \$InstallRoot 'venv'\s*$", text, re.M)
    assert re.search(r"^\$UdfDir\s*=\s*Join-Path \$InstallRoot 'udfs'\s*$", text, re.M)
    assert re.search(r"^\$VenvPythonw\s*=\s*Join-Path \$VenvDir 'Scripts\\pythonw.exe'\s*$", text, re.M)
    # xlwings.conf values (kept with %LOCALAPPDATA%) = the same folders
    assert a["ConfInterpreter"] == VENV + r"\Scripts\pythonw.exe"
    assert a["ConfPythonPath"] == UDF_DIR
    # ... and the add-in's own RunPython settings point at the same install
    config = _addin_config(_parts(ADDIN), _vba_modules(ADDIN))
    assert PureWindowsPath(config["INTERPRETER_WIN"]).parent.parent == PureWindowsPath(VENV)
    assert config["PYTHONPATH"] == a["ConfPythonPath"]
    assert config["UDF MODULES"] == a["UdfModule"]

    # xlwings version pinned by the installer = the VBA inside the add-in
    embedded = re.search(
        r'XLWINGS_VERSION As String = "([^"]+)"', _vba_modules(ADDIN)["xlwings"]
    ).group(1)
    assert a["XlwingsVersion"] == embedded
    assert "'xlwings==' + $XlwingsVersion" in text

    # the steps the installer promises
    assert "@('-m', 'venv', $VenvDir)" in text
    # the patched xlwings add-in shipped beside the script, never "xlwings addin install" (the unpatched one)
    assert "'xlwings.cli', 'addin'" not in text
    assert a["XlwingsAddinFile"] == build_addin.STANDARD_ADDIN_FILE_NAME
    for key in ("INTERPRETER_WIN", "UDF MODULES", "PYTHONPATH"):
        assert f"Set-ConfValue $lines '{key}'" in text
    assert "Join-Path $env:USERPROFILE '.xlwings\\xlwings.conf'" in text
    assert "Join-Path $env:APPDATA 'Microsoft\\Excel\\XLSTART'" in text
    assert "--find-links" in text and "Join-Path $ScriptDir 'wheels'" in text


def test_conf_line_format_is_what_xlwings_reads(ps1, tmp_path, monkeypatch):
    import xlwings
    from xlwings.utils import read_user_config

    fmt = re.search(r"\('(\"\{0\}\",\"\{1\}\")' -f \$Key, \$Value\)", ps1["install.ps1"])
    assert fmt, "install.ps1 no longer writes xlwings.conf lines as \"KEY\",\"VALUE\""
    a = _ps_assignments(ps1["install.ps1"])
    conf = tmp_path / "xlwings.conf"
    lines = [fmt.group(1).format(k, v) for k, v in (
        ("INTERPRETER_WIN", a["ConfInterpreter"]), ("UDF MODULES", a["UdfModule"]),
        ("PYTHONPATH", a["ConfPythonPath"]), ("ADD_WORKBOOK_TO_PYTHONPATH", a["ConfAddWorkbook"]),
    )]
    conf.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(conf))
    assert read_user_config() == {
        "interpreter_win": a["ConfInterpreter"],
        "udf modules": UDF_MODULE,
        "pythonpath": a["ConfPythonPath"],
        "add_workbook_to_pythonpath": "False",
    }


def test_uninstall_script_uses_the_same_names(ps1):
    inst, uninst = _ps_assignments(ps1["install.ps1"]), _ps_assignments(ps1["uninstall.ps1"])
    for key in ("UdfModule", "AddinFile", "ConfInterpreter", "ConfPythonPath"):
        assert uninst[key] == inst[key], key
    text = ps1["uninstall.ps1"]
    for var in ("InstallRoot", "VenvDir", "StateFile", "XlwingsConf", "DefaultXlstart"):
        line = re.compile(rf"^\${var}\s*=\s*(.+?)\s*$", re.M)
        assert line.search(text).group(1) == line.search(ps1["install.ps1"]).group(1), var
    assert "Remove-ListItem $lines 'UDF MODULES' $UdfModule" in text
    assert "Remove-ListItem $lines 'PYTHONPATH' $ConfPythonPath" in text
    assert "'xlwings.xlam'" in text


@pytest.mark.parametrize("name", ["install", "uninstall"])
def test_bat_calls_its_ps1(name):
    raw = (INSTALL / f"{name}.bat").read_bytes()
    text = raw.decode("ascii")  # cmd.exe reads batch files in the OEM code page
    assert "\r\n" in text and "\n" not in text.replace("\r\n", ""), "batch files need CRLF"
    m = re.search(r'-ExecutionPolicy Bypass -File "%~dp0([\w.]+\.ps1)"', text)
    assert m and m.group(1) == f"{name}.ps1"
    assert (INSTALL / m.group(1)).is_file()
    assert "%*" in text and "exit /b" in text


def test_udf_module_in_repo_defines_main():
    """The button calls xlperf_udfs.main() with no arguments."""
    assert UDF_FILE.is_file(), "udfs/xlperf_udfs.py is missing"
    tree = ast.parse(UDF_FILE.read_text(encoding="utf-8"))
    main = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"), None
    )
    assert main is not None, "udfs/xlperf_udfs.py defines no top-level main()"
    args = main.args
    assert len(args.args) + len(args.posonlyargs) == len(args.defaults), "main() must need no arguments"
    assert all(d is not None for d in args.kw_defaults), "main() must need no arguments"


# ---------------------------------------------------------------------------
# (e) installer behaviours, read from the script text (no PowerShell here)
# ---------------------------------------------------------------------------
def _ps_function(text: str, name: str) -> str:
    """The source of ``function <name> ... { ... }`` (brackets matched outside strings)."""
    m = re.search(rf"^function {re.escape(name)}\b", text, re.M)
    assert m, f"function {name} not found"
    depth, start = 0, None
    for c, _, i in _ps_delimiters(text[m.start():]):
        if c == "{":
            depth += 1
            start = i if start is None else start
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[m.start(): m.start() + i + 1]
    raise AssertionError(f"function {name} is not closed")


def _code(text: str) -> str:
    """The script without comments (so a comment cannot satisfy or break a check)."""
    text = re.sub(r"<#.*?#>", "", text, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)#(?![>]).*$", "", line) for line in text.split("\n"))


def _bom_problems(code: str) -> list[str]:
    """Why a script could write xlwings.conf with a BOM (empty list: it cannot)."""
    problems = []
    body = _ps_function(code, "Write-ConfFile")
    # an encoding with a preamble (UTF-8 under the UTF-8 system locale) is replaced by BOM-less UTF-8
    for needed in ("$Encoding.GetPreamble().Length -gt 0", "$Encoding = New-Object System.Text.UTF8Encoding $false",
                   "[System.IO.File]::WriteAllText($Path, $text, $Encoding)"):
        if needed not in body:
            problems.append(f"Write-ConfFile lacks {needed}")
    if "GetPreamble" in body and "WriteAllText" in body and body.index("GetPreamble") > body.index("WriteAllText"):
        problems.append("Write-ConfFile checks the preamble after writing")
    # every write of xlwings.conf goes through it
    for line in code.split("\n"):
        if "$XlwingsConf" in line and re.search(r"Set-Content|Out-File|Add-Content|WriteAll|>", line) \
                and not line.strip().startswith("Write-ConfFile $XlwingsConf"):
            problems.append(f"xlwings.conf written directly: {line.strip()}")
    for bad in ("Set-Content", "Out-File", "Add-Content", "WriteAllLines"):
        if bad in code:
            problems.append(f"uses {bad} (PowerShell 5 writes a BOM with -Encoding UTF8)")
    if "Write-ConfFile $XlwingsConf $lines $enc" not in code:
        problems.append("xlwings.conf is not written with Write-ConfFile")
    return problems


@pytest.mark.parametrize("name", ["install.ps1", "uninstall.ps1"])
def test_xlwings_conf_is_written_without_a_bom(ps1, name):
    assert _bom_problems(_code(ps1[name])) == []


def test_the_bom_check_catches_a_bom_writer(ps1):
    code = _code(ps1["install.ps1"])
    assert _bom_problems(code.replace("Write-ConfFile $XlwingsConf $lines $enc",
                                      "Set-Content -Path $XlwingsConf -Value $lines -Encoding UTF8"))
    assert _bom_problems(code.replace("if ($Encoding.GetPreamble().Length -gt 0) { $Encoding = New-Object "
                                      "System.Text.UTF8Encoding $false }", ""))
    assert _bom_problems(code.replace("Write-ConfFile $XlwingsConf $lines $enc",
                                      "[System.IO.File]::WriteAllLines($XlwingsConf, [string[]]$lines, $enc)"))


def test_no_workbook_folder_on_sys_path_in_the_conf(ps1, build_addin):
    inst, uninst = _ps_assignments(ps1["install.ps1"]), _ps_assignments(ps1["uninstall.ps1"])
    assert inst["ConfAddWorkbook"] == uninst["ConfAddWorkbook"] == "False"
    assert build_addin.CONFIG_VALUES["ADD_WORKBOOK_TO_PYTHONPATH"] == inst["ConfAddWorkbook"]
    code = _code(ps1["install.ps1"])
    assert "Set-ConfValue $lines 'ADD_WORKBOOK_TO_PYTHONPATH' $ConfAddWorkbook" in code
    # written before the file is written
    assert code.index("'ADD_WORKBOOK_TO_PYTHONPATH' $ConfAddWorkbook") < code.index("Write-ConfFile $XlwingsConf")


def test_prepare_sys_path_skips_the_workbook_folder_for_the_conf_value(ps1, tmp_path):
    """What xlwings does with the value the installer writes (and with its own default)."""
    import xlwings.utils

    value = _ps_assignments(ps1["install.ps1"])["ConfAddWorkbook"]
    workbook = tmp_path / "book" / "x.xlsx"
    before = list(sys.path)
    try:
        xlwings.utils.prepare_sys_path(f"{value};{workbook};{workbook};;;;")
        assert str(workbook.parent) not in sys.path
        xlwings.utils.prepare_sys_path(f"true;{workbook};{workbook};;;;")
        assert os.path.normcase(str(workbook.parent)) in [os.path.normcase(p) for p in sys.path]
    finally:
        sys.path[:] = before


def _state_keys(install_text: str) -> set[str]:
    block = re.search(r"\$state = New-Object psobject -Property @\{(.*?)\n    \}", install_text, re.S)
    assert block, "install.ps1 no longer writes its state object"
    return set(re.findall(r"^\s*(\w+)\s*=", block.group(1), re.M))


def test_uninstall_reads_only_what_install_records(ps1):
    keys = _state_keys(ps1["install.ps1"])
    assert {"xlwingsAddinBackup", "xlwingsAddinOriginal", "xlwingsAddinHash", "xlwingsAddinPreexisting",
            "confPrevious", "confCreated", "confDirCreated", "xlstartDir"} <= keys
    for name in ("install.ps1", "uninstall.ps1"):
        read = set(re.findall(r"\$(?:state|oldState|State)\.(\w+)", _code(ps1[name])))
        assert read and read <= keys, (name, read - keys)
    # the previous value of every setting install changes is recorded
    code = _code(ps1["install.ps1"])
    recorded = re.search(r"foreach \(\$k in @\(([^)]*)\)\) \{\s*\n\s*\$previous\[\$k\] = Get-ConfValue", code)
    assert recorded
    set_keys = set(re.findall(r"Set-ConfValue \$lines '([^']+)'", code))
    assert set(re.findall(r"'([^']+)'", recorded.group(1))) == set_keys
    assert "confPrevious           = $previous" in code


def test_another_xlwings_addin_is_backed_up_and_restored(ps1):
    inst, uninst = _code(ps1["install.ps1"]), _code(ps1["uninstall.ps1"])
    a = _ps_assignments(ps1["install.ps1"])
    assert re.search(r"^\$BackupDir\s*=\s*Join-Path \$InstallRoot 'backup'\s*$", inst, re.M)
    assert re.search(r"^\$BackupDir\s*=\s*Join-Path \$InstallRoot 'backup'\s*$", uninst, re.M)
    assert a["XlwingsVersion"]
    # install: the existing add-in is compared with ours and copied away *before* ours is copied there
    backup = inst.index("Copy-Item -LiteralPath $defaultAddin -Destination $xlwingsBackup")
    assert backup < inst.index("Copy-Item -LiteralPath $xlwingsSource -Destination $xlwingsAddin -Force")
    assert "$xlwingsBackup = Join-Path $BackupDir 'xlwings.xlam'" in inst
    assert "(Get-FileHashOrNull $defaultAddin) -eq $sourceHash" in inst  # same version: nothing to back up
    assert inst.index("if (Test-Path -LiteralPath $xlwingsBackup)") < backup  # a re-install keeps the first backup
    # uninstall: restore the backup to where it was, before the install folder (holding it) goes
    restore = uninst.index("Copy-Item -LiteralPath $backup -Destination $original -Force")
    assert restore < uninst.index("Remove-IfExists $InstallRoot")
    assert "$backup = Join-Path $BackupDir 'xlwings.xlam'" in uninst
    assert "$original = Join-Path $DefaultXlstart 'xlwings.xlam'" in uninst
    # a failed restore keeps the backup
    assert re.search(r"catch \{[^}]*\$script:KeepBackup = \$true", uninst, re.S)
    assert "if ($item.FullName -ne $BackupDir)" in uninst
    # our own xlwings add-in is removed only while it is still ours
    assert "Remove-IfOurs (Join-Path $dir 'xlwings.xlam') $ourHash" in uninst
    body = _ps_function(uninst, "Remove-IfOurs")
    assert "(Get-FileHashOrNull $Path) -ne $Hash" in body and body.index("return") < body.index("Remove-IfExists")


def test_the_patched_xlwings_addin_is_installed_and_checked_by_its_hash(ps1):
    """install.ps1 copies the shipped (patched) xlwings.xlam, not the venv's, and checks the copy by hash;
    the hash it records is what uninstall.ps1 removes only while it is still there."""
    inst = _code(ps1["install.ps1"])
    assert "$xlwingsSource = Find-First @((Join-Path $ScriptDir $XlwingsAddinFile))" in inst
    assert "site-packages\\xlwings\\addin" not in inst
    after = inst[inst.index("Copy-Item -LiteralPath $xlwingsSource -Destination $xlwingsAddin -Force"):]
    assert after.index("$addinInstalled = ($null -ne $sourceHash) -and ((Get-FileHashOrNull $xlwingsAddin) -eq $sourceHash)") < \
        after.index("if ($addinInstalled)")
    assert re.search(r"\} else \{\s*Write-Warn \(\"xlwings 加载项未能安装", after)
    assert "xlwingsAddinHash       = $sourceHash" in inst
    assert "$sourceHash = Get-FileHashOrNull $xlwingsSource" in inst
    # XLSTART comes from Excel itself (with a time limit), else the default folder
    assert "get_addin_dir" in inst and "$xlstart = $DefaultXlstart" in inst


def test_uninstall_removes_conf_entries_and_files_only_if_install_wrote_them(ps1):
    uninst = _code(ps1["uninstall.ps1"])
    inst = _code(ps1["install.ps1"])
    assert "$confCreated = -not (Test-Path -LiteralPath $XlwingsConf)" in inst
    assert "$confDirCreated = -not (Test-Path -LiteralPath $confDir)" in inst
    assert "if ($oldState.confCreated -eq $true) { $confCreated = $true }" in inst  # a re-install remembers
    assert "$created = ($null -eq $state) -or ($state.confCreated -eq $true)" in uninst
    assert "if ($lines.Count -eq 0 -and $created) {" in uninst
    assert re.search(r"\$state\.confDirCreated -eq \$true.*?Get-ChildItem -LiteralPath \$confDir -Force"
                     r".*?\.Count -eq 0\) \{\s*Remove-IfExists \$confDir", uninst, re.S)
    # a setting is restored or removed only when it still holds xlperf's value
    assert "if ((Get-ConfValue $lines $k) -ne $own[$k]) { continue }" in uninst
    assert "if (-not $recorded -and $k -ne 'INTERPRETER_WIN') { continue }" in uninst
    own = re.search(r"\$own = \[ordered\]@\{([^}]*)\}", uninst).group(1)
    assert own == re.search(r"\$own = \[ordered\]@\{([^}]*)\}", inst).group(1)
    assert "'ADD_WORKBOOK_TO_PYTHONPATH' = $ConfAddWorkbook" in own
    body = _ps_function(uninst, "Test-StateHasPrevious")
    assert "PSObject.Properties" in body


def test_uninstall_says_what_the_user_must_undo_by_hand(ps1):
    inst, uninst = ps1["install.ps1"], ps1["uninstall.ps1"]
    trust = "信任对 VBA 工程对象模型的访问"
    assert trust in inst and trust in uninst  # what install asks for, uninstall says to undo
    tail = uninst[uninst.index("Write-Host '以下几项只能由您手动撤销"):]
    assert "xlwings_udfs" in tail and "工具 → 引用" in tail and "#NAME?" in tail
    assert tail.index("以下几项") < tail.index("xlwings_udfs")
    # the module name is the one xlwings' Import Functions creates in the workbook
    import xlwings

    udfs_source = (Path(xlwings.__file__).parent / "udfs.py").read_text(encoding="utf-8")
    assert 'VBComponents("xlwings_udfs")' in udfs_source


def _load_build_bundle():
    spec = importlib.util.spec_from_file_location("xlperf_build_bundle", INSTALL / "build_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_installer_accepts_what_the_bundle_serves(ps1):
    """install.ps1 accepts 64-bit Python 3.11-3.14, narrowed to wheels\\targets.txt of an offline bundle
    (the file build_bundle.py writes), and says what is wrong with each Python it refuses."""
    inst = _code(ps1["install.ps1"])
    bundle = _load_build_bundle()
    supported = re.search(r"\$SupportedPython\s*=\s*@\(([^)]*)\)", inst).group(1)
    assert re.findall(r"'([\d.]+)'", supported) == list(bundle.REQUIRED + bundle.OPTIONAL)
    assert "$TargetsFile      = Join-Path $WheelsDir '" + bundle.TARGETS_FILE + "'" in inst
    assert "Get-Content -LiteralPath $TargetsFile" in inst
    find = inst[inst.index("function Find-Python"):inst.index("function Get-AnsiEncoding")]
    # every refusal is recorded with its reason and explained: 32-bit, too new, too old, none
    for check, bucket in (("if ($info.Bits -ne '64')", "$only32 +="), ("if ($script:Accepted -notcontains $minor)",
                                                                      "$tooNew +="),
                          ("if ($info.Version -lt $MinPython)", "$tooOld +=")):
        assert find.index(check) < find.index(bucket)
    assert "找到的是 32 位 Python" in find and "找到的 Python 版本太新" in find and "找到的 Python 版本过低" in find
    assert "未找到可用的 Python" in find and "Windows installer (64-bit)" in find


def test_offline_install_never_falls_back_to_the_network(ps1):
    inst = _code(ps1["install.ps1"])
    step = inst[inst.index("$offlineFlags = @()"):inst.index("Write-Ok 'Python 包已安装。'")]
    offline, online = step.split("} else {", 1)
    assert "'--no-index', '--find-links', $WheelsDir" in offline and "Stop-Install" in offline
    assert "--no-index" not in online.split("Stop-Install", 1)[0]
    # the re-install of the shipped wheel is offline too
    assert "$offlineFlags + @($wheel.FullName)" in step
    assert "$script:Offline = (Test-Path -LiteralPath $WheelsDir) -and -not $Online" in inst


def test_bundle_script_finds_windows_only_dependencies(tmp_path):
    """pip evaluates markers for the machine it runs on; the bundle evaluates them for Windows."""
    bundle = _load_build_bundle()
    meta = ("Metadata-Version: 2.1\nName: demo\nVersion: 1\n"
            "Requires-Dist: pywin32>=306; platform_system == \"Windows\"\n"
            "Requires-Dist: colorama; sys_platform == \"win32\"\n"
            "Requires-Dist: uvloop; sys_platform != \"win32\"\n"
            "Requires-Dist: tomli; python_version < \"3.11\"\n"
            "Requires-Dist: pytest; extra == \"test\"\n"
            "Requires-Dist: numpy\n")
    wheel = tmp_path / "demo-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("demo-1.dist-info/METADATA", meta)
    found = bundle.windows_only([wheel], "3.12")
    if sys.platform == "win32":  # pragma: no cover - the markers are true here as well
        assert found == set()
    else:
        assert found == {"pywin32>=306", "colorama"}


@pytest.mark.parametrize("name", ["install", "uninstall"])
def test_bat_explains_a_group_policy_execution_policy(name):
    """-ExecutionPolicy Bypass is the Process scope; MachinePolicy/UserPolicy (Group Policy) win over it,
    and PowerShell then refuses the script silently: the .bat asks PowerShell (a -Command string, which
    the policy does not stop) and says what to ask IT for."""
    text = (INSTALL / f"{name}.bat").read_bytes().decode("ascii")
    assert text.index(f"-File \"%~dp0{name}.ps1\"") < text.index('if "%XLPERF_RC%"=="0" goto :done')
    hint = text[text.index('if "%XLPERF_RC%"=="0" goto :done'):text.index("\r\n:done\r\n")]
    assert "Get-ExecutionPolicy -Scope $_" in hint and "'MachinePolicy','UserPolicy'" in hint
    assert "-File" not in hint and "Group Policy" in hint
    guide = (INSTALL / "安装说明.md").read_text(encoding="utf-8")
    assert "组策略" in guide and "Get-ExecutionPolicy -List" in guide and "代码签名证书" in guide


def test_install_registers_the_wps_addin_through_the_python_module(ps1):
    """install.ps1 leaves publish.xml, oem.ini and the service to xlperf.addins.wps_install (the code
    install/wps/install.sh runs on Linux; tests/wps/test_wps_install.py runs it in a Windows layout),
    after the venv exists; uninstall.ps1 runs its uninstall before deleting the venv it lives in."""
    from xlperf.addins import service, wps_install

    inst, uninst = _code(ps1["install.ps1"]), _code(ps1["uninstall.ps1"])
    a, u = _ps_assignments(ps1["install.ps1"]), _ps_assignments(ps1["uninstall.ps1"])
    assert a["WpsModule"] == u["WpsModule"] == wps_install.__name__
    call = "$code = Invoke-Native $VenvPython @('-m', $WpsModule, 'install', '--if-present', '--source', $wpsSource,"
    assert call in inst and "'--python', $VenvPython)" in inst[inst.index(call):]
    assert "$wpsSource = Join-Path $ScriptDir $WpsDirName" in inst and a["WpsDirName"] == "wps"
    assert inst.index("Write-Step '创建 Python 虚拟环境'") < inst.index(call)
    assert "if ($NoWps) {" in inst and "[switch]$NoWps" in inst
    # the arguments are the module's own (parsed here: no WPS in this environment, so nothing happens)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wps_install, "wps_present", lambda: False)
        assert wps_install.main(["install", "--if-present", "--source", str(INSTALL / "wps"),
                                 "--python", sys.executable]) == 0
    # uninstall: the manifest the module writes on Windows (%APPDATA%\xlperf = service.config_dir())
    assert "$WpsManifest      = Join-Path $env:APPDATA 'xlperf\\install-manifest.json'" in uninst
    assert wps_install.MANIFEST == "install-manifest.json" and "APPDATA" in inspect.getsource(service.config_dir)
    wps_call = uninst.index("& $VenvPython -m $WpsModule uninstall")
    assert uninst.index("if (Test-Path -LiteralPath $WpsManifest) {") < wps_call < uninst.index("Remove-IfExists $InstallRoot")
    # the bundle carries the add-in's files where install.ps1 looks for them
    bundle = _load_build_bundle()
    assert bundle.WPS_FILES == wps_install.ADDIN_FILES and bundle.WPS_DIR == INSTALL / a["WpsDirName"]
    assert all((bundle.WPS_DIR / name).is_file() for name in bundle.WPS_FILES)
