def post_init_hook(env):
    """Create the default ladder of every company and the recovery record of every
    customer with open invoices.

    Set-based: the debtors, the invoices' links and the first step's date are
    written in SQL per company, so installing on a database with hundreds of
    thousands of invoices does not load them into Python.
    """
    companies = env["res.company"].search([])
    companies._recouvrement_ensure_default_ladder()
    env["recouvrement.debtor"]._recouvrement_init(companies)
