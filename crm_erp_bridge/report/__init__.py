from . import crm_erp_partner_product_history
