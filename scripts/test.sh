#!/usr/bin/env bash
# make test: installs what is missing, starts PostgreSQL, copies the cached template into a
# fresh test database, installs crm_erp_bridge (demo data included) and runs every test
# (the addon's Odoo test cases through pytest-odoo, and the project's own tests/).
# Environment: TEST_DB (default crm_erp_bridge_test), PYTEST_ARGS (e.g. "-k rfm -x").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/db.sh
TEST_DB=${TEST_DB:-crm_erp_bridge_test}

scripts/install.sh
scripts/pg.sh start
start=$(date +%s)
fresh_db "$TEST_DB"
install_addon "$TEST_DB"
# a test-only addon that extends crm_erp_bridge through its extension points (test_extension_points)
MODULE=crm_erp_bridge_test_extension install_addon "$TEST_DB"
echo "crm_erp_bridge installed on $TEST_DB in $(( $(date +%s) - start )) s"

export CRM_ERP_TEST_DB=$TEST_DB
set +e
eval "extra_args=(${PYTEST_ARGS:-})"  # shell words, so -k 'a or b' stays one argument
.venv/bin/pytest -p no:cacheprovider --odoo-config=.local/odoo.conf --odoo-database="$TEST_DB" \
  "${extra_args[@]}" crm_erp_bridge tests
rc=$?
set -e
# pytest's 5 means no test ran: that is a failure of the suite, not a pass.
[ $rc -eq 5 ] && echo "No test ran." >&2
exit $rc
