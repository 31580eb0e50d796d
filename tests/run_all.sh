#!/usr/bin/env bash
# Install everything the tests need (LibreOffice, the package with its test extras) and run the whole
# suite. Used as-is by .ci/run. No test group may be skipped: a skipped test fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 || ! fc-list | grep -qi "Noto Sans CJK" \
   || ! dpkg -s libreoffice-writer-nogui >/dev/null 2>&1; then
  echo "Installing LibreOffice (libreoffice-calc-nogui, libreoffice-writer-nogui), poppler-utils and CJK fonts for the spreadsheet, print and report tests…"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils fonts-noto-cjk >/dev/null
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm for the WPS add-in tests (tests/wps/test_node.py)…"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
command -v soffice >/dev/null 2>&1 || { echo "LibreOffice is required for the tests (soffice not found)" >&2; exit 1; }
command -v pdftotext >/dev/null 2>&1 || { echo "poppler-utils is required for the print tests (pdftotext not found)" >&2; exit 1; }

PY=${PYTHON:-python3}
# A distribution's system Python may refuse pip (PEP 668, "externally managed"): use a virtual environment then.
if "$PY" -c 'import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")) and sys.prefix == sys.base_prefix else 1)'; then
  "$PY" -m venv .venv
  PY=.venv/bin/python
fi
"$PY" -m pip install -q --disable-pip-version-check -e ".[test]"

report=$(mktemp -d)/junit.xml
set +e
# Tests run on every core (pytest-xdist): tests sharing a module fixture go to one worker as their file, the
# files sharing one LibreOffice run as one group, every other test on its own (tests/conftest.py), in the order
# tests/conftest.py gives (the longest groups first; xdist would
# otherwise hand out the groups with the most tests first). XLPERF_TEST_WORKERS=0 runs in one process.
"$PY" -m pytest -q -ra -n "${XLPERF_TEST_WORKERS:-logical}" --dist loadgroup --no-loadscope-reorder --junitxml="$report" "$@"
status=$?
set -e
skipped=$("$PY" - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
print(sum(int(s.get("skipped", 0)) for s in suites))
PY
)
if [ "$status" = "0" ] && [ "$skipped" != "0" ]; then
  echo "FAILED: $skipped test(s) were skipped; every test group must run." >&2
  exit 1
fi
exit "$status"
