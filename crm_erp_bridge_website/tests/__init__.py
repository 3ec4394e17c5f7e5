from . import test_webshop
from . import test_for_you
from . import test_recommendation_events
from . import test_i18n
from . import test_click_race
