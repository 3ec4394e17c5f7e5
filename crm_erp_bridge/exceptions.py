from odoo import exceptions


class ValidationError(exceptions.ValidationError, exceptions.UserError):
    """The addon's constraint error: a ValidationError (Odoo and callers catch it as one) that
    Odoo 11's XML-RPC answers as a UserError, fault code 2 with the message alone. Odoo 11's own
    ValidationError is not a UserError, so it reaches an RPC client as fault code 1 with the
    server's traceback (odoo/service/wsgi_server.py; Odoo 12 made it a UserError). Every
    constraint of the addon raises this one."""
