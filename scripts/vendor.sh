#!/usr/bin/env bash
# Refresh the pinned third-party browser files in app/static/vendor/, the fonts of the PDF
# report in app/exports/fonts/, and axe-core for the browser tests in tests/vendor/ (a test
# tool, never served by the app), from the npm registry. Each package keeps its licence
# beside the files we use.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKET_IO_CLIENT=4.8.4   # matches python-socketio 5 (Socket.IO protocol v5)
SORTABLEJS=1.15.7        # drag and drop with mouse and touch for the clustering board
DEJAVU_FONTS=2.37.3      # the PDF report: Helvetica has no Greek or Cyrillic
AXE_CORE=4.14.1          # the accessibility checks of the browser tests (tests/e2e/conftest.py)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # fetch NAME VERSION DEST FILE...
  local name=$1 version=$2 dest=$3; shift 3
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null && mkdir -p "$name" && tar xzf ./*.tgz -C "$name" && rm ./*.tgz)
  mkdir -p "$dest"
  for f in "$@"; do cp "$tmp/$name/package/$f" "$dest/"; done
  cp "$tmp/$name/package/LICENSE" "$dest/LICENSE"
  echo "$name $version" > "$dest/VERSION"
}
fetch socket.io-client "$SOCKET_IO_CLIENT" app/static/vendor/socket.io dist/socket.io.esm.min.js
fetch sortablejs "$SORTABLEJS" app/static/vendor/sortablejs modular/sortable.esm.js
fetch dejavu-fonts-ttf "$DEJAVU_FONTS" app/exports/fonts ttf/DejaVuSans.ttf ttf/DejaVuSans-Bold.ttf
fetch axe-core "$AXE_CORE" tests/vendor/axe-core axe.min.js LICENSE-3RD-PARTY.txt
echo "vendored files refreshed"
