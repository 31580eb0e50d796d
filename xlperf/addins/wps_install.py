"""Install and uninstall xlperf's WPS add-in and service for one user on Linux (Kylin, UOS, Deepin …) and Windows.

``install/wps/install.sh`` installs the command line (install/linux.sh) and then runs
``python -m xlperf.addins.wps_install install``, which:

1. copies the add-in (install/wps: index.html, main.js, ribbon.js, ribbon.xml, images/) to
   ``~/.local/share/Kingsoft/wps/jsaddons/xlperf_<version>/`` and registers it offline in that folder's
   ``publish.xml`` (one ``<jsplugin … type="et"/>`` line; the file is created if missing);
2. makes sure WPS loads JS add-ins: ``JsApiPlugin=true`` in the ``[Support]`` section of WPS's
   ``oem.ini`` when that file is writable (it is root's on most desktops: then the administrator is told
   exactly what to add);
3. registers the service to start at login: a systemd user unit when ``systemctl --user`` works, an XDG
   autostart entry otherwise, and starts it now.

On Windows ``install/install.ps1`` runs ``python -m xlperf.addins.wps_install install --if-present`` with the
bundle's ``wps`` folder and the venv's Python (nothing happens where WPS Office is not installed): the add-in
goes to ``%APPDATA%\\kingsoft\\wps\\jsaddons``, oem.ini is the newest one in WPS's program folder, and the
service starts at login from the user's Startup folder; ``uninstall.ps1`` runs ``uninstall``.

Everything it creates or changes is recorded in ``install-manifest.json`` (in the user's xlperf folder);
``uninstall`` stops the service and removes exactly that: the files and folders it created, its line in
publish.xml and oem.ini (the rest of those files is left byte for byte), the service's token and log.
Edits are text insertions rather than XML rewrites so that other add-ins' entries stay exactly as written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from xlperf import __version__
from xlperf.addins.service import DEFAULT_PORT, INFO_FILE, LOG_FILE, config_dir

__all__ = ["ADDIN_FILES", "install", "main", "uninstall", "wps_present"]

ADDIN_NAME = "xlperf"
ADDIN_FILES = ("index.html", "main.js", "ribbon.js", "ribbon.xml", "images/validate.png", "images/clear.png",
               "images/about.png")
MANIFEST = "install-manifest.json"
UNIT = "xlperf.service"
DESKTOP = "xlperf-serve.desktop"
STARTUP = "xlperf-serve.cmd"
OEM_INI = "/opt/kingsoft/wps-office/office6/cfgs/oem.ini"
OEM_LINE = "JsApiPlugin=true"
EMPTY_PUBLISH = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<jsplugins>\n</jsplugins>\n'


class InstallError(Exception):
    """A step could not be done; the message is Chinese and says what to do."""


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def _windows() -> bool:
    return os.name == "nt" or os.environ.get("XLPERF_WPS_PLATFORM") == "windows"  # the variable: tests on Linux


def _appdata() -> Path:
    return Path(os.environ.get("APPDATA") or _home() / "AppData" / "Roaming")


def jsaddons_dir() -> Path:
    """Where WPS looks for this user's offline JS add-ins (Linux: ~/.local/share, Windows: %APPDATA%)."""
    if _windows():
        return _appdata() / "kingsoft" / "wps" / "jsaddons"
    return _home() / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def _wps_roots() -> list[Path]:
    """WPS Office for Windows' program folders that exist: per user (%LOCALAPPDATA%, WPS's default) or
    for all users (Program Files)."""
    roots = [Path(os.environ[key]) / "Kingsoft" / "WPS Office"
             for key in ("LOCALAPPDATA", "ProgramFiles(x86)", "ProgramFiles") if os.environ.get(key)]
    return [root for root in roots if root.is_dir()]


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder.name)[:6])


def wps_present() -> bool:
    """Whether WPS Office is installed for this user: its program folder, or its per-user folder
    (Windows: %APPDATA%\\kingsoft\\wps; Linux: /opt/kingsoft or ~/.local/share/Kingsoft)."""
    if _windows():
        return bool(_wps_roots()) or (_appdata() / "kingsoft" / "wps").is_dir()
    return (Path(OEM_INI).parents[2].is_dir() or (_home() / ".local" / "share" / "Kingsoft").is_dir()
            or shutil.which("et") is not None)


def _oem_ini() -> Path:
    """WPS's oem.ini (XLPERF_WPS_OEM_INI overrides). On Windows it lies in WPS's versioned program folder:
    the newest ``<root>\\<version>\\office6\\cfgs\\oem.ini`` found."""
    if os.environ.get("XLPERF_WPS_OEM_INI"):
        return Path(os.environ["XLPERF_WPS_OEM_INI"])
    if not _windows():
        return Path(OEM_INI)
    found = [ini for root in _wps_roots() for ini in root.glob("*/office6/cfgs/oem.ini")]
    if found:
        return max(found, key=lambda ini: _version_key(ini.parents[2]))
    return Path("WPS安装目录\\<版本>\\office6\\cfgs\\oem.ini")


def _admin_hint(ini: Path) -> str:
    """What the administrator must do once when the user cannot write oem.ini."""
    if _windows():
        return (f"需要管理员操作一次：以管理员身份运行“记事本”，打开 {ini}，在 [Support] 节加入一行 {OEM_LINE}"
                "（没有该节时在文件末尾加上 [Support] 和这一行），保存后重启 WPS")
    return (f"需要管理员操作一次：在 {ini} 的 [Support] 节加入一行 {OEM_LINE}（例如执行 "
            f"sudo sh -c \"printf '\\n[Support]\\n{OEM_LINE}\\n' >> {ini}\"），然后重启 WPS")


# publish.xml ---------------------------------------------------------------------------------------


def _plugin_line(folder: Path) -> str:
    url = folder.as_uri() + "/"
    return (f'  <jsplugin name="{ADDIN_NAME}" type="et" url="{url}" version="{__version__}" '
            f'enable="enable_dev" install="null" customDomain=""/>\n')


def _check_xml(text: str, path: Path) -> None:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        raise InstallError(f"{path} 不是有效的 XML，未修改；请检查或删除该文件后重新安装") from None
    if root.tag != "jsplugins":
        raise InstallError(f"{path} 的根元素不是 jsplugins，未修改")


_OURS = re.compile(r'^[ \t]*<jsplugin\b[^>]*\bname="' + ADDIN_NAME + r'"[^>]*/>[ \t]*\r?\n?', re.MULTILINE)


def register_addin(publish: Path, folder: Path) -> dict[str, Any]:
    """Add our line to publish.xml (an older xlperf line is replaced); what to record for uninstall."""
    created = not publish.exists()
    text = EMPTY_PUBLISH if created else publish.read_text(encoding="utf-8")
    _check_xml(text, publish)
    text = _OURS.sub("", text)
    end = text.rfind("</jsplugins>")
    line = _plugin_line(folder)
    if end < 0:  # <jsplugins/>
        text = re.sub(r"<jsplugins\s*/>", "<jsplugins>\n" + line + "</jsplugins>", text, count=1)
    else:
        if end > 0 and text[end - 1] != "\n":
            line = "\n" + line
        text = text[:end] + line + text[end:]
    _check_xml(text, publish)
    publish.parent.mkdir(parents=True, exist_ok=True)
    publish.write_text(text, encoding="utf-8")
    return {"path": str(publish), "line": line, "created_file": created}


def unregister_addin(entry: dict[str, Any]) -> None:
    publish = Path(entry["path"])
    if not publish.exists():
        return
    text = publish.read_text(encoding="utf-8")
    text = text.replace(entry["line"], "", 1) if entry["line"] in text else _OURS.sub("", text)
    if entry.get("created_file") and text == EMPTY_PUBLISH:
        publish.unlink()
    else:
        publish.write_text(text, encoding="utf-8")


# oem.ini -------------------------------------------------------------------------------------------


def enable_js_addins(ini: Path) -> tuple[dict[str, Any] | None, str]:
    """``JsApiPlugin=true`` under [Support]: (record for uninstall or None, a Chinese status line)."""
    if not ini.exists():
        return None, (f"未找到 WPS 的配置文件 {ini}：如 WPS 装在别处，请管理员在其 cfgs/oem.ini 的 [Support] 节"
                      f"加入一行 {OEM_LINE}")
    raw = ini.read_bytes().decode("latin-1")  # GBK or UTF-8: only ASCII is inserted, the rest kept byte for byte
    if re.search(r"^\s*JsApiPlugin\s*=\s*true\s*$", raw, re.MULTILINE | re.IGNORECASE):
        return None, "WPS 已允许 JS 加载项（oem.ini 中已有 JsApiPlugin=true）"
    if not os.access(ini, os.W_OK):
        return None, _admin_hint(ini)
    nl = "\r\n" if "\r\n" in raw else "\n"  # the file's own line ends
    m = re.search(r"^\[Support\][ \t]*\r?\n", raw, re.MULTILINE)
    if m:
        text = raw[:m.end()] + OEM_LINE + nl + raw[m.end():]
    else:
        text = raw + ("" if raw.endswith("\n") or not raw else nl) + "[Support]" + nl + OEM_LINE + nl
    try:  # Windows: os.access sees only the read-only attribute, not Program Files' permissions
        ini.write_bytes(text.encode("latin-1"))
    except PermissionError:
        return None, _admin_hint(ini)
    return {"path": str(ini), "before": raw, "after": text}, f"已在 {ini} 中启用 JS 加载项（{OEM_LINE}）"


def restore_oem(entry: dict[str, Any]) -> None:
    ini = Path(entry["path"])
    if not ini.exists() or not os.access(ini, os.W_OK):
        return
    raw = ini.read_bytes().decode("latin-1")
    if raw == entry["after"]:
        ini.write_bytes(entry["before"].encode("latin-1"))
    else:  # changed since: take out our line only
        line = OEM_LINE + "\r\n" if OEM_LINE + "\r\n" in raw else OEM_LINE + "\n"
        ini.write_bytes(raw.replace(line, "", 1).encode("latin-1"))


# The service at login ------------------------------------------------------------------------------


def _systemd_works() -> bool:
    if not shutil.which("systemctl"):
        return False
    try:
        return subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _command(python: str, port: int) -> list[str]:
    return [python, "-m", "xlperf", "serve", "--port", str(port)]


def _quoted(args: list[str]) -> str:
    """An Exec= line for systemd and desktop files: every argument in double quotes."""
    return " ".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in args)


def register_service(mode: str, python: str, port: int, created: list[str]) -> dict[str, Any]:
    if mode == "auto":
        mode = "startup" if _windows() else "systemd" if _systemd_works() else "autostart"
    if mode == "startup":  # Windows: a script in the user's Startup folder, run at every login
        script = _appdata() / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP
        pythonw = str(Path(python).with_name("pythonw.exe")) if python.lower().endswith("python.exe") else python
        line = " ".join(f'"{arg}"' for arg in _command(pythonw, port))  # Windows paths hold no quotes
        text = f"@echo off\r\nrem xlperf local service for the WPS add-in\r\nstart \"\" {line}\r\n"
        _new_file(script, text.encode("mbcs" if os.name == "nt" else "utf-8"), created)  # cmd.exe: the ANSI page
        _start_detached(_command(pythonw, port))
        return {"mode": "startup", "file": str(script)}
    cfg = Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config")
    exec_line = _quoted(_command(python, port))
    if mode == "systemd":
        unit = cfg / "systemd" / "user" / UNIT
        _new_file(unit, "[Unit]\nDescription=xlperf 本机校验服务（WPS 加载项“一键校验”）\n\n[Service]\n"
                  f"ExecStart={exec_line}\nRestart=on-failure\nRestartSec=5\n\n[Install]\nWantedBy=default.target\n",
                  created)
        for args in (["daemon-reload"], ["enable", "--now", UNIT]):
            subprocess.run(["systemctl", "--user", *args], check=True, capture_output=True, timeout=60)
        return {"mode": "systemd", "file": str(unit)}
    if mode == "autostart":
        desktop = cfg / "autostart" / DESKTOP
        _new_file(desktop, "[Desktop Entry]\nType=Application\nName=xlperf 校验服务\n"
                  "Comment=WPS 加载项“一键校验”所用的本机服务\n"
                  f"Exec={exec_line}\nTerminal=false\nNoDisplay=true\nX-GNOME-Autostart-enabled=true\n", created)
        _start_detached(_command(python, port))
        return {"mode": "autostart", "file": str(desktop)}
    return {"mode": "none"}


def _start_detached(cmd: list[str]) -> None:
    """Start the service now, outliving the installer (its own session / process group, no console)."""
    flags = getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=os.name != "nt", creationflags=flags)


def stop_service(entry: dict[str, Any]) -> None:
    if entry.get("mode") == "systemd":
        subprocess.run(["systemctl", "--user", "disable", "--now", UNIT], capture_output=True, timeout=60)
        return
    info_file = config_dir() / INFO_FILE
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return  # not running
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(info["port"]), timeout=10)
        conn.request("POST", "/shutdown", body=b"", headers={"X-Xlperf-Token": str(info["token"])})
        conn.getresponse().read()
    except ConnectionRefusedError:
        return  # not running (its pid may be another process's by now: not waited for)
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException):
        pass  # slow, cut or odd answer (a loaded machine, an older service stopping mid-answer): wait all the same
    _wait_exit(pid)  # it writes its last log line while stopping: its files go only after it has exited


def _wait_exit(pid: int, seconds: float = 20.0) -> None:
    """Until the service has exited: it writes its last log line while stopping, after which its files go."""
    import time

    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there (TerminateProcess)
        _wait_exit_windows(pid, seconds)
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:  # another user's process with that pid: not ours
            return
        time.sleep(0.1)


def _wait_exit_windows(pid: int, seconds: float) -> None:
    """WaitForSingleObject on the process (SYNCHRONIZE access only: it cannot be harmed)."""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
    if not handle:
        return  # gone already (or not ours)
    try:
        kernel32.WaitForSingleObject(handle, int(seconds * 1000))
    finally:
        kernel32.CloseHandle(handle)


# Files ---------------------------------------------------------------------------------------------


def _new_dirs(path: Path, created: list[str]) -> None:
    missing = []
    for parent in [path, *path.parents]:
        if parent.exists():
            break
        missing.append(parent)
    for d in reversed(missing):
        d.mkdir()
        created.append(str(d) + os.sep)


def _new_file(path: Path, text: str | bytes, created: list[str]) -> None:
    _new_dirs(path.parent, created)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    if str(path) not in created:
        created.append(str(path))


def install(source: Path, python: str, service: str = "auto", port: int = DEFAULT_PORT) -> list[str]:
    """Install for the current user; the status lines to show. A previous install is removed first."""
    manifest = config_dir() / MANIFEST
    if manifest.exists():
        uninstall()
    created: list[str] = []
    record: dict[str, Any] = {"version": __version__, "created": created}
    _new_dirs(config_dir(), created)  # where the manifest goes, first: a failed install is uninstallable too
    folder = jsaddons_dir() / f"{ADDIN_NAME}_{__version__}"
    if folder.exists():
        shutil.rmtree(folder)  # our own folder from an install without a manifest
    for name in ADDIN_FILES:
        _new_file(folder / name, (source / name).read_bytes(), created)
    lines = [f"已复制 WPS 加载项到 {folder}"]
    try:
        record["publish_xml"] = register_addin(jsaddons_dir() / "publish.xml", folder)
        lines.append(f"已登记到 {record['publish_xml']['path']}")
        record["oem_ini"], status = enable_js_addins(_oem_ini())
        lines.append(status)
        record["service"] = register_service(service, python, port, created)
        lines.append({"systemd": "已登记 systemd 用户服务 xlperf.service（登录时自动启动），并已启动",
                      "autostart": "已登记登录时自动启动（~/.config/autostart），并已启动",
                      "startup": "已在“启动”文件夹登记登录时自动启动，并已启动",
                      "none": "未登记自动启动：请在需要时执行 xlperf serve"}[record["service"]["mode"]])
    finally:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return lines


def uninstall() -> list[str]:
    """Remove exactly what :func:`install` recorded; the status lines to show."""
    manifest = config_dir() / MANIFEST
    if not manifest.exists():
        return ["没有找到安装记录（install-manifest.json），无需卸载"]
    record = json.loads(manifest.read_text(encoding="utf-8"))
    if record.get("service"):
        stop_service(record["service"])
    if record.get("publish_xml"):
        unregister_addin(record["publish_xml"])
    if record.get("oem_ini"):
        restore_oem(record["oem_ini"])
    folder = config_dir()
    for name in (INFO_FILE, LOG_FILE, LOG_FILE + ".1", LOG_FILE + ".2", MANIFEST):  # the service's, and ours
        (folder / name).unlink(missing_ok=True)
    for path in reversed(record.get("created", [])):
        p = Path(path.rstrip(os.sep))
        if path.endswith(os.sep):
            if p.is_dir() and not any(p.iterdir()):
                try:
                    p.rmdir()
                except OSError:  # something was written into it meanwhile: it stays, as a folder not empty does
                    pass
        elif p.is_file() or p.is_symlink():
            p.unlink()
    if record.get("service", {}).get("mode") == "systemd":
        subprocess.run(["systemctl", "--user", "daemon-reload"], capture_output=True, timeout=60)
    return ["已卸载 xlperf 的 WPS 加载项和本机服务（xlperf 程序本身在安装目录的 .venv 中，删除该目录即可）"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xlperf.addins.wps_install")
    sub = parser.add_subparsers(dest="action", required=True)
    inst = sub.add_parser("install")
    inst.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[2] / "install" / "wps")
    inst.add_argument("--python", default=sys.executable)
    inst.add_argument("--service", choices=("auto", "systemd", "autostart", "startup", "none"), default="auto")
    inst.add_argument("--port", type=int, default=DEFAULT_PORT)
    inst.add_argument("--if-present", action="store_true",
                      help="do nothing (exit 0) when WPS Office is not installed: install.ps1 on every Windows PC")
    sub.add_parser("uninstall")
    args = parser.parse_args(argv)
    if args.action == "install" and args.if_present and not wps_present():
        print("未检测到 WPS Office，跳过 WPS 加载项（安装 WPS 后重新运行安装程序即可）")
        return 0
    try:
        lines = install(args.source, args.python, args.service, args.port) if args.action == "install" else uninstall()
    except (InstallError, OSError, subprocess.SubprocessError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
