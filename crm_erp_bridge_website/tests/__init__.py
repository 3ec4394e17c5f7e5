from . import test_webshop
from . import test_i18n
