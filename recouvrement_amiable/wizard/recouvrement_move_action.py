from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.constants import CLOSE_REASONS, OPEN_EVENT_STATES
from ..models.recouvrement_dispute import DISPUTE_CATEGORIES
from ..models.recouvrement_event import RECEIPT_KINDS

ACTIONS = [
    ("pause", "Pause until a date"),
    ("dispute", "Mark disputed"),
    ("registered_sent", "Record registered letter sent"),
    ("receipt", "Record acknowledgement of receipt"),
    ("close", "Close recovery"),
    ("mediation", "Refer to the Médiateur des entreprises"),
    ("exclude", "Exclude from recovery"),
]


class RecouvrementMoveAction(models.TransientModel):
    """The invoice actions that need an input (server actions open it)."""

    _name = "recouvrement.move.action"
    _description = "Recovery action on invoices"

    action = fields.Selection(ACTIONS, required=True)
    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    date = fields.Date(default=fields.Date.context_today)
    reason = fields.Text()
    category = fields.Selection(DISPUTE_CATEGORIES)
    date_end = fields.Date("Until")
    tracking_number = fields.Char("Registered letter number")
    receipt_kind = fields.Selection(
        RECEIPT_KINDS,
        string="Delivery",
        default="signed",
        help="Not collected: the letter was presented and a notice left, the debtor "
        "did not collect it; the date is then that of the first presentation.",
    )
    receipt_file = fields.Binary(
        "Proof of delivery",
        help="Scan of the signed acknowledgement of receipt, or the post's proof of a "
        "letter notified and not collected.",
    )
    receipt_filename = fields.Char()
    deposit_file = fields.Binary(
        "Proof of posting", help="Scan of the post's receipt (preuve de dépôt)."
    )
    deposit_filename = fields.Char()
    close_reason = fields.Selection(CLOSE_REASONS, default="manual")
    reference = fields.Char("Mediation reference")
    mediator_id = fields.Many2one("res.partner", string="Mediator")
    partner_id = fields.Many2one(
        "res.partner", compute="_compute_partner_id", string="Customer"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        moves = self.env["recouvrement.debtor"]._recouvrement_active_invoices()
        if moves is not None and "move_ids" in fields_list:
            values["move_ids"] = [Command.set(moves.ids)]
        return values

    @api.depends("move_ids")
    def _compute_partner_id(self):
        for wizard in self:
            partners = wizard.move_ids.commercial_partner_id
            wizard.partner_id = partners if len(partners) == 1 else False

    def action_confirm(self):
        self.ensure_one()
        moves = self.move_ids._recouvrement_check_selection()
        handler = getattr(self, f"_do_{self.action}")
        return handler(moves) or {"type": "ir.actions.act_window_close"}

    def _require(self, *field_names):
        for name in field_names:
            value = self[name]
            if not value or (isinstance(value, str) and not value.strip()):
                raise UserError(
                    _(
                        "%(field)s is required for this action.",
                        field=self._fields[name].get_description(self.env)["string"],
                    )
                )

    def _do_pause(self, moves):
        self._require("date_end", "reason")
        if self.date_end <= fields.Date.context_today(self):
            raise UserError(_("Pause until a date in the future."))
        moves._recouvrement_suspend(
            "paused",
            self.date_end,
            _(
                "Paused until %(date)s: %(reason)s",
                date=self.date_end.strftime("%d/%m/%Y"),
                reason=self.reason,
            ),
            "pause",
        )

    def _do_dispute(self, moves):
        self._require("category", "reason")
        if len(moves.commercial_partner_id) > 1:
            raise UserError(_("A dispute concerns the invoices of one customer."))
        self.env["recouvrement.dispute"].create(
            {
                "company_id": moves.company_id[:1].id,
                "partner_id": moves.commercial_partner_id.id,
                "move_ids": [Command.set(moves.ids)],
                "category": self.category,
                "description": self.reason,
                "date_end": self.date_end,
            }
        )

    def _file(self, content, name, category):
        if not content:
            return None
        return self.env["ir.attachment"].create(
            {"name": name, "datas": content, "recouvrement_category": category}
        )

    def _do_registered_sent(self, moves):
        self._require("tracking_number", "date")
        deposit = self._file(
            self.deposit_file,
            self.deposit_filename or _("Proof of posting.pdf"),
            "deposit",
        )
        moves._recouvrement_record_registered_sent(
            self.tracking_number.strip(), self.date, deposit
        )

    def _do_receipt(self, moves):
        self._require("date", "receipt_kind")
        attachment = self._file(
            self.receipt_file,
            self.receipt_filename or _("Acknowledgement of receipt.pdf"),
            "ar",
        )
        moves._recouvrement_record_receipt(self.date, attachment, self.receipt_kind)

    def _do_close(self, moves):
        self._require("close_reason")
        note = self.reason or dict(CLOSE_REASONS).get(self.close_reason)
        moves._recouvrement_set_closed(self.close_reason, note)
        pending = self.env["recouvrement.event"].search(
            [("move_ids", "in", moves.ids), ("state", "in", OPEN_EVENT_STATES)]
        )
        pending.filtered(lambda e: not (e.move_ids - moves))._recouvrement_cancel_open(
            note
        )

    def _do_mediation(self, moves):
        self._require("reference", "date")
        if len(moves.commercial_partner_id) > 1:
            raise UserError(_("A mediation concerns the invoices of one customer."))
        self.env["recouvrement.mediation"].create(
            {
                "name": self.reference,
                "company_id": moves.company_id[:1].id,
                "partner_id": moves.commercial_partner_id.id,
                "move_ids": [Command.set(moves.ids)],
                "mediator_id": self.mediator_id.id,
                "date_start": self.date,
            }
        )

    def _do_exclude(self, moves):
        self._require("reason")
        moves.write({"recouvrement_excluded": True})
        moves._recouvrement_log_events(
            "pause", _("Excluded from recovery: %(reason)s", reason=self.reason)
        )
        moves.recouvrement_debtor_id._recouvrement_plan()
