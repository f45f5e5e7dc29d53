#!/bin/sh
# Install (Debian package) and start a private PostgreSQL cluster on 127.0.0.1:5433, no systemd.
# Prints the DATABASE_URL to use. Idempotent: an already running cluster is reused.
#   PGROOT (default /tmp/frenchtech-pg)   where the cluster lives
set -eu
PGROOT="${PGROOT:-/tmp/frenchtech-pg}"
PGPORT="${PGPORT:-5433}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
mkdir -p "$PGROOT" && chown postgres: "$PGROOT"
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
  su postgres -c "$BIN/initdb -D $PGROOT/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=200\nfsync=off\n" \
    "$PGPORT" "$PGROOT" >> "$PGROOT/data/postgresql.conf"
fi
if ! su postgres -c "$BIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1; then
  su postgres -c "$BIN/pg_ctl -D $PGROOT/data -l $PGROOT/server.log -w start" >/dev/null
fi
su postgres -c "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -tc \"SELECT 1 FROM pg_database WHERE datname='frenchtech'\"" \
  | grep -q 1 || su postgres -c "$BIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres frenchtech"
echo "postgresql://postgres@127.0.0.1:$PGPORT/frenchtech"
