from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chunked_job import run_for_every_company
from ..queries import duplicates as queries
from ..rules import DUPLICATE_NAME_SIMILARITY, duplicate_confidence
from .record_ids import MANAGER_GROUP, check_group, public_method, public_records

DUPLICATE_STATES = [('review', 'To review'), ('merged', 'Merged'), ('not_duplicate', 'Not duplicates')]


class CrmErpDuplicatePair(models.Model):
    """Two customers of a company that are likely the same (docs/duplicates.md): found by the
    nightly job and the managers' "Find duplicate customers" (queries/duplicates.py), with the
    evidence and a confidence (rules.DUPLICATE_EVIDENCE). A manager merges them through Odoo's
    partner merge wizard or marks them "Not duplicates", which is remembered: such a pair is never
    proposed again. partner_a_id < partner_b_id when found; after a merge the pair keeps the
    surviving partner only."""
    _name = 'crm.erp.duplicate.pair'
    _description = 'Likely duplicate customers'
    _order = 'confidence desc, id'

    company_id = fields.Many2one('res.company', string='Company', required=True, index=True, readonly=True)
    partner_a_id = fields.Many2one('res.partner', string='Customer A', index=True, readonly=True,
                                   ondelete='set null')
    partner_b_id = fields.Many2one('res.partner', string='Customer B', index=True, readonly=True,
                                   ondelete='set null')
    match_vat = fields.Boolean('Same VAT', readonly=True)
    match_email = fields.Boolean('Same email', readonly=True)
    match_phone = fields.Boolean('Same phone', readonly=True)
    match_typo = fields.Boolean('Name with one typing error', readonly=True,
                                help='The same words but one, which differs by one letter (substituted, '
                                'dropped, added, or two letters swapped), and the names less similar than %s.'
                                % DUPLICATE_NAME_SIMILARITY)
    name_similarity = fields.Float('Name similarity', digits=(3, 2), readonly=True,
                                   help='Trigram similarity of the names (0 to 1) when they have the same words but '
                                   'one: similar names from %s up.' % DUPLICATE_NAME_SIMILARITY)
    confidence = fields.Float('Confidence', digits=(4, 3), readonly=True, group_operator='max')
    state = fields.Selection(DUPLICATE_STATES, string='Status', required=True, default='review', index=True,
                             readonly=True)

    _sql_constraints = [
        ('pair_unique', 'UNIQUE (company_id, partner_a_id, partner_b_id)', 'A pair is listed once per company.'),
    ]

    @api.model_cr
    def init(self):
        # pg_trgm for the similar names, where the database user may create it (else exact keys only)
        queries.create_trigram_extension(self.env.cr)
        # the trigram index of the first version: the names are now compared by keys
        queries.drop_name_index(self.env.cr)

    # Finding -----------------------------------------------------------------------------

    @api.model
    @public_method
    def action_find_duplicates(self):
        """"Find duplicate customers": refresh the pairs of every company of the manager."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can look for duplicate customers.'))
        # sudo: the pairs are written by the scan only (managers review them), in the user's companies
        self.sudo()._refresh(self.env.user.company_ids.ids)
        action = self.env.ref('crm_erp_bridge.crm_erp_duplicate_pair_action').read()[0]
        return action

    @api.model
    def _cron_refresh_all(self):
        """Nightly: every company's pairs, one company per transaction."""
        run_for_every_company(self.env, self._name, '_refresh', 'Duplicate customers')

    @api.model
    def _refresh(self, company_ids):
        """Find the likely duplicates of each company and store them (queries.store_pairs): new
        pairs to review, vanished ones removed, decided ones kept. Returns {company id: pairs to
        review}."""
        cr = self.env.cr
        use_names = queries.trigram_available(cr)
        counts = {}
        for company_id in company_ids:
            pairs = []
            for a_id, b_id, kinds, similarity in queries.duplicate_pairs(cr, company_id, use_names=use_names):
                pairs.append((a_id, b_id, 'vat' in kinds, 'email' in kinds, 'phone' in kinds, 'typo' in kinds,
                              similarity, duplicate_confidence(kinds)))
            counts[company_id] = queries.store_pairs(cr, company_id, pairs, self.env.uid)
        self.invalidate_cache()
        return counts

    # Decisions ---------------------------------------------------------------------------

    @public_records
    def action_not_duplicates(self):
        """The pairs are different customers: kept as "Not duplicates", never proposed again."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can decide on duplicate customers.'))
        self.write({'state': 'not_duplicate'})
        return True

    @public_records
    def action_reset_to_review(self):
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can decide on duplicate customers.'))
        self.write({'state': 'review'})
        return True

    @public_records(one=True)
    def action_merge(self):
        """Odoo's partner merge wizard on the two customers, the one with more confirmed orders
        (then the older one) as destination; the manager confirms there."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can decide on duplicate customers.'))
        partners = self.partner_a_id | self.partner_b_id
        if self.state != 'review' or len(partners) != 2:
            raise UserError(_('Only a pair of two existing customers to review can be merged.'))
        destination = self._merge_destination(partners)
        wizard = self.env['base.partner.merge.automatic.wizard'].create({
            'state': 'selection', 'partner_ids': [(6, 0, partners.ids)], 'dst_partner_id': destination.id})
        return {
            'type': 'ir.actions.act_window', 'res_model': wizard._name, 'res_id': wizard.id,
            'view_mode': 'form', 'target': 'new', 'name': _('Merge duplicate customers'),
        }

    def _merge_destination(self, partners):
        """The partner that survives the merge: more confirmed orders in any company, then the older."""
        # sudo: counts the orders of both partners (a manager may not read other companies'); no data shown
        counts = {partner.id: self.env['sale.order'].sudo().search_count(
            [('partner_id', 'child_of', partner.id), ('state', 'in', ('sale', 'done'))]) for partner in partners}
        return partners.sorted(key=lambda p: (-counts[p.id], p.id))[0]

    @api.model
    def _before_partner_merge(self, src_partners, dst_partner):
        """Called by the merge wizard before it merges src_partners into dst_partner: pairs among
        them are merged (the source partner left out, the survivor kept); other pairs to review of
        the sources are removed (the next scan compares the survivor)."""
        merged_ids = set(src_partners.ids) | {dst_partner.id}
        pairs = self.sudo().search(['|', ('partner_a_id', 'in', src_partners.ids),
                                    ('partner_b_id', 'in', src_partners.ids)])
        between = pairs.filtered(lambda p: p.partner_a_id.id in merged_ids and p.partner_b_id.id in merged_ids)
        for pair in between:
            pair.write({
                'state': 'merged',
                'partner_a_id': pair.partner_a_id.id if pair.partner_a_id == dst_partner else False,
                'partner_b_id': pair.partner_b_id.id if pair.partner_b_id == dst_partner else False,
            })
        (pairs - between).filtered(lambda p: p.state == 'review').unlink()
