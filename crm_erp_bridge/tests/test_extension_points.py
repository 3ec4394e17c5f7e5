"""The documented extension points, used by a real inheriting addon: crm_erp_bridge_test_extension
(at the repository's root, in the addons path; `make test` installs it after crm_erp_bridge).
It only acts under the context key crm_erp_test_extension, so every other test sees
crm_erp_bridge's own behaviour."""
from .recommendation_common import RecommendationCase
from .supply_common import SupplyCase

ACTIVE = 'crm_erp_test_extension'


def assert_extension_installed(case):
    module = case.env['ir.module.module'].search([('name', '=', 'crm_erp_bridge_test_extension')])
    case.assertEqual(module.state, 'installed', 'scripts/test.sh installs crm_erp_bridge_test_extension')


class TestShortfallExtensionPoints(SupplyCase):

    def test_prepare_rfq_values_and_shortfall_line(self):
        assert_extension_installed(self)
        Purchase = self.env['purchase.order']
        orders, _without_vendor = Purchase.with_context(**{ACTIVE: True})._create_shortfall_rfqs(self.product)
        self.assertEqual(len(orders), 2)  # vendor V1, WH1's and WH2's receipts
        self.assertEqual(set(orders.mapped('notes')), {'Ordered for the pipeline (extension)'})
        self.assertEqual(set(orders.mapped('order_line.name')), {'Bridge P [extension]'})
        orders.button_cancel()
        orders.unlink()
        orders, _without_vendor = Purchase._create_shortfall_rfqs(self.product)
        self.assertEqual(set(orders.mapped('notes')), {False})
        self.assertEqual(set(orders.mapped('order_line.name')), {'Bridge P'})

    def test_report_select(self):
        """The extension adds a column to the report view through _select."""
        rows = self.env['crm.erp.pipeline.demand.report'].search_read(
            [('product_id', '=', self.product.id), ('warehouse_id', '=', self.wh1.id)],
            ['week', 'uncovered_weighted_qty'], order='week')
        # weighted demand 24, 5, 6; incoming 0, 8, 0
        self.assertEqual([row['uncovered_weighted_qty'] for row in rows], [24.0, 0.0, 6.0])


class TestRecommendationScorers(RecommendationCase):

    def test_scorer_of_another_addon(self):
        """The extension's scorer puts its pinned product first, with its own reason; the
        product is proposed once, even when a later scorer finds it too."""
        assert_extension_installed(self)
        Recommendation = self.env['crm.erp.recommendation']
        own = Recommendation._recommend(self.customer_x, self.company, limit=2)[self.customer_x.id]
        # issue 17: the engines' intents (P1 bought before, P2 new to X)
        self.assertEqual([(item['product_id'], item['source']) for item in own],
                         [(self.p1.id, 'reorder'), (self.p2.id, 'discover')])
        self.assertEqual(own[1]['reason'], 'Bought by 75 % of customers who bought Affinity P1')
        for pinned in (self.p6, self.p2):
            items = Recommendation.with_context(**{ACTIVE: pinned.id})._recommend(
                self.customer_x, self.company, limit=2)[self.customer_x.id]
            self.assertEqual([(item['product_id'], item['source'], item['reason']) for item in items[:1]],
                             [(pinned.id, 'pinned', 'Pinned by the extension')])
            self.assertEqual(items[0]['intent'], 'discover')  # an extension's item: a product to discover
            self.assertEqual(len(items), 2)
            self.assertEqual(len({item['product_id'] for item in items}), 2)
        self.assertEqual(items[1]['product_id'], own[0]['product_id'], 'P2 pinned: not proposed again')
