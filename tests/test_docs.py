"""The docs stay where issue 15 put them: a README of at most 200 lines, the addon's
README.rst and index.html rendered from its readme fragments, and every relative link of the
Markdown docs (and every repository path the README names) pointing at a file that exists."""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKDOWN = ['README.md', 'CONTRIBUTING.md', 'odoo_py311/README.md', 'bench/RESULTS.md', *sorted(
    os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, 'docs', '*.md')))]
LINK = re.compile(r'\]\(([^)\s]+)\)')
README_PATH = re.compile(r'`((?:crm_erp_bridge|docs|scripts|tests|bench|examples|odoo_py311|setup)/[\w./-]*)`')


def read(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as doc:
        return doc.read()


def test_readme_is_short():
    assert len(read('README.md').splitlines()) <= 200


def test_addon_readme_is_rendered_from_its_fragments():
    result = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'readme.py'), '--check'],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    html = read('crm_erp_bridge/static/description/index.html')
    for section in ('Installation', 'Configuration', 'Usage', 'Known issues / Roadmap', 'Credits'):
        assert '>%s</a>' % section in html, section


def test_relative_links_and_paths_exist():
    missing = []
    for doc in MARKDOWN:
        text = read(doc)
        for target in LINK.findall(text):
            if re.match(r'[a-z]+:', target) or target.startswith('#'):
                continue  # a web address or an anchor of the same page
            path = os.path.normpath(os.path.join(os.path.dirname(doc), target.split('#')[0]))
            if not os.path.exists(os.path.join(ROOT, path)):
                missing.append('%s: %s' % (doc, target))
    for path in README_PATH.findall(read('README.md')):
        if not glob.glob(os.path.join(ROOT, path.rstrip('/') + '*')):
            missing.append('README.md: `%s`' % path)
    assert missing == []
