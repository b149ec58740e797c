#!/usr/bin/env bash
# The tests start their own redis-server on free loopback ports (one server, and a 3-node cluster
# that redis-cli creates); install the binaries when missing.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server or redis-cli not found: installing them with apt-get" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
  # The package's own service is not needed: tests run their own instance.
  (service redis-server stop || true) >/dev/null 2>&1
else
  echo "redis-server and redis-cli are required for the tests: install them (e.g. apt-get install redis-server redis-tools) and re-run" >&2
  exit 1
fi
