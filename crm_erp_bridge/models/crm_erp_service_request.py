from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.tools.misc import formatLang

from ..companies import allowed_company
from ..exceptions import ValidationError
from ..queries import service as service_queries
from ..rules import CUSTOMER_STAGES
from ..run_lock import retrying
from .crm_erp_service_deadline import SERVICE_PRIORITIES
from .mail_message import note_body
from .rating_rating import accepts_rating_email
from .record_ids import SERVICE_USER_GROUP, check_group, public_records

KINDS = [('request', 'Service request'), ('complaint', 'Complaint')]
ESCALATIONS = [('none', 'Not escalated'), ('owner', 'Owner told'), ('leader', 'Team leader told')]
# Request fields whose change can make its customer's request overdue or no longer overdue.
_CUSTOMER_360_FIELDS = {'stage_id', 'partner_id', 'company_id', 'active', 'date_first_response', 'date_received',
                        'priority'}
# Last confirmed orders and open quotations listed in the Customer 360 summary of a request.
_SUMMARY_ORDERS = 5


class CrmErpServiceRequest(models.Model):
    """A complaint or service request of a customer (docs/service-requests.md): a mail thread
    (chatter, followers, activities, the mail gateway), linked to the customer, a sale order or
    a delivery and products, with a response and a solution deadline from the company's service
    level per priority (crm.erp.service.deadline), escalated to the owner and then to the team
    leader when a deadline passes unanswered (_cron_escalate)."""
    _name = 'crm.erp.service.request'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'rating.mixin']
    _description = 'Service request'
    _order = 'priority desc, date_received desc, id desc'

    name = fields.Char('Subject', required=True, track_visibility='onchange')
    kind = fields.Selection(KINDS, string='Type', required=True, default='request', track_visibility='onchange')
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', string='Company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    partner_id = fields.Many2one('res.partner', string='Customer', index=True, track_visibility='onchange')
    commercial_partner_id = fields.Many2one(related='partner_id.commercial_partner_id', store=True, readonly=True,
                                            string='Customer company', index=True)
    email_from = fields.Char('Email', help='Where the request came from; the customer is found by this address.')
    sale_order_id = fields.Many2one('sale.order', string='Sale order', index=True)
    picking_id = fields.Many2one('stock.picking', string='Delivery')
    product_ids = fields.Many2many('product.product', 'crm_erp_service_request_product_rel', 'request_id',
                                   'product_id', string='Products')
    category_id = fields.Many2one('crm.erp.service.category', string='Category')
    priority = fields.Selection(SERVICE_PRIORITIES, required=True, default='1', track_visibility='onchange')
    stage_id = fields.Many2one('crm.erp.service.stage', string='Stage', index=True, track_visibility='onchange',
                               default=lambda self: self._default_stage(), group_expand='_read_group_stage_ids',
                               copy=False)
    is_solved = fields.Boolean(related='stage_id.is_solved', readonly=True)
    user_id = fields.Many2one('res.users', string='Owner', index=True, track_visibility='onchange',
                              default=lambda self: self.env.user)
    team_id = fields.Many2one('crm.team', string='Team', index=True,
                              default=lambda self: self.env.user.sale_team_id,
                              help='Its leader hears of the deadlines the owner missed.')
    description = fields.Text('Description')
    date_received = fields.Datetime('Received on', required=True, default=fields.Datetime.now, copy=False,
                                    help='The deadlines count from this moment.')
    date_response_deadline = fields.Datetime('Response deadline', compute='_compute_deadlines', store=True)
    date_resolution_deadline = fields.Datetime('Solution deadline', compute='_compute_deadlines', store=True)
    escalation_grace_hours = fields.Float('Team leader after (hours)', compute='_compute_deadlines', store=True)
    date_first_response = fields.Datetime('First response', readonly=True, copy=False,
                                          help='When the staff first replied to the customer (email or message '
                                               'to the followers; internal notes do not count).')
    date_solved = fields.Datetime('Solved on', readonly=True, copy=False)
    response_escalation = fields.Selection(ESCALATIONS, 'Response escalation', required=True, default='none',
                                           readonly=True, copy=False)
    resolution_escalation = fields.Selection(ESCALATIONS, 'Solution escalation', required=True, default='none',
                                             readonly=True, copy=False)
    is_overdue = fields.Boolean('Overdue', compute='_compute_is_overdue', search='_search_is_overdue',
                                help='Open, and its response deadline passed without a response or its solution '
                                     'deadline passed.')
    color = fields.Integer('Color')

    # Customer 360 summary of the customer (read from res.partner's figures, in the request's company)
    customer_stage = fields.Selection(CUSTOMER_STAGES, string='Lifecycle stage', compute='_compute_customer_summary')
    customer_360_currency_id = fields.Many2one('res.currency', 'Currency', compute='_compute_customer_summary')
    customer_revenue = fields.Monetary('Revenue', compute='_compute_customer_summary',
                                       currency_field='customer_360_currency_id')
    customer_predicted_value = fields.Monetary('Predicted value', compute='_compute_customer_summary',
                                               currency_field='customer_360_currency_id')
    customer_order_count = fields.Integer('Confirmed orders', compute='_compute_customer_summary')
    customer_last_order_date = fields.Date('Last order', compute='_compute_customer_summary')
    customer_orders_html = fields.Html('Last orders and open quotations', compute='_compute_customer_summary',
                                       sanitize=False)

    @api.model
    def _default_stage(self):
        return self.env['crm.erp.service.stage'].search([], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain, order):
        """Every stage is a kanban column, empty or not."""
        return stages.search([], order=order)

    @api.depends('date_received', 'priority', 'company_id')
    def _compute_deadlines(self):
        Deadline = self.env['crm.erp.service.deadline']
        for request in self:
            rule = Deadline._rule_for(request.company_id, request.priority)
            received = fields.Datetime.from_string(request.date_received) if request.date_received else None
            if not rule or not received:
                request.date_response_deadline = request.date_resolution_deadline = False
                request.escalation_grace_hours = 0.0
                continue
            request.date_response_deadline = fields.Datetime.to_string(
                received + timedelta(hours=rule.response_hours))
            request.date_resolution_deadline = fields.Datetime.to_string(
                received + timedelta(hours=rule.resolution_hours))
            request.escalation_grace_hours = rule.escalation_grace_hours

    def _compute_is_overdue(self):
        now = self._now()
        for request in self:
            request.is_overdue = bool(not request.is_solved and (
                (not request.date_first_response and request.date_response_deadline
                 and request.date_response_deadline < now)
                or (request.date_resolution_deadline and request.date_resolution_deadline < now)))

    def _search_is_overdue(self, operator, value):
        now = self._now()
        domain = ['&', ('stage_id.is_solved', '=', False),
                  '|', '&', ('date_first_response', '=', False), ('date_response_deadline', '<', now),
                  ('date_resolution_deadline', '<', now)]
        if (operator in ('=', '==')) == bool(value):
            return domain
        return ['!'] + domain

    @api.model
    def _now(self):
        """Now, or the context's crm_erp_service_now (tests, and the cron's run time)."""
        return self.env.context.get('crm_erp_service_now') or fields.Datetime.now()

    @api.depends('partner_id', 'company_id')
    def _compute_customer_summary(self):
        for request in self:
            partner = request.partner_id.with_context(force_company=request.company_id.id)
            if not partner or request.company_id not in self.env.user.company_ids:
                request.update({'customer_stage': False, 'customer_360_currency_id': request.company_id.currency_id,
                                'customer_revenue': 0.0, 'customer_predicted_value': 0.0,
                                'customer_order_count': 0, 'customer_last_order_date': False,
                                'customer_orders_html': False})
                continue
            request.customer_stage = partner.customer_stage
            request.customer_360_currency_id = partner.customer_360_currency_id or request.company_id.currency_id
            request.customer_revenue = partner.customer_revenue
            request.customer_predicted_value = partner.customer_predicted_value
            request.customer_order_count = partner.customer_order_count
            request.customer_last_order_date = partner.customer_last_order_date
            request.customer_orders_html = request._customer_orders_html()

    def _customer_orders_html(self):
        """The customer's last confirmed orders and open quotations in the request's company, as
        an HTML table: names, dates and totals only."""
        # sudo: a summary of the request's customer for the person handling it, who may not read
        # orders of other salespeople; it shows names, dates and totals, nothing else
        Order = self.env['sale.order'].sudo()
        domain = [('partner_id', 'child_of', self.commercial_partner_id.id), ('company_id', '=', self.company_id.id)]
        sections = [
            (_('Last orders'), Order.search(domain + [('state', 'in', ('sale', 'done'))],
                                            order='date_order desc, id desc', limit=_SUMMARY_ORDERS)),
            (_('Open quotations'), Order.search(domain + [('state', 'in', ('draft', 'sent'))],
                                                order='date_order desc, id desc', limit=_SUMMARY_ORDERS)),
        ]
        html = []
        for title, orders in sections:
            html.append('<h4>%s</h4>' % tools.html_escape(title))
            if not orders:
                html.append('<p>%s</p>' % tools.html_escape(_('None')))
                continue
            html.append('<table class="table table-condensed"><tbody>')
            for order in orders:
                html.append('<tr><td>%s</td><td>%s</td><td class="text-right">%s</td></tr>' % (
                    tools.html_escape(order.name), tools.html_escape(order.date_order[:10]),
                    tools.html_escape(formatLang(self.env, order.amount_total, currency_obj=order.currency_id))))
            html.append('</tbody></table>')
        return ''.join(html)

    # Validation
    @api.constrains('sale_order_id', 'picking_id', 'partner_id', 'company_id')
    def _check_documents(self):
        for request in self:
            customer = request.commercial_partner_id
            for document, label in ((request.sale_order_id, _('sale order')), (request.picking_id, _('delivery'))):
                if not document:
                    continue
                # sudo: the check compares the document's customer and company, whoever writes
                document = document.sudo()
                if document.company_id and document.company_id != request.company_id:
                    raise ValidationError(_('The %s %s belongs to another company than the request.')
                                          % (label, document.name))
                if customer and document.partner_id.commercial_partner_id != customer:
                    raise ValidationError(_('The %s %s belongs to another customer than the request.')
                                          % (label, document.name))

    # Create and write: the solved date, the customer's Customer 360
    @api.model
    def create(self, vals):
        if vals.get('company_id') and self.env.uid != SUPERUSER_ID:
            # AccessError for a company that is not the user's (the record rule would only
            # refuse to read the new request back, half-way through its checks)
            allowed_company(self.env, vals['company_id'], 'company_id')
        if vals.get('partner_id') and not vals.get('email_from'):
            vals['email_from'] = self.env['res.partner'].browse(vals['partner_id']).email
        request = super(CrmErpServiceRequest, self.with_context(mail_create_nolog=True)).create(vals)
        if 'date_solved' not in vals:
            request._set_solved_dates()
        if request.partner_id:
            request.message_subscribe(partner_ids=request.partner_id.ids)
            request._refresh_customer_360(request._customer_360_pairs())
        return request

    @api.multi
    def write(self, vals):
        if vals.get('company_id') and self.env.uid != SUPERUSER_ID:
            allowed_company(self.env, vals['company_id'], 'company_id')  # not into another's company
        if not _CUSTOMER_360_FIELDS.intersection(vals):
            return super().write(vals)
        pairs = self._customer_360_pairs()
        result = super().write(vals)
        if 'stage_id' in vals and 'date_solved' not in vals:
            self._set_solved_dates()
        self._refresh_customer_360(pairs | self._customer_360_pairs())
        return result

    # Customer 360: an overdue request makes its customer At risk (rules.STAGE_RULES)
    def _customer_360_pairs(self):
        return {(request.company_id.id, request.commercial_partner_id.id) for request in self
                if request.commercial_partner_id}

    @api.model
    def _refresh_customer_360(self, pairs):
        """The customers' Customer 360 rows rescored (their stage), after their requests changed."""
        self.env['crm.erp.partner.stats']._refresh_pairs(pairs, leads_only=True)

    def _set_solved_dates(self):
        """The solved date: set on entering a solved stage (kept from Solved to Closed), cleared
        on leaving the solved stages."""
        solved = self.filtered(lambda request: request.stage_id.is_solved and not request.date_solved)
        if solved:
            super(CrmErpServiceRequest, solved).write({'date_solved': self._now()})
            solved._send_rating_request()
        reopened = self.filtered(lambda request: not request.stage_id.is_solved and request.date_solved)
        if reopened:
            super(CrmErpServiceRequest, reopened).write({'date_solved': False})
        return True

    # Satisfaction: the rating request on solving, the rating on the chatter (rating.mixin)
    def _send_rating_request(self):
        """The customer of each request just solved gets the rating email (data
        crm_erp_service_rating_request_template: Odoo's three rating faces, token links that
        need no login), queued with the other outgoing emails. Requests without a customer
        email, of a customer who opted out (res.partner.opt_out, of the contact or its company), or
        under the context key crm_erp_no_rating_request (imports), ask nobody."""
        if self.env.context.get('crm_erp_no_rating_request'):
            return
        template = self.env.ref('crm_erp_bridge.crm_erp_service_rating_request_template', raise_if_not_found=False)
        if not template:
            return
        for request in self.filtered(lambda request: accepts_rating_email(request.partner_id)):
            # sudo: the email, and the rating token it carries, are the company's to the
            # customer, whoever moved the request (a service user need not manage templates)
            template.sudo().send_mail(request.id, force_send=False)

    def _post_rating_received(self, rating):
        """The note on the chatter when the customer clicks a face of the rating email."""
        labels = dict(rating._fields['rating_text']._description_selection(self.env))
        text = _('The customer rated the solution: %s.') % labels.get(rating.rating_text, rating.rating_text)
        self.message_post(body=note_body(text), subtype='mail.mt_note', message_type='notification',
                          author_id=rating.partner_id.id or None)

    # Mail gateway (as crm.lead and project.task)
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A new request from an email to the service alias: the subject, the sender as
        customer (the partner of that email address, if any), the alias's defaults (team)."""
        # no owner from the gateway's user: the team assigns it
        self = self.with_context(default_user_id=False)
        values = {
            'name': msg_dict.get('subject') or _('No subject'),
            'email_from': msg_dict.get('from'),
            'description': tools.html2plaintext(msg_dict.get('body') or ''),
        }
        values.update(custom_values or {})
        partner = self._partner_of_email(msg_dict)
        if partner:
            values.setdefault('partner_id', partner.id)
        if values.get('team_id') and not values.get('company_id'):
            company = self.env['crm.team'].browse(values['team_id']).company_id
            if company:
                values['company_id'] = company.id
        return super(CrmErpServiceRequest, self).message_new(msg_dict, custom_values=values)

    @api.multi
    def message_update(self, msg_dict, update_vals=None):
        """A reply of the customer to a request waiting for them moves it back to in progress."""
        in_progress = self.env.ref('crm_erp_bridge.crm_erp_service_stage_in_progress', raise_if_not_found=False)
        author = self.env['res.partner'].browse(msg_dict.get('author_id'))
        if in_progress and not self._is_staff(author):
            self.filtered(lambda request: request.stage_id.waiting_customer).write({'stage_id': in_progress.id})
        return super().message_update(msg_dict, update_vals=update_vals)

    @api.model
    def _partner_of_email(self, msg_dict):
        """The partner the gateway found for the sender, else the one partner with that email."""
        if msg_dict.get('author_id'):
            return self.env['res.partner'].browse(msg_dict['author_id'])
        emails = tools.email_split(msg_dict.get('from') or '')
        if not emails:
            return self.env['res.partner']
        return self.env['res.partner'].search([('email', '=ilike', emails[0])], limit=1)

    @api.model
    def _is_staff(self, partner):
        """An internal user's partner (not the customer, not a portal user)."""
        # sudo: which users a message author has, to tell staff from customers
        return bool(partner and partner.sudo().user_ids.filtered(lambda user: not user.share))

    def _message_post_after_hook(self, message):
        """The first reply of the staff to the customer (an email or a message to the
        followers, not an internal note) sets the first response date."""
        if (not all(self.mapped('date_first_response')) and message.message_type in ('email', 'comment')
                and message.subtype_id == self.env.ref('mail.mt_comment') and self._is_staff(message.author_id)):
            self.filtered(lambda request: not request.date_first_response).write(
                {'date_first_response': message.date or fields.Datetime.now()})
        return super()._message_post_after_hook(message)

    @api.multi
    def message_get_suggested_recipients(self):
        recipients = super().message_get_suggested_recipients()
        for request in self:
            if request.partner_id:
                request._message_add_suggested_recipient(recipients, partner=request.partner_id,
                                                         reason=_('Customer'))
            elif request.email_from:
                request._message_add_suggested_recipient(recipients, email=request.email_from,
                                                         reason=_('Customer email'))
        return recipients

    # Escalation
    @api.model
    def _cron_escalate(self):
        """Every 15 minutes: the requests whose deadline passed unanswered, once to the owner,
        then (after the grace hours) once to the team leader. The selection and the claim are
        one statement (queries/service.py): two runs at the same moment tell each person once."""
        # sudo: the cron job escalates the requests of every company; started over when it
        # meets another run or a Customer 360 refresh of the same customer (Odoo retries RPC
        # calls, not cron jobs)
        retrying(self.env, lambda: self.sudo()._escalate(self._now()))

    @public_records
    def action_escalate(self):
        """Button and XML-RPC: escalate these requests now if a deadline of theirs passed
        unanswered, as the cron job would (service users); returns the escalations made."""
        check_group(self, SERVICE_USER_GROUP, _('Only a service user can escalate requests.'))
        self.check_access_rule('write')
        # sudo: the owner's and the team leader's activities are created whoever escalates
        return len(self.sudo()._escalate(self._now(), self.ids))

    @api.model
    def _escalate(self, now, request_ids=None):
        """Claim and notify the escalations due at now of request_ids (None: all); returns
        [(request id, deadline, level)]."""
        claimed = service_queries.claim_escalations(self.env.cr, now, request_ids)
        if not claimed:
            return claimed
        self.invalidate_cache(fnames=['response_escalation', 'resolution_escalation'],
                              ids=[row[0] for row in claimed])
        activity_type = self.env.ref('mail.mail_activity_data_todo')
        for request_id, deadline, level in claimed:
            self.browse(request_id)._notify_escalation(deadline, level, activity_type)
        # the customers of requests that just became overdue move towards At risk
        self._refresh_customer_360(self.browse({row[0] for row in claimed})._customer_360_pairs())
        return claimed

    def _notify_escalation(self, deadline, level, activity_type):
        """An activity and a note to the owner (level owner) or to the team leader (level leader,
        or level owner without an owner)."""
        person = self.user_id if level == 'owner' else self.env['res.users']
        person = person or self.team_id.user_id
        texts = {
            'response': _('The response deadline (%s) passed without a response to the customer.'),
            'resolution': _('The solution deadline (%s) passed and the request is not solved.'),
        }
        text = texts[deadline] % self.date_response_deadline if deadline == 'response' \
            else texts[deadline] % self.date_resolution_deadline
        summary = _('Deadline missed') if level == 'owner' else _('Deadline missed: team leader')
        if person:
            self.env['mail.activity'].create({
                'res_id': self.id, 'res_model_id': self.env['ir.model']._get_id(self._name),
                'activity_type_id': activity_type.id, 'summary': summary, 'note': note_body(text),
                'user_id': person.id, 'date_deadline': fields.Date.context_today(self),
            })
        self.message_post(body=note_body(text), subject=summary, subtype='mail.mt_note',
                          message_type='notification', partner_ids=person.partner_id.ids)
