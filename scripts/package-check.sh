#!/usr/bin/env bash
# The bundle starts and renders: `make package`, then, from the bundle alone (no venv, no
# source tree, a clean environment): --version, init --demo into a temporary folder, and a
# screenshot of each window. Then the desktop entry and the AppStream metainfo are validated
# when desktop-file-validate / appstreamcli are installed. Any failed step fails the script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

make --no-print-directory package
bundle="$PWD/dist/access-desk/access-desk"
[ -x "$bundle" ] || { echo "package-check: no bundle at $bundle" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/home" "$work/xdg"
step() { echo "package-check: $*"; }
# Only what a user's session would have: nothing of the venv, PYTHONPATH or the checkout.
run() {
  (cd "$work" && env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$work" \
    ACCESS_DESK_HOME="$work/home" XDG_CONFIG_HOME="$work/xdg/config" \
    XDG_RUNTIME_DIR="$work/xdg" QT_QPA_PLATFORM=offscreen "$bundle" "$@")
}
png_ok() {  # a PNG signature and more than a blank few bytes
  [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    && [ "$(stat -c %s "$1")" -gt 2000 ] || { echo "package-check: bad picture $1" >&2; exit 1; }
}

step "--version"
run --version | grep -q '^access-desk ' || { echo "package-check: --version failed" >&2; exit 1; }
step "init --demo"
run init --demo --json > "$work/init.json"
grep -q '"demo": true' "$work/init.json"
step "a screenshot of each window"
run --db demo screenshot admin --out "$work/shots/admin.png" >/dev/null
run --db demo --as alice.wu@contoso.example screenshot approvals --out "$work/shots/approvals.png" >/dev/null
run --db demo --as nadia.petrova@contoso.example screenshot myapps --out "$work/shots/myapps.png" >/dev/null
run --db demo screenshot signin --out "$work/shots/signin.png" >/dev/null
for f in "$work"/shots/*.png; do png_ok "$f"; done
step "screenshot --all (every window for each kind of person, the welcome and View as)"
run --db demo screenshot --all --out "$work/handout" --size 1024x700 >/dev/null
[ -s "$work/handout/index.html" ]
for f in "$work"/handout/*.png; do png_ok "$f"; done
step "bundle: $(du -sh dist/access-desk | cut -f1), $(ls "$work"/handout/*.png | wc -l) pictures"

APP_ID=io.github.accessdesk.AccessDesk
if command -v desktop-file-validate >/dev/null; then
  step "desktop-file-validate"
  desktop-file-validate "packaging/$APP_ID.desktop"
else
  step "desktop-file-validate not installed (Debian: desktop-file-utils): skipped"
fi
if command -v appstreamcli >/dev/null; then
  step "appstreamcli validate"
  appstreamcli validate --no-net "packaging/$APP_ID.metainfo.xml"
else
  step "appstreamcli not installed (Debian: appstream): skipped"
fi
step "all steps passed"
