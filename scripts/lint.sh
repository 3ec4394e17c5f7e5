#!/usr/bin/env bash
# make lint: pre-commit's hooks (.pre-commit-config.yaml) on every file git tracks, with the
# venv's pinned linters; non-zero exit on any finding. Extra arguments go to pre-commit
# (e.g. `scripts/lint.sh --files crm_erp_bridge/models/res_partner.py`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install.sh
export PATH="$ROOT/.venv/bin:$PATH"
# pre-commit's own cache (it keeps nothing there for local hooks, but wants the folder)
export PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$ROOT/.local/pre-commit}
if [ $# -eq 0 ]; then set -- --all-files; fi
exec pre-commit run --show-diff-on-failure --color=never "$@"
