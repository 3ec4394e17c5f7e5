"""`make test` fails on a lint finding: the pre-commit hooks (flake8, pylint-odoo with the OCA's
checks for 11.0, the OCA's manifest/XML/CSV checks of each addon, its PO checks) pass on every
file git tracks."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pre_commit_hooks_pass_on_every_tracked_file():
    result = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lint.sh')], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    hooks = [line for line in result.stdout.splitlines() if line.endswith(('Passed', 'Failed', 'Skipped'))]
    with open(os.path.join(ROOT, '.pre-commit-config.yaml')) as config:
        configured = sum(line.lstrip().startswith('- id:') for line in config)
    assert len(hooks) == configured >= 5, result.stdout[-5000:] + result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-2000:]
