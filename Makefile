# crm_erp_bridge — the two commands a user needs are `make run` and `make test`.
.PHONY: run test install db-start db-stop bench i18n wheel lint readme clean

install:            ## venv with Odoo 11 + pinned deps, lessc, Debian packages (as root)
	@bash scripts/install.sh

db-start: install   ## project-private PostgreSQL on 127.0.0.1:54329
	@bash scripts/pg.sh start

db-stop:
	@bash scripts/pg.sh stop

WORKERS ?= 0
run: db-start       ## demo database crm_erp_bridge, web client on http://127.0.0.1:8069 (admin/admin); WORKERS=4: prefork
	@WORKERS=$(WORKERS) bash scripts/run.sh

test: db-start      ## fresh test database, all tests; non-zero exit on any failure
	@bash scripts/test.sh

SIZE ?= S
bench: db-start     ## benchmarks on a generated database (SIZE=XS|S|M|L|XL), figures in bench/RESULTS.md
	@bash bench/run.sh $(SIZE)

i18n: db-start      ## regenerates crm_erp_bridge/i18n/*.pot and merges it into the .po files
	@bash scripts/i18n.sh

lint: install       ## pre-commit's hooks (flake8, pylint-odoo, OCA's XML/CSV/PO checks) on every tracked file
	@bash scripts/lint.sh

readme: install     ## crm_erp_bridge/README.rst and static/description/index.html from crm_erp_bridge/readme/
	@.venv/bin/python scripts/readme.py

wheel: install      ## dist/odoo11_addon_crm_erp_bridge-*.whl, pip-installable (docs/packaging.md)
	@bash scripts/wheel.sh

clean: db-stop      ## removes the venv, the cluster and every database
	rm -rf .venv .local
