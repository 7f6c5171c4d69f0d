from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

DISPUTE_CATEGORIES = [
    ("quality", "Quality of the goods or service"),
    ("delivery", "Not delivered / incomplete"),
    ("price", "Price or quantity"),
    ("not_ordered", "Not ordered"),
    ("already_paid", "Already paid"),
    ("other", "Other"),
]


class RecouvrementDispute(models.Model):
    """A debtor contests invoices: they leave automatic escalation until the dispute
    is resolved or its end date comes (a contested claim is no longer "certain":
    injonction de payer and référé become risky)."""

    _name = "recouvrement.dispute"
    _description = "Recovery dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "recouvrement_dispute_account_move_rel",
        "dispute_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
    )
    category = fields.Selection(DISPUTE_CATEGORIES, required=True, tracking=True)
    description = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
    )
    date = fields.Date("Opened on", required=True, default=fields.Date.context_today)
    date_end = fields.Date(
        "Review on",
        tracking=True,
        help="The invoices return to the ladder on this date if the dispute is still "
        "open.",
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("resolved", "Resolved"),
            ("expired", "Ended (date reached)"),
        ],
        default="open",
        required=True,
        tracking=True,
    )
    resolution = fields.Text()
    date_closed = fields.Date(
        "Closed on",
        readonly=True,
        copy=False,
        tracking=True,
        help="The day the dispute was resolved or reached its review date: the "
        "D441-6 table counts its invoices as disputed at a closing date before it.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Amount disputed", compute="_compute_amount")

    @api.depends("partner_id", "category", "date")
    def _compute_name(self):
        categories = dict(self._fields["category"]._description_selection(self.env))
        for dispute in self:
            dispute.name = _(
                "%(partner)s - %(category)s",
                partner=dispute.partner_id.display_name or "",
                category=categories.get(dispute.category, ""),
            )

    @api.depends("move_ids.amount_residual")
    def _compute_amount(self):
        for dispute in self:
            dispute.amount = sum(dispute.move_ids.mapped("amount_residual"))

    @api.constrains("description")
    def _check_description(self):
        for dispute in self:
            if not (dispute.description or "").strip():
                raise ValidationError(
                    _("Say what the customer disputes: the reason cannot be blank.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            if len(dispute.move_ids.commercial_partner_id) > 1:
                raise UserError(_("A dispute concerns the invoices of one customer."))
            dispute.move_ids._recouvrement_suspend(
                "disputed", dispute.date_end, dispute._reason(), "dispute"
            )
            dispute.move_ids.write({"recouvrement_dispute_id": dispute.id})
        return disputes

    def _reason(self):
        self.ensure_one()
        categories = dict(self._fields["category"]._description_selection(self.env))
        return _(
            "Dispute (%(category)s): %(description)s",
            category=categories.get(self.category, ""),
            description=self.description,
        )

    def action_resolve(self):
        today = fields.Date.context_today(self)
        for dispute in self.filtered(lambda d: d.state == "open"):
            dispute.write({"state": "resolved", "date_closed": today})
            moves = dispute.move_ids.filtered(
                lambda m, dispute=dispute: m.recouvrement_dispute_id == dispute
            )
            moves.write({"recouvrement_dispute_id": False})
            open_moves = moves.filtered(
                lambda m: m.recouvrement_state == "disputed"
                and m._recouvrement_is_open()
            )
            open_moves._recouvrement_resume(
                _(
                    "Dispute resolved: %(resolution)s",
                    resolution=dispute.resolution or "-",
                )
            )
        return True
