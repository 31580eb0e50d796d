"""``xlperf serve``: the local service behind the WPS add-in's 一键校验 and 清除标注 buttons.

WPS's JS add-ins cannot run Python, so the add-in sends the active workbook's saved path (or its bytes)
to this service over loopback HTTP and replays the operations it gets back
(:mod:`xlperf.addins.recording`). Why each guard is there:

* **loopback only, Host checked**: bound to 127.0.0.1; a ``Host`` other than 127.0.0.1/localhost is
  refused, so a web page cannot reach it through DNS rebinding.
* **a per-user secret**: a random token in ``service.json`` of the user's profile (mode 0600), required
  on every request (header ``X-Xlperf-Token``); other users of the machine and web pages cannot read it.
* **no foreign Origin**: a request with an ``Origin`` that is not the add-in's (``null`` or ``file://``
  for an add-in loaded from disk, plus those listed in ``service.json``) is refused before anything else.
* **bounded**: request body size (413), the time to read a request (socket timeout), the time of one
  validation (a child process, killed at the deadline: 504), concurrent validations and connections (503).
* **the CLI's guarantees**: the submission is copied to a private temporary folder first and only the
  copy is read (by :func:`xlperf.validate.validate_file`, as ``xlperf validate``); the original is never
  opened for writing; every failure is a Chinese message in JSON, never a traceback (tracebacks go to
  the log file only).

Stopped cleanly by SIGTERM/SIGINT or ``POST /shutdown`` with the token.
"""

from __future__ import annotations

import hmac
import json
import logging
import logging.handlers
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_PORT", "ServiceConfig", "XlperfServer", "clear_workbook", "config_dir", "load_or_create_info",
           "make_server", "record_workbook", "serve"]

DEFAULT_PORT = 17351
HOST = "127.0.0.1"
TOKEN_HEADER = "X-Xlperf-Token"
NAME_HEADER = "X-Xlperf-Name"
DEFAULT_ORIGINS = ("null", "file://")
"""What an add-in loaded from disk sends (WPS's offline jsaddons are file:// pages); no Origin is fine too."""
MAX_BODY = 64 * 1024 * 1024
JOB_SECONDS = 120.0
READ_SECONDS = 15.0
MAX_JOBS = 2
MAX_CONNECTIONS = 16
QUEUE_SECONDS = 30.0
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
"""What openpyxl can annotate; the add-in asks for a save as .xlsx otherwise."""
INFO_FILE = "service.json"
LOG_FILE = "service.log"

log = logging.getLogger("xlperf.service")


class ServiceError(Exception):
    """A refused request: ``status`` and a Chinese message for the add-in."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# The profile: where the token and the port live ----------------------------------------------------


def config_dir() -> Path:
    """The user's xlperf folder: %APPDATA%\\xlperf on Windows, $XDG_CONFIG_HOME/xlperf (~/.config/xlperf)
    elsewhere; ``XLPERF_CONFIG_DIR`` overrides both (tests, a portable install)."""
    if os.environ.get("XLPERF_CONFIG_DIR"):
        return Path(os.environ["XLPERF_CONFIG_DIR"])
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "xlperf"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "xlperf"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_or_create_info(folder: Path, port: int) -> dict[str, Any]:
    """The service file with this port: the token is kept across restarts (made once, 32 random bytes),
    replaced when the file is unreadable or readable by others (then it may be known)."""
    path = folder / INFO_FILE
    info: dict[str, Any] = {}
    try:
        st = path.stat()
        if os.name == "nt" or not st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            loaded = json.loads(path.read_text(encoding="utf-8")[:65536])
            info = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        info = {}
    token = info.get("token")
    if not (isinstance(token, str) and len(token) >= 32):
        token = secrets.token_urlsafe(32)
    origins = [o for o in info.get("origins", []) if isinstance(o, str)][:20] if isinstance(
        info.get("origins"), list) else []
    from xlperf import __version__

    info = {"port": port, "token": token, "pid": os.getpid(), "version": __version__, "origins": origins}
    _write_private(path, json.dumps(info, ensure_ascii=False, indent=2))
    return info


@dataclass
class ServiceConfig:
    """Limits and identity of one running service."""

    token: str
    framework: str | None = None
    origins: tuple[str, ...] = DEFAULT_ORIGINS
    max_body: int = MAX_BODY
    job_seconds: float = JOB_SECONDS
    read_seconds: float = READ_SECONDS
    max_jobs: int = MAX_JOBS
    max_connections: int = MAX_CONNECTIONS
    queue_seconds: float = QUEUE_SECONDS
    jobs: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = threading.BoundedSemaphore(self.max_jobs)


# The work: validate a private copy, record the annotation (runs in a child process) --------------


def _message(report: Any, problems: list[str]) -> str:
    from xlperf.ingest.explanations import EXPLAIN_HEADER
    from xlperf.plan.layout import RESULT_SHEET

    if report.status == "error":
        return "工作簿无法读取，未作标注：" + "；".join(f.message for f in report.findings[:3])
    text = (f"校验完成：错误 {report.errors} 条，警告 {report.warnings} 条。审核结论：{report.review_zh}。"
            f"\n详见“{RESULT_SHEET}”工作表；有问题的单元格已标色并加批注。")
    if report.review == "explain":
        text += f"\n警告（提示性问题）需在“{RESULT_SHEET}”工作表“{EXPLAIN_HEADER}”列逐条填写出错说明（不少于 5 个字）。"
    if problems:
        text += "\n\n" + "\n".join(problems)
    return text


def record_workbook(copy: Path, framework: str | None = None, shown: str | None = None) -> dict[str, Any]:
    """Validate ``copy`` and record the annotation the Excel button makes: {report, ops, message}.
    ``shown`` is the path the user knows (the report names it, not the private copy)."""
    from openpyxl import load_workbook

    from xlperf.addins.recording import RecordingSink
    from xlperf.render.json import file_dict
    from xlperf.validate import validate_file
    from xlperf.write.annotate import apply_findings

    report = validate_file(copy, framework)
    if shown:
        report = report.model_copy(update={"path": shown})
    ops: list[dict[str, Any]] = []
    problems: list[str] = []
    if report.status != "error":
        try:
            sink = RecordingSink(load_workbook(copy, keep_vba=copy.suffix.lower() in (".xlsm", ".xltm")))
            apply_findings(sink, report)
            ops = sink.ops
        except Exception as exc:  # noqa: BLE001 - hostile content openpyxl cannot handle
            problems.append(f"未能生成标注（openpyxl 无法处理此文件：{type(exc).__name__}），校验结果见上")
    return {"ok": True, "report": file_dict(report), "ops": ops, "message": _message(report, problems)}


def clear_workbook(copy: Path) -> dict[str, Any]:
    """清除标注: the operations that undo xlperf's highlights and notes (校验结果 and its 出错说明 stay)."""
    from openpyxl import load_workbook

    from xlperf.addins.recording import RecordingSink
    from xlperf.write.annotate import clear_highlights

    try:
        sink = RecordingSink(load_workbook(copy, keep_vba=copy.suffix.lower() in (".xlsm", ".xltm")))
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": f"工作簿无法读取（{type(exc).__name__}），未清除标注"}
    n = clear_highlights(sink)
    return {"ok": True, "ops": sink.ops, "message": f"已清除 {n} 处标注（单元格恢复原来的填充色和批注）。"
            if n else "没有需要清除的标注。"}


def _job_main(argv: list[str]) -> int:
    """Child process: ``--job ACTION COPY RESULT [FRAMEWORK]``; the result as JSON in RESULT."""
    action, copy, result = argv[0], Path(argv[1]), Path(argv[2])
    framework = argv[3] if len(argv) > 3 and argv[3] else None
    shown = argv[4] if len(argv) > 4 and argv[4] else None
    _limit_memory()
    try:
        out = record_workbook(copy, framework, shown) if action == "validate" else clear_workbook(copy)
    except Exception as exc:  # noqa: BLE001 - never a traceback to the add-in
        out = {"ok": False, "error": f"校验未能完成：{type(exc).__name__}"}
        import traceback

        traceback.print_exc()  # to the parent's log
    result.write_text(json.dumps(out, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


def _limit_memory() -> None:
    """A hostile file must not exhaust the reviewer's machine: 3 GiB of address space per job (POSIX)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    except (ImportError, ValueError, OSError):
        pass


def run_job(action: str, source: Path, config: ServiceConfig, name: str | None = None) -> dict[str, Any]:
    """Copy ``source`` into a private folder, run the job on the copy in a child process with a deadline.
    The copy keeps the file's own name (``name``, else the source's), as `xlperf validate` sees it."""
    folder = Path(tempfile.mkdtemp(prefix="xlperf-serve-"))
    try:
        copy = folder / _safe_name(name or source.name, source.suffix.lower())
        _bounded_copy(source, copy, config.max_body)
        result = folder / "result.json"
        cmd = [sys.executable, "-m", "xlperf.addins.service", "--job", action, str(copy), str(result),
               config.framework or "", name or str(source)]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                             env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=env)
        try:
            out, _ = proc.communicate(timeout=config.job_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise ServiceError(504, f"校验超时（超过 {config.job_seconds:g} 秒），已中止；文件可能过大或异常") from None
        if out:
            log.warning("job output: %s", out.decode("utf-8", "replace")[-4000:])
        try:
            loaded = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ServiceError(500, "校验进程异常退出（可能内存不足或文件异常），请查看服务日志") from None
        return loaded if isinstance(loaded, dict) else {"ok": False, "error": "校验进程返回了无效结果"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _size(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB" if limit >= 1 << 20 else f"{limit} 字节"


def _bounded_copy(source: Path, target: Path, limit: int) -> None:
    """Copy a regular file of at most ``limit`` bytes (a FIFO or device would block or never end)."""
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ServiceError(404, f"无法打开工作簿文件（{exc.strerror or type(exc).__name__}）") from None
    with os.fdopen(fd, "rb") as src:
        st = os.fstat(src.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ServiceError(400, "指定的路径不是普通文件")
        if st.st_size > limit:
            raise ServiceError(413, f"工作簿超过 {_size(limit)}，未校验")
        data = src.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(413, f"工作簿超过 {_size(limit)}，未校验")
    target.write_bytes(data)


# HTTP --------------------------------------------------------------------------------------------


class XlperfServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a cap on open connections (each one is a thread)."""

    daemon_threads = True
    config: ServiceConfig

    def __init__(self, port: int, config: ServiceConfig) -> None:
        self.config = config
        self._slots = threading.BoundedSemaphore(config.max_connections)
        super().__init__((HOST, port), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(_raw_response(503, {"ok": False, "error": "服务正忙（连接过多），请稍后再试"}))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _raw_response(status: int, body: dict[str, Any]) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.0 {status} Busy\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + data


class Handler(BaseHTTPRequestHandler):
    """One request: guards first (Host, Origin, token), then the route; every answer is JSON."""

    server: XlperfServer
    protocol_version = "HTTP/1.0"
    server_version = "xlperf"
    stop_after = False  # set by /shutdown: the server stops once the answer is written
    sys_version = ""

    def setup(self) -> None:
        # bounds reading the request line, headers and body (StreamRequestHandler applies it to the socket)
        self.timeout = self.server.config.read_seconds  # type: ignore[misc]
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    # Guards ---------------------------------------------------------------------------------------

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        return origin is None or origin in self.server.config.origins

    def _host_ok(self) -> bool:
        return (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower() in ("127.0.0.1", "localhost")

    def _guard(self) -> None:
        if not self._host_ok():
            raise ServiceError(403, "只接受本机（127.0.0.1）的请求")
        if not self._origin_ok():
            raise ServiceError(403, "拒绝来自网页的请求（来源不是 xlperf 加载项）")
        token = self.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.server.config.token.encode("utf-8")):
            raise ServiceError(403, "口令不符：请重新启动 xlperf 校验服务（systemctl --user restart xlperf，或重新执行 xlperf serve）")

    def _cors(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and self._origin_ok():
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self._cors()
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, route: Callable[[], dict[str, Any]]) -> None:
        try:
            self._guard()
            self._send(200, route())
            if self.stop_after:  # /shutdown: only once its answer is written (the process ends with the server)
                threading.Thread(target=self.server.shutdown, daemon=True).start()
        except ServiceError as exc:
            self._send(exc.status, {"ok": False, "error": exc.message})
            if exc.status == 413:
                self._drain()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        except Exception:
            log.exception("request failed")
            self._send(500, {"ok": False, "error": "服务内部错误，请查看服务日志（service.log）"})

    def _drain(self) -> None:
        """Read (a bounded part of) a refused body before closing: closing a socket with unread data resets
        the connection, and the client may then lose the 413 answer it has not read yet."""
        try:
            self.connection.settimeout(1.0)
            left = 1 << 20
            while left > 0 and (chunk := self.connection.recv(min(left, 65536))):
                left -= len(chunk)
        except OSError:
            pass

    # Routes -------------------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        """CORS preflight of the add-in's requests (its token header makes them non-simple)."""
        if self.headers.get("Origin") is None or not self._origin_ok() or not self._host_ok():
            self._send(403, {"ok": False, "error": "拒绝来自网页的请求（来源不是 xlperf 加载项）"})
            return
        self.send_response(204)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", f"{TOKEN_HEADER}, {NAME_HEADER}, Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._handle(self._get)

    def do_POST(self) -> None:
        self._handle(self._post)

    def _get(self) -> dict[str, Any]:
        if urlsplit(self.path).path != "/health":
            raise ServiceError(404, "没有这个接口")
        from xlperf import __version__

        return {"ok": True, "service": "xlperf", "version": __version__}

    def _post(self) -> dict[str, Any]:
        route = urlsplit(self.path).path
        if route == "/shutdown":
            self.stop_after = True
            return {"ok": True, "message": "xlperf 服务已停止"}
        if route not in ("/validate", "/clear"):
            raise ServiceError(404, "没有这个接口")
        body = self._body()
        config = self.server.config
        if not config.jobs.acquire(timeout=config.queue_seconds):
            raise ServiceError(503, "服务正忙（同时校验的工作簿过多），请稍后再试")
        try:
            submission = _Submission(self.headers.get("Content-Type", ""), body, self.headers.get(NAME_HEADER))
            with submission as source:
                started = time.monotonic()
                out = run_job(route[1:], source, config, submission.shown)
                log.info("%s %s: %.1f s", route, source.suffix, time.monotonic() - started)
                return out
        finally:
            config.jobs.release()

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ServiceError(411, "请求缺少长度（Content-Length）")
        if int(length) > self.server.config.max_body:
            self.close_connection = True
            raise ServiceError(413, f"工作簿超过 {_size(self.server.config.max_body)}，未校验")
        data = self.rfile.read(int(length))
        if len(data) != int(length):
            raise ServiceError(400, "请求不完整")
        return data


class PathRequest(BaseModel):
    """The add-in's request: the saved workbook's full path."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str = Field(min_length=1, max_length=4096, pattern=r"^[^\x00]+$")


class _Submission:
    """The workbook a request names: a saved path (JSON ``{"path": …}``) or the bytes themselves,
    written to a private temporary file. Used as a context manager that yields a path to read."""

    def __init__(self, content_type: str, body: bytes, name: str | None) -> None:
        self.content_type = content_type.split(";")[0].strip().lower()
        self.body = body
        self.name = unquote(name or "workbook.xlsx")[:255]
        self.shown: str | None = None
        self._folder: Path | None = None

    def __enter__(self) -> Path:
        if self.content_type == "application/json":
            return self._path()
        suffix = Path(self.name).suffix.lower()
        if suffix not in SPREADSHEET_SUFFIXES:
            raise ServiceError(415, "只能校验 .xlsx / .xlsm 工作簿：请先“另存为” Excel 工作簿（.xlsx）")
        self._folder = Path(tempfile.mkdtemp(prefix="xlperf-upload-"))
        self.shown = self.name
        path = self._folder / ("upload" + suffix)
        path.write_bytes(self.body)
        return path

    def __exit__(self, *exc: object) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _path(self) -> Path:
        from pydantic import ValidationError

        try:
            request = PathRequest.model_validate_json(self.body)
        except ValidationError as exc:
            kinds = {e["type"] for e in exc.errors()}
            raise ServiceError(400, "请求格式错误（应为 JSON）" if "json_invalid" in kinds
                               else "请求缺少工作簿路径") from None
        path = Path(request.path)
        if not path.is_absolute():
            raise ServiceError(400, "工作簿路径必须是完整路径")
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            raise ServiceError(415, "只能校验 .xlsx / .xlsm 工作簿：请先“另存为” Excel 工作簿（.xlsx）")
        self.shown = str(path)
        return path


def _safe_name(name: str, suffix: str) -> str:
    """A file name for the private copy: the user's name without separators or control characters."""
    stem = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in Path(name).stem)
    return (stem.strip(" .")[:120] or "workbook") + suffix


# Running -----------------------------------------------------------------------------------------


def _setup_log(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE, maxBytes=1 << 20, backupCount=2,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def make_server(port: int, config: ServiceConfig) -> XlperfServer:
    """A bound server (port 0: any free port, see ``server.server_address``)."""
    return XlperfServer(port, config)


def serve(port: int = DEFAULT_PORT, framework: str | None = None, echo: Callable[[str], None] = print) -> int:
    """Run the service until SIGTERM/SIGINT or /shutdown; writes service.json (port, token) first."""
    folder = config_dir()
    _setup_log(folder)
    try:
        server = make_server(port, ServiceConfig(token="-", framework=framework))
    except OSError as exc:
        echo(f"错误：无法在 127.0.0.1:{port} 上启动服务（{exc.strerror or exc}）；可能已在运行，或端口被占用")
        return 2
    info = load_or_create_info(folder, server.server_address[1])
    server.config.token = info["token"]
    server.config.origins = DEFAULT_ORIGINS + tuple(info["origins"])

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("started on 127.0.0.1:%s (pid %s)", info["port"], os.getpid())
    echo(f"xlperf 服务已启动：127.0.0.1:{info['port']}（口令文件 {folder / INFO_FILE}，日志 {folder / LOG_FILE}）")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        log.info("stopped")
        echo("xlperf 服务已停止")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--job"]:
        sys.exit(_job_main(sys.argv[2:]))
