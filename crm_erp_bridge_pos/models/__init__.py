from . import crm_erp_partner_product_history, crm_erp_partner_stats, pos_order, pos_order_line, sale_order
