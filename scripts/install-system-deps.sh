#!/usr/bin/env bash
# Debian packages the tests use (exiftool, espeak-ng/sox for speech fixtures, chromium for browser tests).
# Installs only what is missing; skips quietly where apt-get is unavailable or we are not root.
set -euo pipefail
wanted=(libimage-exiftool-perl chromium espeak-ng sox)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: cannot install ${missing[*]} (need root and apt-get); the tests that need them will be skipped" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
