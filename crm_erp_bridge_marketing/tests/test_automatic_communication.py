from odoo.addons.crm_erp_bridge.tests import recommendation_common, service_request_common


def _opted_out_duplicate(case, partner, company, state='review'):
    """An opted-out record of partner under another address, and their duplicate pair."""
    duplicate = case.env['res.partner'].create({'name': partner.name + ' (old)', 'email': 'old.record@example.com',
                                                'opt_out': True, 'customer': True})
    case.env['crm.erp.duplicate.pair'].create({
        'company_id': company.id, 'partner_a_id': min(partner.id, duplicate.id),
        'partner_b_id': max(partner.id, duplicate.id), 'match_phone': True, 'confidence': 0.8, 'state': state})
    return duplicate


class TestCrossSellIsRespectful(recommendation_common.RecommendationCase):
    """Cross-sell opportunities (crm_erp_bridge's) skip a customer whose duplicate opted out."""

    def _run(self):
        return self.env['crm.lead'].browse(self.Partner.create_cross_sell_opportunities([self.customer_x.id]))

    def test_no_opportunity_when_a_duplicate_opted_out(self):
        _opted_out_duplicate(self, self.customer_x, self.company)
        self.assertFalse(self._run())

    def test_an_opportunity_when_the_pair_is_not_duplicates(self):
        _opted_out_duplicate(self, self.customer_x, self.company, state='not_duplicate')
        self.assertEqual(self._run().partner_id, self.customer_x)


class TestRatingRequestIsRespectful(service_request_common.ServiceRequestCase):
    """The satisfaction survey of a solved request is not sent to a customer whose duplicate
    opted out (crm_erp_bridge's tests cover the other cases)."""

    def _rating_mails(self, request):
        return self.env['mail.mail'].search([('model', '=', request._name), ('res_id', '=', request.id),
                                             ('body_html', 'ilike', '/rating/')])

    def test_no_rating_request_when_a_duplicate_opted_out(self):
        request = self._request()
        _opted_out_duplicate(self, self.customer, self.company_a)
        request.write({'stage_id': self.stage['solved'].id})
        self.assertFalse(self._rating_mails(request))
        other = self._request(partner_id=self._customer('Other customer', email='other@customer.example').id)
        other.write({'stage_id': self.stage['solved'].id})
        self.assertEqual(len(self._rating_mails(other)), 1)
