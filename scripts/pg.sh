#!/usr/bin/env bash
# Project-private PostgreSQL cluster: start | stop | status | psql [args].
# Lives in .local/pg (git-ignored), listens on 127.0.0.1:$PGPORT and a socket in the same
# folder. Idempotent. PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` system user. Odoo connects as role `odoo` (trusted, superuser of this private
# cluster only: the benchmark generator loads data with triggers disabled).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGPORT=${PGPORT:-54329}
DATA=$ROOT/.local/pg/data
RUN=$ROOT/.local/pg/run
LOG=$ROOT/.local/pg/server.log

as_owner() {  # run a server-side binary as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  [ -x "$PGBIN/initdb" ] && return
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    echo "PostgreSQL server binaries not found; install Debian's 'postgresql' package." >&2; exit 1
  fi
}

init() {
  [ -f "$DATA/PG_VERSION" ] && return
  install_server
  mkdir -p "$DATA" "$RUN"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$ROOT/.local/pg"
  as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$RUN'
# Odoo 11 predates PostgreSQL 12's full-precision float output (stock UoM tests compare floats).
extra_float_digits = 0
fsync = off                 # a throwaway development/test cluster: speed over durability
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
CONF
}

# Sessions of dead clients end within seconds, so a killed Odoo worker's locks go away
# (docs/deployment.md, "PostgreSQL"): a client's socket is checked every second during a long
# statement; TCP keepalives find a vanished client host after 10 + 3 x 2 s. Reloadable
# settings, applied to new and existing clusters alike (ALTER SYSTEM + reload, no restart).
# name=value in the base unit pg_settings shows (ms, s), so the running values compare.
SESSION_SETTINGS="client_connection_check_interval=1000 tcp_keepalives_idle=10 tcp_keepalives_interval=2 tcp_keepalives_count=3"

apply_session_settings() {
  local names current
  names=$(for setting in $SESSION_SETTINGS; do printf "'%s'," "${setting%%=*}"; done)
  current=$(psql_ -U postgres -d postgres -tAc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY array_position(
    ARRAY[${names%,}], name::text)) FROM pg_settings WHERE name IN (${names%,})")
  [ "$current" = "$SESSION_SETTINGS" ] && return
  local statements=()
  for setting in $SESSION_SETTINGS; do statements+=(-c "ALTER SYSTEM SET ${setting%%=*} = ${setting#*=}"); done
  psql_ -U postgres -d postgres -q "${statements[@]}" -c "SELECT pg_reload_conf()" >/dev/null
}

start() {
  init
  if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  fi
  psql_ -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 ||
    psql_ -U postgres -d postgres -qc "CREATE ROLE odoo LOGIN SUPERUSER"
  apply_session_settings
  echo "PostgreSQL running on 127.0.0.1:$PGPORT (data in .local/pg)"
}

stop() {
  [ -f "$DATA/PG_VERSION" ] || return 0
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
}

psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" "$@"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$PGBIN/pg_ctl" -D "$DATA" status ;;
  psql) shift; psql_ -U odoo "$@" ;;
  *) echo "usage: $0 start|stop|status|psql [args]" >&2; exit 2 ;;
esac
