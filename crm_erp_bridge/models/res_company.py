from odoo import fields, models


class ResCompany(models.Model):
    """Per-company settings of the bridge (edited through res.config.settings)."""
    _inherit = 'res.company'
