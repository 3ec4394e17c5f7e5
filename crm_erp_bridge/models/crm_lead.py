import json

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..queries import cross_sell as cross_sell_queries
from ..queries import lead_score as lead_score_queries
from ..units import missing_text
from .record_ids import public_records

# Lead fields that can move the lifecycle stage of its customer.
_CUSTOMER_360_LEAD_FIELDS = {'partner_id', 'company_id', 'type', 'stage_id', 'probability', 'active'}
# Lead fields the lead score reads (queries/lead_score.lead_features): a change rescores the lead.
_LEAD_SCORE_FEATURE_FIELDS = {'stage_id', 'team_id', 'user_id', 'source_id', 'medium_id', 'campaign_id',
                              'partner_id', 'planned_revenue', 'country_id', 'line_ids', 'company_id', 'active'}


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    # Customer 360
    @api.model
    def create(self, vals):
        lead = super().create(vals)
        stats = self.env['crm.erp.partner.stats']
        stats._refresh_pairs(stats._customer_360_pairs(lead), leads_only=True)
        lead._lead_score_after_write()
        return lead

    @api.multi
    def write(self, vals):
        customer_360 = bool(_CUSTOMER_360_LEAD_FIELDS.intersection(vals))
        before = self._customer_360_lead_rows() if customer_360 else None
        # the stored fields Odoo recomputes after the write are computed once the features hooks
        # ran: the rescoring writes the weighted revenue and the qualification of the leads it
        # scores with their score, and those leads are not written a second time by the ORM
        # (_score_open_leads; bench/RESULTS.md, s29-lead)
        with self.env.norecompute():
            result = super().write(vals)
            if customer_360:
                self._customer_360_after_write(before)
            if _LEAD_SCORE_FEATURE_FIELDS.intersection(vals):
                self._lead_score_after_write()
            self._crm_erp_qualification_after_write(vals)
        if self.env.recompute and self._context.get('recompute', True):
            self.recompute()
        return result

    def _customer_360_after_write(self, before):
        after = self._customer_360_lead_rows()
        # Most stage changes move an open opportunity to another open stage: no lead figure of
        # any customer changes, nothing to refresh.
        if after != before:
            stats = self.env['crm.erp.partner.stats']
            partners = self.env['res.partner'].browse({row[1] for row in before + after})
            commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
            stats._refresh_pairs(stats._customer_360_pairs_of(
                [(company_id, commercial[partner_id]) for company_id, partner_id, *_rest in before + after]),
                leads_only=True)

    def _customer_360_lead_rows(self):
        """What the Customer 360 lead figures count of each lead (_LEAD_COUNTS in
        queries/customer_360.py): its company and customer, whether it is active, an
        opportunity, won. From the cache: Odoo reads these leads around the write anyway
        (tracking)."""
        return [(lead.company_id.id or None, lead.partner_id.id, lead.id, lead.active, lead.type,
                 lead.probability >= 100)
                for lead in self if lead.partner_id]

    @api.multi
    def unlink(self):
        stats = self.env['crm.erp.partner.stats']
        pairs = stats._customer_360_pairs(self)
        result = super().unlink()
        stats._refresh_pairs(pairs, leads_only=True)
        return result

    # Pipeline demand and purchasing
    line_ids = fields.One2many('crm.lead.line', 'lead_id', string='Products', copy=True)
    warehouse_id = fields.Many2one(
        'stock.warehouse', string='Warehouse',
        default=lambda self: self.env['sale.order']._default_warehouse_id(),
        help='Warehouse that would ship the products; the quotation made from the opportunity uses it.')
    short_line_count = fields.Integer(string='Lines Short', compute='_compute_short_line_count')
    short_summary = fields.Char(
        string='Short at their date', compute='_compute_short_line_count',
        help='The products whose free stock and incoming receipts do not cover the line by its date, '
             'and how much is missing, in the product unit.')

    @api.depends('line_ids')
    def _compute_short_line_count(self):
        self.mapped('line_ids')._compute_availability()
        for lead in self:
            short = lead.line_ids.filtered('is_short')
            lead.short_line_count = len(short)
            lead.short_summary = '; '.join(
                missing_text(lead, line.product_id, line.product_uom_id._compute_quantity(
                    line.product_qty, line.product_id.uom_id) - line.forecast_qty)
                for line in short)

    def _get_demand_warehouse(self):
        """The opportunity's warehouse, else its company's first (as sale_stock defaults it)."""
        self.ensure_one()
        return self.warehouse_id or self.env['stock.warehouse'].search(
            [('company_id', '=', self.company_id.id)], limit=1)

    @api.onchange('line_ids')
    def _onchange_line_ids_planned_revenue(self):
        company = self.company_id or self.env.user.company_id
        if company.pipeline_revenue_from_lines and self.line_ids:
            self.planned_revenue = sum(self.line_ids.mapped('price_subtotal'))

    @api.multi
    def _update_planned_revenue_from_lines(self):
        """Expected revenue = sum of the product lines, for leads of companies that ask so."""
        for lead in self.filtered(lambda lead: lead.company_id.pipeline_revenue_from_lines and lead.line_ids):
            revenue = sum(lead.line_ids.mapped('price_subtotal'))
            if lead.planned_revenue != revenue:
                lead.planned_revenue = revenue

    @public_records(one=True)
    def action_new_quotation(self):
        """sale_crm's "New Quotation", pre-filled with the opportunity's product lines: the
        quotation is created as a draft (prices of the lines, the lines' expected dates as
        delivery lead times) and opened; without lines it is sale_crm's empty quotation."""
        action = self.env.ref('sale_crm.sale_action_quotations_new').read()[0]
        action['context'] = {
            'search_default_opportunity_id': self.id,
            'default_opportunity_id': self.id,
            'search_default_partner_id': self.partner_id.id,
            'default_partner_id': self.partner_id.id,
            'default_team_id': self.team_id.id,
            'default_campaign_id': self.campaign_id.id,
            'default_medium_id': self.medium_id.id,
            'default_source_id': self.source_id.id,
        }
        if not self.line_ids:
            return action
        if not self.partner_id:
            raise UserError(_('Set the customer of opportunity "%s" before making its quotation.') % self.name)
        order = self.env['sale.order'].create(self._prepare_quotation_values())
        action.update(res_id=order.id, views=[(False, 'form')], view_mode='form')
        return action

    @api.multi
    def _prepare_quotation_values(self):
        self.ensure_one()
        today = fields.Date.from_string(fields.Date.context_today(self))
        order_lines = []
        # Description and taxes come from sale's own product onchange (sale.order.line.create).
        for line in self.line_ids:
            expected = fields.Date.from_string(line._get_demand_date())
            order_lines.append((0, 0, {
                'product_id': line.product_id.id,
                'product_uom_qty': line.product_qty,
                'product_uom': line.product_uom_id.id,
                'price_unit': line.price_unit,
                'customer_lead': max((expected - today).days, 0),
            }))
        values = {
            'partner_id': self.partner_id.id,
            'opportunity_id': self.id,
            'team_id': self.team_id.id,
            'user_id': self.user_id.id,
            'campaign_id': self.campaign_id.id,
            'medium_id': self.medium_id.id,
            'source_id': self.source_id.id,
            'origin': self.name,
            'order_line': order_lines,
        }
        if self.warehouse_id:
            values['warehouse_id'] = self.warehouse_id.id
        return values

    @public_records
    def action_create_shortfall_rfqs(self):
        """Create RFQs for the shortfall of the products on these opportunities."""
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(self.mapped('line_ids.product_id'))

    # Recommendations
    is_cross_sell = fields.Boolean(
        string='Cross-sell', index=True, readonly=True, copy=False,
        help='Made by the cross-sell run from the products recommended to the customer (its product lines).')
    cross_sell_refused_product_ids = fields.Many2many(
        'product.product', 'crm_lead_cross_sell_refused_rel', 'lead_id', 'product_id', string='Refused Products',
        readonly=True, copy=False,
        help='Products removed from this cross-sell opportunity: the customer did not want them. They are not '
             'suggested to the customer again for the refusal days set in the settings, counted from when the '
             'opportunity is won or lost.')

    @public_records(one=True)
    def action_open_recommendations(self):
        """Suggested products for this opportunity's customer, added as product lines."""
        return self.env['crm.erp.recommendation.wizard']._open_for(lead=self)

    @api.multi
    def _add_recommended_product(self, product, qty):
        self.ensure_one()
        return self.env['crm.lead.line'].create({
            'lead_id': self.id, 'product_id': product.id, 'product_qty': qty,
            'product_uom_id': product.uom_id.id, 'price_unit': product.lst_price,
            'date_expected': self.date_deadline,
        })

    @api.model
    def _cross_sell_win_rate(self, company):
        """Won (probability 100) and lost (archived, probability 0) cross-sell opportunities of
        the company, and won / (won + lost) in percent."""
        won, lost = cross_sell_queries.cross_sell_outcomes(self.env.cr, company.id)
        return {'won': won, 'lost': lost, 'win_rate': 100.0 * won / (won + lost) if won + lost else 0.0}

    # Lead score
    # not indexed: every fit rewrites the score of every open lead, and an indexed column makes
    # each of those a new row in all 16 of crm_lead's indexes instead of an in-place (HOT)
    # update; a filter or sort by it reads one company's open leads (bench/RESULTS.md, i19-speed)
    crm_erp_win_chance = fields.Float(
        'Win chance (%)', readonly=True, digits=(16, 1), group_operator='avg',
        help="The probability that this lead is won, learned from the company's own won and lost leads "
             '(refreshed every night and after each fit of the lead score). Empty: no score yet.')
    crm_erp_win_chance_date = fields.Date('Win chance of', readonly=True,
                                          help='The day the win chance was computed.')
    crm_erp_win_reason_data = fields.Text('Win chance reasons (data)', readonly=True,
                                          help='The three features that move the score most, as stored (JSON).')
    crm_erp_win_reasons = fields.Text(
        'Why this win chance', compute='_compute_crm_erp_win_reasons',
        help='The three features of this lead that move its win chance most, in plain words.')
    # computed with the qualification by one method: one UPDATE of the lead after a write that
    # changes both (a stage change changes the probability), not two (bench/RESULTS.md, s29-lead)
    crm_erp_weighted_revenue = fields.Float(
        'Weighted revenue', compute='_compute_crm_erp_pipeline_figures', store=True, readonly=True,
        help="Expected revenue x the probability the company's weighted pipeline uses: the stage "
             'probability, or the win chance when the company setting says so.')

    @api.depends('crm_erp_win_reason_data')
    def _compute_crm_erp_win_reasons(self):
        model = self.env['crm.erp.lead.score.model']
        for lead in self:
            lines = []
            for feature, value, contribution in json.loads(lead.crm_erp_win_reason_data or '[]'):
                lines.append(model._reason_text(feature, value, contribution))
            lead.crm_erp_win_reasons = '\n'.join(lines)

    @api.depends('planned_revenue', 'probability', 'crm_erp_win_chance', 'crm_erp_win_chance_date',
                 'company_id.crm_erp_lead_score_pipeline', 'active', 'company_id')
    def _compute_crm_erp_pipeline_figures(self):
        """The weighted revenue and the qualification (as queries/lead_score.write_scores
        computes them for the leads it scores). The qualification's required fields are the
        company's choice (no static dependency): a write of one of them, a new score and new
        rules reclassify the leads (_crm_erp_qualification_refresh)."""
        rules = self._crm_erp_company_rules()
        for lead in self:
            use_score = lead.company_id.crm_erp_lead_score_pipeline == 'win_chance' and lead.crm_erp_win_chance_date
            chance = lead.crm_erp_win_chance if use_score else lead.probability
            lead.crm_erp_weighted_revenue = (lead.planned_revenue or 0.0) * (chance or 0.0) / 100.0
            rule = rules.get(lead.company_id.id)
            lead.crm_erp_qualification = bool(rule) and _qualification(
                rule, lead.crm_erp_win_chance if lead.crm_erp_win_chance_date else None, lead.active,
                lead.probability, lead._crm_erp_missing_fields(rule[2]))

    @api.multi
    def _lead_score_after_write(self):
        """Rescore these leads after a change of one of their features (_LEAD_SCORE_FEATURE_FIELDS)
        with their company's fitted model, as the scoring after a fit does: one feature query and
        one UPDATE per company for these leads only. A company without a fitted model keeps the
        stored scores (none, or the last fit's); closed leads keep theirs."""
        company_ids = {lead.company_id.id for lead in self if lead.company_id}
        if not company_ids:
            return
        # sudo: a salesperson's write rescores their lead with the model only managers may read;
        # nothing of the model is returned to them
        Model = self.env['crm.erp.lead.score.model'].sudo()
        for model_id, company_id, digest in lead_score_queries.fitted_models(self.env.cr, company_ids):
            record = Model.browse(model_id)
            # the model loaded once per fit (by the digest of its parameters), not at every write
            record._score_open_leads(record._engine_model(digest), lead_ids=[
                lead.id for lead in self if lead.company_id.id == company_id], company_id=company_id)

    # Lead qualification
    crm_erp_qualification = fields.Selection([
        ('to_qualify', 'To qualify'), ('qualified', 'Qualified'), ('to_drop', 'To drop'),
    ], string='Qualification', compute='_compute_crm_erp_pipeline_figures', store=True, index=True, readonly=True,
        help="By the company's qualification rules (Settings): to drop when the win chance is under the "
             'drop limit; qualified when every required field is filled and the win chance reaches the '
             'minimum; to qualify otherwise. Empty on won and lost leads.')
    crm_erp_qualification_missing = fields.Char(
        'Missing to qualify', compute='_compute_crm_erp_qualification_missing',
        help='The fields the company requires of a qualified lead that this lead has empty.')

    @api.depends('company_id')
    def _compute_crm_erp_qualification_missing(self):
        rules = self._crm_erp_company_rules()
        for lead in self:
            missing = lead._crm_erp_missing_fields(rules[lead.company_id.id][2]) if lead.company_id else []
            lead.crm_erp_qualification_missing = ', '.join(
                self._fields[name].get_description(self.env)['string'] for name in missing)

    def _crm_erp_company_rules(self, company_ids=None):
        """{company id: (minimum win chance, drop limit, (required field names))} of the
        companies of these leads (or of company_ids)."""
        ids = self.mapped('company_id').ids if company_ids is None else company_ids
        return {company_id: self._crm_erp_company_rule(company_id) for company_id in ids}

    @api.model
    @tools.ormcache('company_id')
    def _crm_erp_company_rule(self, company_id):
        """The qualification rule of one company, cached: every write of a company clears the
        caches (res.company.write), and the rule is read at each write of a lead."""
        # sudo: the company's rules apply whoever reads or writes the lead; salespeople do not
        # read ir.model.fields
        company = self.env['res.company'].sudo().browse(company_id)
        row = company.read(['crm_erp_qualify_min_chance', 'crm_erp_drop_max_chance', 'crm_erp_qualify_field_ids'],
                           load='_classic_write')[0]
        names = self.env['ir.model.fields'].sudo().browse(row['crm_erp_qualify_field_ids']).mapped('name')
        return (row['crm_erp_qualify_min_chance'], row['crm_erp_drop_max_chance'],
                tuple(sorted(name for name in names if name in self._fields)))

    def _crm_erp_missing_fields(self, names):
        self.ensure_one()
        # sudo: whether a required field is filled, also one the reader may not see
        lead = self.sudo()
        return [name for name in names if not lead[name]]

    @api.multi
    def _crm_erp_qualification_after_write(self, vals):
        """A write of a field a company requires reclassifies the leads of that company."""
        required = {name for rule in self._crm_erp_company_rules().values() for name in rule[2]}
        if required.intersection(vals):
            self._crm_erp_qualification_refresh()

    @api.multi
    def _crm_erp_open_qualifications(self, company_id, chances):
        """The qualification of each of these open leads of the company (active, under 100 %: as
        queries.lead_score.lead_features selects them) once its new win chance (in chances, None:
        no score) is stored, as _compute_crm_erp_pipeline_figures gives it (None: none): the
        scoring writes it in the same UPDATE as the score. Their required fields read in one
        query when the company has some."""
        rule = self._crm_erp_company_rule(company_id)
        required = list(rule[2])
        # sudo: every lead rescored is classified, by fields the user may not read
        filled = {row['id']: row for row in self.sudo().read(required, load='_classic_write')} if required else {}
        return [_qualification(rule, chance, True, 0.0, [name for name in required if not filled[lead_id][name]])
                or None for lead_id, chance in zip(self.ids, chances)]

    @api.multi
    def _crm_erp_qualification_refresh(self):
        """Reclassify these leads after a change Odoo cannot see (a score written in SQL, a
        required field, new rules): their figures read in one narrow query (and their required
        fields in a second), the changed qualifications written in one UPDATE."""
        if not self:
            return
        # sudo: every lead written or rescored is classified, by fields the user may not read
        leads = self.sudo()
        rows = leads.read(['company_id', 'crm_erp_win_chance', 'crm_erp_win_chance_date', 'active', 'probability',
                           'crm_erp_qualification'], load='_classic_write')
        rules = self._crm_erp_company_rules({row['company_id'] for row in rows if row['company_id']})
        required = sorted({name for rule in rules.values() for name in rule[2]})
        filled = {row['id']: row for row in leads.read(required, load='_classic_write')} if required else {}
        changed = {}
        for row in rows:
            rule = rules.get(row['company_id'])
            value = bool(rule) and _qualification(
                rule, row['crm_erp_win_chance'] if row['crm_erp_win_chance_date'] else None, row['active'],
                row['probability'], [name for name in rule[2] if not filled[row['id']][name]])
            if value != row['crm_erp_qualification']:
                changed[row['id']] = value or None
        if changed:
            lead_score_queries.write_qualifications(self.env.cr, list(changed), list(changed.values()))
        self.invalidate_cache(['crm_erp_qualification', 'crm_erp_qualification_missing'], self.ids)


def _qualification(rule, chance, active, probability, missing):
    """A lead's qualification by its company's rule (minimum, drop limit, ...): its win chance
    (None: no score yet), whether it is open, the required fields it misses."""
    minimum, drop = rule[:2]
    if not active or probability >= 100:
        return False
    if chance is not None and chance < drop:
        return 'to_drop'
    if missing or (chance if chance is not None else 0.0) < minimum:
        return 'to_qualify'
    return 'qualified'
