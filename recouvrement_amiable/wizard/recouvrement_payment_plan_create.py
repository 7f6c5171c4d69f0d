from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

MAX_PLAN_MONTHS = 36
FREQUENCIES = [("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")]
STEP = {
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
}


class RecouvrementPaymentPlanCreate(models.TransientModel):
    """Propose a payment plan (échéancier) on invoices of one customer."""

    _name = "recouvrement.payment.plan.create"
    _description = "Create a payment plan"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    partner_id = fields.Many2one("res.partner", compute="_compute_amounts")
    company_id = fields.Many2one("res.company", compute="_compute_amounts")
    currency_id = fields.Many2one("res.currency", compute="_compute_amounts")
    amount_debt = fields.Monetary(
        "Amount left on the invoices", compute="_compute_amounts"
    )
    amount_interest = fields.Monetary(
        "Interest and indemnities today", compute="_compute_amounts"
    )
    interest_mode = fields.Selection(
        [
            ("waived", "Waive interest and indemnities"),
            ("kept", "Keep interest and indemnities"),
        ],
        default="waived",
        required=True,
    )
    instalment_count = fields.Integer("Number of instalments", default=3, required=True)
    first_date = fields.Date(
        "First instalment",
        required=True,
        default=lambda self: fields.Date.context_today(self),
    )
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    split = fields.Selection(
        [("equal", "Equal instalments"), ("custom", "Custom amounts")],
        default="equal",
        required=True,
    )
    line_ids = fields.One2many(
        "recouvrement.payment.plan.create.line", "wizard_id", string="Instalments"
    )
    note = fields.Text()
    warning = fields.Text(compute="_compute_warning")

    @api.depends("line_ids.date", "line_ids.amount", "first_date", "company_id")
    def _compute_warning(self):
        for wizard in self:
            wizard.warning = "\n".join(wizard._plan_warnings()) or False

    def _plan_warnings(self):
        """What a credit manager should know before proposing this schedule: a plan
        longer than 36 months (a court grants at most two years of delay, art.
        1343-5 C. civ.) or instalments below the company's minimum."""
        self.ensure_one()
        warnings = []
        lines = self.line_ids.filtered("date")
        if not lines or not self.first_date:
            return warnings
        last = max(lines.mapped("date"))
        if last > self.first_date + relativedelta(months=MAX_PLAN_MONTHS):
            warnings.append(
                _(
                    "This plan runs until %(date)s, beyond %(months)s months: a court "
                    "grants at most two years of delay (art. 1343-5 of the Civil "
                    "Code). Check that the customer can hold it, or shorten it.",
                    date=last.strftime("%d/%m/%Y"),
                    months=MAX_PLAN_MONTHS,
                )
            )
        minimum = self.company_id.recouvrement_plan_min_instalment
        small = lines.filtered(lambda line: line.amount < minimum)
        if minimum and small:
            warnings.append(
                _(
                    "%(count)s instalment(s) are below the company's minimum of "
                    "%(minimum)s.",
                    count=len(small),
                    minimum=self.currency_id.format(minimum),
                )
            )
        return warnings

    @api.depends("move_ids")
    def _compute_amounts(self):
        for wizard in self:
            moves = wizard.move_ids
            wizard.partner_id = moves.commercial_partner_id[:1]
            wizard.company_id = moves.company_id[:1] or self.env.company
            wizard.currency_id = wizard.company_id.currency_id
            wizard.amount_debt = sum(moves.mapped("amount_residual"))
            wizard.amount_interest = sum(
                moves.mapped("recouvrement_late_interest")
            ) + sum(moves.mapped("recouvrement_indemnity"))

    def _total(self):
        return self.amount_debt + (
            self.amount_interest if self.interest_mode == "kept" else 0.0
        )

    @api.onchange(
        "instalment_count",
        "first_date",
        "frequency",
        "split",
        "interest_mode",
        "move_ids",
    )
    def _onchange_schedule(self):
        if self.split != "equal" and self.line_ids:
            return
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._equal_schedule()
        ]

    def _equal_schedule(self):
        count = max(self.instalment_count, 1)
        currency = self.currency_id or self.env.company.currency_id
        total = currency.round(self._total())
        base = currency.round(total / count)
        schedule = []
        for index in range(count):
            amount = (
                base
                if index < count - 1
                else currency.round(total - base * (count - 1))
            )
            schedule.append(
                {
                    "date": self.first_date + STEP[self.frequency] * index,
                    "amount": amount,
                }
            )
        return schedule

    def action_create(self):
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m._recouvrement_is_open())
        if not moves:
            raise UserError(_("Select open customer invoices."))
        if len(moves.commercial_partner_id) > 1:
            raise UserError(_("A payment plan concerns the invoices of one customer."))
        if self.instalment_count < 1:
            raise UserError(_("A payment plan needs at least one instalment."))
        if self.instalment_count > MAX_PLAN_MONTHS * 5:
            raise UserError(
                _(
                    "%(count)s instalments: a payment plan has at most %(max)s.",
                    count=self.instalment_count,
                    max=MAX_PLAN_MONTHS * 5,
                )
            )
        lines = (
            [{"date": line.date, "amount": line.amount} for line in self.line_ids]
            if self.split == "custom" and self.line_ids
            else self._equal_schedule()
        )
        plan = self.env["recouvrement.payment.plan"].create(
            {
                "company_id": moves.company_id.id,
                "partner_id": moves.commercial_partner_id.id,
                "move_ids": [Command.set(moves.ids)],
                "amount_start": self.amount_debt,
                "interest_mode": self.interest_mode,
                "interest_amount": self.amount_interest
                if self.interest_mode == "kept"
                else 0.0,
                "note": self.note,
                "line_ids": [Command.create(vals) for vals in lines],
            }
        )
        if self.warning:
            plan.message_post(
                body=_("Created despite the warning: %(warning)s", warning=self.warning)
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "recouvrement.payment.plan",
            "res_id": plan.id,
            "view_mode": "form",
        }


class RecouvrementPaymentPlanCreateLine(models.TransientModel):
    _name = "recouvrement.payment.plan.create.line"
    _description = "Payment plan instalment (draft)"
    _order = "date"

    wizard_id = fields.Many2one(
        "recouvrement.payment.plan.create", required=True, ondelete="cascade"
    )
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="wizard_id.currency_id")
