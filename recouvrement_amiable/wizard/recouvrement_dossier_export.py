from odoo import Command, api, fields, models


class RecouvrementDossierExport(models.TransientModel):
    """Start a case file for a customer: which invoices, for whom. The case file
    (recouvrement.dossier) does the rest; this only creates it and opens it."""

    _name = "recouvrement.dossier.export"
    _description = "Start a recovery case file"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        help="The customer's overdue invoices in recovery, all of them by default.",
    )
    recipient_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        help="The commissaire de justice or the lawyer the case file is for.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        self.env["recouvrement.dossier"]._recouvrement_check_manager()
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        partner = self.env["res.partner"]
        company = self.env.company
        if model == "account.move" and ids:
            moves = self.env["account.move"].browse(ids)
            partner = moves.commercial_partner_id
            company = moves.company_id[:1] or company
        elif model in ("res.partner", "recouvrement.debtor") and ids:
            record = self.env[model].browse(ids[:1])
            if model == "recouvrement.debtor":
                partner, company = record.partner_id, record.company_id
            else:
                partner = record.commercial_partner_id
        if len(partner) == 1:
            values["partner_id"] = partner.id
            values["company_id"] = company.id
            values["move_ids"] = [
                Command.set(
                    self.env["recouvrement.dossier"]
                    ._recouvrement_default_moves(partner, company)
                    .ids
                )
            ]
        return values

    def action_create(self):
        self.ensure_one()
        dossier = self.env["recouvrement.dossier"]._recouvrement_create_for(
            self.partner_id, self.move_ids, self.recipient_id
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "recouvrement.dossier",
            "res_id": dossier.id,
            "view_mode": "form",
            "target": "current",
        }
