from odoo import fields, models


class RecouvrementEventCorrection(models.TransientModel):
    """Record a correction of a sent event: a new event referencing it."""

    _name = "recouvrement.event.correction"
    _description = "Correct a recovery event"

    event_id = fields.Many2one("recouvrement.event", required=True)
    channel_registered = fields.Boolean(related="event_id.channel_registered")
    tracking_number = fields.Char("Right registered letter number")
    sent_date = fields.Date("Right posting date")
    receipt_date = fields.Date("Right receipt date")
    reason = fields.Text("What was wrong", required=True)

    def action_confirm(self):
        self.ensure_one()
        correction = self.event_id._recouvrement_correct(
            self.reason,
            tracking_number=(self.tracking_number or "").strip() or False,
            sent_date=self.sent_date,
            receipt_date=self.receipt_date,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "recouvrement.event",
            "res_id": correction.id,
            "view_mode": "form",
        }
