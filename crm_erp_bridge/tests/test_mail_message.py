from odoo.tests.common import SavepointCase


class TestInsertNotes(SavepointCase):
    """mail.message._insert_notes: one note per record, as message_post would store it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.env['res.partner'].create({'name': 'Notes Alice'})
        cls.bob = cls.env['res.partner'].create({'name': 'Notes Bob', 'parent_id': cls.alice.id})
        cls.author = cls.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Notes Author', 'login': 'notes_author', 'email': 'author@example.com'})

    def _new_messages(self, partner, before):
        return partner.message_ids - before

    def test_notes_land_on_their_records(self):
        before = (self.alice | self.bob).mapped('message_ids')
        Message = self.env['mail.message'].sudo(self.author)
        Message._insert_notes('res.partner', [self.bob.id, self.alice.id], ['<p>to Bob</p>', '<p>to Alice</p>'])
        note = self.env.ref('mail.mt_note')
        # the records' message_ids are up to date in the same transaction
        for partner, body in ((self.alice, '<p>to Alice</p>'), (self.bob, '<p>to Bob</p>')):
            [message] = self._new_messages(partner, before)
            self.assertEqual(
                (message.model, message.res_id, message.record_name, message.body, message.message_type,
                 message.subtype_id, message.author_id, message.email_from, message.create_uid),
                ('res.partner', partner.id, partner.display_name, body, 'notification',
                 note, self.author.partner_id, 'Notes Author <author@example.com>', self.author))
            self.assertTrue(message.message_id)
        self.assertEqual(self._new_messages(self.bob, before).record_name, 'Notes Alice, Notes Bob')

    def test_message_type_and_no_notes(self):
        before = self.alice.message_ids
        Message = self.env['mail.message']
        Message._insert_notes('res.partner', [], [])
        self.assertFalse(self._new_messages(self.alice, before))
        Message._insert_notes('res.partner', [self.alice.id], ['<p>a comment</p>'], message_type='comment')
        self.assertEqual(self._new_messages(self.alice, before).mapped('message_type'), ['comment'])
