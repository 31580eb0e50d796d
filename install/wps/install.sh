#!/usr/bin/env bash
# xlperf for WPS on Kylin/UOS (and other Linux desktops), for the current user, offline:
#   1. the command line into <this folder>/../../.venv (install/linux.sh),
#   2. the WPS add-in (tab 绩效自评) copied into ~/.local/share/Kingsoft/wps/jsaddons and registered in publish.xml,
#   3. the local service `xlperf serve` started at login (systemd user unit, or XDG autostart) and now.
# Everything is recorded in ~/.config/xlperf/install-manifest.json; install/wps/uninstall.sh removes exactly that.
# Options are passed on: --service systemd|autostart|none, --port N.
# XLPERF_PYTHON=/path/to/python skips step 1 and uses that interpreter (it must have xlperf installed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if [ -n "${XLPERF_PYTHON:-}" ]; then
  py="$XLPERF_PYTHON"
else
  bash "$repo/install/linux.sh"
  py="$repo/.venv/bin/python"
fi
"$py" -c "import xlperf" 2>/dev/null || { echo "错误：$py 中没有安装 xlperf" >&2; exit 1; }
exec "$py" -m xlperf.addins.wps_install install --source "$here" --python "$py" "$@"
