from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.recouvrement_event import RECEIPT_KINDS

PROOFS = [
    ("receipt", "Proof of delivery (acknowledgement of receipt or not collected)"),
    ("deposit", "Proof of posting"),
]


class RecouvrementEventProof(models.TransientModel):
    """Attach the post's proof to a registered letter: the case file needs it."""

    _name = "recouvrement.event.proof"
    _description = "Attach a proof to a registered letter"

    event_id = fields.Many2one("recouvrement.event", required=True)
    proof = fields.Selection(PROOFS, required=True, default="receipt")
    receipt_recorded = fields.Boolean(compute="_compute_receipt_recorded")
    receipt_kind = fields.Selection(RECEIPT_KINDS, string="Delivery", default="signed")
    date = fields.Date(
        "Delivered on (first presentation)", default=fields.Date.context_today
    )
    file = fields.Binary(required=True)
    filename = fields.Char()

    @api.depends("event_id")
    def _compute_receipt_recorded(self):
        for wizard in self:
            wizard.receipt_recorded = bool(wizard.event_id.receipt_date)

    def action_confirm(self):
        self.ensure_one()
        event = self.event_id
        event.check_access("write")
        default_name = dict(self._fields["proof"]._description_selection(self.env))
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.filename or f"{default_name[self.proof]}.pdf",
                "datas": self.file,
            }
        )
        if self.proof == "receipt" and not event.receipt_date:
            if not self.date or not self.receipt_kind:
                raise UserError(_("Give the date of delivery (or first presentation)."))
            event._recouvrement_record_receipt(self.date, attachment, self.receipt_kind)
        else:
            event._recouvrement_attach_proof(self.proof, attachment)
        return {"type": "ir.actions.act_window_close"}
