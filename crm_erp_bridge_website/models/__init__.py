from . import crm_erp_web_recommendation_event, product_template, sale_order, website
