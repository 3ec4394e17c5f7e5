#!/usr/bin/env bash
# make run: creates the demo database (dependencies + crm_erp_bridge + demo data) if it is
# missing, else updates the addon; then serves the web client on 127.0.0.1:8069.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/db.sh
DB=${DB:-crm_erp_bridge}
PORT=${PORT:-8069}

if ! db_exists "$DB"; then
  echo "Creating database $DB with demo data..."
  fresh_db "$DB"
fi
install_addon "$DB"
echo "Serving http://127.0.0.1:$PORT  (database $DB, login admin / password admin; Ctrl-C stops)"
exec scripts/odoo -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" --log-level=info
