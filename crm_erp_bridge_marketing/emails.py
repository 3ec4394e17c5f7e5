"""The one normalised form of an email address in this addon (docs/marketing.md): the first
address of the field, lower case, as Odoo 11's mass mailing compares the recipients of a mailing
with its blacklist and its seen list ("Ana Pereira <Ana@Example.com> " -> "ana@example.com").
queries.EMAIL_PATTERN is the same rule in SQL."""
from odoo.tools import email_split


def normalised_email(value):
    """The normalised address of an email field's value, or None when it holds none."""
    addresses = email_split(value or '')
    return addresses[0].lower() if addresses else None
