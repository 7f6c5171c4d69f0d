from odoo import fields, models


class RecouvrementDossierOverride(models.TransientModel):
    """Go on despite a check of a case file, with the reason."""

    _name = "recouvrement.dossier.override"
    _description = "Override a case file check"

    check_id = fields.Many2one("recouvrement.dossier.check", required=True)
    message = fields.Text(related="check_id.message")
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.check_id._recouvrement_override(self.reason)
        return {"type": "ir.actions.act_window_close"}
