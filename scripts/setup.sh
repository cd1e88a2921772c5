#!/usr/bin/env bash
# Installs what chexinstruct needs from Debian's packages (when missing and
# when we may), then configures and compiles it into build/.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(meson ninja-build pkg-config gcc python3 tar gzip
  libsqlite3-dev libcjson-dev libarchive-dev zlib1g-dev libpng-dev libturbojpeg0-dev
  libpcre2-dev libxxhash-dev libexpat1-dev libcsv-dev libjpeg-turbo-progs sqlite3
  python3-xxhash python3-pil python3-venv g++ libgdcm-dev
  util-linux-extra) # fincore, for the O_DIRECT test
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
  meson setup build --werror >/dev/null
fi
ninja -C build >/dev/null
