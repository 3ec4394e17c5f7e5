from . import (test_i18n, test_pos_affinity, test_pos_best_sellers, test_pos_customer_360, test_pos_two_tills,
               test_pos_ui_batch)
