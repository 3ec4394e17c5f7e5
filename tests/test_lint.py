"""`make test` fails on a lint finding: the pre-commit hooks (flake8, pylint-odoo with the OCA's
checks for 11.0, the OCA's manifest/XML/CSV checks of each addon, its PO checks) pass on every
file git tracks.

`make test` runs scripts/lint.sh beside the database installs (it needs no database); the run
leaves its result in .local/lint/stamp with the key of the tree it linted. This test waits for
a run in progress (.local/lint/lock), reads that result when its key is the key of the tree
as it is now, and lints again when not (no stamp, or a file changed since)."""
import fcntl
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINT = os.path.join(ROOT, 'scripts', 'lint.sh')
STAMP = os.path.join(ROOT, '.local', 'lint', 'stamp')


def _tree_key():
    return subprocess.run(['bash', LINT, '--key'], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def _stamped_result(key):
    """(exit code, output) of the last full lint run when it linted the tree of `key`."""
    os.makedirs(os.path.dirname(STAMP), exist_ok=True)
    with open(os.path.join(os.path.dirname(STAMP), 'lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a run in progress (make test's) ends first
        try:
            with open(STAMP) as stamp:
                stamped_key, returncode = stamp.readline().split()
                output = stamp.read()
        except (OSError, ValueError):
            return None
    return (int(returncode), output) if stamped_key == key else None


def test_pre_commit_hooks_pass_on_every_tracked_file():
    result = _stamped_result(_tree_key())
    if result is None:
        run = subprocess.run(['bash', LINT], cwd=ROOT, capture_output=True, text=True, timeout=1800)
        result = (run.returncode, run.stdout + run.stderr[-2000:])
    returncode, output = result
    hooks = [line for line in output.splitlines() if line.endswith(('Passed', 'Failed', 'Skipped'))]
    with open(os.path.join(ROOT, '.pre-commit-config.yaml')) as config:
        configured = sum(line.lstrip().startswith('- id:') for line in config)
    assert len(hooks) == configured >= 5, output[-5000:]
    assert returncode == 0, output[-20000:]
