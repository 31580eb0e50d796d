#!/usr/bin/env bash
# xlperf on Linux (Kylin/UOS/Debian/Ubuntu …, where WPS or LibreOffice opens the workbooks): installs the
# command line into ./.venv (a virtual environment, so it works on systems whose Python refuses pip,
# PEP 668) and prints how to run it. No administrator rights are needed unless python3-venv is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c "import ensurepip" >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "需要 Python 的 venv 模块：请先安装 python3-venv（如 sudo apt-get install python3-venv）" >&2
    exit 1
  fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
echo "已安装 xlperf：$(.venv/bin/xlperf --version)。运行：.venv/bin/xlperf --help"
