#!/usr/bin/env bash
# Set up clientvet on a fresh Debian machine: system packages, .venv/ and pinned Python packages.
# Usage: ./setup.sh          runtime only
#        ./setup.sh --dev    also the test tools
set -euo pipefail
cd "$(dirname "$0")"

# chromium: the browser for sources that need one, chromium-headless-shell its lighter headless build
# (no `playwright install`: it cannot download here);
# fonts: Cyrillic glyphs for the browser and the PDF reports; xvfb: a virtual screen for headed runs;
# the Pango stack WeasyPrint draws PDF reports with. --dev adds what the tests use: redis-server
# (scale-out tests start their own on 127.0.0.1) and poppler-utils (pdftoppm/pdftotext read the PDFs).
packages=(chromium chromium-headless-shell fonts-dejavu-core fonts-noto-core xvfb xauth libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)
[ "${1:-}" = "--dev" ] && packages+=(redis-server poppler-utils)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
requirements=(-r requirements.txt)
[ "${1:-}" = "--dev" ] && requirements+=(-r requirements-dev.txt)
.venv/bin/python -m pip install -q --disable-pip-version-check "${requirements[@]}"
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
echo "setup: ready — .venv/bin/clientvet" >&2
