#!/bin/sh
# A private PostgreSQL cluster on 127.0.0.1:5433 for the tests and benchmarks (Debian package, no systemd).
#   sh scripts/ci_postgres.sh          install if needed, start (an already running cluster is reused) and
#                                      print the DATABASE_URL to use
#   sh scripts/ci_postgres.sh status   exit 0 when the cluster is running, 1 otherwise
#   sh scripts/ci_postgres.sh stop     stop the cluster (fast shutdown; nothing to do when it is not running)
#   PGROOT (default /tmp/frenchtech-pg)   where the cluster lives; PGPORT (default 5433)
set -eu
PGROOT="${PGROOT:-/tmp/frenchtech-pg}"
PGPORT="${PGPORT:-5433}"
MODE="${1:-start}"

running() {
  [ -n "${BIN:-}" ] && [ -f "$PGROOT/data/PG_VERSION" ] \
    && su postgres -c "$BIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1
}

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
case "$MODE" in
  status) running; exit $? ;;
  stop)
    if running; then su postgres -c "$BIN/pg_ctl -D $PGROOT/data -m fast -w stop" >/dev/null; fi
    exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|status|stop]" >&2; exit 2 ;;
esac

if [ -z "$BIN" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
mkdir -p "$PGROOT" && chown postgres: "$PGROOT"
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
  su postgres -c "$BIN/initdb -D $PGROOT/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=200\nfsync=off\n" \
    "$PGPORT" "$PGROOT" >> "$PGROOT/data/postgresql.conf"
fi
if ! running; then
  su postgres -c "$BIN/pg_ctl -D $PGROOT/data -l $PGROOT/server.log -w start" >/dev/null
fi
su postgres -c "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -tc \"SELECT 1 FROM pg_database WHERE datname='frenchtech'\"" \
  | grep -q 1 || su postgres -c "$BIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres frenchtech"
echo "postgresql://postgres@127.0.0.1:$PGPORT/frenchtech"
