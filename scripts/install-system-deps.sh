#!/usr/bin/env bash
# Install the Debian packages ipdesk needs (fonts, WeasyPrint's libraries, PDF tools) when missing.
# Usage: scripts/install-system-deps.sh [--browser | --bench]   (--browser adds what the tests need: Debian's
# chromium for browser tests, systemd-analyze to check deploy/systemd; --bench Debian's wrk and GNU time for
# `make bench`)
set -euo pipefail

packages=(
  # WeasyPrint's text stack, and harfbuzz's subsetter: without it font subsetting falls back to
  # fontTools and a one-page PDF takes seconds instead of a fraction of one (FONTS.md).
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  # Fonts that cover every script in the data (FONTS.md): Hangul in NanumGothic; Japanese, Simplified and
  # Traditional Chinese each in its own face of the Noto Sans CJK collection (pdf.css picks them by lang).
  fonts-dejavu-core fonts-nanum fonts-noto-cjk fonts-tlwg-loma-ttf fonts-lohit-deva
  # pdffonts / pdftoppm read PDFs back in tests and in tools/.
  poppler-utils
  # libmagic decides the type of an uploaded file from its content.
  libmagic1
)
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium systemd)
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk time)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A fresh Debian needs venv support for the system Python.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# another apt (unattended upgrades, a second terminal) may hold the lock for a while: wait for it
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fc-cache -f >/dev/null 2>&1 || true
