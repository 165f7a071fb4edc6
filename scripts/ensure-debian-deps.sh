#!/usr/bin/env bash
# Install the Debian packages the test suite needs, but only those missing, so
# that a developer's machine is left alone and a fresh CI machine just works.
# Quiet when everything is already there.
set -euo pipefail

pkgs=(
  libglib2.0-0 libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3  # Qt offscreen
  fonts-dejavu-core  # without any font Qt renders boxes and warns (warnings fail tests)
  postgresql         # throw-away cluster for the PostgreSQL tests
  desktop-file-utils appstream  # validate the desktop entry and the AppStream metainfo
  systemd            # systemd-analyze verify on packaging/access-desk-server.service
)
# Debian's own python3 cannot create a venv without python3-venv (no ensurepip).
python3 -c 'import ensurepip' 2>/dev/null || pkgs+=(python3-venv)

command -v dpkg >/dev/null || { echo "ensure-debian-deps: not Debian; make sure these are installed: ${pkgs[*]}" >&2; exit 0; }

missing=()
for p in "${pkgs[@]}"; do
  # dpkg -s also succeeds for removed packages that left config files behind.
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "ensure-debian-deps: please install (as root): apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "ensure-debian-deps: installing ${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# apt's chatter only matters when it fails.
if ! { "${sudo[@]}" apt-get update -q &&
       "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-debian-deps: could not install ${missing[*]}" >&2
  exit 1
fi
