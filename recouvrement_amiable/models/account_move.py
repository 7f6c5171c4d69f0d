import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date, formatLang

from .. import legal
from .constants import (
    ACTIVE_STATES,
    CLOSE_REASONS,
    OPEN_PAYMENT_STATES,
    RECOUVREMENT_STATES,
    SUSPENDED_STATES,
)

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = [
        "account.move",
        "recouvrement.escalation.mixin",
        "recouvrement.watch.mixin",
    ]

    # No default on these columns: an empty value means "not in recovery", so that
    # installing the module does not rewrite the account_move table.
    recouvrement_stage_id = fields.Many2one(
        "recouvrement.stage",
        string="Recovery stage",
        index="btree_not_null",
        tracking=True,
        copy=False,
        readonly=True,
    )
    recouvrement_state = fields.Selection(
        RECOUVREMENT_STATES,
        string="Recovery state",
        index="btree_not_null",
        tracking=True,
        copy=False,
        readonly=True,
    )
    recouvrement_last_date = fields.Date(
        "Last recovery action", copy=False, readonly=True
    )
    recouvrement_debtor_id = fields.Many2one(
        "recouvrement.debtor",
        string="Debtor",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The customer in this company: its invoices climb the ladder together.",
    )
    recouvrement_next_date = fields.Date(
        "Next recovery action",
        compute="_compute_recouvrement_next_date",
        search="_search_recouvrement_next_date",
        help="Day the customer's next step is due; empty when nothing is planned.",
    )
    recouvrement_resume_date = fields.Date(
        "Suspended until", copy=False, readonly=True, tracking=True
    )
    recouvrement_pause_reason = fields.Char(
        "Suspension reason", copy=False, readonly=True
    )
    recouvrement_excluded = fields.Boolean(
        "Excluded from recovery",
        copy=False,
        tracking=True,
        help="The nightly run never chases this invoice.",
    )
    recouvrement_close_reason = fields.Selection(
        CLOSE_REASONS, string="Closing reason", copy=False, readonly=True
    )
    recouvrement_issue = fields.Char(
        "Recovery problem",
        copy=False,
        readonly=True,
        help="Why the last nightly run could not act on this invoice.",
    )
    recouvrement_notice_date = fields.Date(
        "Formal notice received on",
        copy=False,
        readonly=True,
        help="Receipt of the formal notice: consumers owe interest at the legal rate "
        "from "
        "this date (art. 1231-6 C. civ.).",
    )
    recouvrement_prev_stage_id = fields.Many2one(
        "recouvrement.stage",
        string="Stage before suspension",
        copy=False,
        readonly=True,
    )
    recouvrement_event_ids = fields.Many2many(
        "recouvrement.event",
        "recouvrement_event_account_move_rel",
        "move_id",
        "event_id",
        string="Recovery events",
        copy=False,
        readonly=True,
    )
    recouvrement_dispute_id = fields.Many2one(
        "recouvrement.dispute", string="Open dispute", copy=False, readonly=True
    )
    recouvrement_plan_id = fields.Many2one(
        "recouvrement.payment.plan", string="Payment plan", copy=False, readonly=True
    )
    recouvrement_prescription_alerted = fields.Boolean(copy=False, readonly=True)
    # Today's figures: not stored, they change every day.
    recouvrement_days_late = fields.Integer(
        "Days late", compute="_compute_recouvrement_figures"
    )
    recouvrement_late_interest = fields.Monetary(
        "Late interest",
        compute="_compute_recouvrement_figures",
        currency_field="currency_id",
    )
    recouvrement_indemnity = fields.Monetary(
        "Recovery indemnity",
        compute="_compute_recouvrement_figures",
        currency_field="currency_id",
    )
    recouvrement_total_due = fields.Monetary(
        "Total claimable",
        compute="_compute_recouvrement_figures",
        currency_field="currency_id",
    )
    recouvrement_figures_error = fields.Char(compute="_compute_recouvrement_figures")
    recouvrement_prescription_date = fields.Date(
        "Time-barred on", compute="_compute_recouvrement_prescription"
    )
    recouvrement_waiting_validation = fields.Boolean(
        compute="_compute_recouvrement_waiting_validation"
    )
    recouvrement_profile_class = fields.Selection(
        related="recouvrement_debtor_id.profile_class", string="Debtor profile"
    )
    recouvrement_debtor_issue = fields.Char(
        related="recouvrement_debtor_id.issue", string="Customer's recovery problem"
    )
    debtor_type = fields.Selection(related="commercial_partner_id.debtor_type")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_open_domain(self):
        """Posted customer invoices with something left to pay: the one definition of
        an open invoice (its Python twin is _recouvrement_is_open)."""
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    def _recouvrement_is_open(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
        )

    def _recouvrement_is_active(self):
        """Open, and on the ladder (not suspended, transferred, closed or excluded)."""
        self.ensure_one()
        return (
            self._recouvrement_is_open()
            and self.recouvrement_state in ACTIVE_STATES
            and not self.recouvrement_excluded
        )

    def _recouvrement_due_date(self):
        self.ensure_one()
        return self.invoice_date_due or self.invoice_date or self.date

    @api.depends(
        "recouvrement_debtor_id.next_date",
        "recouvrement_state",
        "recouvrement_excluded",
        "payment_state",
        "state",
    )
    def _compute_recouvrement_next_date(self):
        for move in self:
            move.recouvrement_next_date = (
                move.recouvrement_debtor_id.next_date
                if move.recouvrement_debtor_id and move._recouvrement_is_active()
                else False
            )

    def _search_recouvrement_next_date(self, operator, value):
        active = self._recouvrement_open_domain() + [
            ("recouvrement_state", "in", ACTIVE_STATES),
            ("recouvrement_excluded", "=", False),
        ]
        if operator in ("=", "!=") and not value:
            planned = expression.AND(
                [active, [("recouvrement_debtor_id.next_date", "!=", False)]]
            )
            return ["!", *planned] if operator == "=" else planned
        return expression.AND(
            [active, [("recouvrement_debtor_id.next_date", operator, value)]]
        )

    def _recouvrement_check(self, company, prescription, today):
        """Whether this open invoice may be claimed: None when it may, False when it
        is below the recovery threshold (not chased, nothing to say), else
        (message, kind): ``data`` for dates a person must correct (one activity per
        company), ``invoice`` for the others (one activity on the invoice)."""
        self.ensure_one()
        if self.currency_id != company.currency_id:
            return (
                _(
                    "Invoice %(invoice)s is in %(currency)s: the letters and the legal "
                    "computations are in %(company_currency)s. Chase it by hand.",
                    invoice=self.name,
                    currency=self.currency_id.name,
                    company_currency=company.currency_id.name,
                ),
                "invoice",
            )
        if (
            company.currency_id.compare_amounts(
                self.amount_residual, company.recouvrement_min_residual
            )
            < 0
        ):
            return False
        prescribed_on = prescription.get(self.id)
        if prescribed_on and prescribed_on <= today:
            return (
                _(
                    "Invoice %(invoice)s is time-barred since %(date)s: claiming it "
                    "would be an unfair practice. Close its recovery or check the "
                    "prescription.",
                    invoice=self.name,
                    date=prescribed_on.strftime("%d/%m/%Y"),
                ),
                "invoice",
            )
        error = legal.invoice_data_error(
            self.commercial_partner_id.debtor_type,
            self.invoice_date,
            self.invoice_date_due,
        )
        if error == legal.DUE_BEFORE_INVOICE:
            return (
                _(
                    "Invoice %(invoice)s is due on %(due)s, before its own date "
                    "%(date)s: correct its due date; it is not claimed meanwhile.",
                    invoice=self.name,
                    due=self.invoice_date_due.strftime("%d/%m/%Y"),
                    date=self.invoice_date.strftime("%d/%m/%Y"),
                ),
                "data",
            )
        if error == legal.TERM_TOO_LONG:
            return (
                _(
                    "Invoice %(invoice)s gives %(days)s days to pay, beyond the legal "
                    "maximum between professionals (60 days, or 45 days end of month, "
                    "art. L441-10 C. com.): correct its payment term; it is not "
                    "claimed meanwhile.",
                    invoice=self.name,
                    days=(self.invoice_date_due - self.invoice_date).days,
                ),
                "data",
            )
        return None

    @api.depends_context("date")
    @api.depends(
        "amount_residual",
        "invoice_date_due",
        "payment_state",
        "recouvrement_notice_date",
    )
    def _compute_recouvrement_figures(self):
        today = fields.Date.context_today(self)
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        others = self - invoices
        others.update(
            {
                "recouvrement_days_late": 0,
                "recouvrement_late_interest": 0.0,
                "recouvrement_indemnity": 0.0,
                "recouvrement_total_due": 0.0,
                "recouvrement_figures_error": False,
            }
        )
        groups = invoices.grouped(lambda m: (m.company_id, m.commercial_partner_id))
        claims, failures = self._recouvrement_claims_tolerant(groups, today)
        for key, moves in groups.items():
            claim = claims.get(key)
            lines = (claim.lines + claim.disputed_lines) if claim else []
            by_key = {line.invoice.key: line for line in lines}
            for move in moves:
                line = by_key.get(move.id)
                move.recouvrement_days_late = line.days_late if line else 0
                move.recouvrement_late_interest = (
                    float(line.interest_left) if line else 0.0
                )
                move.recouvrement_indemnity = float(line.indemnity) if line else 0.0
                move.recouvrement_total_due = float(line.total) if line else 0.0
                move.recouvrement_figures_error = failures.get(key, False)

    @api.depends(
        "invoice_date_due",
        "invoice_date",
        "delivery_date",
        "commercial_partner_id.debtor_type",
    )
    def _compute_recouvrement_prescription(self):
        payments = self._recouvrement_payments()
        suspensions = self._recouvrement_suspensions()
        acknowledgements = self._recouvrement_acknowledgements()
        for move in self:
            debtor_type = move.commercial_partner_id.debtor_type
            if (
                move.move_type != "out_invoice"
                or not move.invoice_date_due
                or debtor_type not in legal.PRESCRIPTION_YEARS
            ):
                move.recouvrement_prescription_date = False
                continue
            start = legal.prescription_start(
                debtor_type,
                move.invoice_date_due,
                move.invoice_date,
                move.delivery_date,
            )
            # A partial payment or a payment plan the customer accepted acknowledges
            # the debt: it interrupts (art. 2240).
            interruptions = [
                p.date for p in payments.get(move.id, ()) if p.label == "payment"
            ] + acknowledgements.get(move.id, [])
            move.recouvrement_prescription_date = legal.prescription_date(
                debtor_type, start, interruptions, suspensions.get(move.id, ())
            )

    def _recouvrement_acknowledgements(self):
        """{move id: [dates]}: the payment plans the customer accepted (art. 2240
        C. civ.); partial payments are read with the payments."""
        result = defaultdict(list)
        ids = [i for i in self.ids if isinstance(i, int)]
        if not ids:
            return result
        plans = (
            self.env["recouvrement.payment.plan"]
            .sudo()
            .search([("move_ids", "in", ids), ("accepted_on", "!=", False)])
        )
        for plan in plans:
            for move in plan.move_ids:
                result[move.id].append(plan.accepted_on)
        return result

    def _recouvrement_suspensions(self):
        """{move id: [(start, end)]}: mediations the debtor accepted suspend the
        prescription (art. 2238 C. civ.)."""
        result = defaultdict(list)
        ids = [i for i in self.ids if isinstance(i, int)]
        if not ids:
            return result
        today = fields.Date.context_today(self)
        mediations = (
            self.env["recouvrement.mediation"].sudo().search([("move_ids", "in", ids)])
        )
        for mediation in mediations:
            period = mediation._recouvrement_suspension(today)
            if not period:
                continue
            for move in mediation.move_ids:
                result[move.id].append(period)
        return result

    @api.depends("recouvrement_event_ids.state")
    def _compute_recouvrement_waiting_validation(self):
        # billing users see that a step waits, not the event (evidence is for the
        # recovery users)
        for move in self:
            move.recouvrement_waiting_validation = any(
                e.state == "to_validate" for e in move.sudo().recouvrement_event_ids
            )

    # ------------------------------------------------------------------
    # Claim (legal computations on real invoices)
    # ------------------------------------------------------------------
    def _recouvrement_payments(self):
        """Payments and credit notes reconciled with each invoice, in a few queries.

        :return: {move_id: [legal.Payment]}, label "payment" or "credit_note".
        """
        result = defaultdict(list)
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        if not invoices:
            return result
        # the partial reconciliations of the invoices' receivable lines, found in
        # the database (reading every line of every invoice costs more than the rest)
        partials = self.env["account.partial.reconcile"].search(
            [
                ("debit_move_id.move_id", "in", invoices.ids),
                ("debit_move_id.account_type", "=", "asset_receivable"),
            ]
        )
        for partial in partials:
            counterpart = partial.credit_move_id
            label = (
                "credit_note"
                if counterpart.move_id.move_type == "out_refund"
                else "payment"
            )
            result[partial.debit_move_id.move_id.id].append(
                legal.Payment(
                    date=counterpart.date,
                    amount=legal.round_cents(
                        legal.percent(partial.debit_amount_currency)
                    ),
                    label=label,
                )
            )
        return result

    def _recouvrement_invoice_inputs(self, payments=None):
        """legal.InvoiceInput of each invoice. Credit notes reconciled with an invoice
        reduce its amount from the start (they correct the price); payments are
        dated."""
        payments = payments if payments is not None else self._recouvrement_payments()
        inputs = []
        for move in self:
            move_payments = payments.get(move.id, [])
            credit_notes = sum(
                (p.amount for p in move_payments if p.label == "credit_note"),
                legal.ZERO,
            )
            amount = legal.round_cents(legal.percent(move.amount_total)) - credit_notes
            inputs.append(
                legal.InvoiceInput(
                    ref=move.name,
                    invoice_date=move.invoice_date,
                    due_date=move.invoice_date_due or move.invoice_date or move.date,
                    amount=amount,
                    payments=tuple(p for p in move_payments if p.label == "payment"),
                    notice_date=move.recouvrement_notice_date or None,
                    disputed=move.recouvrement_state == "disputed",
                    key=move.id,
                    delivery_date=move.delivery_date or None,
                )
            )
        return inputs

    @api.model
    def _recouvrement_unallocated_credits(self, partners, companies):
        """{(company id, commercial partner id): [legal.Credit]}: credit notes and
        payments
        of the debtors not reconciled with any invoice, in one query."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "in", companies.ids),
                ("partner_id", "child_of", partners.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )
        result = defaultdict(list)
        for line in lines:
            if line.currency_id != line.company_id.currency_id:
                continue
            key = (line.company_id.id, line.partner_id.commercial_partner_id.id)
            result[key].append(
                legal.Credit(
                    ref=line.move_id.name or line.name or "",
                    date=line.date,
                    amount=legal.round_cents(
                        legal.percent(-line.amount_residual_currency)
                    ),
                )
            )
        return result

    @api.model
    def _recouvrement_claims_raw(
        self, groups, on_date, include_disputed=True, with_credits=True
    ):
        """Claim breakdowns of several debtors at once.

        ``groups``: {key: invoices of one debtor and one company}. Payments, credits
        and rates are read once for all the groups (no query per debtor). Returns
        ({key: legal.Claim}, {key: legal.LegalComputationError}): a debtor whose
        claim cannot be computed (missing rate, public body) does not stop the others.
        """
        groups = {key: moves for key, moves in groups.items() if moves}
        all_moves = self.browse().union(*groups.values()) if groups else self.browse()
        payments = all_moves._recouvrement_payments()
        credits = {}
        if with_credits and all_moves:
            credits = self._recouvrement_unallocated_credits(
                all_moves.commercial_partner_id, all_moves.company_id
            )
        rates = self.env["recouvrement.rate"]._rate_book()
        claims, errors = {}, {}
        for key, moves in groups.items():
            partner, company = moves.commercial_partner_id, moves.company_id
            inputs = moves._recouvrement_invoice_inputs(payments)
            if not include_disputed:
                inputs = [i for i in inputs if not i.disputed]
            debtor_credits = credits.get((company.id, partner.id), ())
            try:
                policy = partner._recouvrement_policy(company)
                claims[key] = legal.claim_breakdown(
                    inputs, on_date, policy, rates, debtor_credits
                )
            except legal.LegalComputationError as error:
                errors[key] = error
        return claims, errors

    @api.model
    def _recouvrement_claims(
        self, groups, on_date, include_disputed=True, with_credits=True
    ):
        """Like _recouvrement_claims_raw, for a person: {key: legal.Claim}.

        :raise UserError: missing rate, public body.
        """
        claims, errors = self._recouvrement_claims_raw(
            groups, on_date, include_disputed, with_credits
        )
        for error in errors.values():
            raise self.env["recouvrement.rate"]._user_error_from(error) from error
        return claims

    @api.model
    def _recouvrement_claims_tolerant(self, groups, on_date):
        """({key: legal.Claim}, {key: message}) for the screens: a debtor whose
        claim cannot be computed shows why."""
        claims, errors = self._recouvrement_claims_raw(groups, on_date)
        Rate = self.env["recouvrement.rate"]
        return claims, {
            key: str(Rate._user_error_from(error)) for key, error in errors.items()
        }

    def _recouvrement_claim(
        self, on_date=None, include_disputed=True, with_credits=True
    ):
        """The claim breakdown (legal.Claim) of these invoices of one debtor at
        ``on_date``.

        :raise UserError: invoices of several debtors, missing rate, public body.
        """
        on_date = on_date or fields.Date.context_today(self)
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        if not invoices:
            raise UserError(_("Select at least one customer invoice."))
        if len(invoices.commercial_partner_id) > 1 or len(invoices.company_id) > 1:
            raise UserError(
                _(
                    "A claim breakdown concerns the invoices of one customer and one "
                    "company."
                )
            )
        return self._recouvrement_claims(
            {0: invoices},
            on_date,
            include_disputed=include_disputed,
            with_credits=with_credits,
        )[0]

    # ------------------------------------------------------------------
    # Life cycle hooks
    # ------------------------------------------------------------------
    def write(self, vals):
        """A write of recovery fields only changes nothing in the accounting: skip
        what account.move.write() does for accounting changes (synchronising the
        tax and payment-term lines, checking the balance, flagging the invoice as
        manually modified, syncing payments and statement lines). Measured on 1,739
        invoices: 30 s of a 42 s escalation batch and one query per invoice line went
        there. Mail tracking and the ORM's own checks still run."""
        if vals and all(
            fname in self._fields
            and self._fields[fname]._module == "recouvrement_amiable"
            for fname in vals
        ):
            res = super(
                AccountMove,
                self.with_context(
                    skip_invoice_sync=True,
                    check_move_validity=False,
                    skip_is_manually_modified=True,
                    skip_account_move_synchronization=True,
                ),
            ).write(vals)
            if "recouvrement_excluded" in vals:
                self.recouvrement_debtor_id._recouvrement_plan()
            return res
        return super().write(vals)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        invoices = posted.filtered(lambda m: m.move_type == "out_invoice")
        if invoices:
            invoices._recouvrement_link_debtors()._recouvrement_plan()
        return posted

    def button_draft(self):
        debtors = self.recouvrement_debtor_id
        res = super().button_draft()
        debtors._recouvrement_plan()
        return res

    def _recouvrement_link_debtors(self):
        """Link these customer invoices to their debtor (created when missing), in
        one UPDATE. Returns the debtors."""
        Debtor = self.env["recouvrement.debtor"]
        debtors = Debtor._recouvrement_get(
            {(m.company_id.id, m.commercial_partner_id.id) for m in self}
        )
        self.flush_recordset(["company_id", "commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """UPDATE account_move m SET recouvrement_debtor_id = d.id
                     FROM recouvrement_debtor d
                    WHERE m.id IN %s AND d.company_id = m.company_id
                      AND d.partner_id = m.commercial_partner_id
                      AND m.recouvrement_debtor_id IS DISTINCT FROM d.id""",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["recouvrement_debtor_id"])
        return Debtor.browse({d.id for d in debtors.values()})

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.filtered(lambda m: m.move_type == "out_invoice")._recouvrement_close_paid()
        return res

    # ------------------------------------------------------------------
    # Actions (buttons, server actions)
    # ------------------------------------------------------------------
    def action_recouvrement_claim(self):
        """Show the claim breakdown of the selected invoices."""
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(_("Select posted customer invoices."))
        if len(invoices.commercial_partner_id) > 1:
            raise UserError(
                _("Select the invoices of one customer to see their claim breakdown.")
            )
        # raise now, in the user's face, if a rate is missing
        invoices._recouvrement_claim()
        return {
            "type": "ir.actions.act_window",
            "name": _("Claim breakdown"),
            "res_model": "recouvrement.claim.view",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": invoices.ids},
        }

    def action_recouvrement_escalate_now(self):
        """The next stage now for the customers of the selected invoices: each step
        covers all the customer's overdue invoices."""
        invoices = self._recouvrement_check_selection()
        invoices._recouvrement_active_moves().recouvrement_debtor_id._recouvrement_escalate_now()
        return True

    def action_recouvrement_resume(self):
        invoices = self._recouvrement_check_selection(
            states=SUSPENDED_STATES + ("closed", "transferred")
        )
        invoices._recouvrement_resume(_("Resumed by %(user)s", user=self.env.user.name))
        return True

    def _recouvrement_open_wizard(self, action):
        self._recouvrement_check_selection()
        return {
            "type": "ir.actions.act_window",
            # the selection's labels in the user's language
            "name": dict(
                self.env["recouvrement.move.action"]
                ._fields["action"]
                ._description_selection(self.env)
            ).get(action),
            "res_model": "recouvrement.move.action",
            "view_mode": "form",
            "target": "new",
            "context": {"default_action": action, "default_move_ids": self.ids},
        }

    def action_recouvrement_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_event_action"
        )
        action["domain"] = [("move_ids", "in", self.ids)]
        return action

    def _recouvrement_check_selection(self, states=None):
        """The selected posted customer invoices, or a clear error."""
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(_("Select posted customer invoices."))
        if states is not None:
            invoices = invoices.filtered(lambda m: m.recouvrement_state in states)
            if not invoices:
                raise UserError(
                    _(
                        "None of the selected invoices is in a state this action "
                        "applies to."
                    )
                )
        return invoices

    # ------------------------------------------------------------------
    # Formatting for letters, claim breakdowns and the case file
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_format_helpers(self, lang=None, currency=None):
        """Formatting functions in the debtor's language: 1 234,56 € and 23/11/2026 in
        French."""
        lang = lang or self.env.lang or "fr_FR"
        env = self.with_context(lang=lang).env
        currency = currency or self.env.company.currency_id

        def amount(value):
            return formatLang(env, float(value or 0), currency_obj=currency)

        def number(value, digits=2):
            return formatLang(env, float(value or 0), digits=digits)

        def date(value):
            return format_date(env, value, lang_code=lang) if value else ""

        def rate(value):
            # a non-breaking space before the percent sign (French typography)
            return f"{formatLang(env, float(value or 0), digits=2)}\u00a0%"

        def rate_label(applied):
            if applied.kind == "ecb_plus_10":
                return env._(
                    "ECB %(ecb)s + 10 points = %(rate)s",
                    ecb=rate(applied.reference),
                    rate=rate(applied.rate),
                )
            if applied.kind == "contract_legal":
                factor = (applied.rate / applied.reference) if applied.reference else 0
                return env._(
                    "%(factor)s x legal rate %(legal)s = %(rate)s",
                    factor=number(factor, 0),
                    legal=rate(applied.reference),
                    rate=rate(applied.rate),
                )
            if applied.kind == "contract":
                return env._("contractual rate %(rate)s", rate=rate(applied.rate))
            return env._("legal interest rate %(rate)s", rate=rate(applied.rate))

        return {
            "amount": amount,
            "number": number,
            "fdate": date,
            "rate": rate,
            "rate_label": rate_label,
            "lang": lang,
            "currency": currency,
        }

    def _recouvrement_claim_qcontext(self, claim, lang=None):
        """Values to render the claim breakdown template for these invoices (in the
        user's language on screen, ``lang`` otherwise)."""
        partner = self.commercial_partner_id[:1]
        values = self._recouvrement_format_helpers(
            lang or self.env.lang, self.company_id[:1].currency_id
        )
        values.update(
            {
                "claim": claim,
                "partner": partner,
                "company": self.company_id[:1],
                "show_interest": True,
                "moves_by_id": {m.id: m for m in self},
            }
        )
        return values
