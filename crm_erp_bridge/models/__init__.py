from . import res_company
from . import res_config_settings
from . import product_product
from . import crm_erp_bridge_demo
