#!/usr/bin/env bash
# make install-desktop: Access Desk in the user's application menu (no root needed).
# Puts the .desktop entry, the AppStream metainfo and the icons under $XDG_DATA_HOME
# (~/.local/share). Exec points at the bundle when `make package` built one, else at this
# checkout's virtual environment. Uninstall: packaging/install-desktop.sh --uninstall
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APP_ID=io.github.accessdesk.AccessDesk
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications" meta="$data/metainfo" icons="$data/icons"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$apps/$APP_ID.desktop" "$meta/$APP_ID.metainfo.xml"
  find "$icons/hicolor" -name 'access-desk.*' -path '*/apps/*' -delete 2>/dev/null || true
  echo "install-desktop: removed Access Desk from $data"
  exit 0
fi

if [ -x dist/access-desk/access-desk ]; then
  exe="$PWD/dist/access-desk/access-desk"
elif [ -x .venv/bin/access-desk ]; then
  exe="$PWD/.venv/bin/access-desk"
else
  echo "install-desktop: nothing to launch: run 'make venv' or 'make package' first" >&2
  exit 1
fi
case "$exe" in *[[:space:]]*) exe="\"$exe\"";; esac  # Exec= quoting rule of the spec

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python packaging/make_icons.py --out "$work/icons" >/dev/null
sed "s|^Exec=access-desk |Exec=$exe |" "packaging/$APP_ID.desktop" > "$work/$APP_ID.desktop"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$work/$APP_ID.desktop"
fi

install -d "$apps" "$meta"
install -m 644 "$work/$APP_ID.desktop" "$apps/$APP_ID.desktop"
install -m 644 "packaging/$APP_ID.metainfo.xml" "$meta/$APP_ID.metainfo.xml"
(cd "$work/icons" && find hicolor -type f) | while read -r f; do
  install -D -m 644 "$work/icons/$f" "$icons/$f"
done
# Menus and icon caches pick the new files up sooner with these (both optional).
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t -f "$icons/hicolor" || true
echo "install-desktop: Access Desk is in the menu ($apps/$APP_ID.desktop, Exec=$exe)"
