from odoo import _, fields, models
from odoo.exceptions import UserError


class RecouvrementEventCancel(models.TransientModel):
    """Cancel recovery events not sent yet, with the reason (kept on each)."""

    _name = "recouvrement.event.cancel"
    _description = "Cancel recovery events with a reason"

    event_ids = fields.Many2many("recouvrement.event", string="Events", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(_("Give the reason of the cancellation."))
        events = self.event_ids._recouvrement_check_cancel()
        events._recouvrement_cancel_open(self.reason.strip())
        return {"type": "ir.actions.act_window_close"}
