from odoo.tests.common import SavepointCase

from ..rules import (DUPLICATE_EVIDENCE, RFM_SEGMENT_RULES, RFM_SEGMENTS, STAGE_REASONS, STAGE_RULES, CUSTOMER_STAGES,
                     duplicate_confidence, rfm_segment, rfm_segment_sql, stage_rule_sql)


class TestRules(SavepointCase):
    """Each rule table once: the SQL it generates, run by PostgreSQL, gives the table's answer."""

    def test_rfm_segment_map(self):
        """Every (r, fm) of 1..5: the segment map's SQL agrees with the table read in Python,
        and with the classic RFM segments at the corners; no scores, no segment."""
        cases = [(r, fm) for r in range(1, 6) for fm in range(1, 6)] + [(None, None)]
        self.env.cr.execute(
            'SELECT r, fm, ' + rfm_segment_sql('r', 'fm') + ' FROM unnest(%s::integer[], %s::integer[]) AS t(r, fm)',
            [[r for r, _fm in cases], [fm for _r, fm in cases]])
        in_sql = {(r, fm): segment for r, fm, segment in self.env.cr.fetchall()}
        self.assertEqual(in_sql, {(r, fm): rfm_segment(r, fm) for r, fm in cases})
        self.assertEqual([in_sql[1, 1], in_sql[2, 2], in_sql[1, 4], in_sql[2, 5], in_sql[3, 1], in_sql[3, 3],
                          in_sql[4, 4], in_sql[4, 1], in_sql[5, 1], in_sql[5, 3], in_sql[5, 5], in_sql[None, None]],
                         ['lost', 'hibernating', 'at_risk', 'cant_lose', 'about_to_sleep', 'need_attention',
                          'loyal', 'promising', 'new', 'potential_loyalist', 'champions', None])
        self.assertEqual({segment for *_ranges, segment in RFM_SEGMENT_RULES}, {key for key, _label in RFM_SEGMENTS})

    def test_cross_sell_blocking_rules_are_stage_rules(self):
        """The rules that block cross-sell are rows of STAGE_RULES whose conditions name only the
        figures the cross-sell query computes (queries/service.customers_blocked_for_cross_sell)."""
        import re
        from ..rules import CROSS_SELL_BLOCKING_REASONS, stage_rule_condition
        self.assertEqual(CROSS_SELL_BLOCKING_REASONS, ('service_overdue', 'service_low_rating'))
        for reason in CROSS_SELL_BLOCKING_REASONS:
            names = set(re.findall(r'[a-z_]+', stage_rule_condition(reason))) - {'and', 'between'}
            self.assertLessEqual(names, {'n', 'overdue_request_count', 'recent_rating'}, reason)

    def test_stage_rules(self):
        """One row per rule, each the first to hold for its row; a locked row keeps its stage.
        (Issue 16: At risk and Lost follow P(alive) thresholds, never on the day of an order; the
        rows of the day-gap rules and of the RFM At risk rule were replaced.)"""
        columns = ('locked', 'old_stage', 'n', 'gap', 'p_alive', 'segment', 'opportunity_open_count',
                   'lead_won_count', 'lead_open_count', 'lead_lost_count', 'lost_alive', 'at_risk_alive',
                   'overdue_request_count', 'recent_rating')
        rows = [
            # locked, old, n, gap, p_alive, segment, opp, won, open, lost, lost_alive, at_risk_alive -> stage, reason
            ((True, 'loyal', 0, None, None, None, 0, 0, 0, 0, 0.2, 0.5), ('loyal', None)),
            ((False, None, 0, None, None, None, 1, 0, 1, 0, 0.2, 0.5), ('opportunity', 'open_opportunity')),
            ((False, None, 0, None, None, None, 0, 1, 0, 0, 0.2, 0.5), ('opportunity', 'open_opportunity')),
            ((False, None, 0, None, None, None, 0, 0, 1, 1, 0.2, 0.5), ('lead', 'open_lead')),
            ((False, None, 0, None, None, None, 0, 0, 0, 1, 0.2, 0.5), ('lost', 'leads_lost')),
            ((False, None, 0, None, None, None, 0, 0, 0, 0, 0.2, 0.5), ('prospect', 'no_activity')),
            ((False, 'loyal', 3, 731, 0.19, 'champions', 0, 0, 0, 0, 0.2, 0.5), ('lost', 'alive_below_lost')),
            ((False, 'loyal', 3, 21, 0.49, 'champions', 0, 0, 0, 0, 0.2, 0.5), ('at_risk', 'alive_below_at_risk')),
            # on the day of an order, never At risk or Lost
            ((False, None, 1, 0, 0.1, 'new', 0, 0, 0, 0, 0.2, 0.5), ('new', 'first_order')),
            ((False, None, 3, 0, 0.3, 'champions', 0, 0, 0, 0, 0.2, 0.5), ('loyal', 'rfm_loyal')),
            # RFM At risk is no stage rule any more: P(alive) decides
            ((False, None, 1, 100, 0.6, 'at_risk', 0, 0, 0, 0, 0.2, 0.5), ('new', 'first_order')),
            ((False, None, 2, 20, 0.5, 'cant_lose', 0, 0, 0, 0, 0.2, 0.5), ('repeat', 'repeat_orders')),
            ((False, None, 2, 20, 0.9, 'loyal', 0, 0, 0, 0, 0.2, 0.5), ('loyal', 'rfm_loyal')),
            ((False, None, 2, 20, 0.9, 'new', 0, 0, 0, 0, 0.2, 0.5), ('repeat', 'repeat_orders')),
            ((False, None, 1, 20, None, None, 0, 0, 0, 0, 0.2, 0.5), ('new', 'first_order')),
        ]
        # the last column, overdue complaints and service requests: 0 above; below, a customer
        # with orders and an overdue request is At risk (Lost still wins), a prospect is not
        rows = [(row + (0,), expected) for row, expected in rows] + [
            ((False, 'loyal', 3, 21, 0.9, 'champions', 0, 0, 0, 0, 0.2, 0.5, 1), ('at_risk', 'service_overdue')),
            ((False, None, 1, 0, 0.1, 'new', 0, 0, 0, 0, 0.2, 0.5, 2), ('at_risk', 'service_overdue')),
            ((False, 'loyal', 3, 731, 0.19, 'champions', 0, 0, 0, 0, 0.2, 0.5, 1), ('lost', 'alive_below_lost')),
            ((False, None, 0, None, None, None, 0, 0, 0, 0, 0.2, 0.5, 1), ('prospect', 'no_activity')),
            ((True, 'loyal', 3, 21, 0.9, 'champions', 0, 0, 0, 0, 0.2, 0.5, 1), ('loyal', None)),
        ]
        # the last column, the score of the last rating if given within 90 days: none above;
        # below, a customer with orders whose last recent rating is highly dissatisfied (1-3) is
        # At risk (Lost still wins), not when not satisfied (5) or satisfied, nor a prospect
        rows = [(row + (None,), expected) for row, expected in rows] + [
            ((False, 'loyal', 3, 21, 0.9, 'champions', 0, 0, 0, 0, 0.2, 0.5, 0, 1.0),
             ('at_risk', 'service_low_rating')),
            ((False, None, 1, 0, 0.1, 'new', 0, 0, 0, 0, 0.2, 0.5, 0, 3.0), ('at_risk', 'service_low_rating')),
            ((False, None, 2, 20, 0.9, 'new', 0, 0, 0, 0, 0.2, 0.5, 0, 5.0), ('repeat', 'repeat_orders')),
            ((False, None, 2, 20, 0.9, 'loyal', 0, 0, 0, 0, 0.2, 0.5, 0, 10.0), ('loyal', 'rfm_loyal')),
            ((False, 'loyal', 3, 731, 0.19, 'champions', 0, 0, 0, 0, 0.2, 0.5, 0, 1.0),
             ('lost', 'alive_below_lost')),
            ((False, None, 0, None, None, None, 0, 0, 0, 0, 0.2, 0.5, 0, 1.0), ('prospect', 'no_activity')),
            ((False, None, 1, 0, 0.1, 'new', 0, 0, 0, 0, 0.2, 0.5, 1, 1.0), ('at_risk', 'service_overdue')),
        ]
        values = ', '.join(['(%s)' % ', '.join(['%s'] * len(columns))] * len(rows))
        self.env.cr.execute(
            'SELECT ' + stage_rule_sql('locked', 'old_stage') + ' FROM (VALUES ' + values + ') AS t('
            + ', '.join(columns) + ')',
            [value for row, _expected in rows for value in row])
        self.assertEqual([tuple(result) for result, in self.env.cr.fetchall()], [expected for _row, expected in rows])
        stages, reasons = {key for key, _label in CUSTOMER_STAGES}, {key for key, _label in STAGE_REASONS}
        self.assertEqual({stage for _condition, stage, _reason in STAGE_RULES} - stages, set())
        # manual: set by hand; the other three: earlier rules, kept for the history's rows
        self.assertEqual(reasons - {reason for _condition, _stage, reason in STAGE_RULES},
                         {'manual', 'overdue', 'lost_horizon', 'rfm_at_risk'})

    def test_duplicate_confidence(self):
        self.assertEqual([key for key, _confidence, _label in DUPLICATE_EVIDENCE],
                         ['vat', 'email', 'phone', 'name', 'typo'])
        self.assertEqual(duplicate_confidence([]), 0.0)
        self.assertEqual(duplicate_confidence(['vat']), 0.99)
        self.assertEqual(duplicate_confidence(['name']), 0.6)
        self.assertEqual(duplicate_confidence(['email', 'name']), 0.98)
        self.assertEqual(duplicate_confidence(['phone', 'name']), 0.92)
        self.assertEqual(duplicate_confidence(['typo']), 0.5)
        self.assertEqual(duplicate_confidence(['phone', 'typo']), 0.9)
        self.assertEqual(duplicate_confidence(['vat', 'email', 'phone', 'name']), 0.999)
