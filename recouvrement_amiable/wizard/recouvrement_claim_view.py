from odoo import api, fields, models


class RecouvrementClaimView(models.TransientModel):
    """Shows the claim breakdown of invoices at a date, from the legal computation
    functions: the same figures the letters and the case file print."""

    _name = "recouvrement.claim.view"
    _description = "Claim breakdown"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    date = fields.Date("At", required=True, default=fields.Date.context_today)
    partner_id = fields.Many2one("res.partner", compute="_compute_html")
    html = fields.Html("Breakdown", compute="_compute_html", sanitize=False)

    @api.depends("move_ids", "date")
    def _compute_html(self):
        for wizard in self:
            wizard.partner_id = wizard.move_ids.commercial_partner_id[:1]
            if not wizard.move_ids or not wizard.date:
                wizard.html = False
                continue
            # the saved invoices: in the dialog they are new records of the form,
            # whose payments the database does not know
            moves = wizard.move_ids._origin
            claim = moves._recouvrement_claim(wizard.date)
            wizard.html = self.env["ir.qweb"]._render(
                "recouvrement_amiable.claim_breakdown",
                {"v": moves._recouvrement_claim_qcontext(claim)},
            )

    def action_print(self):
        """The breakdown on screen, printed at the dialog's date (the web client
        drops the records of a report action with data: they go in the data)."""
        self.ensure_one()
        moves = self.move_ids._origin
        return self.env.ref(
            "recouvrement_amiable.action_report_claim_breakdown"
        ).report_action(
            moves,
            data={"date": fields.Date.to_string(self.date), "move_ids": moves.ids},
        )
