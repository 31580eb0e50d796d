"""``xlperf serve``: the local validation service the WPS add-in's 一键校验 calls."""

from __future__ import annotations

from typing import Annotated

import typer

from xlperf.cli.common import CommandGroup, Framework, count, echo

ORDER = 45
app = CommandGroup()


@app.command(short_help="启动本机校验服务（供 WPS 加载项的“一键校验”使用）。")
def serve(
    port: Annotated[int, typer.Option("--port", help="端口（0 = 任选空闲端口）", metavar="端口", parser=count)] = 17351,
    framework: Framework = None,
) -> None:
    """启动本机校验服务：只监听 127.0.0.1，口令保存在用户配置目录的 service.json 中，日志写入同目录的 service.log。"""
    from xlperf.addins.service import serve as run_service

    raise typer.Exit(run_service(port, str(framework) if framework else None, echo))
