"""Payment plans: the field "signed on" became "accepted on" in 18.0.1.1.0 (any
proven acceptance acknowledges the debt, art. 2240 C. civ.). The column is renamed
before the module loads, so that the dates already entered keep interrupting the
prescription instead of being left in a dropped column."""

from odoo.tools.sql import column_exists, rename_column


def migrate(cr, version):
    table = "recouvrement_payment_plan"
    if column_exists(cr, table, "signed_on") and not column_exists(
        cr, table, "accepted_on"
    ):
        rename_column(cr, table, "signed_on", "accepted_on")
