#!/usr/bin/env bash
# The tests start their own redis-server on a free loopback port; install the binary when missing.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server not found: installing it with apt-get" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # The package's own service is not needed: tests run their own instance.
  (service redis-server stop || true) >/dev/null 2>&1
else
  echo "redis-server is required for the tests: install it (e.g. apt-get install redis-server) and re-run" >&2
  exit 1
fi
