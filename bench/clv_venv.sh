#!/usr/bin/env bash
# The bench-only venv of bench/evaluate_clv.py: the reference CLV library (lifetimes, with the
# pandas/autograd it needs) and matplotlib for the plot. Never a runtime dependency of the addon.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.local/clv-bench-venv
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import lifetimes, matplotlib' 2>/dev/null && exit 0
python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check lifetimes==0.11.3 matplotlib==3.11.2 \
  pandas==3.1.1 numpy==2.4.6 scipy==1.17.1 autograd==1.9.1 dill==0.4.1
