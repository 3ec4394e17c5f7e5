from odoo.exceptions import UserError, ValidationError


class SettingsValidationError(ValidationError, UserError):
    """A ValidationError (a constraint raises it, Odoo and callers catch it as one) that Odoo
    11's XML-RPC answers as a UserError: fault code 2 with the message alone. Odoo 11's own
    ValidationError is not a UserError, so it reaches an RPC client as fault code 1 with the
    server's traceback (odoo/service/wsgi_server.py)."""
