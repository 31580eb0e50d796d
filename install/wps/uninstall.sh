#!/usr/bin/env bash
# Removes what install/wps/install.sh installed (as recorded in ~/.config/xlperf/install-manifest.json):
# stops the service, removes the add-in, its publish.xml line, the login entry and the service's token and log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
py="${XLPERF_PYTHON:-$repo/.venv/bin/python}"
[ -x "$py" ] || py=python3
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "$py" -m xlperf.addins.wps_install uninstall
