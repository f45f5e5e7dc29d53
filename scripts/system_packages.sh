#!/bin/sh
# Debian packages the test suite needs, installed only when missing (root, apt):
# Chromium for the browser tests (never a downloaded browser), PostgreSQL for the database tests,
# a Java runtime for the Spark engine, wrk for the load benchmark.
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
command -v java >/dev/null 2>&1 || need="$need default-jre-headless"
command -v wrk >/dev/null 2>&1 || need="$need wrk"
if [ -n "$need" ]; then
  echo "installing Debian packages:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
