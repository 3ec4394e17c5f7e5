from odoo.tests.common import SavepointCase


class MarketingCase(SavepointCase):
    """Contacts of one company with the situations of docs/marketing.md:
    - ana, whose duplicate ana_old (another address, a duplicate pair to review) opted out;
    - bob and bob_again, one address written two ways;
    - carl, whose address opted out as a mailing list contact;
    - dana, whose look-alike dana_other opted out, the pair marked "not duplicates";
    - eve, nothing special."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.user.company_id
        Partner = cls.env['res.partner']

        def partner(name, email, opt_out=False):
            return Partner.create({'name': name, 'email': email, 'opt_out': opt_out, 'customer': True,
                                   'company_id': cls.company.id})
        cls.ana = partner('Ana Pereira', 'ana@example.com')
        cls.ana_old = partner('Ana Pereira (old)', 'Ana.P@Old.example', opt_out=True)
        cls.bob = partner('Bob Silva', 'bob@example.com')
        cls.bob_again = partner('Bob Silva', ' Bob Silva <BOB@Example.com> ')
        cls.carl = partner('Carl Sousa', 'carl@example.com')
        cls.dana = partner('Dana Costa', 'dana@example.com')
        cls.dana_other = partner('Dana Costa', 'dana.costa@other.example', opt_out=True)
        cls.eve = partner('Eve Lima', 'eve@example.com')
        cls.everyone = cls.ana | cls.ana_old | cls.bob | cls.bob_again | cls.carl | cls.dana | cls.dana_other | cls.eve
        Pair = cls.env['crm.erp.duplicate.pair']
        Pair.create({'company_id': cls.company.id, 'partner_a_id': cls.ana.id, 'partner_b_id': cls.ana_old.id,
                     'match_phone': True, 'confidence': 0.8})
        Pair.create({'company_id': cls.company.id, 'partner_a_id': cls.dana.id, 'partner_b_id': cls.dana_other.id,
                     'name_similarity': 1.0, 'confidence': 0.6, 'state': 'not_duplicate'})
        cls.newsletter = cls.env['mail.mass_mailing.list'].create({'name': 'Marketing test newsletter'})
        cls.env['mail.mass_mailing.contact'].create({'name': 'Carl', 'email': 'Carl@Example.com', 'opt_out': True,
                                                     'list_ids': [(4, cls.newsletter.id)]})
