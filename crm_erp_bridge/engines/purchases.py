"""A company's purchase history as numpy arrays, the common input of the recommendation
engines (reorder.py, discover.py, recommendation_blend.py). No Odoo import.

One row per counted order line: commercial customer, product, order, order day (integer days,
any epoch) and quantity in the product's unit. Customers and products are any integer ids;
the engines index them densely (np.unique) and map results back."""
import numpy as np


class Purchases:
    """Order lines of one company (arrays of equal length), sorted by customer, product, day."""

    def __init__(self, customer, product, order, day, qty):
        customer = np.asarray(customer, dtype=np.int64)
        product = np.asarray(product, dtype=np.int64)
        order = np.asarray(order, dtype=np.int64)
        day = np.asarray(day, dtype=np.int64)
        qty = np.asarray(qty, dtype=np.float64)
        if not (len(customer) == len(product) == len(order) == len(day) == len(qty)):
            raise ValueError('purchase arrays of different lengths')
        sort = np.lexsort((day, product, customer))
        self.customer, self.product, self.order = customer[sort], product[sort], order[sort]
        self.day, self.qty = day[sort], qty[sort]

    def __len__(self):
        return len(self.customer)

    def before(self, day):
        """The lines of orders placed before day (a time holdout's training side)."""
        return self._subset(self.day < day)

    def between(self, start, end):
        """The lines of orders placed in [start, end) (a time holdout's test side)."""
        return self._subset((self.day >= start) & (self.day < end))

    def _subset(self, mask):
        return Purchases(self.customer[mask], self.product[mask], self.order[mask], self.day[mask], self.qty[mask])

    def bought(self):
        """{customer: set of products}."""
        result = {}
        for customer, product in zip(self.customer.tolist(), self.product.tolist()):
            result.setdefault(customer, set()).add(product)
        return result


def run_starts(*sorted_columns):
    """Start index of every run of equal rows in columns sorted together (lexicographically)."""
    size = len(sorted_columns[0])
    if not size:
        return np.zeros(0, dtype=np.int64)
    new = np.zeros(size, dtype=bool)
    new[0] = True
    for column in sorted_columns:
        new[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(new)


def group_median(group, values, groups):
    """Median of values per group id in [0, groups) (NaN for a group without values)."""
    result = np.full(groups, np.nan)
    if not len(values):
        return result
    sort = np.lexsort((values, group))
    group, values = group[sort], values[sort]
    starts = run_starts(group)
    counts = np.diff(np.append(starts, len(group)))
    low = values[starts + (counts - 1) // 2]
    high = values[starts + counts // 2]
    result[group[starts]] = (low + high) / 2.0
    return result
