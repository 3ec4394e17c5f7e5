from odoo import fields, models

# Net Promoter Score: answers 0 to 10; 9 and 10 are promoters, 0 to 6 detractors, 7 and 8 passives.
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
NPS_CATEGORIES = [('promoter', 'Promoter'), ('passive', 'Passive'), ('detractor', 'Detractor')]


class CrmErpNpsReport(models.Model):
    """Net Promoter Score (docs/marketing.md): one row per completed answer to a survey question
    marked NPS, with the survey's company and the customer's team and salesperson. The NPS of any
    group of rows (company, team, salesperson, month ...) is the mean of the rows' `nps`: +100 for
    a promoter, 0 for a passive, -100 for a detractor = % promoters - % detractors."""
    _name = 'crm.erp.nps.report'
    _inherit = 'crm.erp.sql.report'
    _description = 'Net Promoter Score'
    _auto = False
    _order = 'date desc'
    _rec_name = 'partner_id'

    date = fields.Datetime('Answered on', readonly=True)
    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    survey_id = fields.Many2one('survey.survey', string='Survey', readonly=True)
    question_id = fields.Many2one('survey.question', string='Question', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    team_id = fields.Many2one('crm.team', string='Sales team', readonly=True,
                              help="The customer's sales team (on the customer company).")
    salesperson_id = fields.Many2one('res.users', string='Salesperson', readonly=True,
                                     help="The customer's salesperson (on the customer company).")
    score = fields.Float('Score (0-10)', readonly=True, group_operator='avg', digits=(16, 1))
    category = fields.Selection(NPS_CATEGORIES, string='Category', readonly=True)
    answer_count = fields.Integer('Answers', readonly=True)
    promoter_count = fields.Integer('Promoters', readonly=True)
    detractor_count = fields.Integer('Detractors', readonly=True)
    nps = fields.Float('NPS', readonly=True, group_operator='avg', digits=(16, 1),
                       help='% promoters (9-10) - % detractors (0-6), from -100 to 100.')

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
    def _select(self):
        return """
                SELECT l.id, l.date_create AS date, s.crm_erp_company_id AS company_id,
                       s.id AS survey_id, l.question_id, cp.id AS partner_id, cp.team_id,
                       cp.user_id AS salesperson_id, round(l.value_number) AS score,
                       CASE WHEN round(l.value_number) >= {promoter} THEN 'promoter'
                            WHEN round(l.value_number) <= {detractor} THEN 'detractor'
                            ELSE 'passive' END AS category,
                       1 AS answer_count,
                       CASE WHEN round(l.value_number) >= {promoter} THEN 1 ELSE 0 END AS promoter_count,
                       CASE WHEN round(l.value_number) <= {detractor} THEN 1 ELSE 0 END AS detractor_count,
                       CASE WHEN round(l.value_number) >= {promoter} THEN 100.0
                            WHEN round(l.value_number) <= {detractor} THEN -100.0
                            ELSE 0.0 END AS nps
        """.format(promoter=NPS_PROMOTER_MIN, detractor=NPS_DETRACTOR_MAX)

    def _from(self):
        # the answers of completed survey inputs (test entries left out) to NPS questions, 0 to 10
        return """
                  survey_user_input_line l
                  JOIN survey_question q ON q.id = l.question_id AND q.crm_erp_is_nps
                  JOIN survey_user_input ui ON ui.id = l.user_input_id
                  JOIN survey_survey s ON s.id = ui.survey_id
                  LEFT JOIN res_partner rp ON rp.id = ui.partner_id
                  LEFT JOIN res_partner cp ON cp.id = rp.commercial_partner_id
                 WHERE NOT COALESCE(l.skipped, FALSE) AND l.answer_type = 'number'
                   AND ui.state = 'done' AND NOT COALESCE(ui.test_entry, FALSE)
                   AND l.value_number BETWEEN 0 AND 10
        """

    def _group_by(self):
        return ''
