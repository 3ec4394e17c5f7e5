from odoo import api, models, tools


class CrmErpSqlReport(models.AbstractModel):
    """The one init() of the SQL-view reports (lead conversion, satisfaction, the customer's
    product history; in the glue addons the NPS and the webshop's conversion), built as Odoo's
    sale.report: the view `_table` is dropped and created from _table_query(), which is
    `_select()` FROM `_from()` `_group_by()`. A report inherits this model (`_inherit`, its own
    `_name`, `_auto = False`) and defines the three parts; another addon extends its view by
    overriding one of them, and a report that needs something before its view overrides init()
    and calls super() (docs/architecture.md). The pipeline demand report reads a snapshot table
    made from its view: it shares the three parts and _table_query(), with an init of its own."""
    _name = 'crm.erp.sql.report'
    _description = 'SQL-view report'
    _auto = False

    def _select(self):
        raise NotImplementedError('%s._select' % self._name)

    def _from(self):
        raise NotImplementedError('%s._from' % self._name)

    def _group_by(self):
        return ''

    def _table_query(self):
        """The SELECT statement of the report's view."""
        return '%s FROM %s %s' % (self._select(), self._from(), self._group_by())

    @api.model_cr
    def init(self):
        if self._abstract:
            return  # this model itself has no view
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute('CREATE VIEW %s AS (%s)' % (self._table, self._table_query()))
