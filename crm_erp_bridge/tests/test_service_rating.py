from .service_request_common import ServiceRequestCase


class TestServiceRating(ServiceRequestCase):
    """Satisfaction of a solved request (docs/service-requests.md, "Satisfaction"): the rating
    email on entering a solved stage, with Odoo's token links that need no login, and the
    rating the customer gives posted on the request's chatter."""

    def _rating_mails(self, request):
        return self.env['mail.mail'].search([('model', '=', request._name), ('res_id', '=', request.id),
                                             ('body_html', 'ilike', '/rating/')])

    def test_solving_emails_the_rating_links_once(self):
        request = self._request()
        self.assertFalse(self._rating_mails(request))
        request.sudo(self.owner).write({'stage_id': self.stage['solved'].id})
        mail = self._rating_mails(request)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.subject, 'How did we do? Broken desk')
        rating = request.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertEqual((rating.partner_id, rating.rated_partner_id, rating.consumed),
                         (self.customer, self.owner.partner_id, False))
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url')
        for score in (10, 5, 1):
            self.assertIn('%s/rating/%s/%s' % (base_url, rating.access_token, score), mail.body_html)
        # solved to closed is not solved again: no second email
        request.write({'stage_id': self.stage['closed'].id})
        self.assertEqual(len(self._rating_mails(request)), 1)
        # reopened and solved again: asked again, with the same unused token
        request.write({'stage_id': self.stage['in_progress'].id})
        request.write({'stage_id': self.stage['solved'].id})
        self.assertEqual(len(self._rating_mails(request)), 2)
        self.assertEqual(len(request.rating_ids), 1)

    def test_created_solved_asks_too_but_not_without_email_or_on_import(self):
        request = self._request(stage_id=self.stage['solved'].id)
        self.assertEqual(len(self._rating_mails(request)), 1)
        silent = self._customer('No email customer')
        request = self._request(partner_id=silent.id)
        request.write({'stage_id': self.stage['solved'].id})
        self.assertFalse(self._rating_mails(request))
        request = self._request()
        request.with_context(crm_erp_no_rating_request=True).write({'stage_id': self.stage['solved'].id})
        self.assertFalse(self._rating_mails(request))

    def test_a_click_on_a_face_is_posted_on_the_chatter(self):
        request = self._request()
        request.write({'stage_id': self.stage['solved'].id})
        rating = request.rating_ids
        # what Odoo's public page /rating/<token>/<score> does
        self.env['rating.rating'].sudo().search([('access_token', '=', rating.access_token)]).write(
            {'rating': 1, 'consumed': True})
        note = request.message_ids[0]
        self.assertEqual(note.body, '<p>The customer rated the solution: Highly dissatisfied.</p>')
        self.assertEqual(note.author_id, self.customer)
        self.assertEqual(note.subtype_id, self.env.ref('mail.mt_note'))
        self.assertEqual((request.rating_last_value, request.rating_count), (1.0, 1))
        # the comment of the page's second step: Odoo's rating_apply posts it (once), as the
        # customer's message to the other followers
        before = len(request.message_ids)
        request.sudo().rating_apply(5, token=rating.access_token, feedback='Slow answer')
        self.assertEqual(len(request.message_ids), before + 1)
        self.assertIn('Slow answer', request.message_ids[0].body)
        self.assertEqual(request.message_ids[0].author_id, self.customer)
        self.assertEqual(rating.rating_text, 'not_satisfied')
