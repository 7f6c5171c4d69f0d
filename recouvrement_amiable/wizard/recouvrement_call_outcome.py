from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models import evidence
from ..models.recouvrement_dispute import DISPUTE_CATEGORIES
from ..models.recouvrement_event import CALL_OUTCOMES


class RecouvrementCallOutcome(models.TransientModel):
    """Log the outcome of a reminder call: date, time, person reached."""

    _name = "recouvrement.call.outcome"
    _description = "Outcome of a recovery call"

    event_id = fields.Many2one("recouvrement.event", required=True)
    outcome = fields.Selection(CALL_OUTCOMES, required=True, default="reached")
    contact_name = fields.Char("Person reached")
    promise_date = fields.Date("Promised payment date")
    category = fields.Selection(DISPUTE_CATEGORIES, string="Dispute about")
    note = fields.Text()

    @api.onchange("outcome")
    def _onchange_outcome(self):
        if self.outcome != "promise":
            self.promise_date = False

    @evidence.event_transition
    def action_confirm(self):
        self.ensure_one()
        event = self.event_id
        today = fields.Date.context_today(self)
        if self.outcome == "promise" and (
            not self.promise_date or self.promise_date < today
        ):
            raise UserError(_("A promise to pay needs a payment date, today or later."))
        if self.outcome == "dispute" and not (self.category and self.note):
            raise UserError(_("Say what the customer disputes (category and note)."))
        outcomes = dict(CALL_OUTCOMES)
        summary = _(
            "Call on %(date)s: %(outcome)s%(contact)s.",
            date=today.strftime("%d/%m/%Y"),
            outcome=outcomes[self.outcome],
            contact=" (%s)" % self.contact_name if self.contact_name else "",  # noqa: UP031
        )
        note = Markup("<p>%s</p>") % summary
        if self.note:
            note += Markup("<p>%s</p>") % self.note
        event.write(
            {
                "call_outcome": self.outcome,
                "promise_date": self.promise_date,
                "call_date": today,
                "state": "done",
                "note": (event.note or Markup()) + note,
            }
        )
        event.activity_ids.action_feedback(feedback=summary)
        # the call is the customer's last contact: the spacing counts from it
        event.debtor_id._recouvrement_plan()
        moves = event.move_ids.filtered(lambda m: m._recouvrement_is_open())
        if self.outcome == "promise" and moves:
            grace = event.company_id.recouvrement_plan_grace_days
            moves._recouvrement_suspend(
                "paused",
                self.promise_date + timedelta(days=grace or 1),
                _(
                    "Promise to pay by %(date)s",
                    date=self.promise_date.strftime("%d/%m/%Y"),
                ),
                "pause",
            )
        elif self.outcome == "dispute" and moves:
            self.env["recouvrement.dispute"].create(
                {
                    "company_id": event.company_id.id,
                    "partner_id": event.partner_id.id,
                    "move_ids": [Command.set(moves.ids)],
                    "category": self.category,
                    "description": self.note,
                }
            )
        return {"type": "ir.actions.act_window_close"}
