import numpy as np

from odoo.exceptions import AccessError

from ..engines import clv
from .concurrency_common import ConcurrentCase
from .customer_360_common import Customer360Case
from .test_clv_engine import _cdnow_sample


class TestClvModel(Customer360Case):
    """crm.erp.clv.model: the per-company fit (docs/clv.md), its fallback, rights and companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_b = cls._user('clv_manager_b', cls.company_b, 'crm_erp_bridge.group_crm_erp_bridge_manager')
        cls.salesman_a = cls._user('clv_salesman_a', cls.company_a, 'sales_team.group_sale_salesman')
        cls.Model = cls.env['crm.erp.clv.model']

    def _model(self, company):
        return self.Model.search([('company_id', '=', company.id)])

    def test_fallback_for_a_fresh_company(self):
        """Two customers, one repeat purchase: the fallback, scaled to the company's rate."""
        first, second = self._customer('CLV fresh 1'), self._customer('CLV fresh 2')
        self._order(first, '2025-10-01', [(self.product_1, 1.0, 100.0)])
        self._order(first, '2025-11-01', [(self.product_1, 1.0, 60.0)])
        self._order(second, '2025-12-31', [(self.product_1, 1.0, 80.0)])  # ordered on the as-of day
        self.Model._fit(self.company_a.ids, as_of='2025-12-31')
        model = self._model(self.company_a)
        self.assertEqual(len(model), 1)
        self.assertTrue(model.fallback)
        self.assertEqual(model.purchase_model, 'mbg_nbd')  # the fallback's model
        self.assertEqual((model.customer_count, model.repeat_customer_count), (2, 1))
        self.assertEqual(model.rate_shape, clv.FALLBACK_SHAPE['r'])
        # (1 repeat day + 1) / (91 + 0 customer-days + 365)
        self.assertAlmostEqual(model.rate_shape / model.rate_scale_days, 2 / 456.0, places=9)
        self.assertEqual(model.value_p, 0.0)  # no Gamma-Gamma fit: own average order values
        # fitting again updates the one record
        self.Model._fit(self.company_a.ids, as_of='2025-12-31')
        self.assertEqual(self._model(self.company_a), model)

    def test_fit_on_repeat_customers(self):
        """36 customers: half order every quarter up to December, half twice in January and
        February and never again. A real fit, which explains them better than one purchase
        rate for everybody (the silent half has left)."""
        for number in range(36):
            customer = self._customer('CLV fit %d' % number)
            months = (3, 6, 9, 12) if number % 2 else (1, 2)
            for month in months:
                self._order(customer, '2025-%02d-%02d' % (month, 1 + number % 27),
                            [(self.product_1, 1.0, 20.0 + number + month)])
        self.Model._fit(self.company_a.ids, as_of='2025-12-31')
        model = self._model(self.company_a)
        self.assertFalse(model.fallback)
        self.assertEqual((model.customer_count, model.repeat_customer_count), (36, 36))
        self.assertGreater(model.likelihood_gain, 0)
        # Pareto/NBD's likelihood wants its drop-out scale beyond 20 times the purchase scale on
        # these customers (engines.clv.PARETO_MAX_SCALE_RATIO): fitted with MBG/NBD instead
        self.assertEqual(model.purchase_model, 'mbg_nbd')
        self.assertTrue(all(value > 0 for value in (model.rate_shape, model.rate_scale_days, model.dropout_a,
                                                    model.dropout_b)))
        self.assertEqual((model.dropout_rate_shape, model.dropout_rate_scale_days), (0.0, 0.0))
        self.assertGreater(model.value_q, 1)
        self.assertFalse(self._model(self.company_b), 'company B has no order: no model written for it')

    def test_stored_pareto_nbd_fit_is_the_engines(self):
        """A Pareto/NBD fit (Fader & Hardie's CDNOW sample, in weeks) stored on the record and
        read back for the Customer 360 predicts as the engine's fitted model."""
        x, t_x, T, zbar = _cdnow_sample()
        purchase = clv.fit_purchase_model(x, t_x, T)
        self.assertEqual((purchase.name, purchase.fallback), ('pareto_nbd', False))
        self.Model._fit(self.company_a.ids, as_of='2025-12-31')
        self._model(self.company_a).write(self.Model._values_of(purchase, clv.fit_value_model(x, zbar), x, T))
        model = self._model(self.company_a)
        self.assertEqual((model.purchase_model, model.dropout_a, model.dropout_b), ('pareto_nbd', 0.0, 0.0))
        stored, _value = self.Model._engine_models(self.company_a.id)
        np.testing.assert_allclose(stored.probability_alive(x, t_x, T), purchase.probability_alive(x, t_x, T),
                                   rtol=1e-5)
        np.testing.assert_allclose(stored.expected_orders(39, x, t_x, T), purchase.expected_orders(39, x, t_x, T),
                                   rtol=1e-5)

    def test_rights_and_companies(self):
        self.Model._fit((self.company_a | self.company_b).ids, as_of='2025-12-31')
        model_a = self._model(self.company_a)
        # a manager of company B sees B's model only
        as_manager_b = self.Model.sudo(self.manager_b)
        self.assertEqual(as_manager_b.search([]).mapped('company_id'), self.company_b)
        with self.assertRaises(AccessError):
            model_a.sudo(self.manager_b).read(['log_likelihood'])
        # a salesman neither reads nor fits
        with self.assertRaises(AccessError):
            model_a.sudo(self.salesman_a).read(['log_likelihood'])
        with self.assertRaises(AccessError):
            self.Model.sudo(self.salesman_a).action_fit_my_companies()
        # the manager's fit button fits their companies only
        before = model_a.fit_date
        as_manager_b.action_fit_my_companies()
        self.assertEqual(model_a.fit_date, before)

    def test_nightly_cron_fits_every_company(self):
        self.Model._cron_fit_all()
        self.assertTrue(self._model(self.company_a))
        self.assertTrue(self._model(self.company_b))


class TestClvModelConcurrency(ConcurrentCase):
    """Two managers fit the same company's model at the same moment (real transactions)."""

    def test_two_fits_at_once_make_one_record(self):
        self.assert_two_fits_make_one_record_per_company('crm.erp.clv.model')
