#!/usr/bin/env bash
# Installs what Drift needs on a fresh Debian machine. Idempotent: safe to run again.
set -euo pipefail
PKGS="pkg-config libpng-dev libhdf5-dev zlib1g-dev libssl-dev liblapacke-dev liblapack-dev libopenmpi-dev openmpi-bin dataset-fashion-mnist hdf5-tools pngcheck"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
command -v swift >/dev/null || { echo "setup: swift not found on PATH (Swift 6 toolchain required)" >&2; exit 1; }
