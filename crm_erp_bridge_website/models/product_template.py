import time

from odoo import _, api, models, tools

from .. import queries

# A product page's recommendations are kept this long (per product, pricelist and company, in
# each worker's ORM cache): a page view then costs a dictionary lookup, and stock or affinity
# changes show within this delay.
CACHE_SECONDS = 600
# Products shown in the block.
SHOWN = 4
# Candidates read per page for SHOWN products that can be delivered (others are skipped).
FETCHED = 3 * SHOWN + 8


class ProductTemplate(models.Model):
    _inherit = 'product.template'

    @api.model
    def _crm_erp_also_bought(self, template, pricelist, company, limit=SHOWN):
        """The "customers who bought this also bought" block of template's page:
        [{'template', 'product', 'price' (pricelist's currency), 'currency', 'reason'}],
        strongest affinity first; only products that can be delivered (stockable ones with
        free or incoming stock), published and sellable. Cached (CACHE_SECONDS)."""
        period = int(time.time() // CACHE_SECONDS)
        rows = self._crm_erp_also_bought_rows(template.id, pricelist.id, company.id, limit, period)
        return self._crm_erp_shown(rows, pricelist, template.name)

    @api.model
    def _crm_erp_complete_order(self, order, company, limit=SHOWN):
        """The "complete your order" block of the cart: what was most bought with the cart's
        products (each one's cached list), not in the cart already, the most pairs first."""
        if not order or not order.order_line:
            return []
        pricelist = order.pricelist_id
        period = int(time.time() // CACHE_SECONDS)
        in_cart = set(order.order_line.mapped('product_id.product_tmpl_id').ids)
        best = {}
        for template in order.order_line.mapped('product_id.product_tmpl_id'):
            for row in self._crm_erp_also_bought_rows(template.id, pricelist.id, company.id, limit, period):
                if row[0] not in in_cart and (row[0] not in best or best[row[0]][0][3] < row[3]):
                    best[row[0]] = (row, template.name)
        chosen = sorted(best.values(), key=lambda item: (-item[0][3], item[0][0]))[:limit]
        return [item for row, name in chosen for item in self._crm_erp_shown([row], pricelist, name)]

    @api.model
    def _crm_erp_shown(self, rows, pricelist, bought_name):
        """The block's items of the cached rows, as the visitor sees the templates."""
        templates = self.browse([row[0] for row in rows]).exists()
        return [{'template': self.browse(template_id), 'product_id': product_id, 'price': price,
                 'currency': pricelist.currency_id,
                 'reason': _('Bought with %s in %d orders') % (bought_name, pair_count)}
                for template_id, product_id, price, pair_count in rows if template_id in templates.ids]

    @api.model
    @tools.ormcache('template_id', 'pricelist_id', 'company_id', 'limit', 'period')
    def _crm_erp_also_bought_rows(self, template_id, pricelist_id, company_id, limit, period):
        """((template id, product id, price, pair count), ...): the cached figures of the block;
        period: the cache's time slot (a new slot recomputes)."""
        candidates = queries.also_bought(self.env.cr, company_id, template_id, FETCHED)
        # sudo: stock figures of published products, for any visitor (numbers only)
        stock = self.env['product.product'].sudo()._get_free_and_incoming_qty(
            [product_id for product_id, _template, _type, _pairs in candidates], company_id)
        kept, seen = [], set()
        for product_id, candidate_template_id, product_type, pairs in candidates:
            free, incoming = stock.get(product_id, (0.0, 0.0))
            if candidate_template_id in seen or (product_type == 'product' and free <= 0 and incoming <= 0):
                continue  # one variant per product; nothing that cannot be delivered
            seen.add(candidate_template_id)
            kept.append((candidate_template_id, product_id, pairs))
            if len(kept) == limit:
                break
        # sudo: the website's pricelist prices of published products, for any visitor
        products = self.env['product.product'].sudo().browse([product_id for _t, product_id, _p in kept])
        prices = self.env['product.pricelist'].sudo().browse(pricelist_id).get_products_price(
            products, [1.0] * len(products), [False] * len(products)) if products else {}
        return tuple((template, product_id, prices.get(product_id, 0.0), pairs) for template, product_id, pairs in kept)
