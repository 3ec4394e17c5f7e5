import itertools

from odoo import fields

from ..chunked_job import CPU_SHARE_PARAMETER, DEFAULT_CPU_SHARE, CpuBudget, nightly_budget, run_chunks
from ..queries import customer_360
from .affinity_common import AffinityCase


class FakeTime:
    """A clock the test moves by hand, and a sleep that only records (and moves the clock)."""

    def __init__(self):
        self.now, self.pauses = 100.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


class TestNightlyBudget(AffinityCase):
    """The nightly jobs' CPU budget (chunked_job.CpuBudget): the pauses it asks for, where the
    jobs pace, the setting. No timing is measured: the budget gets a clock and a sleep of the
    test's own."""

    def test_the_nightly_crons_first_run_at_night(self):
        # A daily or weekly job of the addon must not start when the addon is installed or
        # updated, in the middle of the working day (the duplicate scan did, issue 13's load
        # test): its first run is the next night (UTC), like its later ones.
        crons = self.env['ir.model.data'].search([
            ('module', '=', 'crm_erp_bridge'), ('model', '=', 'ir.cron')]).mapped('res_id')
        crons = self.env['ir.cron'].browse(crons).filtered(lambda cron: cron.interval_type in ('days', 'weeks'))
        self.assertGreaterEqual(len(crons), 8)
        for cron in crons:
            nextcall = fields.Datetime.from_string(cron.nextcall)
            self.assertGreater(nextcall.date(), fields.Datetime.from_string(cron.create_date).date(), cron.name)
            self.assertLess(nextcall.hour, 6, cron.name)

    def test_pause_in_proportion_to_the_work(self):
        time = FakeTime()
        budget = CpuBudget(25, sleep=time.sleep, clock=time.clock)
        time.now += 2.0  # a step of 2 s
        budget.pace()
        time.now += 0.5
        budget.pace()
        budget.pace()  # nothing done since: no pause
        self.assertEqual(time.pauses, [6.0, 1.5])
        self.assertEqual((budget.worked, budget.paused), (2.5, 7.5))
        self.assertEqual(str(budget), '25% CPU share: worked 2.5 s, paused 7.5 s')
        # the pause is not counted as work of the next step
        time.now += 1.0
        budget.pace()
        self.assertEqual(time.pauses[-1], 3.0)

    def test_share_of_half_and_all(self):
        time = FakeTime()
        half = CpuBudget(50, sleep=time.sleep, clock=time.clock)
        time.now += 4.0
        half.pace()
        self.assertEqual(time.pauses, [4.0])
        whole = CpuBudget(100, sleep=time.sleep, clock=time.clock)
        time.now += 4.0
        whole.pace()
        self.assertEqual(time.pauses, [4.0], 'a share of 100 % never pauses')

    def test_setting(self):
        parameters = self.env['ir.config_parameter'].sudo()
        parameters.set_param(CPU_SHARE_PARAMETER, False)
        self.assertEqual(nightly_budget(self.env).share, DEFAULT_CPU_SHARE)
        parameters.set_param(CPU_SHARE_PARAMETER, '60')
        self.assertEqual(nightly_budget(self.env).share, 60)
        parameters.set_param(CPU_SHARE_PARAMETER, '100')
        self.assertIsNone(nightly_budget(self.env), 'no pause at all')
        for wrong in ('0', '101', '-5', 'half', '12.5'):
            parameters.set_param(CPU_SHARE_PARAMETER, wrong)
            self.assertEqual(nightly_budget(self.env).share, DEFAULT_CPU_SHARE, wrong)

    def test_run_chunks_paces_between_chunks(self):
        """Before each chunk, for the work since the previous pace: the first chunk's work is
        paused for before the second starts, the last one's by whoever continues the job."""
        time = FakeTime()
        budget = CpuBudget(25, sleep=time.sleep, clock=time.clock)
        events = []

        def work(_env, chunk):
            events.append(('chunk', chunk, len(time.pauses)))
            time.now += chunk  # the chunk works `chunk` seconds
            return chunk * 10
        self.assertEqual(run_chunks(self.env, [1.0, 2.0, 0.5], work, budget=budget), [10.0, 20.0, 5.0])
        self.assertEqual(time.pauses, [3.0, 6.0])
        self.assertEqual(events, [('chunk', 1.0, 0), ('chunk', 2.0, 1), ('chunk', 0.5, 2)])
        budget.pace()  # the job's next step
        self.assertEqual(time.pauses, [3.0, 6.0, 1.5])

    def test_affinity_recompute_paces_and_counts_the_same(self):
        """The nightly recompute with a budget pauses between its steps (after the scans, each
        chunk of customers, each part of pairs, before the best sellers) and leaves the same
        counts as without."""
        self._order(self.customer_x, '2025-01-10', [self.p1, self.p2, self.p3])
        self._order(self.customer_y, '2025-02-10', [self.p1, self.p2])
        self._order(self.customer_y, '2025-03-10', [self.p2, self.p3])
        self.Affinity._recompute_affinity(self.company.ids)
        without = self.Affinity._affinity_state(self.company.ids)
        pauses = []
        # a clock that moves one second a reading: every step "works" 1 s
        budget = CpuBudget(50, sleep=pauses.append, clock=itertools.count().__next__)
        self.Affinity._recompute_all(self.company, budget)
        self.assertEqual(self.Affinity._affinity_state(self.company.ids), without)
        # after the scans of the orders and lines, after each chunk of customers, before the
        # best sellers
        self.assertGreaterEqual(len(pauses), 3)
        self.assertEqual(set(pauses), {1.0}, 'each pause as long as the step before it at 50 %')

    def test_customer_360_refresh_paces_each_chunk(self):
        stats = self.env['crm.erp.partner.stats']
        companies = self.env['res.company'].search([]).ids
        stats._refresh_all(companies, customers_per_chunk=1)
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stats")
        rows_before = self.env.cr.fetchone()[0]
        pauses = []
        budget = CpuBudget(25, sleep=pauses.append, clock=itertools.count().__next__)
        stats._refresh_all(companies, customers_per_chunk=1, budget=budget)
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stats")
        self.assertEqual(self.env.cr.fetchone()[0], rows_before)
        # forget archived (1), figures and scores (one per range each), boundaries (1)
        chunks = len(customer_360.customer_ranges(self.env.cr, 1))
        self.assertEqual(len(pauses), 2 + 2 * chunks)
        self.assertEqual(set(pauses), {3.0})
