from odoo import api, models

from ..queries import sales_forecast as forecast_queries


class CrmTeam(models.Model):
    _inherit = 'crm.team'

    # Sales forecast
    @api.multi
    def unlink(self):
        """A deleted team's rows of the sales forecast go with it (their table has no foreign
        keys: queries/sales_forecast.py)."""
        forecast_queries.delete_team_rows(self.env.cr, self.ids)
        return super().unlink()
