def post_init_hook(env):
    """Create the default ladder of every company and put the open invoices on it.

    Set-based: the next action date of existing open invoices is computed in
    SQL per company, so installing on a database with hundreds of thousands of
    invoices does not load them into Python.
    """
    companies = env["res.company"].search([])
    companies._recouvrement_ensure_default_ladder()
    env["account.move"]._recouvrement_init_open_invoices(companies)
