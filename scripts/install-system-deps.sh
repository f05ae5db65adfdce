#!/usr/bin/env bash
# Installs the programs the build (chromium, fonts) or the tests (also poppler-utils) need, from
# Debian's packages when run as root; otherwise says what to install.
set -euo pipefail
purpose="${1:-build}"
missing=()
if [ -z "${CHROMIUM:-}" ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
fi
# Read the font list once: `fc-list | grep -q` would fail under pipefail when grep stops early.
fonts="$(fc-list 2>/dev/null || true)"
grep -qi "DejaVu Sans" <<<"$fonts" || missing+=(fonts-dejavu-core fontconfig)
# Share cards use Inter, so they look the same on every machine that builds them.
grep -q "/Inter-" <<<"$fonts" || missing+=(fonts-inter)
if [ "$purpose" = "test" ]; then
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  # The Nu HTML Checker (vnu.jar) runs on Java; axe-core, Lighthouse and vnu.jar come from npm (make test-deps).
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install: ${missing[*]} (on Debian or Ubuntu: sudo apt-get install ${missing[*]})." >&2
  echo "Chromium draws the static chart images; with another Chromium or Chrome, set CHROMIUM=/path/to/it." >&2
  echo "Without Chromium you can still build a draft: python3 build.py --draft" >&2
  exit 1
fi
