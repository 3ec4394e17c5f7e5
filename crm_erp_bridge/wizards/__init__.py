from . import availability_check
from . import shortfall_rfq_result
from . import recommendation_wizard
