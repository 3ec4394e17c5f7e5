from odoo.tests.common import SavepointCase


class SupplyCase(SavepointCase):
    """A constructed pipeline in 2099 (weeks starting Monday 2099-01-05, 01-12, 01-19):

    product P (units, bought in dozens from vendor V1: 100 per dozen, min 3 dozen, 5 days)
      WH1: 10 free; 8 incoming on 2099-01-13
           quotation Q1 (draft) 2 dozen on 2099-01-05; quotation Q2 (sent) 6 units on 2099-01-19
           opportunity O1 (50 %) 10 units on 2099-01-14
      WH2: opportunity O3 (40 %) 5 units on 2099-01-05
    Not demand: a confirmed order, a cancelled quotation, a lost opportunity, a won one, an
    opportunity that has a quotation, and a service product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref('base.main_company')
        cls.company.pipeline_horizon_weeks = 4000  # reaches 2099
        cls.wh1 = cls.env['stock.warehouse'].search([('company_id', '=', cls.company.id)], limit=1)
        cls.wh2 = cls.env['stock.warehouse'].create({'name': 'Bridge Second', 'code': 'BRS'})
        cls.unit = cls.env.ref('product.product_uom_unit')
        cls.dozen = cls.env.ref('product.product_uom_dozen')
        cls.customer = cls.env['res.partner'].create({'name': 'Bridge Customer', 'customer': True})
        cls.vendor1 = cls.env['res.partner'].create({'name': 'Bridge Vendor One', 'supplier': True})
        cls.vendor2 = cls.env['res.partner'].create({'name': 'Bridge Vendor Two', 'supplier': True})
        cls.product = cls._product('Bridge P', uom_po=cls.dozen, sellers=[
            {'name': cls.vendor1.id, 'price': 100.0, 'min_qty': 3.0, 'delay': 5}])
        stock = cls.env['stock.quant']
        stock._update_available_quantity(cls.product, cls.wh1.lot_stock_id, 10.0)
        cls._incoming(cls.product, cls.wh1, 8.0, '2099-01-13 10:00:00')

        cls.q1 = cls._quotation(cls.wh1, [(cls.product, 2.0, cls.dozen, 0)])
        cls.q2 = cls._quotation(cls.wh1, [(cls.product, 6.0, cls.unit, 14)])
        cls.q2.state = 'sent'
        cls.o1 = cls._opportunity(cls.wh1, 50.0, [(cls.product, 10.0, '2099-01-14')])
        cls.o3 = cls._opportunity(cls.wh2, 40.0, [(cls.product, 5.0, '2099-01-05')])

        confirmed = cls._quotation(cls.wh1, [(cls.product, 100.0, cls.unit, 0)])
        confirmed.state = 'sale'
        cls._quotation(cls.wh1, [(cls.product, 100.0, cls.unit, 0)]).state = 'cancel'
        cls._opportunity(cls.wh1, 50.0, [(cls.product, 100.0, '2099-01-05')]).action_set_lost()
        cls._opportunity(cls.wh1, 100.0, [(cls.product, 100.0, '2099-01-05')])
        quoted = cls._opportunity(cls.wh1, 50.0, [(cls.product, 100.0, '2099-01-05')])
        confirmed.opportunity_id = quoted
        service = cls.env['product.product'].create({'name': 'Bridge Service', 'type': 'service'})
        cls._quotation(cls.wh1, [(service, 100.0, cls.unit, 0)])

    @classmethod
    def _product(cls, name, uom_po=None, sellers=(), company=None):
        return cls.env['product.product'].create({
            'name': name, 'type': 'product', 'uom_id': cls.unit.id,
            'uom_po_id': (uom_po or cls.unit).id,
            'company_id': company.id if company else False,
            'seller_ids': [(0, 0, seller) for seller in sellers],
        })

    @classmethod
    def _incoming(cls, product, warehouse, qty, date):
        move = cls.env['stock.move'].create({
            'name': 'incoming', 'product_id': product.id, 'product_uom': product.uom_id.id,
            'product_uom_qty': qty, 'location_id': cls.env.ref('stock.stock_location_suppliers').id,
            'location_dest_id': warehouse.lot_stock_id.id, 'date_expected': date,
            'company_id': warehouse.company_id.id,
        })
        move._action_confirm()
        return move

    @classmethod
    def _quotation(cls, warehouse, lines, date='2099-01-05 09:00:00', user=None):
        return cls.env['sale.order'].create({
            'partner_id': cls.customer.id, 'warehouse_id': warehouse.id, 'date_order': date,
            'company_id': warehouse.company_id.id,
            'user_id': (user or cls.env.user).id,
            'order_line': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty, 'product_uom': uom.id,
                'customer_lead': lead_days, 'price_unit': 10.0,
            }) for product, qty, uom, lead_days in lines],
        })

    @classmethod
    def _opportunity(cls, warehouse, probability, lines, deadline='2099-02-01'):
        return cls.env['crm.lead'].create({
            'name': 'Bridge deal %s' % probability, 'type': 'opportunity', 'partner_id': cls.customer.id,
            'probability': probability, 'warehouse_id': warehouse.id, 'date_deadline': deadline,
            'company_id': warehouse.company_id.id,
            'line_ids': [(0, 0, {'product_id': product.id, 'product_qty': qty, 'date_expected': date,
                                 'price_unit': 20.0})
                         for product, qty, date in lines],
        })

    def _report(self, product, warehouse):
        return self.env['crm.erp.pipeline.demand.report'].search_read(
            [('product_id', '=', product.id), ('warehouse_id', '=', warehouse.id)],
            ['week', 'week_label', 'uom_id', 'demand_qty', 'weighted_qty', 'onhand_qty', 'free_qty', 'incoming_qty',
             'outgoing_qty', 'forecast_qty', 'rfq_qty', 'projected_qty', 'shortfall_qty', 'coverage_days'],
            order='week')
