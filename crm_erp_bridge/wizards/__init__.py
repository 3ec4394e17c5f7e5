from . import availability_check
from . import shortfall_rfq_result
from . import shortfall_rfq_result_line
from . import recommendation_wizard
from . import base_partner_merge_automatic_wizard
