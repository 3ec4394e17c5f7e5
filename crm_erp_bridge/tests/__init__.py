from . import test_install
from . import test_product_stock
from . import test_pipeline_demand
from . import test_shortfall_rfq
