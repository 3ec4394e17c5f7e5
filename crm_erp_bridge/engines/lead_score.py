"""Predictive lead score: the probability that an open lead is won, learned from a company's own
won and lost leads (no Odoo import; design and figures: docs/lead-score-forecast.md).

The model is a regularised logistic regression, chosen because a salesperson must be able to
read why a lead scores as it does: its log-odds are a sum of one term per feature, so each
score comes with its features' contributions, and the three largest become plain-word reasons.

Features (`Feature`, a spec the caller chooses; `DEFAULT_FEATURES` lists the addon's):
- `category`: one 0/1 column per value seen at least `min_count` times among the training
  leads; rarer and unseen values (and None) have no column, so they weigh 0 like an absent one;
- `tokens`: a set of values per lead (the products or categories on its lines), one 0/1
  column per token seen in at least `min_count` leads;
- `number`: log(1 + x) when `log` (money, counts), then standardised with the training mean
  and standard deviation and clipped to +-5; a missing value (None, NaN) takes the mean and,
  when the training leads had missing values, sets a "missing" column;
- `bins`: a number cut at fixed edges (days since the last activity: 7, 30, 90) into levels
  "<= 7", "8-30", ..., then handled as a category: the effect may bend (no activity for a week
  is normal, for 90 days is not) while the edges stay in words a salesperson understands.

Fit: maximum of the log-likelihood minus l2 / 2 x the squared weights (intercept not
penalised), by L-BFGS with the exact gradient. The newest `holdout_share` of the leads (by
`day`, the day their features were taken) is held out: the model fitted on the older ones gives
the holdout AUC and Brier score shown to managers; l2 is chosen on an inner time split of the
older ones; the model kept is then refitted on every lead. Fewer than `min_closed` leads or
`min_per_class` won or lost ones: the fallback `WinRateModel`, the team's historical win rate
shrunk toward the company's (with no closed lead at all, or one outcome only, it scores None:
the caller keeps Odoo's stage probability).

A contribution is relative to the average training lead: w . (x - mean x) over the feature's
columns, in log-odds; the contributions and the average lead's log-odds add up to the lead's
log-odds, so a reason says how much a feature moves this lead away from an ordinary one."""
import datetime
import math

import numpy as np
from scipy import optimize, sparse, stats

CATEGORY, TOKENS, NUMBER, BINS = 'category', 'tokens', 'number', 'bins'
L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
CLIP = 5.0
# Up to this many leads, score() builds a dense design matrix: a write rescoring one lead spent
# more on scipy.sparse's set-up than on the arithmetic (bench/RESULTS.md, s29-lead).
DENSE_LEADS = 64


class Feature(object):
    """One input of the score: its name (the key of the caller's columns), kind (CATEGORY,
    TOKENS, NUMBER, BINS), log (NUMBER: log(1 + x) first) and edges (BINS: upper bounds)."""

    def __init__(self, name, kind, log=False, edges=None):
        if kind not in (CATEGORY, TOKENS, NUMBER, BINS) or (kind == BINS) != bool(edges):
            raise ValueError('feature %s: unknown kind %r or edges without bins' % (name, kind))
        self.name, self.kind, self.log, self.edges = name, kind, log, tuple(edges or ())

    def to_dict(self):
        return {'name': self.name, 'kind': self.kind, 'log': self.log, 'edges': list(self.edges)}

    def bin_labels(self):
        """The levels of a BINS feature in words: '<= 7', '8-30', '31-90', '> 90'."""
        labels, low = [], None
        for edge in self.edges:
            labels.append('<= %g' % edge if low is None else '%g-%g' % (low + 1, edge))
            low = edge
        return labels + ['> %g' % low]


# The addon's features (names of the columns its query will return; docs/lead-score-forecast.md).
DEFAULT_FEATURES = (
    Feature('source', CATEGORY), Feature('medium', CATEGORY), Feature('campaign', CATEGORY),
    Feature('team', CATEGORY), Feature('salesperson', CATEGORY), Feature('country', CATEGORY),
    Feature('stage', CATEGORY), Feature('customer_stage', CATEGORY),
    Feature('customer_segment', CATEGORY),
    Feature('customer_orders', NUMBER, log=True), Feature('customer_revenue', NUMBER, log=True),
    Feature('expected_revenue', NUMBER, log=True), Feature('age_days', BINS, edges=(7, 30, 90, 180)),
    Feature('days_since_activity', BINS, edges=(7, 30, 90)),
    Feature('activities', NUMBER, log=True), Feature('emails', NUMBER, log=True),
    Feature('products', TOKENS),
)


def auc(scores, outcomes):
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN with one class only."""
    scores, outcomes = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=bool)
    positives, negatives = outcomes.sum(), (~outcomes).sum()
    if not positives or not negatives:
        return float('nan')
    ranks = stats.rankdata(scores)
    return float((ranks[outcomes].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(probabilities, outcomes):
    """Mean squared difference between the probability and the 0/1 outcome."""
    p = np.asarray(probabilities, dtype=np.float64)
    return float(np.mean((p - np.asarray(outcomes, dtype=np.float64)) ** 2))


def _number(values, log):
    x = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.log1p(np.maximum(x, 0)) if log else x


def _bin_level(feature, values):
    x = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    labels = np.array(feature.bin_labels() + [None], dtype=object)
    at = np.searchsorted(np.asarray(feature.edges, dtype=np.float64), x, side='left')
    at[np.isnan(x)] = len(labels) - 1
    return labels[at]


class Encoder(object):
    """The design matrix of a feature spec, learnt on the training leads (levels kept, means
    and deviations); `state` is plain JSON data so a fitted model can be stored."""

    def __init__(self, features, state=None):
        self.features = tuple(features)
        self.state = state or {}

    def learn(self, columns, min_count):
        for feature in self.features:
            values = columns[feature.name]
            if feature.kind == NUMBER:
                x = _number(values, feature.log)
                seen = x[~np.isnan(x)]
                mean = float(seen.mean()) if len(seen) else 0.0
                sd = float(seen.std()) if len(seen) > 1 else 0.0
                self.state[feature.name] = {'mean': mean, 'sd': sd if sd > 1e-9 else 1.0,
                                            'missing': bool(np.isnan(x).any())}
            else:
                _leads, levels = self._level_pairs(feature, values)
                found, counts = np.unique(levels, return_counts=True)
                self.state[feature.name] = {'levels': found[counts >= min_count].tolist()}
        return self

    @staticmethod
    def _level_pairs(feature, values):
        """(lead index, level) pairs, as two arrays: one pair per lead for a category or bin with a
        value, one per distinct token for tokens; levels as text."""
        if feature.kind == TOKENS:
            sets = [sorted({str(token) for token in (value or ())}) for value in values]
            leads = np.repeat(np.arange(len(sets)), [len(tokens) for tokens in sets])
            return leads, np.array([token for tokens in sets for token in tokens], dtype=str)
        if feature.kind == BINS:
            levels = _bin_level(feature, values)
        else:
            levels = np.array([None if value is None or value is False else str(value) for value in values],
                              dtype=object)
        leads = np.flatnonzero(levels != None)  # noqa: E711 (element-wise)
        return leads, levels[leads].astype(str)

    @staticmethod
    def _known_levels(feature, levels, values):
        """(lead index, index among levels) pairs, as two arrays, of the values whose level (as
        _level_pairs gives it) is one of the learnt levels; unknown levels are left out. A dict
        lookup per value: numpy's text arrays and searchsorted took most of the engine's time
        at 14,500 leads (bench/RESULTS.md, s30-score)."""
        index = {level: at for at, level in enumerate(levels)}
        if feature.kind == BINS:
            # the level of each bin, then of each lead by its bin (the last one: no value)
            of_bin = np.array([index.get(label, -1) for label in feature.bin_labels()] + [-1], dtype=np.int64)
            x = np.array(values, dtype=np.float64)
            at = np.searchsorted(np.asarray(feature.edges, dtype=np.float64), x, side='left')
            at[np.isnan(x)] = len(of_bin) - 1
            at = of_bin[at]
            leads = np.flatnonzero(at >= 0)
            return leads, at[leads]
        if feature.kind == TOKENS:
            pairs = [(lead, at) for lead, value in enumerate(values)
                     for at in {index.get(str(token), -1) for token in (value or ())} if at >= 0]
            return (np.array([lead for lead, _at in pairs], dtype=np.int64),
                    np.array([at for _lead, at in pairs], dtype=np.int64))
        at = np.array([-1 if value is None or value is False else index.get(str(value), -1) for value in values],
                      dtype=np.int64)
        leads = np.flatnonzero(at >= 0)
        return leads, at[leads]

    def column_names(self):
        """(feature name, level or None) per column, in column order."""
        names = []
        for feature in self.features:
            state = self.state[feature.name]
            if feature.kind == NUMBER:
                names.append((feature.name, None))
                if state['missing']:
                    names.append((feature.name, '(missing)'))
            else:
                names.extend((feature.name, level) for level in state['levels'])
        return names

    def groups(self):
        """Per column, the index of its feature in self.features."""
        index = {feature.name: at for at, feature in enumerate(self.features)}
        return np.array([index[name] for name, _level in self.column_names()], dtype=np.int64)

    def matrix(self, columns, dense=False):
        """The sparse design matrix (leads x columns) of the caller's columns; dense: as a
        numpy array (a few leads)."""
        n = len(columns[self.features[0].name])
        rows, cols, data, offset = [], [], [], 0
        for feature in self.features:
            state, values = self.state[feature.name], columns[feature.name]
            if len(values) != n:
                raise ValueError('feature %s: %d values for %d leads' % (feature.name, len(values), n))
            if feature.kind == NUMBER:
                x = _number(values, feature.log)
                missing = np.isnan(x)
                z = np.clip((np.where(missing, state['mean'], x) - state['mean']) / state['sd'], -CLIP, CLIP)
                rows.append(np.arange(n))
                cols.append(np.full(n, offset))
                data.append(z)
                offset += 1
                if state['missing']:
                    rows.append(np.flatnonzero(missing))
                    cols.append(np.full(int(missing.sum()), offset))
                    data.append(np.ones(int(missing.sum())))
                    offset += 1
            else:
                leads, at = self._known_levels(feature, state['levels'], values)
                rows.append(leads)
                cols.append(offset + at)
                data.append(np.ones(len(at)))
                offset += len(state['levels'])
        if dense:
            X = np.zeros((n, offset))
            if rows:
                np.add.at(X, (np.concatenate(rows), np.concatenate(cols)), np.concatenate(data))
            return X
        if not rows:
            return sparse.csr_matrix((n, offset))
        return sparse.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                                 shape=(n, offset))


def _objective(theta, X, y, l2, weights):
    """Minus the penalised log-likelihood and its gradient; theta = (intercept, w...)."""
    eta = theta[0] + X @ theta[1:]
    # log(1 + e^eta) - y eta, stable for large |eta|
    loss = weights @ (np.logaddexp(0.0, eta) - y * eta) + 0.5 * l2 * theta[1:] @ theta[1:]
    residual = weights * (1.0 / (1.0 + np.exp(-eta)) - y)
    gradient = np.concatenate(([residual.sum()], X.T @ residual + l2 * theta[1:]))
    return loss, gradient


def _fit_weights(X, y, l2, start=None):
    """theta = (intercept, weights...) maximising the penalised log-likelihood (start: a warm
    start, e.g. the solution at a neighbouring l2)."""
    if start is None:
        rate = min(max(y.mean(), 1e-3), 1 - 1e-3)
        start = np.zeros(X.shape[1] + 1)
        start[0] = math.log(rate / (1 - rate))
    result = optimize.minimize(_objective, start, args=(X, y, l2, np.ones(len(y))), jac=True, method='L-BFGS-B',
                               options={'maxiter': 500})
    return result.x


def _sigmoid(eta):
    return 1.0 / (1.0 + np.exp(-eta))


def _log_loss(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _take(columns, index):
    return {name: [values[i] for i in index] for name, values in columns.items()}


class LeadScoreModel(object):
    """A fitted logistic lead score. kind 'logistic'; report: the fit's figures."""
    kind = 'logistic'

    def __init__(self, encoder, theta, baseline, report):
        self.encoder, self.theta, self.baseline, self.report = encoder, np.asarray(theta), np.asarray(baseline), report
        self._groups = encoder.groups()

    @classmethod
    def train(cls, columns, won, features, l2, min_count, report=None, encoder=None, X=None):
        """Fitted on the columns (or on the design matrix X of a learnt encoder)."""
        if encoder is None:
            encoder = Encoder(features).learn(columns, min_count)
            X = encoder.matrix(columns)
        theta = _fit_weights(X, np.asarray(won, dtype=np.float64), l2)
        # the average training lead's value of each feature's term: contributions are relative to it
        terms = _group_terms(X, theta[1:], encoder.groups(), len(encoder.features))
        return cls(encoder, theta, terms.mean(axis=0), dict(report or {}, l2=l2, columns=X.shape[1]))

    def probabilities(self, columns):
        return _sigmoid(self.theta[0] + self.encoder.matrix(columns) @ self.theta[1:])

    def score(self, columns, top=3):
        """Per lead: (probability, [(feature, value, contribution in log-odds)] of its `top`
        largest contributions by absolute size, largest first)."""
        return _score_lists(columns, *self.score_arrays(columns, top))

    def score_arrays(self, columns, top=3):
        """score() as arrays, with no Python object per lead: the probability of each lead, the
        feature names, and per lead the index (in those names) and the contribution of its `top`
        largest contributions by absolute size, largest first (leads x top each)."""
        n = len(columns[self.encoder.features[0].name]) if self.encoder.features else 0
        X = self.encoder.matrix(columns, dense=n <= DENSE_LEADS)
        probabilities = _sigmoid(self.theta[0] + X @ self.theta[1:])
        contributions = _group_terms(X, self.theta[1:], self._groups, len(self.encoder.features)) - self.baseline
        order = np.argsort(-np.abs(contributions), axis=1, kind='stable')[:, :top]
        return (probabilities, [feature.name for feature in self.encoder.features], order,
                np.take_along_axis(contributions, order, axis=1))

    def weights(self):
        """{(feature, level or None): weight}: the model's parameters for a manager's view."""
        return dict(zip(self.encoder.column_names(), self.theta[1:].tolist()))

    def to_dict(self):
        return {'kind': self.kind, 'features': [f.to_dict() for f in self.encoder.features],
                'state': self.encoder.state, 'theta': self.theta.tolist(), 'baseline': self.baseline.tolist(),
                'report': self.report}


def _score_lists(columns, probabilities, names, order, contributions):
    """score()'s lists from score_arrays()'s arrays: (None, []) for a lead not scored (NaN)."""
    values = [columns.get(name) or [None] * len(probabilities) for name in names]
    return [(None, []) if math.isnan(probability) else
            (probability, [(names[g], values[g][lead], contribution)
                           for g, contribution in zip(lead_order, lead_contributions)])
            for lead, (probability, lead_order, lead_contributions)
            in enumerate(zip(probabilities.tolist(), order.tolist(), contributions.tolist()))]


def _group_terms(X, w, groups, n_groups):
    """(leads x features): each feature's term of the log-odds, the sum of its columns' x w
    (X sparse, or a dense array)."""
    if not sparse.issparse(X):
        indicator = np.zeros((len(groups), n_groups))
        indicator[np.arange(len(groups)), groups] = 1.0
        return (X * w[np.newaxis, :]) @ indicator
    indicator = sparse.csr_matrix((np.ones(len(groups)), (np.arange(len(groups)), groups)),
                                  shape=(len(groups), n_groups))
    return np.asarray((X.multiply(w[np.newaxis, :]).tocsr() @ indicator).todense())


class WinRateModel(object):
    """The fallback: the win rate of the lead's `group` feature value (the team) over the closed
    leads, shrunk toward the company's rate with `prior` leads' weight; None without an outcome
    of each kind (the caller keeps Odoo's stage probability). Its one reason is the team."""
    kind = 'win_rate'

    def __init__(self, group, rates, company_rate, report, prior=10.0):
        self.group, self.rates, self.company_rate, self.report, self.prior = group, rates, company_rate, report, prior

    @classmethod
    def train(cls, columns, won, group='team', prior=10.0, report=None):
        won = np.asarray(won, dtype=np.float64)
        if not len(won) or won.min() == won.max():
            return cls(group, {}, None, dict(report or {}), prior)
        company = float(won.mean())
        keys = [str(v) for v in columns.get(group, [None] * len(won))]
        totals = {}
        for key, outcome in zip(keys, won):
            count, wins = totals.get(key, (0, 0.0))
            totals[key] = (count + 1, wins + outcome)
        rates = {key: (wins + prior * company) / (count + prior) for key, (count, wins) in totals.items()}
        return cls(group, rates, company, dict(report or {}), prior)

    def probabilities(self, columns):
        n = len(next(iter(columns.values())))
        if self.company_rate is None:
            return np.full(n, np.nan)
        keys = columns.get(self.group, [None] * n)
        return np.array([self.rates.get(str(key), self.company_rate) for key in keys])

    def score(self, columns, top=3):
        return _score_lists(columns, *self.score_arrays(columns, top))

    def score_arrays(self, columns, top=3):
        """As LeadScoreModel.score_arrays: one reason, the group (none and NaN probabilities
        without a company rate)."""
        probabilities = self.probabilities(columns)
        n, reasons = len(probabilities), min(top, 1) if self.company_rate is not None else 0
        contributions = np.zeros((n, reasons))
        if reasons:
            base = math.log(self.company_rate / (1 - self.company_rate))
            contributions[:, 0] = [math.log(p / (1 - p)) - base for p in probabilities]
        return probabilities, [self.group], np.zeros((n, reasons), dtype=np.int64), contributions

    def to_dict(self):
        return {'kind': self.kind, 'group': self.group, 'rates': self.rates, 'company_rate': self.company_rate,
                'report': self.report, 'prior': self.prior}


def load(data):
    """A model from its to_dict() (stored as JSON by the addon)."""
    if data['kind'] == WinRateModel.kind:
        return WinRateModel(data['group'], data['rates'], data['company_rate'], data['report'], data['prior'])
    features = [Feature(f['name'], f['kind'], f['log'], f['edges']) for f in data['features']]
    return LeadScoreModel(Encoder(features, data['state']), data['theta'], data['baseline'], data['report'])


def _time_split(day, share):
    """Indexes of the older and the newest `share` of the leads by day (a day is not split)."""
    order = np.argsort(np.asarray(day), kind='stable')
    cut = int(round(len(order) * (1 - share)))
    days = np.asarray(day)[order]
    while 0 < cut < len(order) and days[cut] == days[cut - 1]:
        cut -= 1
    return order[:cut], order[cut:]


def holdout_split(day, share=0.2):
    """Indexes of the rows fit() trains its holdout model on and of the newest `share` it holds
    out (by day, a day is not split): a caller measures a baseline on the same rows."""
    return _time_split(day, share)


def choose_l2(X, won, day, grid=L2_GRID, share=0.2):
    """The l2 of the grid with the smallest log loss on the newest `share` of the rows of the
    design matrix X (fitted on the older ones, each from the previous l2's solution)."""
    older, newer = _time_split(day, share)
    won = np.asarray(won, dtype=np.float64)
    if len(newer) == 0 or won[older].min() == won[older].max():
        return grid[len(grid) // 2]
    losses, theta = [], None
    for l2 in sorted(grid, reverse=True):
        theta = _fit_weights(X[older], won[older], l2, theta)
        losses.append((_log_loss(_sigmoid(theta[0] + X[newer] @ theta[1:]), won[newer]), l2))
    return min(losses)[1]


def fit(columns, won, day, features=DEFAULT_FEATURES, l2=None, min_count=10, holdout_share=0.2,
        min_closed=200, min_per_class=20, fitted_on=None):
    """The lead score of a company's closed leads.

    columns: {feature name: list of values, one per lead} (the values as of `day`); won: 0/1 per
    lead; day: the day (date or number) the lead's features were taken, for the time holdout.
    Returns a LeadScoreModel, or the WinRateModel fallback; report: fitted_on, size, won,
    holdout_size, holdout_auc, holdout_brier (and l2, columns for the logistic model)."""
    won = np.asarray(won, dtype=np.float64)
    size, wins = len(won), int(won.sum())
    report = {'fitted_on': str(fitted_on or datetime.date.today()), 'size': size, 'won': wins}
    older, newer = _time_split(day, holdout_share)
    if size < min_closed or min(wins, size - wins) < min_per_class:
        fallback = WinRateModel.train(_take(columns, older), won[older])
        report.update(fallback='too few closed leads: %d (%d won), need %d with %d of each'
                      % (size, wins, min_closed, min_per_class),
                      **_holdout(fallback.probabilities(_take(columns, newer)), won[newer]))
        return WinRateModel.train(columns, won, report=report)
    # the older leads' encoding serves the choice of l2 and the holdout; the model kept is
    # encoded and fitted again on every lead
    encoder = Encoder(features).learn(_take(columns, older), min_count)
    X = encoder.matrix(columns).tocsr()
    if l2 is None:
        l2 = choose_l2(X[older], won[older], np.asarray(day)[older])
    tried = LeadScoreModel.train(None, won[older], features, l2, min_count, encoder=encoder, X=X[older])
    report.update(_holdout(_sigmoid(tried.theta[0] + X[newer] @ tried.theta[1:]), won[newer]))
    return LeadScoreModel.train(columns, won, features, l2, min_count, report)


def _holdout(p, won):
    """The holdout figures of the report for probabilities p (NaN: not scored) of outcomes won."""
    if not len(p):
        return {'holdout_size': 0, 'holdout_auc': None, 'holdout_brier': None}
    known = ~np.isnan(p)
    measured = auc(p[known], won[known]) if known.any() else float('nan')
    return {'holdout_size': int(len(p)),
            'holdout_auc': None if math.isnan(measured) else round(measured, 4),
            'holdout_brier': round(brier(p[known], won[known]), 4) if known.any() else None}
