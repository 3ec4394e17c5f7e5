# the abstract SQL-view report the others inherit
from . import crm_erp_sql_report
from . import crm_erp_partner_product_history
from . import pipeline_demand_report
from . import crm_erp_lead_conversion_report
# the dashboard reads the demand snapshot: its view is created after the report's init
from . import crm_erp_dashboard_tile
from . import crm_erp_service_rating_report
