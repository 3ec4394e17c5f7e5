from ..queries import duplicates
from ..rules import DUPLICATE_NAME_SIMILARITY
from .customer_360_common import Customer360Case


class TestQueriesDuplicates(Customer360Case):
    """queries/duplicates.py on customers the test creates (results restricted to them: the
    database holds other shared partners)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls._customer
        cls.p = {
            'ana': c('Ana Pereira', email=' Ana.Pereira@Example.com ', phone='+351 912 345 678'),
            'ana_swapped': c('Pereira Ana', mobile='00351-912-345-678'),
            'ana_typo': c('Ana Pereria', email='ana.pereira@example.com'),
            'acme': c('Acme Trading', vat='PT 123.456-789', is_company=True),
            'acme_2': c('ACME Lda', vat='pt123456789', is_company=True),
            'bruno': c('Bruno Costa', phone='912 345 000'),
            'bruno_other': c('Bruna Castro', phone='912 345 001'),
            'archived': c('Ana Pereira', active=False),
            'vendor': c('Ana Pereira', customer=False),
            'other_company': c('Ana Pereira', company_id=cls.company_b.id),
            'short_phone': c('Zed One', phone='12-34'),
            'short_phone_2': c('Yves Two', phone='1234'),
            # one letter substituted in a word of a longer name: similar name (0.82)
            'rui': c('Rui Carvalho Mendes'),
            'rui_typo': c('Carvalho Rui Mendez'),
            # near misses: another first name (a relative, similarity 0.71); one letter substituted in
            # a word shorter than the rule's 4 letters; two letters of a word changed
            'rui_relative': c('Rita Carvalho Mendes'),
            'ivo': c('Ivo Sousa'),
            'ivo_short_typo': c('Iva Sousa'),
            'ana_two_letters': c('Ana Ferreira'),
        }
        cls.contact = cls.env['res.partner'].create({'name': 'Ana Pereira', 'parent_id': cls.p['acme'].id,
                                                     'customer': True})
        cls.ids = {partner.id: key for key, partner in cls.p.items()}
        cls.ids[cls.contact.id] = 'contact'

    def _pairs(self, company, **kwargs):
        return {(self.ids[a], self.ids[b]): (kinds, similarity and round(similarity, 2))
                for a, b, kinds, similarity in duplicates.duplicate_pairs(self.env.cr, company.id, **kwargs)
                if a in self.ids and b in self.ids}

    def test_trigram_extension_and_no_index(self):
        self.assertTrue(duplicates.create_trigram_extension(self.env.cr))
        self.assertTrue(duplicates.trigram_available(self.env.cr))
        # the first version's trigram index is dropped at update: the names are compared by keys
        self.env.cr.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [duplicates.NAME_INDEX])
        self.assertFalse(self.env.cr.fetchone())

    def test_pairs_of_company_a(self):
        pairs = self._pairs(self.company_a, min_similarity=DUPLICATE_NAME_SIMILARITY)
        self.assertEqual(pairs, {
            ('ana', 'ana_swapped'): (['name', 'phone'], 1.0),
            # a transposed pair of letters in a short name: similarity 0.5, one typing error
            ('ana', 'ana_typo'): (['email', 'typo'], 0.5),
            ('ana_swapped', 'ana_typo'): (['typo'], 0.5),
            ('acme', 'acme_2'): (['vat'], None),
            ('rui', 'rui_typo'): (['name'], 0.82),
        })

    def test_lower_similarity_and_company_b(self):
        # from similarity 0.5 up, a transposed pair of letters in a short name is a similar name
        pairs = self._pairs(self.company_a, min_similarity=0.5)
        self.assertEqual(pairs[('ana', 'ana_typo')], (['email', 'name'], 0.5))
        self.assertEqual(pairs[('ana_swapped', 'ana_typo')], (['name'], 0.5))
        # company B sees the shared customers and its own one, never company A's
        pairs_b = self._pairs(self.company_b, min_similarity=DUPLICATE_NAME_SIMILARITY)
        self.assertEqual(pairs_b[('ana', 'other_company')], (['name'], 1.0))
        self.assertEqual(pairs_b[('ana_swapped', 'other_company')], (['name'], 1.0))

    def test_exact_keys_only_and_big_groups(self):
        pairs = self._pairs(self.company_a, use_names=False)
        self.assertEqual(pairs, {
            ('ana', 'ana_swapped'): (['phone'], None),
            ('ana', 'ana_typo'): (['email'], None),
            ('acme', 'acme_2'): (['vat'], None),
        })
        # a key shared by more partners than max_group is no evidence
        self._customer('Third Ana', email='ana.pereira@example.com')
        self.assertNotIn(('ana', 'ana_typo'), self._pairs(self.company_a, use_names=False, max_group=2))
