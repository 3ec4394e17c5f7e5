from . import crm_erp_nps_report
