"""SQL helpers shared by the addon's set-based code."""
import hashlib
import re

_NAMED_PARAMETER = re.compile(r'%\((\w+)\)s|%%')


def execute_prepared(cr, query, params):
    """Execute query (psycopg2 %(name)s placeholders) as a prepared statement of cr's
    connection, planned once with a generic plan and reused by every later call on that
    connection. For wide statements run for one record at a time, where PostgreSQL spends
    more time planning than executing. The statement is named after its text, so a changed
    query (module update) gets a new one. Parameter types are inferred by PostgreSQL: cast
    the placeholders it cannot infer (e.g. %(uid)s::integer in a SELECT list)."""
    names = []

    def positional(match):
        if match.group(0) == '%%':
            return '%'
        if match.group(1) not in names:
            names.append(match.group(1))
        return '$%d' % (names.index(match.group(1)) + 1)
    text = _NAMED_PARAMETER.sub(positional, query)
    name = 'crm_erp_' + hashlib.sha1(text.encode()).hexdigest()[:16]
    cr.execute('SELECT 1 FROM pg_prepared_statements WHERE name = %s', [name])
    if not cr.fetchone():
        cr.execute('PREPARE %s AS %s' % (name, text))
    if cr._cnx.server_version >= 120000:
        # prepared statements only (Odoo runs none): plan once, not again for each of the first calls
        cr.execute('SET LOCAL plan_cache_mode = force_generic_plan')
    cr.execute('EXECUTE %s (%s)' % (name, ', '.join(['%s'] * len(names))), [params[key] for key in names])
