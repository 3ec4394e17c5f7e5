import hashlib
import json

from ..models.crm_erp_lead_score_model import _LOADED_MODELS
from ..models.crm_lead import _qualification
from .lead_score_common import LeadScoreCase


class TestLeadScoreOnWrite(LeadScoreCase):
    """crm.lead._lead_score_after_write: a change of a feature rescores the lead with its
    company's fitted model, as the scoring after a fit does; other writes score nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Model = cls.env['crm.erp.lead.score.model']
        cls.salesman_a = cls._user('lsw_salesman_a', cls.company_a, 'sales_team.group_sale_salesman_all_leads')

    def setUp(self):
        super().setUp()
        self._plant()
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        self.model = self.Model.search([('company_id', '=', self.company_a.id)])

    def _stored(self, lead):
        self.env.cr.execute("""SELECT crm_erp_win_chance, crm_erp_win_reason_data, crm_erp_win_chance_date::text,
                                      crm_erp_weighted_revenue FROM crm_lead WHERE id = %s""", [lead.id])
        return self.env.cr.fetchone()

    def _mark(self, leads):
        """A stored score no scoring gives, to see whether a write scored the leads."""
        self.env.cr.execute("""UPDATE crm_lead SET crm_erp_win_chance = -1, crm_erp_win_chance_date = '2000-01-01'
                                WHERE id = ANY(%s)""", [leads.ids])
        leads.invalidate_cache()

    def test_feature_change_rescores_as_the_scoring_after_a_fit(self):
        web, fair = self.open_web, self.open_fair
        self.assertGreater(web.crm_erp_win_chance, fair.crm_erp_win_chance + 30)
        self._mark(web | fair)
        # a salesperson moves the fair lead to the web source: it alone is rescored, at once
        fair.sudo(self.salesman_a).write({'source_id': self.source_web.id})
        chance, reasons, day, weighted = self._stored(fair)
        self.assertNotEqual(day, '2000-01-01')
        self.assertGreater(chance, 50)
        self.assertEqual(self._stored(web)[:3:2], (-1, '2000-01-01'), 'the other lead is not scored')
        # the same figures as scoring every open lead with the stored model
        self.model._score_open_leads()
        self.assertEqual(self._stored(fair), (chance, reasons, day, weighted))
        self.assertEqual(self._stored(web)[0], self._stored(fair)[0], 'the two leads now have the same features')
        # a product line (the lead's product categories are a feature) rescores it too
        self._mark(fair)
        fair.write({'line_ids': [(0, 0, {'product_id': self.product_tool.id, 'product_qty': 1.0})]})
        self.assertNotEqual(self._stored(fair)[2], '2000-01-01')
        self._mark(fair)
        fair.line_ids.unlink()
        self.assertNotEqual(self._stored(fair)[2], '2000-01-01')
        # (in this test to share its fit: each setUp plants and fits)
        self._check_rescoring_writes_only_changed_scores()

    def _check_rescoring_writes_only_changed_scores(self):
        """Scoring again with the same model the same day rewrites no lead; after some stored
        scores are changed behind its back, it rewrites those alone, and the stored figures
        (score, reasons, day, weighted revenue, qualification) equal those of scoring every lead
        from nothing (what the scoring wrote before it skipped the unchanged leads)."""
        columns = ('crm_erp_win_chance', 'crm_erp_win_reason_data', 'crm_erp_win_chance_date',
                   'crm_erp_weighted_revenue', 'crm_erp_qualification')

        def stored():
            self.env.cr.execute("SELECT id, ctid::text, {} FROM crm_lead WHERE company_id = %s ORDER BY id".format(
                ', '.join(columns)), [self.company_a.id])
            return {row[0]: row[1:] for row in self.env.cr.fetchall()}
        self.env.cr.execute("""UPDATE crm_lead SET crm_erp_win_chance = NULL, crm_erp_win_reason_data = NULL,
                                      crm_erp_win_chance_date = NULL
                                WHERE company_id = %s AND active AND probability < 100""", [self.company_a.id])
        self.env['crm.lead'].invalidate_cache()
        self.model._score_open_leads(today='2025-12-31')
        full = stored()
        self.model._score_open_leads(today='2025-12-31')
        self.assertEqual(stored(), full, 'nothing rewritten')
        self._mark(self.open_web)
        self.env.cr.execute("UPDATE crm_lead SET crm_erp_weighted_revenue = 1 WHERE id = %s", [self.open_fair.id])
        marked = stored()
        self.model._score_open_leads(today='2025-12-31')
        again = stored()
        self.assertEqual({lead for lead in again if again[lead][0] != marked[lead][0]},
                         {self.open_web.id, self.open_fair.id}, 'the two changed leads alone rewritten')
        self.assertEqual({lead: row[1:] for lead, row in again.items()}, {lead: row[1:] for lead, row in full.items()})

    def test_each_feature_field_rescores(self):
        lead = self.open_fair
        for vals in ({'stage_id': self.stage_prop.id}, {'team_id': self.team_b.id}, {'planned_revenue': 5000.0},
                     {'medium_id': self.medium_mail.id}, {'user_id': self.salesman_a.id},
                     {'partner_id': self._customer('LSW customer').id}, {'country_id': self.env.ref('base.fr').id}):
            self._mark(lead)
            lead.write(vals)
            self.assertNotEqual(self._stored(lead)[2], '2000-01-01', vals)
        # and a new lead is scored at its creation
        new = self.env['crm.lead'].create({'name': 'LSW new', 'type': 'opportunity', 'company_id': self.company_a.id,
                                           'source_id': self.source_web.id, 'stage_id': self.stage_new.id})
        self.assertTrue(self._stored(new)[2])

    def _updated_rows(self):
        self.env.cr.execute("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'crm_lead'")
        return self.env.cr.fetchone()[0]

    def test_stage_change_writes_the_lead_once_more(self):
        """A stage change rescored on write (stage and probability, as a stage with on_change
        writes them): Odoo's UPDATE of the lead and of its own computed day_close, then the
        score's, which writes the weighted revenue and the qualification too; the ORM does not
        write them again (before: one UPDATE per compute method as well, 5 in all). The stored
        figures are the ones the ORM computes and the scoring of every lead stores. The model
        loaded for the write is kept by the digest of the stored parameters; other parameters (a
        refit) are loaded at the next write."""
        lead = self.open_fair
        start = self._updated_rows()
        lead.write({'stage_id': self.stage_prop.id, 'probability': 50.0})
        self.assertEqual(self._updated_rows() - start, 3)
        self.env.cr.execute("SELECT crm_erp_weighted_revenue, crm_erp_qualification FROM crm_lead WHERE id = %s",
                            [lead.id])
        stored = self.env.cr.fetchone()
        lead.invalidate_cache()
        self.assertEqual((lead.crm_erp_weighted_revenue, lead.crm_erp_qualification), stored)
        self.assertAlmostEqual(stored[0], lead.planned_revenue * 50.0 / 100.0, places=6)
        # the qualification the ORM computes (crm.lead._compute_crm_erp_pipeline_figures)
        rule = lead._crm_erp_company_rule(lead.company_id.id)
        self.assertEqual(stored[1], _qualification(rule, lead.crm_erp_win_chance, True, lead.probability,
                                                   lead._crm_erp_missing_fields(rule[2])) or None)
        before = self._stored(lead)
        self.model._score_open_leads()
        self.assertEqual(self._stored(lead), before)
        # the model was loaded once for these parameters; a refit's are loaded at the next write
        digest = hashlib.md5(self.model.parameters.encode()).hexdigest()
        self.assertIn((self.env.cr.dbname, self.model.id, digest), _LOADED_MODELS)
        parameters = json.loads(self.model.parameters)
        parameters['theta'][0] += 1.0  # every lead's log-odds one higher
        self.model.write({'parameters': json.dumps(parameters)})
        self._mark(lead)
        lead.write({'source_id': self.source_web.id})
        rescored = self._stored(lead)
        self.assertGreater(rescored[0], before[0])
        self.model._score_open_leads()
        self.assertEqual(self._stored(lead), rescored)
        # without a fitted model the ORM writes the two fields: one UPDATE after Odoo's two
        # (before: two)
        self.env.cr.execute("UPDATE crm_erp_lead_score_model SET parameters = NULL WHERE id = %s", [self.model.id])
        start = self._updated_rows()
        lead.write({'stage_id': self.stage_new.id, 'probability': 10.0})
        self.assertEqual(self._updated_rows() - start, 3)
        self.env.cr.execute("SELECT crm_erp_weighted_revenue FROM crm_lead WHERE id = %s", [lead.id])
        self.assertAlmostEqual(self.env.cr.fetchone()[0], lead.planned_revenue * 10.0 / 100.0, places=6)

    def test_unrelated_write_scores_nothing(self):
        lead = self.open_fair
        self._mark(lead)
        lead.write({'name': 'LS open fair, renamed', 'description': 'called back', 'priority': '2'})
        self.assertEqual(self._stored(lead)[:3:2], (-1, '2000-01-01'))

    def test_no_fitted_model_keeps_the_stored_score(self):
        lead_b = self._lead('LSW open B', '2025-12-01', company=self.company_b, team_id=False)
        self.assertFalse(self._stored(lead_b)[2])
        lead_b.write({'source_id': self.source_web.id})
        self.assertEqual(self._stored(lead_b), (None, None, None, 0.0))
        # a closed lead keeps its last score
        lead = self.open_web
        self._mark(lead)
        lead.write({'probability': 100, 'stage_id': self.stage_won.id})
        lead.write({'source_id': self.source_fair.id})
        self.assertEqual(self._stored(lead)[:3:2], (-1, '2000-01-01'))
