from . import test_install
from . import test_product_stock
from . import test_customer_360
from . import test_customer_360_rfm
from . import test_customer_360_stage
from . import test_customer_360_vendor
from . import test_customer_360_views
from . import test_demo
