import psycopg2
from psycopg2 import errorcodes

from odoo import api, models

from ..queries import pipeline as queries


class CrmErpPipelineDemandSnapshot(models.AbstractModel):
    """The snapshot the pipeline demand report reads (see queries/pipeline.py): a table filled
    from the report's view, kept up to date by triggers that note the changed products and by
    the refreshes below (readers of the report, the cron, the RFQ run). Not a report view: the
    report model (report/pipeline_demand_report.py) builds the view, this keeps its copy."""
    _name = 'crm.erp.pipeline.demand.snapshot'
    _description = 'Pipeline demand snapshot'
    # Not the snapshot's table, which the report model reads (_table of
    # crm.erp.pipeline.demand.report): Odoo 11 names the xml ids of a model's fields after its
    # _table, and two models of the same _table get field ids suffixed with database ids
    # (field_crm_erp_pipeline_demand_snapshot_id_5873), which no .po can name.
    _table = 'crm_erp_pipeline_demand_snapshot_model'

    @api.model
    def _create(self):
        """Made anew from the report's view, empty (the first read fills it): called by the
        report's init, after the view."""
        queries.create_snapshot(self.env.cr)

    @api.model
    def _refresh(self):
        """Bring the snapshot up to date, when no other transaction is doing it: readers
        never wait for each other nor write rows another reader writes (the pivot runs its
        read_groups in parallel). The one that holds the lock refreshes; the others read the
        snapshot as it is (at most the products changed in the last moments are behind).
        A refresh committed after this transaction's snapshot was taken makes its writes a
        serialization failure (REPEATABLE READ): then this one reads the snapshot as well.
        Returns whether this transaction refreshed."""
        cr = self.env.cr
        if not queries.try_lock_snapshot(cr):
            return False
        try:
            with cr.savepoint():
                self._refresh_locked()
        except (psycopg2.extensions.TransactionRollbackError, psycopg2.IntegrityError) as error:
            if error.pgcode not in (errorcodes.SERIALIZATION_FAILURE, errorcodes.UNIQUE_VIOLATION):
                raise
            return False
        return True

    @api.model
    def _refresh_locked(self):
        """Every row when the snapshot is from an earlier day or a change touched every
        product, else the rows of the products noted by the triggers. Its writes are not
        logged when they fail (see _refresh)."""
        cr = self.env.cr
        current = queries.snapshot_is_current(cr)
        product_ids = queries.take_dirty_products(cr)
        if current and not product_ids:
            return
        if current and None not in product_ids:
            queries.refresh_snapshot_products(cr, product_ids)
        else:
            queries.refresh_snapshot_all(cr)
        report = self.env['crm.erp.pipeline.demand.report']
        report.invalidate_cache(fnames=list(report._fields))
