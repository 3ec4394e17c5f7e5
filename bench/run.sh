#!/usr/bin/env bash
# make bench SIZE=XS|S|M|L|XL: generates <prefix><size>_base (dependencies' template + generated data,
# no addon), copies it to <prefix><size>, installs crm_erp_bridge there (timed), adds the
# opportunity product lines, runs the benchmarks and appends the figures to bench/RESULTS.md.
# Environment: BENCH_REPS (runs per figure, default 5), BENCH_DB_PREFIX (default bench_),
# BENCH_KEEP=1 keeps both databases afterwards, BENCH_REUSE=1 reuses them when present,
# BENCH_REUSE_BASE=1 reuses only the generated database (new copy, addon installed again),
# BENCH_ONLY=1,3,5,7 runs only those benchmarks, BENCH_RESULTS (file to append to, default bench/RESULTS.md; "-" for none).
# Load test (bench/load.py): BENCH_LOAD=1,4,8,16 (client counts) runs it after the benchmarks,
# BENCH_ONLY=load instead of them; BENCH_LOAD_SECONDS per phase (default 60),
# BENCH_LOAD_WORKERS (server --workers, default 4; 0 = threaded), BENCH_LOAD_ALSO_WITHOUT_NIGHTLY=1
# (each client count also on the addon's database with the nightly jobs off).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/db.sh
SIZE=${1:-S}
case "$SIZE" in XS|T|S|M|L|XL) ;; *) echo "SIZE must be S, M, L or XL (XS: the CI smoke size; T: tiny)" >&2; exit 2 ;; esac
REPS=${BENCH_REPS:-5}
DB=${BENCH_DB_PREFIX:-bench_}$(echo "$SIZE" | tr 'A-Z' 'a-z')
BASE=${DB}_base
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
PY=.venv/bin/python
STORE=.local/filestore/filestore

copy_db() {  # copy_db SRC DST: database and filestore
  psql_odoo -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)"
  psql_odoo -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\""
  rm -rf "$STORE/$2"
  [ -d "$STORE/$1" ] && cp -r "$STORE/$1" "$STORE/$2"
  return 0
}

drop_dbs() {
  for db in "$DB" "$BASE"; do
    psql_odoo -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
    rm -rf "${STORE:?}/$db"
  done
}
[ "${BENCH_KEEP:-0}" = 1 ] || trap drop_dbs EXIT

scripts/pg.sh start
t0=$(date +%s)
if [ "${BENCH_REUSE:-0}" = 1 ] && db_exists "$DB" && db_exists "$BASE" && [ "$(module_state "$DB" crm_erp_bridge)" = installed ]; then
  echo "== reusing $BASE and $DB"
  INSTALL_SECONDS=$(cat ".local/bench-install-$DB.txt" 2>/dev/null || echo "")
else
  if [ "${BENCH_REUSE_BASE:-0}" = 1 ] && db_exists "$BASE"; then
    echo "== reusing $BASE (generated data, no addon)"
  else
    echo "== $BASE: dependencies' template + generated data (size $SIZE)"
    fresh_db "$BASE"
    $PY bench/generate.py "$BASE" "$SIZE"
    # A production database: the addon installs without its demo data (the dependencies' demo
    # records stay; the generated data is the data).
    scripts/pg.sh psql -d "$BASE" -qtA -c "UPDATE ir_module_module SET demo = FALSE"
  fi
  echo "== $DB: copy of $BASE"
  copy_db "$BASE" "$DB"
  echo "== installing crm_erp_bridge on $DB (timed)"
  start=$(date +%s.%N)
  install_addon "$DB" --without-demo=all
  INSTALL_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
  echo "$INSTALL_SECONDS" > ".local/bench-install-$DB.txt"
  echo "   installed in ${INSTALL_SECONDS} s"
  $PY bench/generate.py "$DB" "$SIZE" --after-install
  echo "   databases ready in $(( $(date +%s) - t0 )) s"
fi
args=(--db "$DB" --base-db "$BASE" --size "$SIZE" --reps "$REPS" --json "bench/out/$DB.json"
      --command "$(for v in BENCH_REPS BENCH_KEEP BENCH_REUSE BENCH_REUSE_BASE BENCH_NAIVE_SAMPLE BENCH_ONLY; do
                   [ -n "${!v:-}" ] && printf '%s=%s ' "$v" "${!v}"; done; true)make bench SIZE=$SIZE")
[ -n "$INSTALL_SECONDS" ] && args+=(--install-seconds "$INSTALL_SECONDS")
[ "$RESULTS" != - ] && args+=(--results "$RESULTS")
[ -n "${BENCH_ONLY:-}" ] && args+=(--only "$BENCH_ONLY")
[ "${BENCH_ONLY:-}" = load ] || $PY bench/bench.py "${args[@]}"
if [ -n "${BENCH_LOAD:-}" ]; then
  load=(--db "$DB" --base-db "$BASE" --clients "$BENCH_LOAD" --seconds "${BENCH_LOAD_SECONDS:-60}"
        --workers "${BENCH_LOAD_WORKERS:-4}" --json "bench/out/$DB-load.json"
        --command "$(for v in BENCH_REUSE BENCH_REUSE_BASE BENCH_ONLY BENCH_LOAD BENCH_LOAD_SECONDS BENCH_LOAD_WORKERS BENCH_LOAD_ALSO_WITHOUT_NIGHTLY; do
                     [ -n "${!v:-}" ] && printf '%s=%s ' "$v" "${!v}"; done; true)make bench SIZE=$SIZE")
  [ "$RESULTS" != - ] && load+=(--results "$RESULTS")
  [ "${BENCH_LOAD_ALSO_WITHOUT_NIGHTLY:-0}" = 1 ] && load+=(--also-without-nightly)
  $PY bench/load.py "${load[@]}"
fi
echo "== done in $(( $(date +%s) - t0 )) s; figures: bench/out/$DB.json${RESULTS:+, $RESULTS}"
