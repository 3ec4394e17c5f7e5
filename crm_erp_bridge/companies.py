"""Which company a call of the addon may use.

Every company the addon takes from the caller (the context key `force_company`, or an
argument) goes through `allowed_company`: Odoo itself never checks `force_company`, and a
company id the caller does not belong to would otherwise select another company's figures.
Call it in the caller's environment and pass the company it returns on: under `sudo()` the
user is the system, whose own companies are not the caller's.
"""
from odoo import _
from odoo.exceptions import AccessError, UserError


def allowed_company(env, company_id=None, label='force_company'):
    """The res.company record the call may use: company_id when given (an argument named
    label), else the context's force_company, else the user's current company.

    A value that is not an integer id raises UserError; a company that does not exist or is
    not one of the user's companies (res.users.company_ids) raises AccessError, with the
    same message, so a caller learns nothing about companies that are not theirs."""
    self = env['res.company']  # noqa: F841 -- Odoo's _() finds the language and cursor through `self`
    if company_id is None:
        company_id = env.context.get('force_company')
    if company_id is None or company_id is False:
        return env.user.company_id
    if not isinstance(company_id, int) or isinstance(company_id, bool):
        raise UserError(_('%s: a company id (an integer) is expected, not %.60r.') % (label, company_id))
    if company_id not in env.user.company_ids.ids:
        raise AccessError(_('%s: company %s is not one of your companies.') % (label, company_id))
    return env['res.company'].browse(company_id)
