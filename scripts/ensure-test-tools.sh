#!/usr/bin/env bash
# What the tests run besides Node: their own redis-server on free loopback ports (one server, and
# a 3-node cluster that redis-cli creates), and Debian's Chromium for the browser tests (driven by
# playwright-core; the npm browser downloads cannot work on a closed network). Installs what is
# missing.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # The Redis package's own service is not needed: tests run their own instance.
  (service redis-server stop || true) >/dev/null 2>&1
else
  echo "the tests need ${missing[*]}: install them (e.g. apt-get install ${missing[*]}) and re-run" >&2
  exit 1
fi
