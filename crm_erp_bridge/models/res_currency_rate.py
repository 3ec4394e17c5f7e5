from odoo import api, models

from ..queries.common import ensure_index


class ResCurrencyRate(models.Model):
    _inherit = 'res.currency.rate'

    # Customer 360

    @api.model_cr
    def init(self):
        """crm_erp_bridge_currency_factor looks up the latest rate of a currency on or before a
        day once per foreign-currency document: an index on (currency, day descending) makes each
        lookup one index probe instead of a scan of every rate (measured in bench/RESULTS.md)."""
        ensure_index(self.env.cr, 'res_currency_rate_crm_erp_bridge_lookup_idx', 'res_currency_rate',
                     ['currency_id', 'name DESC'])
