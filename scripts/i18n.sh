#!/usr/bin/env bash
# make i18n: regenerates crm_erp_bridge/i18n/crm_erp_bridge.pot from a database with the addon
# installed without demo data (demo records are not product text; the database
# $I18N_DB is kept for the next run), then merges it into every
# .po of the folder, keeping the existing translations (msgmerge, Debian's gettext).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/db.sh
DB=${I18N_DB:-crm_erp_bridge_i18n}
I18N=$ROOT/crm_erp_bridge/i18n
command -v msgmerge >/dev/null || { echo "msgmerge missing: apt-get install gettext" >&2; exit 1; }

# The database is kept between runs (an update is faster than an install).
if db_exists "$DB"; then action=-u; else action=-i; fi
scripts/odoo -d "$DB" $action crm_erp_bridge --without-demo=all --stop-after-init --log-level=warn \
  > "$ROOT/.local/i18n.log" 2>&1 || { tail -30 "$ROOT/.local/i18n.log"; exit 1; }
mkdir -p "$I18N"
# Odoo 11 writes a template (no language) only to a .po name.
scripts/odoo -d "$DB" --modules=crm_erp_bridge --i18n-export="$ROOT/.local/crm_erp_bridge.po" \
  --stop-after-init --log-level=warn
mv "$ROOT/.local/crm_erp_bridge.po" "$I18N/crm_erp_bridge.pot"
for po in "$I18N"/*.po; do
  [ -e "$po" ] || continue
  msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$I18N/crm_erp_bridge.pot"
done
echo "Exported $(grep -c '^msgid ' "$I18N/crm_erp_bridge.pot") terms to crm_erp_bridge/i18n/crm_erp_bridge.pot"
