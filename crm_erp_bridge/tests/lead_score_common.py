from odoo import fields

from .customer_360_common import Customer360Case


class LeadScoreCase(Customer360Case):
    """Leads with a history at explicit dates: created, messages, tracked changes and closing
    moved to the days the test gives (Odoo stamps them now; the test writes its days in SQL,
    as a database of a year of work would hold them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tracked = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_notrack=False))
        Utm = cls.env['utm.source']
        cls.source_web, cls.source_fair = Utm.create({'name': 'LS Web'}), Utm.create({'name': 'LS Fair'})
        cls.medium_mail = cls.env['utm.medium'].create({'name': 'LS Mail'})
        cls.team_a = cls.env['crm.team'].create({'name': 'LS Team A', 'company_id': cls.company_a.id})
        cls.team_b = cls.env['crm.team'].create({'name': 'LS Team B', 'company_id': cls.company_a.id})
        Stage = cls.env['crm.stage']
        cls.stage_new = Stage.create({'name': 'LS New', 'probability': 10, 'sequence': 1})
        cls.stage_prop = Stage.create({'name': 'LS Proposal', 'probability': 50, 'sequence': 2})
        cls.stage_won = Stage.create({'name': 'LS Won', 'probability': 100, 'sequence': 3})
        cls.categ_tools = cls.env['product.category'].create({'name': 'LS Tools'})
        cls.product_tool = cls.env['product.product'].create({'name': 'LS Drill', 'categ_id': cls.categ_tools.id})

    @classmethod
    def _lead(cls, name, created, company=None, **vals):
        lead = cls.tracked['crm.lead'].create(dict({
            'name': name, 'type': 'opportunity', 'company_id': (company or cls.company_a).id,
            'team_id': cls.team_a.id, 'stage_id': cls.stage_new.id}, **vals))
        # crm's create puts the salesperson's own team in place of the one given: the test's team
        cls.env.cr.execute("UPDATE crm_lead SET team_id = %s WHERE id = %s",
                           [vals.get('team_id', cls.team_a.id) or None, lead.id])
        cls._set_date(lead, created)
        return lead

    @classmethod
    def _set_date(cls, lead, day):
        """The lead and every message on it so far dated day (noon)."""
        stamp = day + ' 12:00:00'
        cls.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = %s", [stamp, lead.id])
        cls.env.cr.execute("UPDATE crm_lead_line SET create_date = %s WHERE lead_id = %s", [stamp, lead.id])
        cls.env.cr.execute("UPDATE mail_message SET date = %s WHERE model = 'crm.lead' AND res_id = %s"
                           " AND date > %s", [stamp, lead.id, stamp])
        lead.invalidate_cache()

    @classmethod
    def _change(cls, lead, day, vals):
        """write(vals) on the lead as of day: the tracking message is dated day."""
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
        last = cls.env.cr.fetchone()[0]
        lead.with_env(cls.tracked).write(vals)
        cls.env.cr.execute("UPDATE mail_message SET date = %s WHERE model = 'crm.lead' AND res_id = %s AND id > %s",
                           [day + ' 12:00:00', lead.id, last])
        if 'date_closed' in cls.tracked['crm.lead']._fields and (
                vals.get('probability', 0) >= 100 or vals.get('active') is False or vals.get('stage_id') ==
                cls.stage_won.id):
            cls.env.cr.execute("UPDATE crm_lead SET date_closed = %s WHERE id = %s", [day + ' 12:00:00', lead.id])
        lead.invalidate_cache()

    @classmethod
    def _message(cls, lead, day, message_type='comment'):
        message = lead.with_env(cls.tracked).message_post(body='note', message_type=message_type)
        cls.env.cr.execute("UPDATE mail_message SET date = %s WHERE id = %s", [day + ' 09:00:00', message.id])
        return message

    @classmethod
    def _win(cls, lead, day):
        cls._change(lead, day, {'stage_id': cls.stage_won.id, 'probability': 100})

    @classmethod
    def _lose(cls, lead, day):
        cls._change(lead, day, {'probability': 0, 'active': False})

    @staticmethod
    def _day(text):
        return fields.Date.from_string(text)

    def _plant(self, count=240):
        """count closed leads from January to October 2025, half from the web (8 in 10 won),
        half from the fair (2 in 10 won); each open over one month end. Then one open lead of
        each source."""
        Lead = self.env['crm.lead']
        dates = []
        for i in range(count):
            web, k = i % 2 == 0, i // 2
            won = k % 10 < (8 if web else 2)
            month = 1 + (3 * k) % 10
            lead = Lead.create({'name': 'LS planted %d' % i, 'type': 'opportunity', 'company_id': self.company_a.id,
                                'team_id': self.team_a.id, 'stage_id': self.stage_new.id, 'planned_revenue': 100.0,
                                'source_id': (self.source_web if web else self.source_fair).id})
            lead.write({'probability': 100} if won else {'probability': 0, 'active': False})
            dates.append((lead.id, '2025-%02d-10 12:00:00' % month, '2025-%02d-15 12:00:00' % (month + 1)))
        self.env.cr.execute("""
            UPDATE crm_lead l SET create_date = v.created::timestamp, date_closed = v.closed::timestamp
              FROM unnest(%s::integer[], %s::text[], %s::text[]) AS v(id, created, closed) WHERE l.id = v.id
        """, [[d[0] for d in dates], [d[1] for d in dates], [d[2] for d in dates]])
        self.open_web = self._lead('LS open web', '2025-12-01', source_id=self.source_web.id, planned_revenue=1000.0)
        self.open_fair = self._lead('LS open fair', '2025-12-01', source_id=self.source_fair.id,
                                    planned_revenue=1000.0)
        self.env['crm.lead'].invalidate_cache()
