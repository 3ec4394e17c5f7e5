#!/usr/bin/env bash
# make lint: pre-commit's hooks (.pre-commit-config.yaml) on every file git tracks, with the
# venv's pinned linters; non-zero exit on any finding. Extra arguments go to pre-commit
# (e.g. `scripts/lint.sh --files crm_erp_bridge/models/res_partner.py`).
# A run on every file (no arguments) leaves its result in .local/lint/stamp: the key of the
# linted tree (`scripts/lint.sh --key`: the tree of the working copy of every tracked file),
# the exit code and the hooks' output. tests/test_lint.py reads it instead of linting again
# when the key is that of the tree it tests (make test lints beside the database installs).
# One run at a time (.local/lint/lock): a second one waits for the first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# The git tree of the working copy of every tracked file (staged or not), without touching
# the index: a copy of the index takes the working copy's changes.
tree_key() {
  local index
  index=$(mktemp "$ROOT/.local/lint/index.XXXXXX")
  cp "$(git rev-parse --path-format=absolute --git-path index)" "$index"
  GIT_INDEX_FILE=$index git add -u
  GIT_INDEX_FILE=$index git write-tree
  rm -f "$index"
}

mkdir -p "$ROOT/.local/lint"
if [ "${1:-}" = --key ]; then tree_key; exit 0; fi
scripts/install.sh
export PATH="$ROOT/.venv/bin:$PATH"
# pre-commit's own cache (it keeps nothing there for local hooks, but wants the folder)
export PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$ROOT/.local/pre-commit}
if [ $# -gt 0 ]; then exec pre-commit run --show-diff-on-failure --color=never "$@"; fi

exec 9> "$ROOT/.local/lint/lock"
flock 9
key=$(tree_key)
out=$(mktemp "$ROOT/.local/lint/output.XXXXXX")
set +e
pre-commit run --show-diff-on-failure --color=never --all-files | tee "$out"
rc=${PIPESTATUS[0]}
set -e
# a file changed while the hooks ran: their result is not that of either tree
if [ "$(tree_key)" = "$key" ]; then
  { echo "$key $rc"; cat "$out"; } > "$ROOT/.local/lint/stamp.new"
  mv "$ROOT/.local/lint/stamp.new" "$ROOT/.local/lint/stamp"
else
  rm -f "$ROOT/.local/lint/stamp"
fi
rm -f "$out"
exit "$rc"
