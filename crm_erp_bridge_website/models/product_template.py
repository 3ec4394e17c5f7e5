import logging
import threading
import time

import odoo
from odoo import SUPERUSER_ID, _, api, fields, models, tools

from odoo.addons.crm_erp_bridge.models import crm_erp_recommendation as recommendation_model
from odoo.addons.http_routing.models.ir_http import slug

from .. import queries

_logger = logging.getLogger(__name__)
# The engines' company-wide figures whose build a shop page started in this process
# (_crm_erp_engines_ready): one build at a time per database and company.
_BUILDING = set()
_BUILDING_LOCK = threading.Lock()

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
        """The block's items of the cached rows, with each template's name and page address from
        the cache too (_crm_erp_label): a cached page view reads no product from the database."""
        period = int(time.time() // CACHE_SECONDS)
        lang = self.env.lang or 'en_US'
        items = []
        for template_id, product_id, price, pair_count in rows:
            label = self._crm_erp_label(template_id, lang, period)
            if label:  # None: the template was deleted since the rows were cached
                items.append({'template': self.browse(template_id), 'name': label[0], 'url': label[1],
                              'product_id': product_id, 'price': price, 'currency': pricelist.currency_id,
                              'reason': _('Bought with %s in %d orders') % (bought_name, pair_count)})
        return items

    @api.model
    @tools.ormcache('template_id', 'lang', 'period')
    def _crm_erp_label(self, template_id, lang, period):
        """(name, page address) of a shown template in lang, or None when it no longer exists;
        cached for the time slot (period), as the block's rows."""
        # sudo: the name of a product the webshop shows (the rows keep only published products)
        template = self.sudo().with_context(lang=lang).browse(template_id).exists()
        if not template:
            return None
        return template.name, '/shop/product/%s' % slug(template)

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

    # Recommended for you (a logged-in shopper): the back office's engines (Due to re-order,
    # Discover: crm.erp.recommendation._recommend), kept per customer

    @api.model
    def _crm_erp_for_you(self, partner, pricelist, company, exclude_template_ids=(), limit=SHOWN):
        """The "recommended for you" block of a logged-in shopper (partner: their commercial
        entity): [{'template', 'product_id', 'price', 'currency', 'label', 'reason'}], the back
        office's recommendations for them in company (Due to re-order and Discover, blended,
        with the back office's plain-word reasons), only what the webshop shows and can deliver,
        at pricelist's price for one unit, without exclude_template_ids (the cart's). Cached per
        customer, pricelist, language and company until their Customer 360 changes (an order of
        theirs confirmed, cancelled) or for CACHE_SECONDS; [] for no partner."""
        if not partner:
            return []
        version = queries.customer_version(self.env.cr, company.id, partner.id)
        if not self._crm_erp_engines_ready(company):
            return []
        period = int(time.time() // CACHE_SECONDS)
        rows = self._crm_erp_for_you_rows(partner.id, pricelist.id, company.id, self.env.lang or 'en_US',
                                          version, period)
        excluded = set(exclude_template_ids)
        rows = [row for row in rows if row[0] not in excluded][:limit]
        lang = self.env.lang or 'en_US'
        items = []
        for template_id, product_id, price, label, reason in rows:
            shown = self._crm_erp_label(template_id, lang, period)
            if shown:  # None: the template was deleted since the rows were cached
                items.append({'template': self.browse(template_id), 'name': shown[0], 'url': shown[1],
                              'product_id': product_id, 'price': price, 'currency': pricelist.currency_id,
                              'label': label, 'reason': reason})
        return items

    @api.model
    @tools.ormcache('partner_id', 'pricelist_id', 'company_id', 'lang', 'version', 'period')
    def _crm_erp_for_you_rows(self, partner_id, pricelist_id, company_id, lang, version, period):
        """((template id, product id, price, intent label, reason), ...): the cached figures of
        the block, best first (FETCHED, so that the cart's products can be left out); version:
        the customer's Customer 360 state (queries.customer_version), period: the time slot."""
        # sudo: the logged-in shopper's own recommendations (products, prices and reasons only)
        env = self.sudo().with_context(lang=lang).env
        company = env['res.company'].browse(company_id)
        items = env['crm.erp.recommendation']._recommend(
            env['res.partner'].browse(partner_id), company, limit=FETCHED,
            intents=('reorder', 'discover')).get(partner_id, [])
        shown = queries.shown_templates(self.env.cr, company_id, [item['product_id'] for item in items])
        kept, seen = [], set()
        for item in items:
            template_id = shown.get(item['product_id'])
            if not template_id or template_id in seen or item['out_of_stock']:
                continue  # not in the webshop, one variant per product, nothing that cannot be delivered
            seen.add(template_id)
            kept.append((template_id, item))
        products = env['product.product'].browse([item['product_id'] for _template, item in kept])
        prices = env['product.pricelist'].browse(pricelist_id).get_products_price(
            products, [1.0] * len(products), [False] * len(products)) if products else {}
        return tuple((template_id, item['product_id'], prices.get(item['product_id'], 0.0),
                      item['intent_label'], item['reason']) for template_id, item in kept)

    @api.model
    def _crm_erp_engines_ready(self, company):
        """Whether this process holds the engines' company-wide figures of company
        (crm_erp_bridge's _ENGINE_CACHE: the back office builds them at its first call, 33 s at
        size L): a shop page never waits for that build; the first page of a process without
        them starts it in a background thread and shows no "recommended for you" block. Under
        tests, the figures are built synchronously as in the back office."""
        key = (self.env.cr.dbname, company.id, None)
        entry = recommendation_model._ENGINE_CACHE.get(key)
        registry = self.env.registry
        if entry and entry['registry'] == id(registry):
            return True
        if odoo.tools.config['test_enable'] or getattr(threading.current_thread(), 'testing', False) \
                or registry.in_test_mode():
            return True
        with _BUILDING_LOCK:
            if key in _BUILDING:
                return False
            _BUILDING.add(key)

        def build():
            try:
                with api.Environment.manage(), registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env['crm.erp.recommendation']._build_engine_figures(key, company.id, fields.Datetime.now())
            except Exception:  # pylint: disable=broad-except
                _logger.exception('Webshop recommendations: building the figures of company %s failed', company.id)
            finally:
                with _BUILDING_LOCK:
                    _BUILDING.discard(key)

        threading.Thread(target=build, name='crm_erp_webshop_engine_figures', daemon=True).start()
        return False

    # Counting what the blocks do (crm.erp.web.recommendation.event)

    @api.model
    def _crm_erp_record(self, kind, block, website, template=None):
        """Append a view (a block shown) or a click (a product opened from a block) of the current
        visit (queries.record_event: one INSERT, nothing updated)."""
        Website = self.env['website']
        return queries.record_event(
            self.env.cr, kind, block, website.id, website.company_id.id, template_id=template.id if template else None,
            partner_id=Website._crm_erp_shopper().id or None, session_key=Website._crm_erp_session_key() or None,
            uid=self.env.uid)
