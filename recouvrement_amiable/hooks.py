from odoo import SUPERUSER_ID, Command


def post_init_hook(env):
    """Create the default ladder of every company and the recovery record of every
    customer with open invoices.

    Set-based: the debtors, the invoices' links and the first step's date are
    written in SQL per company, so installing on a database with hundreds of
    thousands of invoices does not load them into Python.
    """
    companies = env["res.company"].search([])
    _activate_french(env, companies)
    companies._recouvrement_ensure_default_ladder()
    env["recouvrement.debtor"]._recouvrement_init(companies)
    _grant_recovery_managers(env)


def _activate_french(env, companies):
    """A company in France writes to its debtors in French: French is activated
    with the terms of the letters when it is not yet."""
    if "FR" not in companies.country_id.mapped("code"):
        return
    if env["res.lang"]._lang_get("fr_FR").active:
        return
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(
        ["base", "mail", "account", "recouvrement_amiable"], ["fr_FR"]
    )


def _grant_recovery_managers(env):
    """The people administering accounting when the addon is installed become
    recovery managers (someone must validate the formal notices); the template of new
    users does not: a new user is a recovery manager only when granted."""
    manager = env.ref("recouvrement_amiable.group_recouvrement_manager")
    template = env.ref("base.default_user", raise_if_not_found=False)
    accountants = env.ref("account.group_account_manager").users.filtered(
        lambda u: not u.share and u.active and u.id != SUPERUSER_ID and u != template
    )
    if accountants:
        manager.write({"users": [Command.link(user.id) for user in accountants]})
