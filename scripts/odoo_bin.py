"""Odoo's command line for the project's venv (what odoo-bin is in a source checkout).

`scripts/odoo` runs this file with the venv's interpreter. It must be a real file, not
`python -c`: Odoo starts copies of itself as `sys.executable sys.argv[0] ...` — the prefork
server its longpolling process (`... gevent ...`), and a restart (SIGHUP, or modules downloaded
from the Apps store) re-executes the server the same way.
"""
import odoo.cli

if __name__ == '__main__':
    odoo.cli.main()
