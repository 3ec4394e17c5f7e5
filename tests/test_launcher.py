"""`scripts/odoo` passes Odoo's subcommands: the project's config goes after the subcommand
(Odoo reads a subcommand only as the first argument), and not to the commands that have their
own argument parser (scaffold, deploy, help)."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO = os.path.join(ROOT, 'scripts', 'odoo')


def run_odoo(*args, stdin=None):
    return subprocess.run([ODOO, *args], input=stdin, capture_output=True, text=True, timeout=600)


def test_shell_runs_a_script_on_the_database(test_database):
    script = ("print('STATE', env['ir.module.module'].search([('name', '=', 'crm_erp_bridge')]).state)\n"
              "print('PARTNERS', env['res.partner'].search_count([]) > 0)\n")
    result = run_odoo('shell', '-d', test_database, '--log-level=warn', stdin=script)
    assert result.returncode == 0, result.stderr
    assert 'unrecognized parameters' not in result.stderr
    assert 'STATE installed' in result.stdout
    assert 'PARTNERS True' in result.stdout


def test_server_subcommand_and_plain_flags_read_the_config():
    for args in (('--version',), ('server', '--version')):
        result = run_odoo(*args)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == 'Odoo Server 11.0'


def test_scaffold_and_help_get_their_own_arguments(tmp_path):
    result = run_odoo('scaffold', 'launcher_probe', str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / 'launcher_probe' / '__manifest__.py'
    assert "'name': \"launcher_probe\"" in manifest.read_text()

    result = run_odoo('help')
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()[:1].isalpha()}
    assert {'server', 'shell', 'scaffold', 'deploy', 'start'} <= listed
