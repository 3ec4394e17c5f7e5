#!/usr/bin/env bash
# make run: creates the demo database (dependencies + crm_erp_bridge + demo data) if it is
# missing, else updates the addon; then serves the web client on 127.0.0.1:8069.
# WORKERS=N (N > 0): prefork as in production, N HTTP workers + a cron worker + the gevent
# longpolling process on LONGPOLLING_PORT (chat, notifications); docs/deployment.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/db.sh
DB=${DB:-crm_erp_bridge}
PORT=${PORT:-8069}
WORKERS=${WORKERS:-0}
LONGPOLLING_PORT=${LONGPOLLING_PORT:-8072}

if ! db_exists "$DB"; then
  echo "Creating database $DB with demo data..."
  fresh_db "$DB"
fi
install_addon "$DB"
server_mode=(--workers="$WORKERS")
if [ "$WORKERS" -gt 0 ]; then
  server_mode+=(--max-cron-threads=1 --longpolling-port="$LONGPOLLING_PORT")
  echo "Prefork: $WORKERS HTTP workers, 1 cron worker, longpolling on 127.0.0.1:$LONGPOLLING_PORT"
fi
echo "Serving http://127.0.0.1:$PORT  (database $DB, login admin / password admin; Ctrl-C stops)"
exec scripts/odoo -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" "${server_mode[@]}" --log-level=info
