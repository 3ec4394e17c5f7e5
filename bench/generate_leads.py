"""Generated leads and orders for the lead score and sales forecast benchmark (issue 19):
GENERATED data, in memory, with a planted dependence of the outcome on the features. It says how
well the engines recover a realistic dependence from realistic amounts of noisy data; it says
nothing about how strong the dependence is in a real company (bench/RESULTS.md says so too).

The world (`World(size, seed)`, days counted from 2023-01-01, three years):
- customers with a latent loyalty c ~ N(0, 0.8); a customer orders directly (without a lead)
  at a rate of 0.15 x exp(c) orders per 30 days, 1-3 lines of 1 + Poisson(2) units, 70 % from
  its favourite category, with seasonality (December x 1.6, August x 0.7, a sine of +-15 %)
  and growth (+12 % a year);
- leads arrive at a seasonal rate (x 1.2 in March-May and September-November), each with a
  source, medium, team, salesperson (in one team), country, customer (40 % are prospects: no
  history, no loyalty term), 1-3 product lines of 1 + lognormal(3.3, 0.7) units (60 % from the
  customer's favourite category) and a latent quality u ~ N(0, 0.8);
- the log-odds of winning are
      -1.3 + source (referral +0.8, partner +0.5, trade show +0.3, website 0, email -0.4,
      cold call -0.9) + medium (+-0.15) + team (N(0, 0.25)) + salesperson (N(0, 0.4)) + country
      (N(0, 0.15)) + 0.7 c (customers only) + category of the lines (N(0, 0.3), mean over lines)
      - 0.3 ln(expected revenue / median) + u;
  the observed features see c only through the customer's past orders and value (its
  Customer 360 stage and segment), and u only through the activity on the lead;
- a lead lives 20 + Gamma(2, 20) days when won, 10 + Gamma(2, 30) when lost; activities
  (calls, meetings) and emails arrive at 0.08 x exp(0.6 u) and 0.05 x exp(0.4 u) a day; a lost
  lead goes quiet from a point between 30 % and 70 % of its life (no activity until it is
  marked lost), so "days since the last activity" tells; `weak=True` (--weak in the
  evaluation) halves the engagement effects (0.3 u, 0.2 u) and makes a lost lead go quiet only
  in the last 0-20 % of its life: a world where the activity says much less;
- stages (Odoo 11's default probabilities: New 10, Qualified 30, Proposition 70): a won lead is
  New until 25 % of its life, Qualified until 60 %, then Proposition; half the lost leads stay
  New, the others are New until 30 %, Qualified until 80 %, then Proposition;
- the expected closing date is set at creation: the true closing day minus an optimistic slip
  ~ Exp(15 days) for a lead that will be won, creation + 25-65 days for one that will be lost;
- a won lead becomes an order of its lines on its closing day (its opportunity order).

`World.snapshot(day)` gives the open leads at a day with their features as of that day;
`World.training(cutoff, months)` the month-end snapshots of the leads closed before the cutoff
(the outcome known then), the rows a model fitted at the cutoff can learn from."""
import datetime

import numpy as np

START = datetime.date(2023, 1, 1)
DAYS = 365 * 3
SOURCES = {'referral': 0.8, 'partner': 0.5, 'trade show': 0.3, 'website': 0.0, 'email campaign': -0.4,
           'cold call': -0.9}
SOURCE_SHARE = [0.12, 0.08, 0.10, 0.35, 0.20, 0.15]
MEDIUMS = {'organic': 0.15, 'direct': 0.05, 'cpc': -0.05, 'email': -0.15, 'phone': 0.0}
STAGES = (('New', 10.0), ('Qualified', 30.0), ('Proposition', 70.0))
SIZES = {'S': dict(leads=5000, customers=3000, products=40, categories=5, salespeople=12, teams=3),
         'L': dict(leads=25000, customers=15000, products=200, categories=10, salespeople=40, teams=6)}


def day_of(date):
    return (date - START).days


def month_of_day(day):
    """Month index (year x 12 + month - 1, as engines/sales_forecast.month_index) of day numbers."""
    base = np.datetime64(START.isoformat())
    months = (base + np.asarray(day, dtype=np.int64).astype('timedelta64[D]')).astype('datetime64[M]')
    return months.astype(np.int64) + 1970 * 12


class World(object):
    """Generated leads, lines and orders (module docstring)."""

    def __init__(self, size='S', seed=19, weak=False):
        n = SIZES[size]
        self.size, self.n, self.weak = size, n, weak
        rng = np.random.default_rng(seed)
        self._customers(rng, n)
        self._leads(rng, n)
        self._orders(rng, n)

    def _customers(self, rng, n):
        self.loyalty = rng.normal(0, 0.8, n['customers'])
        self.favourite = rng.integers(0, n['categories'], n['customers'])
        self.product_category = np.sort(rng.integers(0, n['categories'], n['products']))
        self.price = np.round(rng.lognormal(4.0, 0.8, n['products']), 2)
        self.countries = ['BE', 'CN', 'DE', 'FR', 'GB', 'NL', 'US', 'IN']
        self.customer_country = rng.choice(len(self.countries), n['customers'], p=[.1, .2, .15, .1, .1, .05, .2, .1])
        # product popularity inside a category (power law)
        self.popularity = 1 / (1 + np.arange(n['products'])) ** 0.6
        rng.shuffle(self.popularity)

    def _pick_products(self, rng, categories):
        """One product per requested category, by popularity inside it."""
        picked = np.empty(len(categories), dtype=np.int64)
        for category in np.unique(categories):
            members = np.flatnonzero(self.product_category == category)
            weights = self.popularity[members] / self.popularity[members].sum()
            at = categories == category
            picked[at] = rng.choice(members, int(at.sum()), p=weights)
        return picked

    def _leads(self, rng, n):
        count = n['leads']
        season = 1 + 0.2 * np.isin((np.arange(DAYS) // 30.4) % 12, [2, 3, 4, 8, 9, 10])
        created = np.sort(rng.choice(DAYS, count, p=season / season.sum()))
        self.created = created
        self.source = rng.choice(len(SOURCES), count, p=SOURCE_SHARE)
        self.medium = rng.choice(len(MEDIUMS), count)
        team_of_salesperson = np.arange(n['salespeople']) % n['teams']
        self.salesperson = rng.integers(0, n['salespeople'], count)
        self.team = team_of_salesperson[self.salesperson]
        prospect = rng.random(count) < 0.4
        self.customer = np.where(prospect, -1, rng.integers(0, n['customers'], count))
        self.country = np.where(prospect, rng.integers(0, len(self.countries), count),
                                self.customer_country[np.maximum(self.customer, 0)])
        lines = 1 + rng.integers(0, 3, count)
        self.line_lead = np.repeat(np.arange(count), lines)
        favourite = np.where(prospect, rng.integers(0, n['categories'], count), self.favourite[np.maximum(self.customer, 0)])
        line_category = np.where(rng.random(len(self.line_lead)) < 0.6, favourite[self.line_lead],
                                 rng.integers(0, n['categories'], len(self.line_lead)))
        self.line_product = self._pick_products(rng, line_category)
        self.line_qty = 1 + np.round(rng.lognormal(3.3, 0.7, len(self.line_lead)))  # project quantities
        self.expected_revenue = np.bincount(self.line_lead, self.line_qty * self.price[self.line_product], count)
        effects = {'team': rng.normal(0, 0.25, n['teams']), 'salesperson': rng.normal(0, 0.4, n['salespeople']),
                   'country': rng.normal(0, 0.15, len(self.countries)), 'category': rng.normal(0, 0.3, n['categories'])}
        self.effects = effects
        quality = rng.normal(0, 0.8, count)
        category_effect = (np.bincount(self.line_lead, effects['category'][self.product_category[self.line_product]], count)
                           / lines)
        logit = (-1.3 + np.array(list(SOURCES.values()))[self.source] + np.array(list(MEDIUMS.values()))[self.medium]
                 + effects['team'][self.team] + effects['salesperson'][self.salesperson]
                 + effects['country'][self.country] + np.where(prospect, 0.0, 0.7 * self.loyalty[np.maximum(self.customer, 0)])
                 + category_effect - 0.3 * np.log(self.expected_revenue / np.median(self.expected_revenue)) + quality)
        self.true_probability = 1 / (1 + np.exp(-logit))
        self.won = rng.random(count) < self.true_probability
        life = np.where(self.won, 20 + rng.gamma(2, 20, count), 10 + rng.gamma(2, 30, count))
        self.closed = created + np.round(life).astype(np.int64)
        quiet_share = rng.uniform(0.3, 0.7, count) if not self.weak else rng.uniform(0.8, 1.0, count)
        self.quiet_from = np.where(self.won, self.closed, created + np.round(life * quiet_share))
        engagement = 0.3 if self.weak else 0.6
        self.activity_rate = 0.08 * np.exp(engagement * quality)
        self.email_rate = 0.05 * np.exp(2 / 3 * engagement * quality)
        # activity days: a Poisson process over each lead's active life, drawn once
        active = np.maximum(self.quiet_from - created, 1)
        activity_count = rng.poisson(self.activity_rate * active)
        self.activity_lead = np.repeat(np.arange(count), activity_count)
        self.activity_day = created[self.activity_lead] + np.floor(rng.random(len(self.activity_lead))
                                                                   * active[self.activity_lead]).astype(np.int64)
        email_count = rng.poisson(self.email_rate * active)
        self.email_lead = np.repeat(np.arange(count), email_count)
        self.email_day = created[self.email_lead] + np.floor(rng.random(len(self.email_lead))
                                                             * active[self.email_lead]).astype(np.int64)
        self.lost_stays_new = (~self.won) & (rng.random(count) < 0.5)
        self.deadline = np.where(self.won, self.closed - np.round(rng.exponential(15, count)),
                                 created + rng.integers(25, 66, count)).astype(np.int64)
        self.deadline = np.maximum(self.deadline, created)

    def _orders(self, rng, n):
        """Order lines (customer, day, product, qty, from an opportunity): direct orders of the
        customers plus the won leads' lines on their closing day."""
        customers, days = [], []
        for month in range(36):  # calendar months from START
            moy = (START.month - 1 + month) % 12
            first = day_of(datetime.date(START.year + (START.month - 1 + month) // 12, moy + 1, 1))
            length = day_of(datetime.date(START.year + (START.month + month) // 12, (moy + 1) % 12 + 1, 1)) - first
            factor = (1.6 if moy == 11 else 0.7 if moy == 7 else 1.0) * (1 + 0.15 * np.sin(2 * np.pi * moy / 12))
            factor *= 1.12 ** (month / 12) * length / 30.0
            counts = rng.poisson(0.15 * np.exp(self.loyalty) * factor)
            who = np.repeat(np.arange(n['customers']), counts)
            customers.append(who)
            days.append(first + rng.integers(0, length, len(who)))
        order_customer, order_day = np.concatenate(customers), np.concatenate(days)
        keep = order_day < DAYS
        order_customer, order_day = order_customer[keep], order_day[keep]
        lines = 1 + rng.integers(0, 3, len(order_customer))
        line_order = np.repeat(np.arange(len(order_customer)), lines)
        category = np.where(rng.random(len(line_order)) < 0.7, self.favourite[order_customer[line_order]],
                            rng.integers(0, n['categories'], len(line_order)))
        won_lines = self.won[self.line_lead] & (self.closed[self.line_lead] < DAYS)
        self.order_customer = np.concatenate([order_customer[line_order], self.customer[self.line_lead[won_lines]]])
        self.order_day = np.concatenate([order_day[line_order], self.closed[self.line_lead[won_lines]]])
        self.order_product = np.concatenate([self._pick_products(rng, category), self.line_product[won_lines]])
        self.order_qty = np.concatenate([(1 + rng.poisson(2, len(line_order))).astype(np.float64),
                                         self.line_qty[won_lines]])
        self.order_from_lead = np.concatenate([np.zeros(len(line_order), dtype=bool), np.ones(won_lines.sum(), dtype=bool)])
        order = np.argsort(self.order_day, kind='stable')
        for name in ('order_customer', 'order_day', 'order_product', 'order_qty', 'order_from_lead'):
            setattr(self, name, getattr(self, name)[order])

    # -- features as of a day -------------------------------------------------------------
    def _customer_history(self, customers, day):
        """Per (customer, day): orders (distinct order days) and revenue before the day."""
        known = self.order_customer >= 0
        key = self.order_customer[known] * (DAYS + 1) + self.order_day[known]
        revenue = (self.order_qty * self.price[self.order_product])[known]
        order = np.argsort(key, kind='stable')
        key, revenue = key[order], np.cumsum(revenue[order])
        distinct_days = np.cumsum(np.r_[True, key[1:] != key[:-1]])
        first = np.searchsorted(key, np.maximum(customers, 0) * (DAYS + 1))
        upto = np.searchsorted(key, np.maximum(customers, 0) * (DAYS + 1) + day)
        before_first = np.where(first > 0, distinct_days[np.maximum(first - 1, 0)], 0)
        orders = np.where(upto > first, distinct_days[np.maximum(upto - 1, 0)] - before_first, 0)
        rev_before = np.where(first > 0, revenue[np.maximum(first - 1, 0)], 0.0)
        value = np.where(upto > first, revenue[np.maximum(upto - 1, 0)] - rev_before, 0.0)
        last = np.where(upto > first, key[np.maximum(upto - 1, 0)] % (DAYS + 1), -10 ** 6)
        prospect = customers < 0
        return np.where(prospect, 0, orders), np.where(prospect, 0.0, value), np.where(prospect, -10 ** 6, last)

    @staticmethod
    def _count_before(event_lead, event_day, leads, day):
        """Per lead: events before the day and the day of the last one (-1: none)."""
        key = event_lead * (DAYS * 2) + event_day
        order = np.sort(key)
        upto = np.searchsorted(order, leads * (DAYS * 2) + day)
        first = np.searchsorted(order, leads * (DAYS * 2))
        last = np.where(upto > first, order[np.maximum(upto - 1, 0)] % (DAYS * 2), -1)
        return upto - first, last

    def features(self, leads, day):
        """{feature: list} of the leads as of day (an array or one day), plus 'stage_probability'."""
        leads = np.asarray(leads)
        day = np.broadcast_to(np.asarray(day), leads.shape)
        customers = self.customer[leads]
        orders, value, last_order = self._customer_history(customers, day)
        recency = day - last_order
        customer_stage = np.where(customers < 0, 'prospect', np.where(orders == 0, 'no order yet', np.where(
            recency <= 120, 'active', np.where(recency <= 365, 'at risk', 'lost'))))
        segment = np.where(customers < 0, None, np.where(
            (orders >= 8) & (recency <= 90), 'champions', np.where(orders >= 4, 'loyal', np.where(
                orders >= 1, 'occasional', 'none'))))
        activities, last_activity = self._count_before(self.activity_lead, self.activity_day, leads, day)
        emails, last_email = self._count_before(self.email_lead, self.email_day, leads, day)
        last_touch = np.maximum(np.maximum(last_activity, last_email), self.created[leads])
        life = np.maximum(self.closed[leads] - self.created[leads], 1)
        elapsed = (day - self.created[leads]) / life
        stage = np.where(self.won[leads], np.where(elapsed < 0.25, 0, np.where(elapsed < 0.6, 1, 2)),
                         np.where(self.lost_stays_new[leads] | (elapsed < 0.3), 0, np.where(elapsed < 0.8, 1, 2)))
        lines_of = [[] for _lead in leads]
        position = {lead: at for at, lead in enumerate(leads.tolist())}
        wanted = np.isin(self.line_lead, leads)
        for lead, product in zip(self.line_lead[wanted].tolist(), self.line_product[wanted].tolist()):
            lines_of[position[lead]].append('category %d' % self.product_category[product])
        names = list(SOURCES)
        return {
            'source': [names[s] for s in self.source[leads]], 'medium': [list(MEDIUMS)[m] for m in self.medium[leads]],
            'campaign': [None] * len(leads), 'team': ['team %d' % t for t in self.team[leads]],
            'salesperson': ['salesperson %d' % s for s in self.salesperson[leads]],
            'country': [self.countries[c] for c in self.country[leads]],
            'stage': [STAGES[s][0] for s in stage], 'customer_stage': customer_stage.tolist(),
            'customer_segment': segment.tolist(), 'customer_orders': orders.tolist(),
            'customer_revenue': value.tolist(), 'expected_revenue': self.expected_revenue[leads].tolist(),
            'age_days': (day - self.created[leads]).tolist(), 'days_since_activity': (day - last_touch).tolist(),
            'activities': activities.tolist(), 'emails': emails.tolist(), 'products': lines_of,
            'stage_probability': np.array([STAGES[s][1] for s in stage]) / 100.0,
        }

    def open_at(self, day):
        """The leads open at the start of a day (created before it, closed on it or later)."""
        return np.flatnonzero((self.created < day) & (self.closed >= day))

    def training(self, cutoff, months=18):
        """(leads, snapshot days) of the month-end snapshots in the `months` months before the
        cutoff of the leads open then and closed before the cutoff."""
        leads, days = [], []
        for back in range(1, months + 1):
            day = cutoff - 30 * back
            if day <= 0:
                break
            open_leads = self.open_at(day)
            open_leads = open_leads[self.closed[open_leads] < cutoff]
            leads.append(open_leads)
            days.append(np.full(len(open_leads), day))
        return np.concatenate(leads), np.concatenate(days)
