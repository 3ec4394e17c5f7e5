from . import (crm_erp_partner_product_history, crm_erp_partner_stats, crm_erp_product_affinity, pos_order,
               pos_order_line, sale_order)
