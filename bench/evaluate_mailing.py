#!/usr/bin/env python3
"""Mails to opted-out or duplicate addresses in a test mailing (issue 20, respectful marketing,
crm_erp_bridge_marketing; docs/marketing.md) on a GENERATED set of contacts (nothing here is
real data), against Odoo's plain mass mailing in the same run:

    .venv/bin/python bench/evaluate_mailing.py DB [--size 10000] [--seed 20] [--only plain|addon]

DB must have crm_erp_bridge_marketing installed. Everything runs in one transaction that is
rolled back (a throwaway company; the thread is marked as testing, as Odoo's tests are, so that
Odoo's mail composer does not commit after each batch and no email leaves: the mail.mail
records are created and marked sent, none is delivered).

The set (seeded): `size` contacts of a new company, each a person's record:
- originals (about 76 %): one person each, an address (name.surname.N@mailK.example), a phone;
- same address (8 %): another record of an original with its address written another way
  (upper case, spaces around, "Name <address>");
- other address (8 %): another record of an original under another address with the original's
  phone written another way, so that the duplicate detection's exact keys (phone) pair them;
- look-alikes (8 %): another person with the phone of an original (a switchboard); the pair is
  found and a manager marks it "Not duplicates".
Opt-outs: 4 % of the originals opt out themselves; 30 % of the same-address records, 30 % of the
other-address records and 30 % of the look-alikes opt out on that record; 3 % of the originals
unsubscribed as a contact of a mailing list (their address, another case) instead.
A person is opted out when any of their records or their address on a list opted out (a
look-alike is another person). The duplicate pairs come from the addon's detection on the exact
keys (queries/duplicates.duplicate_pairs without names, as the nightly scan stores them).

Two mailings to every contact of the company through Odoo's own path (mail.mass_mailing.send_mail:
the mail composer, one mail.mail per recipient, cancelled for the blacklist and seen list):
first with Odoo's plain blacklist (the addon's _get_blacklist left out for that call), then with
the addon. Counted per mailing, over the mails not cancelled: mails to opted-out persons, extra
copies to an address already mailed (duplicate addresses), persons reached at two addresses, and
persons not opted out that got nothing (withheld). --no-send stops Odoo's path at the mails'
values (composed_partner_ids: the mail composer's get_mail_values decides which are cancelled;
no mail.mail is created, rendered into an email or sent), for sizes whose real sending takes
longer than the time at hand. The blacklist each mailing gets (Odoo's
_get_blacklist, the addon's) is also computed once on its own and timed: its size and seconds.

--only plain / --only addon sends one of the two mailings: run both at the same time in two
processes, each on its own copy of the database (createdb -T), for the same generated set in half
the time and under the same load (the set, its duplicate pairs and the opt-outs depend only on the
seed); the two columns are then printed by two runs."""
import argparse
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import load_odoo, machine  # noqa: E402

VOWELS, CONSONANTS = 'aeiou', 'bcdfglmnprstvz'


def _word(rng, syllables):
    return ''.join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables)).capitalize()


def _phone(rng, digits):
    return rng.choice(('+351 %s %s %s' % (digits[:3], digits[3:6], digits[6:]), '00351' + digits,
                       '%s-%s-%s' % (digits[:3], digits[3:6], digits[6:])))


def _recase(rng, text):
    return ''.join(c.upper() if rng.random() < 0.5 else c for c in text)


def generate(size, seed):
    """rows [(name, email, phone, opt_out)], person [person index per row], look_alike_rows
    [row index], list_opt_outs [address as the list contact wrote it], opted_persons {person}."""
    rng = random.Random(seed)
    n_same = n_other = n_alike = size * 8 // 100
    n_orig = size - n_same - n_other - n_alike
    rows, person, opted, list_opt_outs, look_alikes = [], [], set(), [], []
    phones = set()
    for i in range(n_orig):
        first, last = _word(rng, 2), _word(rng, 3)
        email = '%s.%s.%d@mail%d.example' % (first.lower(), last.lower(), i, rng.randrange(50))
        while True:
            digits = '9%08d' % rng.randrange(10 ** 8)
            if digits not in phones:
                phones.add(digits)
                break
        opt_out = rng.random() < 0.04
        rows.append(('%s %s' % (first, last), email, _phone(rng, digits), opt_out, digits))
        person.append(i)
        if opt_out:
            opted.add(i)
        elif rng.random() < 0.03:
            list_opt_outs.append(_recase(rng, email))
            opted.add(i)
    for kind, count in (('same', n_same), ('other', n_other), ('alike', n_alike)):
        for k in range(count):
            i = rng.randrange(n_orig)
            name, email, _phone_text, _opt, digits = rows[i]
            opt_out = rng.random() < 0.3
            if kind == 'same':
                written = rng.choice(('  %s ' % _recase(rng, email), '%s <%s>' % (name, _recase(rng, email)),
                                      email.upper()))
                rows.append((name, written, None, opt_out, None))
                person.append(i)
            elif kind == 'other':
                rows.append((name, '%s.%d@other%d.example' % (name.split()[0].lower(), k, rng.randrange(50)),
                             _phone(rng, digits), opt_out, digits))
                person.append(i)
            else:
                first, last = _word(rng, 2), _word(rng, 3)
                rows.append(('%s %s' % (first, last), '%s.%s.a%d@mail%d.example' % (
                    first.lower(), last.lower(), k, rng.randrange(50)), _phone(rng, digits), opt_out, digits))
                person.append(len(rows) - 1)
                look_alikes.append(len(rows) - 1)
            if opt_out:
                opted.add(person[-1])
    return [row[:4] for row in rows], person, look_alikes, list_opt_outs, opted


def insert(cr, company_id, rows):
    """The rows as customers of the company (commercial entities), in one statement; their ids
    in the order of rows."""
    columns = list(zip(*rows))
    cr.execute("""
        INSERT INTO res_partner (name, display_name, email, phone, opt_out, company_id, active, customer, type,
                                 is_company, invoice_warn, picking_warn, sale_warn, purchase_warn)
        SELECT n, n, e, p, o, %s, TRUE, TRUE, 'contact', FALSE, 'no-message', 'no-message', 'no-message',
               'no-message'
          FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::boolean[]) WITH ORDINALITY AS r(n, e, p, o, i)
         ORDER BY i
        RETURNING id""", [company_id] + [list(column) for column in columns])
    ids = [row[0] for row in cr.fetchall()]
    cr.execute('UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)', [ids])
    return ids


def sent_partner_ids(cr, mailing_id):
    """The recipients of the mails of the mailing that were not cancelled."""
    cr.execute("""
        SELECT r.res_partner_id FROM mail_mail m JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = m.id
         WHERE m.mailing_id = %s AND m.state IN ('outgoing', 'sent')""", [mailing_id])
    return [partner_id for partner_id, in cr.fetchall()]


def composed_partner_ids(mailing, batch_size=500):
    """The recipients of the mails that Odoo's send_mail would not cancel, through its own path up
    to the mails' values: the same mail composer (mass_mail, the mailing's body, links converted),
    the same blacklist and seen list in its context, its get_mail_values per batch (rendering, the
    mass mailing's cancel rule, the seen list growing as it goes), without creating or sending the
    mails (--no-send)."""
    res_ids = mailing.get_remaining_recipients()
    values = {
        'author_id': mailing.env.user.partner_id.id, 'body': mailing.convert_links()[mailing.id],
        'subject': mailing.name, 'model': mailing.mailing_model_real, 'email_from': mailing.email_from,
        'record_name': False, 'composition_mode': 'mass_mail', 'mass_mailing_id': mailing.id,
        'mailing_list_ids': [(4, mailing_list.id) for mailing_list in mailing.contact_list_ids],
        'no_auto_thread': mailing.reply_to_mode != 'thread', 'template_id': None}
    if mailing.reply_to_mode == 'email':
        values['reply_to'] = mailing.reply_to
    composer = mailing.env['mail.compose.message'].with_context(active_ids=res_ids).create(values)
    composer = composer.with_context(active_ids=res_ids, **mailing._get_mass_mailing_context())
    kept = []
    for start in range(0, len(res_ids), batch_size):
        for res_id, mail_values in composer.get_mail_values(res_ids[start:start + batch_size]).items():
            if mail_values.get('state') != 'cancel':
                kept.append(res_id)
    return kept


def count(partner_ids, index, person, opted, emails, normalised_email):
    """Figures of the mails (their recipients) that were not cancelled, to the generated contacts
    (the bench company's own partner, in the mailing's domain, has no address: its mail fails
    when sent and is not counted, nor in --no-send)."""
    rows = [index[partner_id] for partner_id in partner_ids if partner_id in index]
    addresses = [normalised_email(emails[row]) for row in rows]
    persons = {}
    for row, address in zip(rows, addresses):
        persons.setdefault(person[row], set()).add(address)
    reachable = {p for p in set(person) if p not in opted}
    return {
        'mails': len(rows),
        'to opted-out persons': sum(person[row] in opted for row in rows),
        'extra copies to one address': len(addresses) - len(set(addresses)),
        'persons mailed at two addresses': sum(len(found) > 1 for found in persons.values()),
        'persons withheld (not opted out, no mail)': len(reachable - set(persons)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--size', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=20)
    parser.add_argument('--no-send', action='store_true',
                        help="Odoo's send_mail up to the mails' values (rendering, blacklist, seen list), "
                             "no mail created nor sent")
    parser.add_argument('--only', choices=('plain', 'addon'),
                        help="one of the two mailings (Odoo 11's plain blacklist, or the addon's)")
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.queries import duplicates
    from odoo.addons.crm_erp_bridge.rules import duplicate_confidence
    from odoo.addons.crm_erp_bridge_marketing.emails import normalised_email
    from odoo.addons.mass_mailing.models.mass_mailing import MassMailing as OdooMassMailing

    rows, person, look_alikes, list_opt_outs, opted = generate(args.size, args.seed)
    print('generated %d contacts of %d persons, %d opted out (%d through a mailing list), %d look-alikes'
          % (len(rows), len(set(person)), len(opted), len(list_opt_outs), len(look_alikes)), flush=True)
    threading.current_thread().testing = True
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
        company = env['res.company'].create({'name': 'Mailing bench'})
        env.user.write({'company_ids': [(4, company.id)]})  # the sender belongs to the mailing's company
        ids = insert(cr, company.id, rows)
        index = {partner_id: row for row, partner_id in enumerate(ids)}
        newsletter = env['mail.mass_mailing.list'].create({'name': 'Mailing bench newsletter'})
        for email in list_opt_outs:
            env['mail.mass_mailing.contact'].create({'email': email, 'opt_out': True,
                                                     'list_ids': [(4, newsletter.id)]})
        start = time.perf_counter()
        pairs = [(a, b, 'vat' in kinds, 'email' in kinds, 'phone' in kinds, 'typo' in kinds, similarity,
                  duplicate_confidence(kinds))
                 for a, b, kinds, similarity in duplicates.duplicate_pairs(cr, company.id, use_names=False)]
        duplicates.store_pairs(cr, company.id, pairs, SUPERUSER_ID)
        alike_ids = {ids[row] for row in look_alikes}
        env['crm.erp.duplicate.pair'].search([
            ('company_id', '=', company.id), '|', ('partner_a_id', 'in', list(alike_ids)),
            ('partner_b_id', 'in', list(alike_ids))]).write({'state': 'not_duplicate'})
        print('duplicate pairs (exact keys) %d, of which marked not duplicates %d, in %.1f s'
              % (len(pairs), len(alike_ids), time.perf_counter() - start), flush=True)
        cr.execute('ANALYZE res_partner')
        emails = [row[1] for row in rows]
        Mailing = env['mail.mass_mailing']
        registry_class = type(Mailing)
        results = {}
        labels = [label for label, key in (('Odoo 11 plain', 'plain'), ('with crm_erp_bridge_marketing', 'addon'))
                  if args.only in (None, key)]
        for label in labels:
            mailing = Mailing.create({
                'name': 'Bench mailing %s' % label, 'body_html': '<p>Hello ${object.name}</p>',
                'reply_to_mode': 'email', 'keep_archives': True,
                'mailing_model_id': env['ir.model']._get('res.partner').id, 'crm_erp_company_id': company.id,
                'mailing_domain': repr([('company_id', '=', company.id)])})
            if label.startswith('Odoo'):
                # Odoo's own blacklist: the addon's override is skipped for this mailing only
                registry_class._get_blacklist = OdooMassMailing._get_blacklist
            try:
                start = time.perf_counter()
                blacklist = mailing._get_blacklist()
                blacklist_seconds = time.perf_counter() - start
                start = time.perf_counter()
                if args.no_send:
                    partner_ids = composed_partner_ids(mailing)
                else:
                    mailing.send_mail()
                    partner_ids = sent_partner_ids(cr, mailing.id)
                seconds = time.perf_counter() - start
            finally:
                if '_get_blacklist' in vars(registry_class):
                    del registry_class._get_blacklist
            results[label] = dict(count(partner_ids, index, person, opted, emails, normalised_email),
                                  **{'composer (no send) seconds' if args.no_send else 'send_mail seconds':
                                     round(seconds, 1), 'blacklist (addresses)': len(blacklist),
                                     'blacklist seconds (computed once more, alone)': round(blacklist_seconds, 2)})
            print(label, results[label], flush=True)
        cr.rollback()
    print('machine: %s; load average %.1f' % (machine(), os.getloadavg()[0]), flush=True)
    keys = list(results[labels[0]])
    print('| measure | %s |' % ' | '.join(labels))
    print('|---|%s' % ('---|' * len(labels)))
    for key in keys:
        print('| %s | %s |' % (key, ' | '.join(str(results[label][key]) for label in labels)))


if __name__ == '__main__':
    main()
