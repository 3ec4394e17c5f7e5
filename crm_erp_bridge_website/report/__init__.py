from . import crm_erp_web_recommendation_report
