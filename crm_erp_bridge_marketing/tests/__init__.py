from . import test_mailing
from . import test_nps
from . import test_automatic_communication
from . import test_i18n
