#!/usr/bin/env bash
# Installs everything seisview needs on a fresh Debian/Ubuntu machine.
#   scripts/install.sh          the application (+ the bundled reflectivity-lab plugin)
#   scripts/install.sh --test   the same plus the test tools and the X/OpenGL packages for real-window tests
# Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# System libraries Qt (xcb), vispy (OpenGL via Mesa) and Xvfb need.
apt_pkgs="libgl1 libegl1 libgl1-mesa-dri libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 xvfb xauth"
missing=""
for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "seisview install: apt packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# torch first, pinned: the CPU build on these machines (a bare `torch` would pull CUDA wheels).
# On a workstation with an NVIDIA GPU, install the CUDA build of torch yourself before this script.
if ! $PY -c "import torch" >/dev/null 2>&1; then
  $PY -m pip install -q "torch==${SEISVIEW_TORCH_VERSION:-2.13.0}"
fi
extras=""
[ "$want_test" = 1 ] && extras="[test]"
$PY -m pip install -q -e ".$extras" -e ./plugins/reflectivity_lab 2>&1 | grep -v "Running pip as the 'root'" || true
$PY -c "import seisview, segyio, PyQt6, pyqtgraph, vispy, torch" || { echo "seisview install: import check failed" >&2; exit 1; }
echo "seisview install: ok"
