"""SQL of the manager's dashboard (report/crm_erp_dashboard_tile.py): the views its tiles read."""
from ..rules import CUSTOMER_STAGES, FUNNEL_RANKS, RFM_SEGMENTS


def create_views(cr, table, columns, tile_queries):
    """The dashboard's view `table`: the union of tile_queries (SELECTs yielding `columns`, in
    that order), a tile's id = company id x 1000 + sequence; and what the queries join: the funnel
    order (crm_erp_dashboard_stage: stage, position, rank) and the segments
    (crm_erp_dashboard_segment: segment, position) from rules.py, and the products short per
    company x warehouse (crm_erp_dashboard_short_products()). table, columns and queries are the
    model's own SQL, never input; the rules' values are parameters."""
    cr.execute('DROP VIEW IF EXISTS %s' % table)  # pylint: disable=sql-injection
    stages = [(stage, position, FUNNEL_RANKS[stage]) for position, (stage, _label) in enumerate(CUSTOMER_STAGES)]
    cr.execute('CREATE OR REPLACE VIEW crm_erp_dashboard_stage (stage, position, rank) AS VALUES '
               + ', '.join(['%s'] * len(stages)), stages)
    segments = [(segment, position) for position, (segment, _label) in enumerate(RFM_SEGMENTS)]
    cr.execute('CREATE OR REPLACE VIEW crm_erp_dashboard_segment (segment, position) AS VALUES '
               + ', '.join(['%s'] * len(segments)), segments)
    # The snapshot table is dropped and created again whenever the demand report's init runs
    # (an update, an addon inheriting the report): a view reading it would go with it. A
    # function is no dependency: it reads the table of the moment.
    cr.execute("""
        CREATE OR REPLACE FUNCTION crm_erp_dashboard_short_products()
        RETURNS TABLE (company_id integer, warehouse_id integer, product_id integer) LANGUAGE sql STABLE AS $$
            SELECT company_id, warehouse_id, product_id
              FROM crm_erp_pipeline_demand_snapshot
          GROUP BY company_id, warehouse_id, product_id
            HAVING SUM(shortfall_qty) > 0
        $$""")
    view_sql = """
        CREATE VIEW {table} AS (
            SELECT tile.company_id * 1000 + tile.sequence AS id, tile.*, company.currency_id
              FROM ({queries}) AS tile ({columns})
              JOIN res_company company ON company.id = tile.company_id
        )""".format(table=table, columns=', '.join(columns), queries=' UNION ALL '.join(tile_queries))
    cr.execute(view_sql)  # pylint: disable=sql-injection
