import ast
import os
import re

from odoo.tests.common import SavepointCase

ADDON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Where SQL text may live (docs/architecture.md): the queries package; the SQL-view reporting
# models (_select/_from/_group_by); the low-level libraries that run any query (sql.py: prepared
# statements, binary COPY; orm.py: bulk create/write; run_lock.py: its lock table); the tests.
ALLOWED = ('queries/', 'report/', 'tests/', 'sql.py', 'orm.py', 'run_lock.py')

# An SQL statement: one of these keywords (upper case, as the addon writes SQL) opening a line.
_STATEMENT = re.compile(
    r'^\s*\(?\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\S+\s+(AS\s+\w+\s+)?SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s'
    r'|CREATE\s|DROP\s|ALTER\s|TRUNCATE\s|ANALYZE\s|SET\s+LOCAL\s|PREPARE\s|EXECUTE\s|COPY\s)', re.M)


def sql_texts(path):
    """(line, text) of the string constants of the Python file that hold an SQL statement."""
    with open(path, encoding='utf-8') as source:
        tree = ast.parse(source.read(), path)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _STATEMENT.search(node.value)]


class TestSqlHome(SavepointCase):

    def test_no_sql_outside_its_homes(self):
        """No SQL statement in the addon's Python code outside queries/, the report views and
        the low-level libraries."""
        found = []
        for folder, _dirs, files in os.walk(ADDON):
            for name in files:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, ADDON).replace(os.sep, '/')
                if name.endswith('.py') and not relative.startswith(ALLOWED):
                    found += ['%s:%d %s' % (relative, line, text.strip()[:60]) for line, text in sql_texts(path)]
        self.assertEqual(found, [])

    def test_the_check_finds_sql(self):
        """The check sees statements however they are laid out, and not prose."""
        self.assertTrue(_STATEMENT.search('\n    SELECT id FROM res_partner'))
        self.assertTrue(_STATEMENT.search('UPDATE "{table}" SET write_date = write_date'))
        self.assertTrue(_STATEMENT.search('DELETE FROM crm_erp_best_seller WHERE product_id = ANY(%s)'))
        self.assertTrue(_STATEMENT.search("SET LOCAL jit = off"))
        self.assertTrue(_STATEMENT.search('WITH folded AS (DELETE FROM x RETURNING *) SELECT 1'))
        self.assertFalse(_STATEMENT.search('Create RFQs for the shortfall of the products.'))
        self.assertFalse(_STATEMENT.search('Delete the rows of archived partners.'))
        queries = os.path.join(ADDON, 'queries', 'stock.py')
        self.assertTrue(sql_texts(queries), 'the queries themselves are found')
