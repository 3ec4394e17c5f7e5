from odoo.tests.common import SavepointCase

from ..queries import mail


class TestQueriesMail(SavepointCase):

    def test_insert_notes(self):
        partners = self.env['res.partner'].create({'name': 'Mail A'}) | self.env['res.partner'].create({'name': 'Mail B'})
        subtype = self.env.ref('mail.mt_note')
        mail.insert_notes(self.env.cr, {
            'model': 'res.partner', 'res_ids': partners.ids, 'record_names': ['A', 'B'],
            'bodies': ['<p>one</p>', '<p>two</p>'], 'message_ids': ['<a@test>', '<b@test>'],
            'message_type': 'notification', 'subtype_id': subtype.id, 'author_id': self.env.user.partner_id.id,
            'email_from': None, 'uid': self.env.uid})
        self.env.cr.execute("SELECT res_id, record_name, body, message_type, subtype_id, author_id, message_id "
                            "FROM mail_message WHERE model = 'res.partner' AND res_id = ANY(%s) AND message_id LIKE '<_@test>' "
                            "ORDER BY res_id",
                            [partners.ids])
        author = self.env.user.partner_id.id
        self.assertEqual(self.env.cr.fetchall(), [
            (partners[0].id, 'A', '<p>one</p>', 'notification', subtype.id, author, '<a@test>'),
            (partners[1].id, 'B', '<p>two</p>', 'notification', subtype.id, author, '<b@test>')])
