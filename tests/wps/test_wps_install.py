"""install/wps/install.sh and uninstall.sh in a temporary HOME: the add-in copied and registered offline
(publish.xml, type="et"), JS add-ins enabled in oem.ini, the service registered at login and running; the
uninstall leaves HOME, publish.xml and oem.ini exactly as they were."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from validator.common import REPO

WPS = REPO / "install" / "wps"
OTHER = '  <!-- 单位 OA 的加载项 -->\n  <jsplugin name="oa" type="wps" url="oa_1.0/" version="1.0"/>\n'
PUBLISH = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<jsplugins>\n{OTHER}</jsplugins>\n'
OEM = ("[Setup]\r\nLANG_ID=2052\r\n[Support]\r\nJsApiShowWebDebugger=false\r\n[Server]\r\n".encode("ascii")
       + "名称=金山".encode("gbk"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _env(home: Path, fake_bin: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "XLPERF_CONFIG_DIR")}
    env.update(HOME=str(home), XLPERF_PYTHON=sys.executable, PYTHONPATH=str(REPO),
               XLPERF_WPS_OEM_INI=str(home / "opt" / "oem.ini"))
    if fake_bin is not None:
        env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    return env


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(WPS / script), *args], env=env, capture_output=True, text=True, timeout=300)


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    addons = home / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"
    addons.mkdir(parents=True)
    (addons / "publish.xml").write_text(PUBLISH, encoding="utf-8")
    (home / "opt").mkdir()
    (home / "opt" / "oem.ini").write_bytes(OEM)
    return home


def _health(port: int, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/health", headers={"X-Xlperf-Token": token})
    return conn.getresponse().status


def test_install_registers_everything_and_uninstall_removes_exactly_that(tmp_path: Path) -> None:
    home = _home(tmp_path)
    before = _tree(home)
    port = _free_port()
    env = _env(home)
    run = _run("install.sh", env, "--service", "autostart", "--port", str(port))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "已复制 WPS 加载项" in run.stdout and "启用 JS 加载项" in run.stdout
    folder = home / ".local/share/Kingsoft/wps/jsaddons/xlperf_0.1.0"
    for name in ("index.html", "main.js", "ribbon.js", "ribbon.xml", "images/validate.png"):
        assert (folder / name).read_bytes() == (WPS / name).read_bytes()
    publish = (folder.parent / "publish.xml").read_text(encoding="utf-8")
    plugins = ET.fromstring(publish.encode()).findall("jsplugin")
    assert [(p.get("name"), p.get("type")) for p in plugins] == [("oa", "wps"), ("xlperf", "et")]
    assert plugins[1].get("url") == folder.as_uri() + "/" and OTHER in publish
    oem = (home / "opt" / "oem.ini").read_bytes()
    assert b"[Support]\r\nJsApiPlugin=true\r\n" in oem and oem.endswith("名称=金山".encode("gbk"))
    desktop = (home / ".config/autostart/xlperf-serve.desktop").read_text(encoding="utf-8")
    assert f'Exec="{sys.executable}" "-m" "xlperf" "serve" "--port" "{port}"' in desktop
    info_file = home / ".config/xlperf/service.json"
    for _ in range(300):
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
            if _health(port, info["token"]) == 200:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    assert _health(port, info["token"]) == 200
    again = _run("install.sh", env, "--service", "none")  # a reinstall replaces, never duplicates
    assert again.returncode == 0, again.stderr
    assert (folder.parent / "publish.xml").read_text(encoding="utf-8").count('name="xlperf"') == 1
    assert (home / "opt" / "oem.ini").read_bytes().count(b"JsApiPlugin=true") == 1
    out = _run("uninstall.sh", env)
    assert out.returncode == 0, out.stderr
    assert "已卸载" in out.stdout
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.2)
        except OSError:
            break
    else:
        raise AssertionError("the service still runs after uninstall")
    assert _tree(home) == before
    assert (folder.parent / "publish.xml").read_text(encoding="utf-8") == PUBLISH
    assert (home / "opt" / "oem.ini").read_bytes() == OEM


def test_systemd_user_unit_is_enabled_and_disabled(tmp_path: Path) -> None:
    home = _home(tmp_path)
    (home / ".local/share/Kingsoft/wps/jsaddons/publish.xml").unlink()  # no publish.xml yet
    before = _tree(home)
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "systemctl.log"
    (fake / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n', encoding="utf-8")
    (fake / "systemctl").chmod(0o755)
    env = _env(home, fake)
    run = _run("install.sh", env)  # --service auto: systemctl --user works here
    assert run.returncode == 0, run.stdout + run.stderr
    unit = (home / ".config/systemd/user/xlperf.service").read_text(encoding="utf-8")
    assert f'ExecStart="{sys.executable}" "-m" "xlperf" "serve" "--port" "17351"' in unit
    assert "WantedBy=default.target" in unit
    publish = home / ".local/share/Kingsoft/wps/jsaddons/publish.xml"
    assert [p.get("name") for p in ET.parse(publish).getroot()] == ["xlperf"]
    assert _run("uninstall.sh", env).returncode == 0
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls == ["--user show-environment", "--user daemon-reload", "--user enable --now xlperf.service",
                     "--user disable --now xlperf.service", "--user daemon-reload"]
    assert _tree(home) == before


def test_damaged_publish_xml_is_left_alone_with_a_chinese_message(tmp_path: Path) -> None:
    home = _home(tmp_path)
    publish = home / ".local/share/Kingsoft/wps/jsaddons/publish.xml"
    publish.write_text("<jsplugins><jsplugin name='oa'", encoding="utf-8")
    before = _tree(home)
    env = _env(home)
    run = _run("install.sh", env, "--service", "none")
    assert run.returncode == 1 and "不是有效的 XML" in run.stderr and "Traceback" not in run.stderr
    assert publish.read_text(encoding="utf-8") == "<jsplugins><jsplugin name='oa'"
    assert _run("uninstall.sh", env).returncode == 0
    assert _tree(home) == before


def test_missing_oem_ini_tells_the_administrator_what_to_add(tmp_path: Path) -> None:
    home = _home(tmp_path)
    (home / "opt" / "oem.ini").unlink()
    env = _env(home)
    run = _run("install.sh", env, "--service", "none")
    assert run.returncode == 0, run.stderr
    assert "JsApiPlugin=true" in run.stdout and "管理员" in run.stdout
    assert _run("uninstall.sh", env).returncode == 0


def test_windows_layout_startup_entry_and_uninstall(tmp_path: Path) -> None:
    """The same installer on Windows (simulated: paths under %APPDATA%): jsaddons in %APPDATA%\\kingsoft, the
    service in the user's Startup folder."""
    home = tmp_path / "home"
    home.mkdir()
    before = _tree(home)
    env = _env(home)
    env.update(XLPERF_WPS_PLATFORM="windows", APPDATA=str(home / "AppData" / "Roaming"))
    port = _free_port()
    run = _run("install.sh", env, "--service", "auto", "--port", str(port))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "启动”文件夹" in run.stdout
    roaming = home / "AppData" / "Roaming"
    assert (roaming / "kingsoft/wps/jsaddons/xlperf_0.1.0/main.js").read_bytes() == (WPS / "main.js").read_bytes()
    script = (roaming / "Microsoft/Windows/Start Menu/Programs/Startup/xlperf-serve.cmd").read_bytes().decode()
    assert script.endswith(f'start "" "{sys.executable}" "-m" "xlperf" "serve" "--port" "{port}"\r\n')
    info_file = home / ".config/xlperf/service.json"
    for _ in range(300):
        try:
            if _health(port, json.loads(info_file.read_text(encoding="utf-8"))["token"]) == 200:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    else:
        raise AssertionError("the service did not start")
    gone = _run("uninstall.sh", env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert _tree(home) == before


def _windows_env(monkeypatch, home: Path) -> Path:
    """A Windows user's folders under ``home`` (simulated on Linux); returns %APPDATA%."""
    roaming, local = home / "AppData" / "Roaming", home / "AppData" / "Local"
    for key in ("XLPERF_WPS_OEM_INI", "ProgramFiles", "ProgramFiles(x86)", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XLPERF_WPS_PLATFORM", "windows")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("APPDATA", str(roaming))
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setenv("XLPERF_CONFIG_DIR", str(roaming / "xlperf"))  # what config_dir() is on Windows
    return roaming


def _windows_wps(home: Path) -> tuple[Path, Path]:
    """WPS for Windows installed per user, two versions: (the newer one's oem.ini, the older one's)."""
    wps = home / "AppData" / "Local" / "Kingsoft" / "WPS Office"
    inis = []
    for version in ("12.1.0.17900", "11.1.0.9999"):
        ini = wps / version / "office6" / "cfgs" / "oem.ini"
        ini.parent.mkdir(parents=True)
        ini.write_bytes(OEM)
        inis.append(ini)
    addons = home / "AppData" / "Roaming" / "kingsoft" / "wps" / "jsaddons"
    addons.mkdir(parents=True)
    (addons / "publish.xml").write_text(PUBLISH, encoding="utf-8")
    return inis[0], inis[1]


def _wps_main(*args: str) -> int:
    from xlperf.addins import wps_install

    return wps_install.main(list(args))


def test_windows_publish_xml_merged_idempotent_and_removed(tmp_path: Path, monkeypatch, capsys) -> None:
    """What install.ps1 runs on Windows (``install --if-present``), in a Windows layout: the add-in lands in
    %APPDATA%\\kingsoft\\wps\\jsaddons, publish.xml gains one line and keeps the other add-in, the newest
    WPS version's oem.ini gets JsApiPlugin=true; a second install changes nothing; uninstall restores every
    file byte for byte."""
    home = tmp_path / "home"
    roaming = _windows_env(monkeypatch, home)
    new_ini, old_ini = _windows_wps(home)
    before = _tree(home)
    args = ("install", "--if-present", "--source", str(WPS), "--python", sys.executable, "--service", "none")
    assert _wps_main(*args) == 0, capsys.readouterr()
    addons = roaming / "kingsoft" / "wps" / "jsaddons"
    publish = (addons / "publish.xml").read_text(encoding="utf-8")
    plugins = ET.fromstring(publish.encode()).findall("jsplugin")
    assert [(p.get("name"), p.get("type")) for p in plugins] == [("oa", "wps"), ("xlperf", "et")]
    assert OTHER in publish  # the other add-in and its comment, as written
    assert plugins[1].get("url") == (addons / "xlperf_0.1.0").as_uri() + "/"
    assert (addons / "xlperf_0.1.0" / "ribbon.xml").read_bytes() == (WPS / "ribbon.xml").read_bytes()
    assert new_ini.read_bytes() == OEM.replace(b"[Support]\r\n", b"[Support]\r\nJsApiPlugin=true\r\n")
    assert old_ini.read_bytes() == OEM
    assert (roaming / "xlperf" / "install-manifest.json").is_file()
    first = _tree(home)
    assert _wps_main(*args) == 0  # again: the same files, one line
    assert _tree(home) == first
    assert (addons / "publish.xml").read_text(encoding="utf-8").count('name="xlperf"') == 1
    assert _wps_main("uninstall") == 0
    assert _tree(home) == before


def test_windows_without_wps_nothing_is_registered(tmp_path: Path, monkeypatch, capsys) -> None:
    """install.ps1 runs the WPS step on every PC: where WPS Office is not installed it creates nothing."""
    home = tmp_path / "home"
    home.mkdir()
    _windows_env(monkeypatch, home)
    before = _tree(home)
    assert _wps_main("install", "--if-present", "--source", str(WPS), "--python", sys.executable) == 0
    assert "未检测到 WPS Office" in capsys.readouterr().out
    assert _tree(home) == before
    # without --if-present (install/wps/install.sh) it installs anyway
    assert _wps_main("install", "--source", str(WPS), "--python", sys.executable, "--service", "none") == 0
    assert (home / "AppData/Roaming/kingsoft/wps/jsaddons/publish.xml").is_file()
    assert _wps_main("uninstall") == 0
    assert _tree(home) == before


def test_windows_oem_ini_in_program_files_asks_the_administrator(tmp_path: Path, monkeypatch, capsys) -> None:
    """WPS installed for all users: oem.ini under Program Files cannot be written by the user (os.access
    cannot tell on Windows; the write fails): the install goes on and says, in Windows terms, what to add."""
    home = tmp_path / "home"
    _windows_env(monkeypatch, home)
    program_files = tmp_path / "Program Files (x86)"
    monkeypatch.setenv("ProgramFiles(x86)", str(program_files))
    ini = program_files / "Kingsoft" / "WPS Office" / "12.1.0.1" / "office6" / "cfgs" / "oem.ini"
    ini.parent.mkdir(parents=True)
    ini.write_bytes(OEM)
    real_write = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if self == ini:
            raise PermissionError(13, "Access is denied", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    assert _wps_main("install", "--if-present", "--source", str(WPS), "--python", sys.executable,
                     "--service", "none") == 0
    out = capsys.readouterr().out
    assert f"以管理员身份运行“记事本”，打开 {ini}" in out and "JsApiPlugin=true" in out and "sudo" not in out
    assert ini.read_bytes() == OEM
    assert _wps_main("uninstall") == 0
    assert ini.read_bytes() == OEM


def test_uninstall_waits_for_a_service_whose_answer_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service that stops before its /shutdown answer is complete (an older one did, on a loaded machine):
    the uninstaller neither fails on the cut answer nor skips waiting for the process to end."""
    import threading

    from xlperf.addins import wps_install

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def cut_answer() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 49\r\n\r\n")  # headers, then no body
        conn.close()

    thread = threading.Thread(target=cut_answer, daemon=True)
    thread.start()
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / wps_install.INFO_FILE).write_text(json.dumps(
        {"port": listener.getsockname()[1], "token": "t", "pid": os.getpid()}), encoding="utf-8")
    monkeypatch.setattr(wps_install, "config_dir", lambda: folder)
    waited: list[int] = []
    monkeypatch.setattr(wps_install, "_wait_exit", waited.append)
    wps_install.stop_service({"mode": "startup"})
    thread.join(timeout=10)
    listener.close()
    assert waited == [os.getpid()]
