#!/usr/bin/env bash
# make wheel: builds dist/odoo11_addon_crm_erp_bridge-<version>-py3-none-any.whl with
# setuptools-odoo (setup/crm_erp_bridge/setup.py, the OCA's Odoo 11 layout), from the files git
# tracks, with the venv's pinned setuptools-odoo (no build isolation: nothing is downloaded).
# Version: the manifest's, plus .99.devN for the N commits since it last changed (OCA's rule).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install.sh
DIST=${WHEEL_DIR:-$ROOT/dist}
mkdir -p "$DIST"
cd setup/crm_erp_bridge
# a stale egg-info or build folder would add files git no longer tracks
rm -rf build ./*.egg-info
log=$(mktemp)
if ! "$ROOT/.venv/bin/pip" wheel --no-deps --no-build-isolation --wheel-dir "$DIST" . > "$log" 2>&1; then
  grep -v '^WARNING: Location' "$log" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
rm -rf build ./*.egg-info
ls -t "$DIST"/odoo11_addon_crm_erp_bridge-*.whl | head -1
