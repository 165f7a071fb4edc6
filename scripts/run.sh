#!/usr/bin/env bash
# make run: the demo directory in the GUI, or a command-line tour when there is
# no display (Qt would otherwise abort with a misleading xcb message).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

make --no-print-directory venv
.venv/bin/access-desk --db demo init --demo --if-missing

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  cat >&2 <<'MSG'
No display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open.
To see it, run under a virtual display: xvfb-run make run (Debian: apt-get install xvfb).
To render a window to a PNG instead: .venv/bin/access-desk screenshot admin --out admin.png
MSG
  exec .venv/bin/access-desk --db demo tour
fi
exec .venv/bin/access-desk --db demo gui
