import uuid

from odoo.addons.crm_erp_bridge.tests.concurrency_common import ConcurrentCase

from .. import queries


class TestClickRace(ConcurrentCase):
    """Two requests of one visit count the same click at the same moment (a double click, two
    tabs), each in its own committed transaction: one row (the unique index of clicks, ON
    CONFLICT DO NOTHING), no error."""

    def test_same_click_at_once(self):
        key = 'race-%s' % uuid.uuid4().hex
        website_id, company_id, template_id = self.commit(lambda env: (
            env['website'].search([], limit=1).id, env.user.company_id.id,
            env['product.template'].search([], limit=1).id))
        self.addCleanup(self.commit, lambda env: env.cr.execute(
            "DELETE FROM crm_erp_web_recommendation_event WHERE session_key = %s", [key]))

        def click():
            with self.committed() as env:
                return queries.record_event(env.cr, 'click', 'also_bought', website_id, company_id,
                                            template_id=template_id, session_key=key)
        outcomes = self.race(click, click)
        self.assertEqual([error for _result, error in outcomes], [None, None])
        self.assertEqual(sorted(result for result, _error in outcomes), [False, True])
        rows = self.commit(lambda env: env['crm.erp.web.recommendation.event'].search_count([
            ('session_key', '=', key)]))
        self.assertEqual(rows, 1)
