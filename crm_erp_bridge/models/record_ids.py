from odoo import _
from odoo.exceptions import UserError


def browse_existing(model, ids, label):
    """The records of model with ids (a list of ints from an API caller), or a clear
    UserError naming what is wrong."""
    if not isinstance(ids, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise UserError(_('%s must be a list of ids.') % label)
    records = model.browse(ids).exists()
    missing = set(ids) - set(records.ids)
    if missing:
        raise UserError(_('%s: no record with id %s.') % (label, ', '.join(map(str, sorted(missing)))))
    return records
