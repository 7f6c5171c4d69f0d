from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import legal
from .recouvrement_ladder import PROFILE_CLASSES

# profile field -> column of the VALUES list that computes it
PROFILE_COLUMNS = [
    ("recouvrement_late_count", "late_count"),
    ("recouvrement_avg_days_late", "avg_days"),
    ("recouvrement_max_days_late", "max_days"),
    ("recouvrement_last_payment_date", "last_payment"),
    ("recouvrement_overdue_amount", "overdue"),
    ("recouvrement_overdue_1_30", "b1"),
    ("recouvrement_overdue_31_60", "b2"),
    ("recouvrement_overdue_61_90", "b3"),
    ("recouvrement_overdue_91", "b4"),
    ("recouvrement_max_stage_id", "max_stage"),
    ("recouvrement_dispute_count", "disputes"),
    ("recouvrement_broken_plan_count", "broken"),
    ("recouvrement_profile_date", "computed_on"),
    ("recouvrement_profile_class", "profile_class"),
    ("recouvrement_profile_reason", "reason"),
]
PROFILE_FIELDS = [
    "recouvrement_late_count",
    "recouvrement_avg_days_late",
    "recouvrement_max_days_late",
    "recouvrement_last_payment_date",
    "recouvrement_overdue_amount",
    "recouvrement_overdue_1_30",
    "recouvrement_overdue_31_60",
    "recouvrement_overdue_61_90",
    "recouvrement_overdue_91",
    "recouvrement_max_stage_id",
    "recouvrement_dispute_count",
    "recouvrement_broken_plan_count",
    "recouvrement_profile_date",
    "recouvrement_profile_class",
    "recouvrement_profile_reason",
]
DEBTOR_TYPES = [
    (legal.B2B_COMMERCANT, "Business - trader or commercial company"),
    (
        legal.B2B_NON_COMMERCANT,
        "Business - non-trader (liberal profession, association, ...)",
    ),
    (legal.B2C, "Consumer"),
    (legal.PUBLIC, "Public body"),
]
COLLECTIVE_PROCEDURES = [
    ("sauvegarde", "Safeguard (sauvegarde)"),
    ("redressement", "Receivership (redressement judiciaire)"),
    ("liquidation", "Liquidation (liquidation judiciaire)"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    debtor_type = fields.Selection(
        DEBTOR_TYPES,
        compute="_compute_debtor_type",
        store=True,
        readonly=False,
        recursive=True,
        help="Drives the legal regime of recovery (legal_spec_fr.md §1): business "
        "debtors owe "
        "late-payment penalties and 40 EUR per invoice; consumers owe interest at the "
        "legal rate "
        "from the formal notice only. Defaulted from the partner's data, editable.",
    )
    legal_form = fields.Char(
        help="SAS, SARL, EI, association, ... printed on formal notices."
    )
    recouvrement_excluded = fields.Boolean(
        "Excluded from recovery",
        help="The nightly run never chases this customer's invoices.",
    )
    recouvrement_ladder_id = fields.Many2one(
        "recouvrement.ladder",
        string="Recovery ladder",
        company_dependent=True,
        help="Leave empty to follow the ladder of the customer's profile class or the "
        "company's default ladder.",
    )
    recouvrement_contractual_rate = fields.Float(
        "Contractual late interest rate (%)",
        digits=(7, 4),
        company_dependent=True,
        help="Overrides the company's rate for this customer (specific terms of sale).",
    )
    recouvrement_last_contact_date = fields.Date(
        "Last recovery contact",
        company_dependent=True,
        copy=False,
        help="Date of the last reminder, letter or call: the next contact waits the "
        "company's minimum spacing.",
    )
    recouvrement_procedure = fields.Selection(
        COLLECTIVE_PROCEDURES,
        string="Collective procedure",
        tracking=True,
        copy=False,
    )
    recouvrement_procedure_date = fields.Date(
        "Published on (BODACC)",
        copy=False,
        help="Publication of the judgment in the BODACC: the claim must be declared "
        "to the "
        "judicial representative within 2 months (4 outside mainland France).",
    )
    recouvrement_event_ids = fields.One2many(
        "recouvrement.event", "partner_id", string="Recovery events"
    )
    recouvrement_event_count = fields.Integer(compute="_compute_recouvrement_counts")
    recouvrement_move_count = fields.Integer(compute="_compute_recouvrement_counts")
    # Debtor profile, recomputed in one batch per company by the nightly run. Company
    # dependent: a customer shared by several companies of the database has one profile
    # per creditor (an accounting firm's clients must not see each other's debtors).
    recouvrement_profile_class = fields.Selection(
        PROFILE_CLASSES,
        string="Debtor profile",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_profile_reason = fields.Char(
        "Profile reason", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_profile_date = fields.Date(
        "Profile computed on", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_late_count = fields.Integer(
        "Invoices paid late (24 months)",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_avg_days_late = fields.Float(
        "Average days late",
        digits=(6, 1),
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_max_days_late = fields.Integer(
        "Worst days late", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_overdue_amount = fields.Float(
        "Overdue now",
        digits="Account",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_overdue_1_30 = fields.Float(
        "1-30 days", digits="Account", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_overdue_31_60 = fields.Float(
        "31-60 days",
        digits="Account",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_overdue_61_90 = fields.Float(
        "61-90 days",
        digits="Account",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_overdue_91 = fields.Float(
        "91+ days", digits="Account", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_last_payment_date = fields.Date(
        "Last payment", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_max_stage_id = fields.Many2one(
        "recouvrement.stage",
        string="Highest stage reached",
        copy=False,
        readonly=True,
        company_dependent=True,
    )
    recouvrement_dispute_count = fields.Integer(
        "Disputes", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_broken_plan_count = fields.Integer(
        "Broken payment plans", copy=False, readonly=True, company_dependent=True
    )
    recouvrement_currency_id = fields.Many2one(
        "res.currency", compute="_compute_recouvrement_currency"
    )

    @api.depends("is_company", "parent_id.debtor_type", "vat", "company_registry")
    def _compute_debtor_type(self):
        for partner in self:
            if partner.parent_id and not partner.is_company:
                partner.debtor_type = partner.parent_id.debtor_type
            elif not partner.debtor_type:
                is_business = (
                    partner.is_company or partner.vat or partner.company_registry
                )
                partner.debtor_type = legal.B2B_COMMERCANT if is_business else legal.B2C

    def _compute_recouvrement_currency(self):
        for partner in self:
            partner.recouvrement_currency_id = self.env.company.currency_id

    def _compute_recouvrement_counts(self):
        commercial = self.commercial_partner_id
        events = dict(
            self.env["recouvrement.event"]._read_group(
                [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
            )
        )
        moves = dict(
            self.env["account.move"]._read_group(
                [
                    ("commercial_partner_id", "in", commercial.ids),
                    ("recouvrement_state", "not in", (False, "closed")),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.recouvrement_event_count = events.get(
                partner.commercial_partner_id, 0
            )
            partner.recouvrement_move_count = moves.get(
                partner.commercial_partner_id, 0
            )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "debtor_type",
            "legal_form",
            "recouvrement_excluded",
            "recouvrement_procedure",
            "recouvrement_procedure_date",
        ]

    def write(self, vals):
        procedure_set = vals.get("recouvrement_procedure") and self.filtered(
            lambda p: not p.recouvrement_procedure
        )
        res = super().write(vals)
        if procedure_set:
            procedure_set._recouvrement_on_collective_procedure()
        if "recouvrement_excluded" in vals or "recouvrement_ladder_id" in vals:
            self.env["account.move"]._recouvrement_refresh_next_dates(
                self.env.company, partners=self.commercial_partner_id
            )
        return res

    def _recouvrement_siren(self):
        """SIREN (9 digits) of the partner, from its SIRET or company registry."""
        self.ensure_one()
        partner = self.commercial_partner_id
        raw = (
            (partner._fields.get("siret") and partner.siret)
            or partner.company_registry
            or ""
        )
        digits = "".join(c for c in raw if c.isdigit())
        if len(digits) in (9, 14):
            return digits[:9]
        return raw or ""

    def _recouvrement_check_in_scope(self):
        """Raise a clear error for debtors this module cannot chase."""
        for partner in self.commercial_partner_id:
            if partner.debtor_type == legal.PUBLIC:
                raise UserError(
                    _(
                        "%(partner)s is a public body: public procurement rules apply "
                        "(ECB + 8 points, Chorus Pro); its recovery is out of the "
                        "scope of "
                        "this module.",
                        partner=partner.display_name,
                    )
                )

    def _recouvrement_ladder(self, company):
        """The ladder this commercial partner follows in ``company``."""
        self.ensure_one()
        partner = self.with_company(company)
        if partner.recouvrement_ladder_id and partner.recouvrement_ladder_id.active:
            return partner.recouvrement_ladder_id
        if partner.recouvrement_profile_class:
            ladder = company.recouvrement_ladder_ids.filtered(
                lambda lad: lad.active
                and lad.profile_class == partner.recouvrement_profile_class
            )
            if ladder:
                return ladder[:1]
        return company._recouvrement_default_ladder()

    def _recouvrement_policy(self, company):
        """The late interest policy (legal.InterestPolicy) for this debtor in
        ``company``."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(company)
        values = company._recouvrement_policy_values()
        if partner.recouvrement_contractual_rate:
            values["contractual_rate"] = legal.percent(
                partner.recouvrement_contractual_rate
            )
            values["contractual_legal_factor"] = None
        if values["contractual_rate"] is not None:
            values["contractual_legal_factor"] = None
        try:
            return legal.InterestPolicy(
                debtor_type=partner.debtor_type or legal.B2C,
                indemnity_blocked=bool(partner.recouvrement_procedure),
                **values,
            )
        except legal.LegalComputationError as error:
            raise self.env["recouvrement.rate"]._user_error_from(error) from error

    def _recouvrement_on_collective_procedure(self):
        """A collective procedure stops every escalation; the claim must be declared."""
        Move = self.env["account.move"]
        moves = Move.search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        moves._recouvrement_stop_for_procedure()
        for partner in self.commercial_partner_id:
            deadline = legal.add_months(
                partner.recouvrement_procedure_date or fields.Date.context_today(self),
                2,
            )
            partner.activity_schedule(
                "recouvrement_amiable.mail_activity_type_recouvrement_declare_claim",
                date_deadline=deadline,
                note=_(
                    "%(partner)s is under a collective procedure: declare the claim to "
                    "the "
                    "judicial representative within 2 months of the BODACC publication "
                    "(art. L622-24, R622-24 C. com.), by %(date)s at the latest.",
                    partner=partner.display_name,
                    date=deadline.strftime("%d/%m/%Y"),
                ),
                user_id=(
                    self.env.company.recouvrement_collector_id or self.env.user
                ).id,
            )

    def action_recouvrement_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_event_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_recouvrement_open_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_move_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("recouvrement_state", "not in", (False, "closed")),
        ]
        return action

    def action_recouvrement_claim(self):
        """Show the claim breakdown of this customer's open invoices."""
        self.ensure_one()
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        if not moves:
            raise UserError(
                _("%(partner)s has no open invoice.", partner=self.display_name)
            )
        return moves.action_recouvrement_claim()

    # ------------------------------------------------------------------
    # Debtor profile (one batch per company, SQL aggregates)
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_compute_profiles(self, company, today=None):
        """Recompute the debtor profile of every customer of ``company`` in a few
        queries."""
        today = today or fields.Date.context_today(self)
        since = legal.add_months(today, -24)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH paid AS (
                    SELECT m.commercial_partner_id AS partner_id,
                           m.invoice_date_due AS due,
                           MAX(apr.max_date) AS paid_on
                      FROM account_move m
                      JOIN account_move_line l ON l.move_id = m.id
                      JOIN account_account a
                        ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                     WHERE m.company_id = %(company)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.payment_state IN ('paid', 'in_payment')
                       AND m.invoice_date_due >= %(since)s
                  GROUP BY m.id
                )
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE paid_on > due),
                       COALESCE(AVG(paid_on - due) FILTER (WHERE paid_on > due), 0),
                       COALESCE(MAX(paid_on - due) FILTER (WHERE paid_on > due), 0),
                       MAX(paid_on)
                  FROM paid
              GROUP BY partner_id
                """,
                company=company.id,
                since=since,
            )
        )
        history = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       SUM(a.left_due),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 1 AND 30),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 31 AND 60),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 61 AND 90),
                       SUM(a.left_due) FILTER (WHERE a.age > 90),
                       MAX(a.age)
                  FROM account_move m
            CROSS JOIN LATERAL (
                    SELECT %(today)s - m.invoice_date_due AS age,
                           m.amount_residual_signed AS left_due
                ) AS a
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('not_paid', 'partial')
                   AND m.invoice_date_due < %(today)s
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
                today=today,
            )
        )
        overdue = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       (ARRAY_AGG(s.id ORDER BY s.sequence DESC, s.id DESC))[1]
                  FROM account_move m
                  JOIN recouvrement_stage s ON s.id = m.recouvrement_stage_id
                 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
            )
        )
        max_stage = dict(cr.fetchall())
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id, MAX(apr.max_date)
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                  JOIN account_account a
                    ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                  JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
            )
        )
        last_payment = dict(cr.fetchall())
        disputes = dict(
            self.env["recouvrement.dispute"]._read_group(
                [("company_id", "=", company.id)], ["partner_id"], ["__count"]
            )
        )
        broken = dict(
            self.env["recouvrement.payment.plan"]._read_group(
                [("company_id", "=", company.id), ("state", "=", "broken")],
                ["partner_id"],
                ["__count"],
            )
        )
        partner_ids = set(history) | set(overdue) | set(max_stage) | set(last_payment)
        partner_ids |= {p.id for p in disputes} | {p.id for p in broken}
        # customers profiled before whose figures are now empty are reset too
        partner_ids |= set(
            self.with_company(company)
            .with_context(active_test=False)
            .search(
                [
                    ("recouvrement_profile_date", "!=", False),
                    ("company_id", "in", (False, company.id)),
                ]
            )
            .ids
        )
        rows = []
        for partner_id in sorted(partner_ids):
            late_count, avg_days, max_days, last_paid = history.get(
                partner_id, (0, 0, 0, None)
            )
            amount, b1, b2, b3, b4, oldest = overdue.get(partner_id, (0,) * 6)
            dispute_count = disputes.get(self.browse(partner_id), 0)
            broken_count = broken.get(self.browse(partner_id), 0)
            classification = self._recouvrement_classify(
                company,
                late_count=late_count,
                avg_days=float(avg_days or 0),
                oldest_overdue=int(oldest or 0),
                broken_plans=broken_count,
            )
            rows.append(
                SQL(
                    "(%s, %s::int, %s::numeric, %s::int, %s::date, %s::numeric, "
                    "%s::numeric, "
                    "%s::numeric, %s::numeric, %s::numeric, %s::int, %s::int, %s::int, "
                    "%s::date, "
                    "%s::varchar, %s::varchar)",
                    partner_id,
                    late_count or 0,
                    float(avg_days or 0),
                    int(max_days or 0),
                    last_payment.get(partner_id) or last_paid,
                    amount or 0,
                    b1 or 0,
                    b2 or 0,
                    b3 or 0,
                    b4 or 0,
                    max_stage.get(partner_id),
                    dispute_count,
                    broken_count,
                    today,
                    classification["recouvrement_profile_class"],
                    classification["recouvrement_profile_reason"],
                )
            )
        if rows:
            # One statement for every customer: the figures are statistics, not user
            # input
            # (no tracking, no business rule on write).
            self.flush_model(PROFILE_FIELDS)
            cr.execute(
                SQL(
                    """
                    UPDATE res_partner AS p
                       SET %(assignments)s
                      FROM (VALUES %(rows)s)
                        AS v(id, late_count, avg_days, max_days, last_payment,
                                            overdue, b1, b2, b3, b4, max_stage,
                                            disputes,
                                            broken, computed_on, profile_class, reason)
                     WHERE p.id = v.id
                    """,
                    assignments=SQL(", ").join(
                        SQL(
                            "%s = COALESCE(p.%s, '{}'::jsonb) "
                            "|| jsonb_build_object(%s, v.%s)",
                            SQL.identifier(column),
                            SQL.identifier(column),
                            str(company.id),
                            SQL.identifier(alias),
                        )
                        for column, alias in PROFILE_COLUMNS
                    ),
                    rows=SQL(", ").join(rows),
                )
            )
            self.invalidate_model(PROFILE_FIELDS)
        return self.browse(sorted(partner_ids))

    @api.model
    def _recouvrement_classify(
        self, company, late_count, avg_days, oldest_overdue, broken_plans
    ):
        """Profile class and its reason, from the company's thresholds."""
        if broken_plans or (
            late_count >= company.recouvrement_profile_bad_late
            and avg_days >= company.recouvrement_profile_bad_avg_days
        ):
            reason = _(
                "%(count)s invoices paid late in 24 months, %(days)s days late on "
                "average",
                count=late_count,
                days=round(avg_days),
            )
            if broken_plans:
                reason = _(
                    "%(reason)s; %(plans)s broken payment plan(s)",
                    reason=reason,
                    plans=broken_plans,
                )
            return {
                "recouvrement_profile_class": "bad",
                "recouvrement_profile_reason": reason,
            }
        if oldest_overdue > company.recouvrement_profile_temporary_days:
            return {
                "recouvrement_profile_class": "temporary",
                "recouvrement_profile_reason": _(
                    "Overdue for %(days)s days now; %(count)s late payment(s) in 24 "
                    "months before",
                    days=oldest_overdue,
                    count=late_count,
                ),
            }
        if late_count >= company.recouvrement_profile_occasional_late:
            return {
                "recouvrement_profile_class": "occasional",
                "recouvrement_profile_reason": _(
                    "%(count)s invoice(s) paid late in 24 months, %(days)s days late "
                    "on average",
                    count=late_count,
                    days=round(avg_days),
                ),
            }
        return {
            "recouvrement_profile_class": "good",
            "recouvrement_profile_reason": _("No late payment in 24 months"),
        }
