import random
from datetime import datetime, timedelta

from odoo import api, fields, models

# Planted co-purchase bundles (demo xml ids without the `product_` prefix): the first
# product is the anchor of the bundle, the others are bought with it most of the time.
BUNDLES = {
    'workspace': ['office_chair', 'standing_desk', 'desk_lamp', 'monitor_arm', 'footrest'],
    'laptop': ['laptop_pro', 'wireless_mouse', 'laptop_bag', 'usb_dock', 'keyboard'],
    'light_laptop': ['laptop_air', 'wireless_mouse', 'laptop_bag', 'headset'],
    'screens': ['monitor_27', 'monitor_arm', 'hdmi_cable', 'usb_dock'],
    'printing': ['laser_printer', 'toner', 'copy_paper'],
    'supplies': ['copy_paper', 'pens', 'sticky_notes', 'notebook', 'binders', 'toner'],
    'coffee': ['coffee_machine', 'coffee_beans', 'mugs', 'milk_frother'],
    'refills': ['coffee_beans', 'tea_selection', 'mugs'],
    'meeting': ['conference_camera', 'speakerphone', 'whiteboard', 'projector_screen'],
}
# Consumables ordered in tens; everything else in ones.
BULK = {'copy_paper', 'pens', 'sticky_notes', 'notebook', 'binders', 'coffee_beans', 'tea_selection',
        'usb_stick', 'hdmi_cable'}

# Customer rhythms (demo xml ids without the `customer_` prefix):
# (bundles they buy, days between orders, days since first order, days since last order)
PROFILES = {
    # frequent and recent: RFM champions
    'northwind': (['laptop', 'supplies', 'screens'], 42, 540, 6),
    'stellar_soft': (['workspace', 'laptop', 'screens'], 39, 520, 9),
    'urbanbrew': (['coffee', 'refills'], 36, 500, 4),
    'quantum_labs': (['meeting', 'screens', 'laptop'], 46, 480, 12),
    'hexagon_it': (['laptop', 'light_laptop', 'screens'], 44, 530, 15),
    # steady: loyal
    'bluepeak': (['supplies', 'refills'], 72, 540, 20),
    'acme_legal': (['printing', 'supplies'], 78, 530, 25),
    'medicore': (['workspace', 'printing'], 84, 500, 18),
    'brightschool': (['supplies', 'meeting'], 91, 540, 35),
    'oakwood_retail': (['printing', 'coffee'], 98, 450, 28),
    'vertex_eng': (['screens', 'workspace'], 78, 520, 40),
    # used to order, stopped: at risk
    'greenfield': (['workspace', 'screens'], 52, 540, 170),
    'polar_energy': (['laptop', 'supplies'], 58, 500, 190),
    'alpine_insure': (['printing', 'supplies'], 46, 530, 160),
    'nordic_freight': (['light_laptop', 'supplies'], 65, 520, 210),
    # ordered long ago only: hibernating / lost
    'atlas_build': (['workspace'], 78, 540, 420),
    'sunrise_media': (['screens', 'meeting'], 65, 520, 380),
    'golden_gate_travel': (['light_laptop'], 117, 500, 330),
    # one recent order: new customers
    'metro_realty': (['workspace'], 0, 12, 12),
    'evergreen_ngo': (['supplies'], 0, 25, 25),
    'crescent_events': (['meeting'], 0, 8, 8),
    # a few orders: repeat customers
    'harbor_bank': (['workspace', 'printing'], 156, 300, 60),
    'riverside_hotel': (['coffee', 'refills'], 117, 280, 100),
    'coastal_dental': (['printing'], 130, 250, 50),
    'redwood_law': (['printing', 'supplies'], 143, 340, 120),
    'pixel_studio': (['screens', 'light_laptop'], 104, 200, 40),
    'cityhall_services': (['supplies'], 156, 400, 160),
    'summit_health': (['workspace'], 195, 330, 30),
    'blue_ocean_ship': (['laptop'], 117, 260, 80),
    'fresh_market': (['coffee'], 130, 210, 10),
    'lakeside_uni': (['meeting', 'printing'], 182, 450, 170),
    'ironclad_mfg': (['workspace', 'supplies'], 156, 380, 140),
}
# Open quotations for pipeline demand: (customer, bundle, days since quotation, sent?)
QUOTATIONS = [
    ('stellar_soft', 'workspace', 2, True),
    ('northwind', 'laptop', 4, True),
    ('quantum_labs', 'meeting', 1, False),
    ('bluepeak', 'coffee', 6, True),
    ('harbor_bank', 'screens', 3, False),
    ('metro_realty', 'workspace', 5, True),
    ('urbanbrew', 'coffee', 2, False),
    ('greenfield', 'workspace', 9, True),
]
# Free stock wanted at the end (units); anything not listed gets 40.
STOCK_LEVELS = {
    'standing_desk': 3, 'office_chair': 6, 'laptop_pro': 2, 'conference_camera': 0,
    'coffee_machine': 1, 'monitor_27': 4, 'projector': 0, 'copy_paper': 300, 'coffee_beans': 25,
    'wall_clock': 0, 'custom_sign': 0, 'shredder': 1,
}
DELIVERED_AFTER_DAYS = 10  # orders older than this have been delivered
SEED = 11
# Product lines of the opportunities of demo/crm_lead_demo.xml (xml ids without `opp_` and
# `product_`): (product, quantity). Their expected revenue is the lines' total at list price.
# Vertex's records room (80 %, in 45 days) wants 5 paper shredders (4 expected), 1 is in stock
# and nobody else wants one: a shortfall of 3 that "Create RFQs for shortfall" closes (the
# vendor delivers in 10 days). Bluepeak's espresso machines stay short: quotations want them this week already.
OPPORTUNITY_LINES = {
    'delta_labs': [('standing_desk', 6), ('office_chair', 6), ('filing_cabinet', 4)],
    'orbit_meeting': [('conference_camera', 2), ('speakerphone', 2), ('projector', 2), ('projector_screen', 2)],
    'stellar_expansion': [('standing_desk', 20), ('office_chair', 20), ('desk_lamp', 20)],
    'northwind_laptops': [('laptop_pro', 10), ('usb_dock', 10), ('laptop_bag', 10)],
    'bluepeak_breakroom': [('coffee_machine', 3), ('milk_frother', 3), ('mugs', 6), ('coffee_beans', 20)],
    'quantum_projectors': [('projector', 4), ('projector_screen', 4)],
    'lakeside_campus': [('laser_printer', 8), ('toner', 24), ('copy_paper', 300)],
    'harbor_branch': [('standing_desk', 12), ('office_chair', 12), ('monitor_27', 12)],
    'medicore_clinic': [('office_chair', 8), ('laser_printer', 2), ('water_dispenser', 1)],
    'atlas_site': [('desktop_tower', 3), ('monitor_24', 3), ('laser_printer', 1)],
    'sunrise_studio': [('monitor_27', 12), ('monitor_arm', 6)],
    'vertex_records': [('shredder', 5), ('bookshelf', 6)],
}
# A product pair shows in the affinity from this many orders with both: a pair seen in two
# orders is chance (Odoo's own demo orders put its Switch and Datacard together twice, lift 87.5).
AFFINITY_MIN_COUNT = 3


class CrmErpBridgeDemo(models.AbstractModel):
    """Builds the demo's 18-month trading history on the records of demo/*.xml: confirmed
    and delivered sale orders with planted co-purchase patterns and distinct customer
    rhythms, open quotations, vendor receipts (on time and late) and stock levels."""
    _name = 'crm.erp.bridge.demo'
    _description = 'CRM-ERP Bridge demo history'

    def _ref(self, xml_id):
        return self.env.ref('crm_erp_bridge.' + xml_id)

    @api.model
    def _generate_history(self):
        # No chatter for generated history: it would only repeat "Quotation created" 250 times.
        self = self.with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
        rng = random.Random(SEED)
        now = datetime.now().replace(microsecond=0)
        self.env.user.company_id.affinity_min_count = AFFINITY_MIN_COUNT
        orders = self.env['sale.order']
        for customer, (bundles, interval, first_days, last_days) in sorted(PROFILES.items()):
            days = first_days
            while days >= last_days:
                orders |= self._create_order(customer, rng.choice(bundles), now - timedelta(days=days), rng)
                if not interval:
                    break
                days -= max(1, int(interval * rng.uniform(0.7, 1.3)))
        # Confirmed one at a time (sale's _action_confirm reads one order's lines at a time), in
        # date order and each as of its own date: the Customer 360 stage history then tells each
        # customer's story (new, repeat, loyal, ...) with real days in stage.
        for order in orders.sorted('date_order'):
            order.with_context(customer_360_date=order.date_order[:10]).action_confirm()
            order.confirmation_date = order.date_order
        self._deliver(orders.filtered(
            lambda o: fields.Datetime.from_string(o.date_order) < now - timedelta(days=DELIVERED_AFTER_DAYS)))
        for customer, bundle, days, sent in QUOTATIONS:
            quotation = self._create_order(customer, bundle, now - timedelta(days=days), rng)
            if sent:
                quotation.state = 'sent'
        self._generate_purchases(now, rng)
        self._set_stock_levels()

    def _create_order(self, customer, bundle, date, rng):
        products = BUNDLES[bundle]
        chosen = [products[0]] + [p for p in products[1:] if rng.random() < 0.6]
        if rng.random() < 0.25:  # some noise outside the bundle
            chosen.append(rng.choice(sorted(BULK)))
        lines = []
        for name in dict.fromkeys(chosen):
            product = self._ref('product_' + name)
            qty = rng.choice([10, 20, 30, 50]) if name in BULK else rng.randint(1, 6)
            lines.append((0, 0, {'product_id': product.id, 'product_uom_qty': qty,
                                 'product_uom': product.uom_id.id, 'name': product.display_name,
                                 'price_unit': product.lst_price}))
        partner = self._ref('customer_' + customer)
        return self.env['sale.order'].create({
            'partner_id': partner.id,
            'user_id': partner.user_id.id,
            'team_id': partner.team_id.id,
            'date_order': fields.Datetime.to_string(date),
            'order_line': lines,
        })

    @api.model
    def _rate_demo_delivery(self):
        """A rated delivery: UrbanBrew's last delivery asks for its rating as a validation does
        (the main company asks for ratings), and the customer answers "satisfied" with a comment,
        as Odoo's rating page does."""
        customer = self._ref('customer_urbanbrew')
        picking = self.env['stock.picking'].search([
            ('partner_id', 'child_of', customer.id), ('state', '=', 'done'), ('picking_type_code', '=', 'outgoing'),
        ], order='date_done desc, id desc', limit=1)
        if not picking:
            return
        picking._request_delivery_rating()
        token = picking.rating_get_access_token()
        picking.rating_apply(10, token=token, feedback='Delivered on time and well packed.')

    def _deliver(self, orders):
        for order in orders:
            done = fields.Datetime.to_string(fields.Datetime.from_string(order.date_order) + timedelta(days=2))
            self._validate(order.picking_ids, done)

    def _validate(self, pickings, date_done):
        for move in pickings.mapped('move_lines'):
            move.quantity_done = move.product_uom_qty
        pickings.action_done()
        pickings.write({'date_done': date_done})
        pickings.mapped('move_lines').write({'date': date_done})

    def _generate_purchases(self, now, rng):
        """Per vendor: received orders over the period (some receipts late), one confirmed
        order still to receive, and one draft RFQ."""
        infos = self.env['product.supplierinfo'].search([('product_tmpl_id', 'in', [
            self._ref('product_' + name).product_tmpl_id.id for names in BUNDLES.values() for name in names])])
        for vendor in infos.mapped('name').sorted('id'):
            vendor_infos = infos.filtered(lambda info: info.name == vendor)
            for days_ago in (400, 250, 120, 45, 7, 0):
                info = rng.choice(vendor_infos)
                product = info.product_tmpl_id.product_variant_id
                ordered = now - timedelta(days=days_ago)
                planned = ordered + timedelta(days=info.delay)
                order = self.env['purchase.order'].create({
                    'partner_id': vendor.id,
                    'date_order': fields.Datetime.to_string(ordered),
                    'order_line': [(0, 0, {
                        'product_id': product.id, 'name': product.display_name,
                        'product_qty': max(info.min_qty, 1) * rng.randint(1, 3),
                        'product_uom': product.uom_po_id.id, 'price_unit': info.price,
                        'date_planned': fields.Datetime.to_string(planned)})],
                })
                if days_ago == 0:
                    continue  # a draft RFQ
                order.button_confirm()
                order.write({'date_approve': fields.Datetime.to_string(ordered)})
                if days_ago > 10:
                    late_days = rng.choice([0, 0, 0, 2, 5])
                    self._validate(order.picking_ids, fields.Datetime.to_string(planned + timedelta(days=late_days)))

    def _set_stock_levels(self):
        warehouse = self.env['stock.warehouse'].search([('company_id', '=', self.env.user.company_id.id)], limit=1)
        quants = self.env['stock.quant']
        demo_products = self.env['ir.model.data'].search([
            ('module', '=', 'crm_erp_bridge'), ('model', '=', 'product.product')])
        for data in demo_products:
            product = self.env['product.product'].browse(data.res_id)
            wanted = STOCK_LEVELS.get(data.name[len('product_'):], 40)
            free = quants._get_available_quantity(product, warehouse.lot_stock_id, allow_negative=True)
            quants._update_available_quantity(product, warehouse.lot_stock_id, wanted - free)

    @api.model
    def _generate_opportunity_lines(self):
        """Product lines on the demo opportunities, their expected revenue the lines' total."""
        for name, lines in sorted(OPPORTUNITY_LINES.items()):
            lead = self._ref('opp_' + name).with_context(active_test=False)
            products = [(self._ref('product_' + product), qty) for product, qty in lines]
            lead.write({
                'line_ids': [(5, 0, 0)] + [(0, 0, {
                    'product_id': product.id, 'product_qty': qty, 'product_uom_id': product.uom_id.id,
                    'price_unit': product.lst_price}) for product, qty in products],
                'planned_revenue': sum(product.lst_price * qty for product, qty in products),
            })
