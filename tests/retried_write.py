"""A remote write that Odoo has to run twice: another transaction holds the row it writes and
commits while the write waits for it, so under Odoo's REPEATABLE READ the write's first attempt
fails with a serialization failure and odoo.service.model.check runs the call again."""
import threading
import uuid

import odoo
from browser import wait_until


def write_retried(database, call, name):
    """call(model, method, *args) is a remote call (XML-RPC, or Odoo's dispatch of one). A new
    partner's row is updated by another transaction, which keeps it; call writes the partner's
    name in a thread, which waits for that row; the other transaction commits. Returns (the
    write's error or None, the partner's (name, display name, comment) as committed, the
    expected ones: both writes kept); the partner is removed."""
    tag = uuid.uuid4().hex[:8]
    partner_id = call('res.partner', 'create', {'name': 'Retry %s' % tag})
    try:
        outcome = {}

        def write():
            try:
                call('res.partner', 'write', [partner_id], {'name': name})
            except Exception as error:  # reported by the caller's assertion
                outcome['error'] = error
        holder = odoo.sql_db.db_connect(database).cursor()
        try:
            holder.execute("UPDATE res_partner SET comment = %s WHERE id = %s", [tag, partner_id])
            holder.execute("SELECT pg_backend_pid()")
            holder_pid = holder.fetchone()[0]
            writer = threading.Thread(target=write)
            writer.start()
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
            wait_until(lambda: _sql(database, waiting, [holder_pid])[0][0], 60, 'the write did not wait for the row')
            holder.commit()
        finally:
            holder.close()
        writer.join(120)
        assert not writer.is_alive(), 'the write did not end'
        row = _sql(database, "SELECT name, display_name, comment FROM res_partner WHERE id = %s", [partner_id])[0]
        return outcome.get('error'), row, (name, name, tag)
    finally:
        call('res.partner', 'unlink', [partner_id])


def _sql(database, query, params):
    with odoo.sql_db.db_connect(database).cursor() as cr:  # a transaction of its own, committed
        cr.execute(query, params)
        return cr.fetchall()
