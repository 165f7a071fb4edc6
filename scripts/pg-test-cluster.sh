#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests, on 127.0.0.1 only.
#   start DIR  -> prints exactly one line: the database URL (nothing on failure)
#   stop DIR   -> stops the server and removes DIR
#   restart DIR -> restarts the server in DIR on the same port (fast shutdown: every client
#                  connection is dropped, as on a real server restart); the data stays
# Everything else goes to stderr, so callers can capture the URL with $(...).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$dir" ] && [[ "$cmd" == start || "$cmd" == stop || "$cmd" == restart ]] ||
  { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}  # Debian's layout; not on PATH
db=access_desk_test

# PostgreSQL refuses to run as root: as root, run the server tools as "postgres".
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

if [ "$cmd" = stop ]; then
  [ -d "$dir" ] || exit 0
  [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
  # Only ever delete what looks like our cluster (or what initdb left empty).
  if [ -f "$dir/PG_VERSION" ] || [ -z "$(ls -A "$dir")" ]; then rm -rf "$dir"
  else echo "pg-test-cluster: $dir is not a cluster, not removing it" >&2; fi
  exit 0
fi

fail() { echo "pg-test-cluster: $*" >&2; exit 1; }

if [ "$cmd" = restart ]; then
  [ -f "$dir/postmaster.pid" ] || fail "no server is running in $dir"
  # pg_ctl restart reuses the options of the previous start (postmaster.opts): same port.
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -m fast -w restart >/dev/null 2>&1 ||
    { cat "$dir/server.log" >&2 2>/dev/null || true; fail "the server did not restart"; }
  exit 0
fi
[ -x "$bin/pg_ctl" ] || fail "PostgreSQL 15 not found in $bin (apt-get install postgresql)"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "no 'postgres' OS user to run the server as"
  mkdir -p "$dir" && chown postgres: "$dir" && chmod 700 "$dir"
  as_pg test -w "$dir" || fail "user postgres cannot reach $dir (a parent directory is not traversable)"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -A trust + loopback only: a test cluster that lives for one run needs no passwords.
as_pg "$bin/initdb" -D "$dir" -U postgres -A trust --no-sync >"$log" 2>&1 ||
  { cat "$log" >&2; fail "initdb failed"; }

# Ask the kernel for a free port; retry in case another process takes it first.
for _ in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start \
       -o "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off" >"$log" 2>&1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" >&2 || fail "createdb failed"
    echo "postgresql://postgres@127.0.0.1:$port/$db"
    exit 0
  fi
done
cat "$log" "$dir/server.log" >&2 2>/dev/null || true
fail "the server did not start"
