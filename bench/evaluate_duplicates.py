#!/usr/bin/env python3
"""Precision, recall and scan time of the duplicate customer detection (issue 20,
queries/duplicates.duplicate_pairs through crm.erp.duplicate.pair's rule: similar names from
rules.DUPLICATE_NAME_SIMILARITY) on a GENERATED set of contacts (nothing here is real data):

    .venv/bin/python bench/evaluate_duplicates.py DB [--size 100000] [--seed 20]

The set (generate(), seeded): `size` customers of a new company, of which about 10% are planted
duplicates of another customer of the set, of five documented kinds in equal shares:
- typo: the name with one typing error (a letter substituted, dropped, doubled or two swapped) in
  one word, no other data (a quick entry);
- phone: the phone of the original written another way (+351 912 345 678 / 00351912345678 /
  912-345-678), as mobile or phone, the name with a typo;
- swapped: the words of the name in another order (surnames first), no other data;
- email: the original's email in another case with spaces around, the name with a typo;
- vat: a company's VAT with spaces, dots or dashes and lower case, another trade name.
and about 10% look-alikes that are NOT duplicates: the same two surnames with another first
name (relatives), a phone one digit away, an email at the same domain, a VAT one digit away.
Every original has a name of a first name and two surnames from generated pools (about 200 x
3000 x 3000), an email (70%) and a phone (70%); companies (20%) a VAT.

Ground truth: the (original, duplicate) pairs. Precision = pairs found that are planted / pairs
found among the set's customers; recall = planted pairs found / planted pairs, also per kind.
Precision is also given by evidence (the pairs found on each combination of kinds) and the false
pairs by the look-alike kind they come from. Scan time: duplicate_pairs on the company (its
customers plus the database's shared ones), after ANALYZE, best of --reps; --explain then prints
the plan of one more scan (EXPLAIN ANALYZE, BUFFERS). Everything runs in one transaction that is
rolled back."""
import argparse
import os
import random
import string
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import load_odoo, machine  # noqa: E402

KINDS = ('typo', 'phone', 'swapped', 'email', 'vat')
LOOK_ALIKES = ('relative', 'phone_near', 'same_domain', 'vat_near')
VOWELS, CONSONANTS = 'aeiou', 'bcdfglmnprstvz'


def _word(rng, syllables):
    return ''.join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables)).capitalize()


def _typo(rng, name):
    words = name.split(' ')
    i = rng.randrange(len(words))
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    how = rng.choice(('substitute', 'drop', 'double', 'swap'))
    if how == 'substitute':
        word = word[:j] + rng.choice(string.ascii_lowercase.replace(word[j], '')) + word[j + 1:]
    elif how == 'drop':
        word = word[:j] + word[j + 1:]
    elif how == 'double':
        word = word[:j] + word[j] + word[j:]
    else:
        word = word[:j - 1] + word[j] + word[j - 1] + word[j + 1:] if word[j] != word[j - 1] else word + 'e'
    words[i] = word
    return ' '.join(words)


def _phone_format(rng, digits):
    """digits: 9 digits of a national number, formatted one of three ways."""
    return rng.choice(('+351 %s %s %s' % (digits[:3], digits[3:6], digits[6:]), '00351' + digits,
                       '%s-%s-%s' % (digits[:3], digits[3:6], digits[6:])))


def generate(size, seed):
    """[(name, email, phone, mobile, vat, is_company)], the planted pairs {(i, j): kind} (indexes
    in the list, i the original) and the look-alikes {(i, j): kind} (j made after i)."""
    rng = random.Random(seed)
    firsts = sorted({_word(rng, rng.choice((2, 3))) for _ in range(400)})[:200]
    surnames = sorted({_word(rng, rng.choice((2, 3, 4))) for _ in range(6000)})[:3000]
    rows, truth, alikes = [], {}, {}
    names, vats, phones = set(), set(), set()
    n_dup = n_alike = size // 10
    n_orig = size - n_dup - n_alike
    domains = ['mail%d.example' % d for d in range(50)]
    for i in range(n_orig):
        while True:
            name = '%s %s %s' % (rng.choice(firsts), rng.choice(surnames), rng.choice(surnames))
            if name not in names:
                names.add(name)
                break
        company = rng.random() < 0.2
        if company:
            name += ' Lda'
        while True:
            phone = '9%08d' % rng.randrange(10 ** 8)
            if phone not in phones:
                phones.add(phone)
                break
        vat = None
        if company:
            while True:
                vat = 'PT%09d' % rng.randrange(10 ** 9)
                if vat not in vats:
                    vats.add(vat)
                    break
        email = '%s.%d@%s' % (name.split(' ')[0].lower(), i, rng.choice(domains)) if rng.random() < 0.7 else None
        rows.append([name, email, _phone_format(rng, phone) if rng.random() < 0.7 else None, None, vat, company,
                     phone])
    originals = list(range(n_orig))
    for k in range(n_dup):
        kind = KINDS[k % len(KINDS)]
        while True:
            i = rng.choice(originals)
            name, email, phone_text, _mobile, vat, company, phone = rows[i]
            if (kind == 'vat' and not vat) or (kind == 'email' and not email) or (kind == 'phone' and not phone_text):
                continue
            break
        new = [None, None, None, None, None, company, None]
        if kind == 'typo':
            new[0] = _typo(rng, name)
        elif kind == 'phone':
            new[0] = _typo(rng, name)
            new[rng.choice((2, 3))] = _phone_format(rng, phone)
        elif kind == 'swapped':
            words = name.split(' ')
            new[0] = ' '.join(words[1:3] + words[:1] + words[3:])
        elif kind == 'email':
            new[0] = _typo(rng, name)
            new[1] = '  %s ' % ''.join(c.upper() if rng.random() < 0.5 else c for c in email)
        else:
            new[0] = '%s %s Unipessoal' % (_word(rng, 3), _word(rng, 2))
            new[4] = rng.choice(('%s %s %s', '%s.%s.%s', '%s-%s-%s')) % (vat[:5], vat[5:8], vat[8:])
            if rng.random() < 0.5:
                new[4] = new[4].lower()
        truth[(i, len(rows))] = kind
        rows.append(new)
    for k in range(n_alike):
        kind = LOOK_ALIKES[k % len(LOOK_ALIKES)]
        i = rng.choice(originals)
        name, email, phone_text, _mobile, vat, company, phone = rows[i]
        words = name.split(' ')
        first = rng.choice([f for f in firsts if f != words[0]])
        new = [' '.join([first] + words[1:]), None, None, None, None, company, None]
        if kind == 'phone_near':
            new[0] = '%s %s %s' % (first, rng.choice(surnames), rng.choice(surnames))
            new[2] = _phone_format(rng, phone[:8] + str((int(phone[8]) + 1) % 10))
        elif kind == 'same_domain':
            new[0] = '%s %s %s' % (first, rng.choice(surnames), rng.choice(surnames))
            new[1] = 'info.%d@%s' % (k, (email or 'x@mail1.example').split('@')[1])
        elif kind == 'vat_near' and vat:
            new[0] = '%s %s Lda' % (_word(rng, 3), _word(rng, 3))
            new[4] = vat[:10] + str((int(vat[10]) + 1) % 10)
        alikes[(i, len(rows))] = kind
        rows.append(new)
    return [row[:6] for row in rows], truth, alikes


def insert(cr, company_id, rows):
    """The rows as customers of the company (commercial entities), in one statement; their ids."""
    columns = list(zip(*rows))
    cr.execute("""
        INSERT INTO res_partner (name, display_name, email, phone, mobile, vat, is_company, company_id, active,
                                 customer, type, invoice_warn, picking_warn, sale_warn, purchase_warn)
        SELECT n, n, e, p, m, v, c, %s, TRUE, TRUE, 'contact', 'no-message', 'no-message', 'no-message',
               'no-message'
          FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::boolean[])
               WITH ORDINALITY AS r(n, e, p, m, v, c, o)
         ORDER BY o
        RETURNING id""", [company_id] + [list(column) for column in columns])
    ids = sorted(row[0] for row in cr.fetchall())
    cr.execute('UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)', [ids])
    return ids


class ExplainCursor:
    """A cursor that runs the scan's statement (the one that starts with WITH) under EXPLAIN
    (ANALYZE, BUFFERS), keeps the plan in .plan and answers it no rows; other statements run as
    they are. Works on any version of queries/duplicates.duplicate_pairs."""

    def __init__(self, cr):
        self.cr, self.plan, self._explained = cr, [], False

    def execute(self, query, params=None):
        self._explained = query.lstrip().upper().startswith('WITH')
        if self._explained:
            query = 'EXPLAIN (ANALYZE, BUFFERS) ' + query
            self.cr.execute(query, params)
            self.plan = [row[0] for row in self.cr.fetchall()]
        else:
            self.cr.execute(query, params)

    def fetchall(self):
        return [] if self._explained else self.cr.fetchall()

    def __getattr__(self, name):
        return getattr(self.cr, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--seed', type=int, default=20)
    parser.add_argument('--reps', type=int, default=2)
    parser.add_argument('--explain', action='store_true', help='print the plan of one more scan')
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.queries import duplicates
    start = time.perf_counter()
    rows, truth, alikes = generate(args.size, args.seed)
    print('generated %d customers, %d planted duplicates in %.1f s'
          % (len(rows), len(truth), time.perf_counter() - start), flush=True)
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env['res.company'].create({'name': 'Duplicates bench'})
        start = time.perf_counter()
        ids = insert(cr, company.id, rows)
        cr.execute('ANALYZE res_partner')
        print('inserted in %.1f s' % (time.perf_counter() - start), flush=True)
        use_names = duplicates.trigram_available(cr)
        times = []
        for _rep in range(args.reps):
            start = time.perf_counter()
            # the addon's rule (its defaults: rules.DUPLICATE_NAME_SIMILARITY, ...)
            found = duplicates.duplicate_pairs(cr, company.id, use_names=use_names)
            times.append(time.perf_counter() - start)
        if args.explain:
            explain = ExplainCursor(cr)
            duplicates.duplicate_pairs(explain, company.id, use_names=use_names)
            print('\n'.join(explain.plan), flush=True)
        cr.rollback()
    index = {partner_id: i for i, partner_id in enumerate(ids)}
    predicted = {(index[a], index[b]): kinds for a, b, kinds, _sim in found if a in index and b in index}
    original = {j: i for (i, j) in truth}
    cluster = lambda i: original.get(i, i)  # noqa: E731
    same = {pair for pair in predicted if cluster(pair[0]) == cluster(pair[1])}
    hits = [pair for pair in predicted if pair in truth]
    precision = len(same) / len(predicted) if predicted else 1.0
    recall = len(hits) / len(truth)
    print('machine: %s; load average %.1f' % (machine(), os.getloadavg()[0]), flush=True)
    print('customers %d, pairs found %d (among the set), planted %d'
          % (len(rows), len(predicted), len(truth)), flush=True)
    print('precision %.3f, recall %.3f; scan %s s (best %.2f s)' % (
        precision, recall, ', '.join('%.2f' % t for t in times), min(times)))
    for kind in KINDS:
        planted = [pair for pair, k in truth.items() if k == kind]
        found_share = sum(pair in predicted for pair in planted) / len(planted)
        print('  recall %-8s %.3f (%d planted)' % (kind, found_share, len(planted)))
    evidence = {}
    for pair, kinds in predicted.items():
        evidence.setdefault('+'.join(sorted(kinds)), []).append(pair in same)
    for kinds, right in sorted(evidence.items()):
        print('  precision %-22s %.3f (%d pairs found)' % (kinds, sum(right) / len(right), len(right)))
    wrong = [pair for pair in predicted if pair not in same]
    for kind in LOOK_ALIKES + ('other',):
        print('  false pairs of look-alikes %-12s %d' % (
            kind, sum(alikes.get(pair, alikes.get(pair[::-1], 'other')) == kind for pair in wrong)))
    for pair in wrong[:5]:
        print('  false: %r / %r: %s' % (rows[pair[0]][0], rows[pair[1]][0], predicted[pair]), flush=True)


if __name__ == '__main__':
    main()
