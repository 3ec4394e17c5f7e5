from . import crm_erp_partner_stats, pos_order, sale_order
