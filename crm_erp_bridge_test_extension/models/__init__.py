from . import crm_erp_recommendation
from . import pipeline_demand_report
from . import purchase_order
