from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import legal

PLAN_STATES = [
    ("active", "Kept"),
    ("broken", "Broken"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
]


class RecouvrementPaymentPlan(models.Model):
    """An échéancier agreed with the debtor: escalation is suspended while it is kept;
    a missed instalment resumes it where it stopped; a completed plan closes
    recovery."""

    _name = "recouvrement.payment.plan"
    _description = "Payment plan (échéancier)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Reference", readonly=True, default="/", copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "recouvrement_payment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    date = fields.Date("Agreed on", required=True, default=fields.Date.context_today)
    accepted_on = fields.Date(
        "Accepted by the customer on",
        copy=False,
        tracking=True,
        help="The day the customer accepted the plan in a way you can prove: the "
        "signed agreement, an email or a letter accepting it (keep it in the "
        "chatter). The acceptance acknowledges the debt: a new prescription period "
        "of the same length runs from that day (art. 2231, 2240 C. civ.). Any other "
        "acknowledgement, such as a request for time to pay, interrupts too: check "
        "the prescription date by hand then.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_start = fields.Monetary(
        "Debt at the start",
        required=True,
        help="Amount left on the invoices when the plan started.",
    )
    interest_mode = fields.Selection(
        [
            ("waived", "Interest and indemnities waived"),
            ("kept", "Interest and indemnities kept"),
        ],
        default="waived",
        required=True,
    )
    interest_amount = fields.Monetary("Interest and indemnities included")
    amount_total = fields.Monetary(
        "Total of the plan", compute="_compute_amount_total", store=True
    )
    amount_paid = fields.Monetary("Paid so far", compute="_compute_amount_paid")
    grace_days = fields.Integer(
        default=lambda self: self.env.company.recouvrement_plan_grace_days,
        aggregator=None,
    )
    consumer = fields.Boolean(
        compute="_compute_consumer",
        help="A consumer's plan falls due again only after a written notice.",
    )
    notice_days = fields.Integer(
        "Delay after a missed instalment (days)",
        aggregator=None,
        default=lambda self: self.env.company.recouvrement_plan_notice_days,
        help="Consumers: the delay the written notice gives to pay the arrears "
        "before the whole balance falls due again.",
    )
    late_notice_date = fields.Date(
        "Notice of missed instalment", readonly=True, copy=False, tracking=True
    )
    late_deadline = fields.Date(
        "Arrears to pay by", readonly=True, copy=False, tracking=True
    )
    line_ids = fields.One2many(
        "recouvrement.payment.plan.line", "plan_id", string="Instalments"
    )
    state = fields.Selection(
        PLAN_STATES, default="active", required=True, tracking=True
    )
    note = fields.Text()

    @api.depends("partner_id.commercial_partner_id.debtor_type")
    def _compute_consumer(self):
        for plan in self:
            debtor = plan.partner_id.commercial_partner_id
            plan.consumer = debtor.debtor_type == legal.B2C

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for plan in self:
            plan.amount_total = sum(plan.line_ids.mapped("amount"))

    @api.depends("move_ids.amount_residual", "amount_start")
    def _compute_amount_paid(self):
        for plan in self:
            plan.amount_paid = plan.amount_start - sum(
                plan.move_ids.mapped("amount_residual")
            )

    @api.constrains("line_ids", "amount_start", "interest_amount")
    def _check_lines(self):
        for plan in self:
            expected = plan.amount_start + (
                plan.interest_amount if plan.interest_mode == "kept" else 0
            )
            if plan.line_ids and plan.currency_id.compare_amounts(
                plan.amount_total, expected
            ):
                raise ValidationError(
                    _(
                        "The instalments add up to %(total)s but the plan covers "
                        "%(expected)s.",
                        total=plan.currency_id.format(plan.amount_total),
                        expected=plan.currency_id.format(expected),
                    )
                )

    @api.constrains("accepted_on", "date")
    def _check_accepted_on(self):
        today = fields.Date.context_today(self)
        for plan in self.filtered("accepted_on"):
            if plan.accepted_on > today:
                raise ValidationError(
                    _(
                        "An acceptance is recorded once given: %(date)s is in the "
                        "future.",
                        date=plan.accepted_on.strftime("%d/%m/%Y"),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals.get("company_id"))
                    .next_by_code("recouvrement.payment.plan")
                    or "/"
                )
        plans = super().create(vals_list)
        for plan in plans:
            if len(plan.move_ids.commercial_partner_id) > 1:
                raise UserError(
                    _("A payment plan concerns the invoices of one customer.")
                )
            plan.move_ids._recouvrement_suspend(
                "payment_plan",
                False,
                _("Payment plan %(plan)s agreed.", plan=plan.name),
                "payment_plan",
            )
            plan.move_ids.write({"recouvrement_plan_id": plan.id})
        return plans

    def _cumulative_due(self, day):
        """What the debtor should have paid by ``day`` (grace period included)."""
        self.ensure_one()
        return sum(
            line.amount
            for line in self.line_ids
            if fields.Date.add(line.date, days=self.grace_days) < day
        )

    @api.model
    def _cron_check_plans(self, today=None):
        """Check every kept plan against the payments received (one pass, no query per
        plan
        beyond the prefetch)."""
        today = today or fields.Date.context_today(self)
        plans = self.search([("state", "=", "active")])
        broken = completed = late = caught_up = self.browse()
        for plan in plans:
            residual = sum(plan.move_ids.mapped("amount_residual"))
            if plan.currency_id.is_zero(residual) or all(
                m.payment_state in ("paid", "in_payment", "reversed")
                for m in plan.move_ids
            ):
                completed |= plan
                continue
            paid = plan.amount_start - residual
            behind = (
                plan.currency_id.compare_amounts(
                    paid, min(plan._cumulative_due(today), plan.amount_start)
                )
                < 0
            )
            if not behind:
                if plan.late_notice_date:
                    caught_up |= plan
            elif not plan.consumer or (
                plan.late_deadline and plan.late_deadline < today
            ):
                broken |= plan
            elif not plan.late_notice_date:
                late |= plan
        for plan in plans:
            paid = plan.amount_start - sum(plan.move_ids.mapped("amount_residual"))
            running = 0.0
            for line in plan.line_ids.sorted("date"):
                running += line.amount
                if plan.currency_id.compare_amounts(paid, running) >= 0:
                    line.state = "paid"
                elif fields.Date.add(line.date, days=plan.grace_days) < today:
                    line.state = "missed"
                else:
                    line.state = "pending"
        if completed:
            completed._set_completed()
        if caught_up:
            caught_up.write({"late_notice_date": False, "late_deadline": False})
        if late:
            late._recouvrement_notify_late(today)
        if broken:
            broken._set_broken(today)
        return broken, completed

    def _recouvrement_notify_late(self, today):
        """Consumers: a missed instalment first gives the written notice the plan
        promises (an email from the plan's chatter, kept as its proof), with the
        delay to pay the arrears; the plan falls due only after it."""
        for plan in self:
            deadline = fields.Date.add(today, days=plan.notice_days)
            plan.write({"late_notice_date": today, "late_deadline": deadline})
            partner = plan.partner_id
            lang = partner.lang or plan.env.lang
            env = plan.with_context(lang=lang).env
            helpers = env["account.move"]._recouvrement_format_helpers(
                lang, plan.currency_id
            )
            arrears = plan._cumulative_due(today) - (plan.amount_paid or 0.0)
            body = env._(
                "Payment plan %(plan)s: an instalment is unpaid. You have paid "
                "%(paid)s, %(due)s were due. Please pay the arrears of %(arrears)s "
                "by %(date)s at the latest. Failing that, the plan will end and the "
                "whole balance of %(balance)s will fall due.",
                plan=plan.name,
                paid=helpers["amount"](plan.amount_paid),
                due=helpers["amount"](plan._cumulative_due(today)),
                arrears=helpers["amount"](max(arrears, 0.0)),
                date=helpers["fdate"](deadline),
                balance=helpers["amount"](sum(plan.move_ids.mapped("amount_residual"))),
            )
            plan.message_post(
                body=Markup("<p>%s</p>") % body,
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="recouvrement_amiable.mail_layout_recouvrement",
            )

    def _set_completed(self):
        self.write({"state": "completed"})
        moves = self.move_ids.filtered(lambda m: m.recouvrement_state == "payment_plan")
        moves._recouvrement_set_closed("plan_completed", _("Payment plan completed."))

    def _set_broken(self, today):
        self.write({"state": "broken"})
        activity_type = (
            "recouvrement_amiable.mail_activity_type_recouvrement_plan_broken"
        )
        for plan in self:
            user = plan.company_id._recouvrement_responsible_user(
                "collector", plan.move_ids.invoice_user_id
            )
            plan.activity_schedule(
                activity_type,
                user_id=user.id,
                note=_(
                    "An instalment of payment plan %(plan)s was missed: paid %(paid)s, "
                    "due %(due)s. Recovery resumes where it stopped.",
                    plan=plan.name,
                    paid=plan.currency_id.format(plan.amount_paid),
                    due=plan.currency_id.format(plan._cumulative_due(today)),
                ),
            )
            moves = plan.move_ids.filtered(
                lambda m: m.recouvrement_state == "payment_plan"
                and m._recouvrement_is_open()
            )
            moves.write({"recouvrement_plan_id": False})
            moves._recouvrement_resume(
                _(
                    "Payment plan %(plan)s broken: an instalment was missed.",
                    plan=plan.name,
                )
            )

    def action_cancel(self):
        for plan in self.filtered(lambda p: p.state == "active"):
            plan.state = "cancelled"
            moves = plan.move_ids.filtered(
                lambda m: m.recouvrement_state == "payment_plan"
            )
            moves.write({"recouvrement_plan_id": False})
            moves._recouvrement_resume(
                _("Payment plan %(plan)s cancelled.", plan=plan.name)
            )
        return True

    def action_print(self):
        return self.env.ref(
            "recouvrement_amiable.action_report_payment_plan"
        ).report_action(self)


class RecouvrementPaymentPlanLine(models.Model):
    _name = "recouvrement.payment.plan.line"
    _description = "Payment plan instalment"
    _order = "plan_id, date, id"

    plan_id = fields.Many2one(
        "recouvrement.payment.plan", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    state = fields.Selection(
        [("pending", "Pending"), ("paid", "Paid"), ("missed", "Missed")],
        default="pending",
    )
