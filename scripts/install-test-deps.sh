#!/usr/bin/env bash
# Installs what the tests need: the pinned Python packages, and Debian's Chromium for browser tests.
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "The tests need: ${missing[*]}. Install them with your system's package manager" >&2
    echo "(on Debian or Ubuntu: sudo apt-get install ${missing[*]}), or set CHROMIUM to a Chromium binary." >&2
    exit 1
  fi
fi
