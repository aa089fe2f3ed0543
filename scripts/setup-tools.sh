#!/usr/bin/env bash
# Installs the two non-Python tools the tests use for real: Debian's Chromium (browser tests) and the
# npm asl-validator (state machine). A tool that cannot be installed is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-tools: installing Debian chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup-tools: chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

# A bare Debian image has no Korean font: the pages would still work, but every screenshot the browser
# tests write would show empty boxes instead of Korean text.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko 2>/dev/null)" ] \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-tools: installing a Korean font (fonts-nanum) for the browser screenshots" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-nanum >/dev/null
fi

if [ ! -x node_modules/.bin/asl-validator ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup-tools: npm is missing; install Node.js (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
  echo "setup-tools: installing npm tools from package-lock.json" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
