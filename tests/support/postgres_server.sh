#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests.
#
#   postgres_server.sh start DIR   initdb into DIR, start a server listening only on a Unix
#                                  socket in DIR (no TCP), create database `hallmark`, write
#                                  the conninfo to DIR/conninfo and print it
#   postgres_server.sh stop DIR    stop it and remove DIR
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (DIR is
# chowned to it). When that user cannot reach DIR (a checkout under /root, say) or the
# socket path would be too long, the server lives in a private mktemp directory instead,
# recorded in DIR/server-dir and removed by `stop`. Authentication is `trust`: the socket
# directory is the only way in. HALLMARK_PG_BIN overrides /usr/lib/postgresql/15/bin.
# Tests run without fsync (nothing they write must outlive them); HALLMARK_PG_DURABLE=1
# keeps PostgreSQL's defaults (fsync, full page writes) for benchmarks that compare it with
# SQLite's synchronous=FULL.
set -euo pipefail

pg_bin=${HALLMARK_PG_BIN:-/usr/lib/postgresql/15/bin}
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
(($# == 2)) || usage
command=$1
dir=$2

if [[ $(id -u) -eq 0 ]]; then
  server_user=postgres
  as_server() { runuser -u "$server_user" -- "$@"; }
else
  server_user=$(id -un)
  as_server() { "$@"; }
fi

server_dir() {
  if [[ -f "$dir/server-dir" ]]; then cat "$dir/server-dir"; else echo "$dir"; fi
}

stop_server() {
  local s
  s=$(server_dir)
  if [[ -f "$s/data/postmaster.pid" ]]; then
    as_server "$pg_bin/pg_ctl" -D "$s/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [[ "$s" != "$dir" ]]; then rm -rf "$s"; fi
  rm -rf "$dir"
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    # Only the socket's name uses the port (no TCP), but keep clear of ports in use anyway.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "postgres_server.sh: no free port found" >&2
  exit 1
}

start_server() {
  [[ -x "$pg_bin/initdb" ]] || {
    echo "postgres_server.sh: $pg_bin/initdb not found (apt-get install postgresql)" >&2
    exit 1
  }
  stop_server  # a leftover from an interrupted run
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local s=$dir port
  port=$(free_port)
  if [[ $(id -u) -eq 0 ]]; then chown "$server_user:" "$dir"; fi
  # sun_path holds 107 bytes: DIR/.s.PGSQL.PORT must fit.
  if ((${#dir} > 90)) || ! as_server test -w "$dir/." 2>/dev/null; then
    s=$(mktemp -d /tmp/hallmark-pg.XXXXXX)
    if [[ $(id -u) -eq 0 ]]; then chown "$server_user:" "$s"; fi
    echo "$s" >"$dir/server-dir"
  fi
  if ! as_server "$pg_bin/initdb" -D "$s/data" -U hallmark --auth=trust -E UTF8 \
      --no-locale -N >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    exit 1
  fi
  local durability="-c fsync=off -c full_page_writes=off"
  [[ ${HALLMARK_PG_DURABLE:-} == 1 ]] && durability=""
  if ! as_server "$pg_bin/pg_ctl" -D "$s/data" -l "$s/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $s -p $port $durability" \
      start >"$dir/pg_ctl.log" 2>&1; then
    cat "$dir/pg_ctl.log" "$s/server.log" >&2 || true
    exit 1
  fi
  "$pg_bin/createdb" -h "$s" -p "$port" -U hallmark hallmark
  local conninfo="host=$s port=$port user=hallmark dbname=hallmark"
  echo "$conninfo" >"$dir/conninfo"
  echo "$conninfo"
}

case "$command" in
  start) start_server ;;
  stop) stop_server ;;
  *) usage ;;
esac
