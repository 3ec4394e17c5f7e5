from . import crm_erp_partner_product_history
from . import pipeline_demand_report
