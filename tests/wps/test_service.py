"""``xlperf serve``: loopback only, a token on every request, no foreign Origin, bounded size, time and
concurrency, the CLI's hostile-file guarantees; stopped by SIGTERM or /shutdown."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from validator.common import REPO, SEED_XLSX
from xlperf.addins.service import ServiceConfig, XlperfServer, make_server

# the service validates each file in a child Python process (bounded in time and memory)
pytestmark = pytest.mark.subprocess

TOKEN = "t" * 43


@pytest.fixture()
def server() -> Iterator[XlperfServer]:
    srv = make_server(0, ServiceConfig(token=TOKEN, read_seconds=2.0))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def call(srv: XlperfServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=120)
    hdrs = {"X-Xlperf-Token": TOKEN, "Content-Type": "application/json"}
    hdrs.update(headers or {})
    hdrs = {k: v for k, v in hdrs.items() if v != ""}
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else {}


def validate_path(srv: XlperfServer, path: Path, **headers: str) -> tuple[int, dict[str, Any]]:
    return call(srv, "POST", "/validate", json.dumps({"path": str(path)}).encode(), headers)


def test_binds_loopback_only(server: XlperfServer) -> None:
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("token", ["", "wrong", TOKEN[:-1], TOKEN + "x"])
def test_missing_or_wrong_token_is_403(server: XlperfServer, token: str) -> None:
    status, body = call(server, "GET", "/health", headers={"X-Xlperf-Token": token})
    assert status == 403 and "口令" in body["error"]


def test_right_token_is_served(server: XlperfServer) -> None:
    assert call(server, "GET", "/health") == (200, {"ok": True, "service": "xlperf", "version": "0.1.0"})


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1.evil.example", "http://127.0.0.1:8080"])
def test_foreign_origin_is_refused_even_with_the_token(server: XlperfServer, origin: str) -> None:
    status, body = call(server, "GET", "/health", headers={"Origin": origin})
    assert status == 403 and "网页" in body["error"]
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    conn.request("OPTIONS", "/validate", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    resp = conn.getresponse()
    assert resp.status == 403 and resp.getheader("Access-Control-Allow-Origin") is None


def test_addin_origin_gets_its_preflight_and_cors_header(server: XlperfServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    conn.request("OPTIONS", "/validate", headers={"Origin": "null", "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "x-xlperf-token"})
    resp = conn.getresponse()
    assert resp.status == 204 and resp.getheader("Access-Control-Allow-Origin") == "null"
    assert "X-Xlperf-Token" in (resp.getheader("Access-Control-Allow-Headers") or "")


def test_dns_rebinding_host_is_refused(server: XlperfServer) -> None:
    status, body = call(server, "GET", "/health", headers={"Host": "evil.example"})
    assert status == 403 and "本机" in body["error"]


def test_oversize_body_is_413_without_reading_it(server: XlperfServer) -> None:
    server.config.max_body = 1000
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)
    sock.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Xlperf-Token: " + TOKEN.encode()
                 + b"\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000000\r\n\r\n" + b"x" * 100)
    answer = b""
    while chunk := sock.recv(65536):  # the server answers and closes without reading the body
        answer += chunk
    sock.close()
    head = answer.decode("utf-8", "replace")
    assert head.startswith("HTTP/1.0 413") and "工作簿超过 1000 字节" in head


def test_saved_file_over_the_limit_is_413(server: XlperfServer, tmp_path: Path) -> None:
    server.config.max_body = 1000
    src = tmp_path / "big.xlsx"
    shutil.copy(SEED_XLSX, src)
    status, body = validate_path(server, src)
    assert status == 413 and "未校验" in body["error"]


def test_slow_request_is_cut_off(server: XlperfServer) -> None:
    """A client that never finishes its headers is disconnected after read_seconds (2 s here), not held."""
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=30)
    sock.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert sock.recv(1024) == b""  # closed by the server (a hang would raise socket.timeout after 30 s)
    sock.close()


def test_a_validation_over_its_time_is_killed(server: XlperfServer, tmp_path: Path) -> None:
    server.config.job_seconds = 0.01
    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED_XLSX, src)
    status, body = validate_path(server, src)
    assert status == 504 and "超时" in body["error"]


def test_busy_server_says_so(server: XlperfServer, tmp_path: Path) -> None:
    server.config.queue_seconds = 0.1
    for _ in range(server.config.max_jobs):
        server.config.jobs.acquire()
    try:
        status, body = validate_path(server, tmp_path / "x.xlsx")
    finally:
        for _ in range(server.config.max_jobs):
            server.config.jobs.release()
    assert status == 503 and "正忙" in body["error"]


def test_concurrent_validations_all_answer_correctly(server: XlperfServer, tmp_path: Path) -> None:
    """Three at once with two job slots: the third waits its turn; every answer is the full one."""
    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED_XLSX, src)
    results: list[tuple[int, dict[str, Any]]] = []
    threads = [threading.Thread(target=lambda: results.append(validate_path(server, src))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r[0] for r in results] == [200, 200, 200]
    assert len({json.dumps(r[1]["ops"], sort_keys=True) for r in results}) == 1
    assert all(r[1]["report"]["counts"]["error"] == 10 for r in results)


def test_validate_by_bytes_and_by_path_agree_and_leave_the_file_alone(server: XlperfServer, tmp_path: Path) -> None:
    src = tmp_path / "预算=2021 年.xlsx"
    shutil.copy(SEED_XLSX, src)
    before = src.read_bytes()
    mtime = src.stat().st_mtime_ns
    s1, by_path = validate_path(server, src)
    s2, by_bytes = call(server, "POST", "/validate", before, {"Content-Type": "application/octet-stream",
                                                              "X-Xlperf-Name": "%E9%A2%84%E7%AE%97.xlsx"})
    assert (s1, s2) == (200, 200)
    assert by_path["ops"] == by_bytes["ops"] and by_path["message"].startswith("校验完成：错误 10 条")
    assert by_path["report"]["path"] == str(src) and by_bytes["report"]["path"] == "预算.xlsx"  # not the copy
    assert src.read_bytes() == before and src.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob("*xlperf*"))


@pytest.mark.parametrize("payload, status, words", [
    (b"\xff\xfe not json", 400, "JSON"),
    (b'{"path": "relative.xlsx"}', 400, "完整路径"),
    (b'{"path": "/etc/passwd"}', 415, "另存为"),
    (b'{"nopath": 1}', 400, "路径"),
    (b'[' * 100000 + b']' * 100000, 400, "JSON"),
])
def test_bad_requests_are_chinese_json(server: XlperfServer, payload: bytes, status: int, words: str) -> None:
    got, body = call(server, "POST", "/validate", payload)
    assert got == status and words in body["error"] and "Traceback" not in json.dumps(body)


def test_fifo_is_refused_not_waited_on(server: XlperfServer, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    status, body = validate_path(server, fifo)
    assert status == 400 and "普通文件" in body["error"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"<html>not a workbook</html>",
                                     b"\xd0\xcf\x11\xe0" + b"\x00" * 600])
def test_hostile_bytes_get_a_chinese_message(server: XlperfServer, content: bytes) -> None:
    status, body = call(server, "POST", "/validate", content, {"Content-Type": "application/octet-stream",
                                                               "X-Xlperf-Name": "bad.xlsx"})
    assert status == 200 and body["ops"] == [] and body["report"]["status"] == "error"
    assert body["message"].startswith("工作簿无法读取") and "Traceback" not in json.dumps(body, ensure_ascii=False)


def test_unknown_route_is_404(server: XlperfServer) -> None:
    assert call(server, "POST", "/run", b"{}")[0] == 404
    assert call(server, "GET", "/validate")[0] == 404


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    env = dict(os.environ, XLPERF_CONFIG_DIR=str(tmp_path / "profile"), PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "xlperf", "serve", "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    info_file = tmp_path / "profile" / "service.json"
    info: dict[str, Any] = {}
    for _ in range(1800):  # a file left by an earlier run names another pid (up to 3 minutes on a busy machine)
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == proc.pid:
            break
        time.sleep(0.1)
    assert stat.S_IMODE(info_file.stat().st_mode) == 0o600
    for _ in range(100):  # written just before the socket accepts
        try:
            socket.create_connection(("127.0.0.1", info["port"]), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, info


def _health(port: int, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/health", headers={"X-Xlperf-Token": token})
    return conn.getresponse().status


def test_serve_command_writes_a_private_token_logs_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc, info = _start(tmp_path)
    assert len(info["token"]) >= 32 and _health(info["port"], info["token"]) == 200
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "已停止" in out.decode("utf-8")
    log = (tmp_path / "profile" / "service.log").read_text(encoding="utf-8")
    assert "started on 127.0.0.1" in log and "/health" in log and info["token"] not in log
    proc2, info2 = _start(tmp_path)  # the token survives a restart: the add-in keeps working
    try:
        assert info2["token"] == info["token"]
        conn = http.client.HTTPConnection("127.0.0.1", info2["port"], timeout=30)
        conn.request("POST", "/shutdown", body=b"", headers={"X-Xlperf-Token": "nope"})
        assert conn.getresponse().status == 403
        conn = http.client.HTTPConnection("127.0.0.1", info2["port"], timeout=30)
        conn.request("POST", "/shutdown", body=b"", headers={"X-Xlperf-Token": info2["token"]})
        answer = conn.getresponse()
        # the whole answer before the process ends (it was cut once: uninstall then failed on IncompleteRead)
        assert answer.status == 200 and json.loads(answer.read())["message"] == "xlperf 服务已停止"
        assert proc2.wait(timeout=120) == 0
    finally:
        if proc2.poll() is None:
            proc2.kill()


def test_a_token_readable_by_others_is_replaced(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "service.json").write_text(json.dumps({"token": "x" * 40, "port": 1}), encoding="utf-8")
    os.chmod(profile / "service.json", 0o644)
    proc, info = _start(tmp_path)
    try:
        assert info["token"] != "x" * 40
    finally:
        proc.terminate()
        proc.wait(timeout=60)
