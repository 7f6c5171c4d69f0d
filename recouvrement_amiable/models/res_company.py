from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.tools import SQL

from .. import legal, reporting

# The default French ladder (market practice, data not law).
# English names are the source; French names are set as their translation.
DEFAULT_LADDER = [
    {
        "sequence": 5,
        "kind": "pre_reminder",
        "name": ("Pre-reminder", "Pré-relance"),
        "delay_days": -5,
        "channel_email": True,
        "active": False,
        "template": "recouvrement_amiable.mail_template_pre_reminder",
    },
    {
        "sequence": 10,
        "kind": "call",
        "name": ("Reminder call", "Appel de rappel"),
        "delay_days": 3,
        "channel_phone": True,
        "activity": "recouvrement_amiable.mail_activity_type_recouvrement_call",
        "call_script": (
            "<p>Introduce yourself and ask for the person in charge of supplier "
            "payments.</p>"
            "<ul><li>Check that the invoices were received and are not disputed.</li>"
            "<li>Ask when the payment will be made, and by which means.</li>"
            "<li>If there is a difficulty, offer a payment plan.</li>"
            "<li>Stay courteous: no pressure, no threat; call on working days "
            "between 10:00-13:00 and 14:00-20:00, at most 4 attempts in 30 "
            "days.</li></ul>"
            "<p>Log the outcome: reached, promise to pay (with the date), dispute, "
            "unreachable.</p>",
            "<p>Présentez-vous et demandez la personne en charge du règlement des "
            "fournisseurs.</p>"
            "<ul><li>Vérifiez que les factures ont bien été reçues et ne sont pas "
            "contestées.</li>"
            "<li>Demandez à quelle date et par quel moyen le règlement sera "
            "effectué.</li>"
            "<li>En cas de difficulté, proposez un échéancier.</li>"
            "<li>Restez courtois : ni pression ni menace ; appelez les jours ouvrés "
            "entre 10 h et 13 h et entre 14 h et 20 h, 4 tentatives au plus sur 30 "
            "jours.</li></ul>"
            "<p>Notez le résultat : joint, promesse de paiement (avec la date), "
            "litige, injoignable.</p>",
        ),
    },
    {
        "sequence": 20,
        "kind": "relance_1",
        "name": ("Reminder 1 (courteous)", "Relance 1 (courtoise)"),
        "delay_days": 7,
        "channel_email": True,
        "report": "recouvrement_amiable.action_report_relance_1",
        "template": "recouvrement_amiable.mail_template_relance_1",
    },
    {
        "sequence": 30,
        "kind": "relance_2",
        "name": ("Reminder 2 (warning)", "Relance 2 (avertissement)"),
        "delay_days": 20,
        "channel_email": True,
        "channel_letter": True,
        "report": "recouvrement_amiable.action_report_relance_2",
        "template": "recouvrement_amiable.mail_template_relance_2",
    },
    {
        "sequence": 40,
        "kind": "mise_en_demeure",
        "name": ("Formal notice", "Mise en demeure"),
        "delay_days": 30,
        "channel_registered": True,
        "needs_validation": True,
        "report": "recouvrement_amiable.action_report_mise_en_demeure",
    },
    {
        "sequence": 50,
        "kind": "transfer",
        "name": (
            "Transfer to a commissaire de justice / lawyer",
            "Transmission commissaire de justice / avocat",
        ),
        "delay_days": 45,
        "channel_manual": True,
        "auto_execute": False,
        "activity": "recouvrement_amiable.mail_activity_type_recouvrement_transfer",
    },
]


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "recouvrement.d4416.mixin"]

    recouvrement_ladder_ids = fields.One2many("recouvrement.ladder", "company_id")
    recouvrement_min_residual = fields.Monetary(
        "Recovery threshold",
        default=1.0,
        currency_field="currency_id",
        help="Invoices whose amount left to pay is below this amount are not chased.",
    )
    recouvrement_spacing_days = fields.Integer(
        "Days between two contacts",
        default=7,
        help="Minimum days between two contacts with the same customer, whatever the "
        "channel (no pressure, no repeated calls, art. L121-6 C. conso.); never two "
        "contacts on the same day.",
    )
    recouvrement_catch_up = fields.Boolean(
        "Catch up",
        help="When several stages are already due, jump to the highest automatic one "
        "instead of climbing one stage per contact.",
    )
    recouvrement_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        help="Receives the calls and tasks of invoices that have no salesperson.",
    )
    recouvrement_rate_mode = fields.Selection(
        [
            (legal.MODE_PER_SEMESTER, "Rate of each semester (default)"),
            (legal.MODE_FROZEN, "Rate of the due date's semester, frozen"),
        ],
        string="Late interest rate mode",
        default=legal.MODE_PER_SEMESTER,
        required=True,
    )
    recouvrement_contractual_rate = fields.Float(
        "Contractual late interest rate (%)",
        digits=(7, 4),
        help="The rate of your terms of sale, if any. Empty: ECB rate + 10 points "
        "(L441-10 C. com.). It cannot be below 3 times the legal interest rate.",
    )
    recouvrement_contractual_legal_factor = fields.Float(
        "Contractual rate as a multiple of the legal rate",
        digits=(4, 2),
        help='Terms of sale saying "3 times the legal interest rate": enter 3.',
    )
    recouvrement_imputation = fields.Selection(
        [
            (legal.IMPUTE_PRINCIPAL_FIRST, "On the principal first (as in the ledger)"),
            (
                legal.IMPUTE_INTEREST_FIRST,
                "On the interest first (art. 1343-1 C. civ.)",
            ),
        ],
        string="Partial payments",
        default=legal.IMPUTE_PRINCIPAL_FIRST,
        required=True,
    )
    recouvrement_indemnity_amount = fields.Monetary(
        "Fixed recovery indemnity",
        default=40.0,
        currency_field="currency_id",
        help="D441-5 C. com.: 40 EUR per late invoice, business debtors only, no VAT.",
    )
    recouvrement_prescription_alert_days = fields.Integer(
        "Prescription alert (days before)", default=90
    )
    recouvrement_notice_delivery_days = fields.Integer(
        "Registered letter delivery allowance (days)",
        default=3,
        help="Days added to the letter's date to state the payment deadline of a "
        "formal "
        "notice, whose deadline runs from its receipt.",
    )
    recouvrement_rate_alert_days = fields.Integer(
        "Warn about missing rates (days before the semester)", default=30
    )
    recouvrement_mediation_months = fields.Integer(
        "Mediation suspends recovery for (months)", default=3
    )
    recouvrement_plan_grace_days = fields.Integer(
        "Payment plan grace period (days)", default=5
    )
    recouvrement_plan_min_instalment = fields.Float(
        "Payment plans: smallest instalment",
        digits="Account",
        default=50.0,
        help="A plan proposing smaller instalments is flagged before it is created.",
    )
    recouvrement_plan_notice_days = fields.Integer(
        "Consumer plans: days given after a missed instalment",
        default=15,
        help="A consumer's plan is not broken by a missed instalment alone: a "
        "written notice gives this delay to pay the arrears, and only then does the "
        "whole balance fall due again (an automatic acceleration without notice is "
        "an unfair term towards a consumer).",
    )
    recouvrement_signatory_id = fields.Many2one(
        "res.users",
        string="Signatory of formal notices",
        help="The person empowered to sign formal notices on behalf of the company.",
    )
    recouvrement_signature_image = fields.Image(
        "Signature (image)",
        max_width=600,
        max_height=300,
        help="The signatory's scanned signature, printed on the letters they sign: "
        "the archived letter is then the one posted.",
    )
    recouvrement_legal_form = fields.Char(
        "Legal form", help="SAS, SARL, ... printed on the formal notice."
    )
    recouvrement_share_capital = fields.Char("Share capital")
    recouvrement_rcs_city = fields.Char(
        related="partner_id.recouvrement_rcs_city", readonly=False
    )
    # The terms of sale the customers accepted: the contractual basis of the claim,
    # the first exhibits of a case file
    recouvrement_cgv_file = fields.Binary(
        "Terms of sale (document)",
        attachment=True,
        help="The general terms of sale in force, as given to the customers (PDF).",
    )
    recouvrement_cgv_filename = fields.Char()
    recouvrement_cgv_version = fields.Char(
        "Terms of sale version", help="e.g. 2026-1: as printed on the document."
    )
    recouvrement_cgv_date = fields.Date(
        "Terms of sale in force since",
        help="The date of the version in force for the invoices chased.",
    )
    # Debtor profile thresholds (debtor profile classification)
    recouvrement_profile_occasional_late = fields.Integer(
        "Occasional: late invoices from", default=1
    )
    recouvrement_profile_bad_late = fields.Integer(
        "Recurrent bad payer: late invoices from", default=4
    )
    recouvrement_profile_bad_avg_days = fields.Integer(
        "Recurrent bad payer: average days late from", default=30
    )
    recouvrement_profile_temporary_days = fields.Integer(
        "Temporary difficulty: overdue now for more than (days)", default=30
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._recouvrement_ensure_default_ladder()
        return companies

    def _recouvrement_ensure_default_ladder(self):
        """Create the default French ladder of the companies that have none."""
        Ladder = self.env["recouvrement.ladder"].sudo().with_context(active_test=False)
        have = set(Ladder.search([("company_id", "in", self.ids)]).company_id.ids)
        todo = self.filtered(lambda c: c.id not in have)
        if not todo:
            return Ladder
        ladders = Ladder.create(
            [
                {"name": "Default ladder", "company_id": company.id, "is_default": True}
                for company in todo
            ]
        )
        stage_vals = []
        for ladder in ladders:
            for spec in DEFAULT_LADDER:
                stage_vals.append(self._recouvrement_stage_vals(ladder, spec))
        stages = self.env["recouvrement.stage"].sudo().create(stage_vals)
        self._recouvrement_set_french_names(ladders, stages)
        return ladders

    @api.model
    def _recouvrement_set_french_names(self, ladders, stages):
        """Store the French names of the default ladder beside the English source.

        Written straight into the translated jsonb columns, so the French names are
        there even when French is activated after the ladder was created
        (update_field_translations only accepts active languages).
        """
        by_seq = {spec["sequence"]: spec for spec in DEFAULT_LADDER}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE recouvrement_ladder SET name = name || "
                "jsonb_build_object('fr_FR', %s) "
                "WHERE id IN %s",
                "Échelle par défaut",
                tuple(ladders.ids),
            )
        )
        rows = SQL(", ").join(
            SQL(
                "(%s, %s, %s)",
                stage.id,
                by_seq[stage.sequence]["name"][1],
                by_seq[stage.sequence].get("call_script", (None, None))[1],
            )
            for stage in stages
        )
        self.env.cr.execute(
            SQL(
                """UPDATE recouvrement_stage AS s
                      SET name = s.name || jsonb_build_object('fr_FR', v.name_fr),
                          call_script = CASE WHEN v.script_fr IS NULL THEN s.call_script
                              ELSE COALESCE(s.call_script, '{}'::jsonb)
                                   || jsonb_build_object('fr_FR', v.script_fr) END
                     FROM (VALUES %s) AS v(id, name_fr, script_fr)
                    WHERE s.id = v.id""",
                rows,
            )
        )
        ladders.invalidate_recordset(["name"])
        stages.invalidate_recordset(["name"])
        stages.invalidate_recordset(["call_script"])

    @api.model
    def _recouvrement_stage_vals(self, ladder, spec):
        vals = {
            "ladder_id": ladder.id,
            "name": spec["name"][0],
            "sequence": spec["sequence"],
            "kind": spec["kind"],
            "delay_days": spec["delay_days"],
            "active": spec.get("active", True),
            "auto_execute": spec.get("auto_execute", True),
            "needs_validation": spec.get("needs_validation", False),
        }
        for channel in ("email", "letter", "registered", "phone", "manual"):
            vals[f"channel_{channel}"] = spec.get(f"channel_{channel}", False)
        if spec.get("report"):
            vals["report_id"] = self.env.ref(spec["report"]).id
        if spec.get("template"):
            vals["mail_template_id"] = self.env.ref(spec["template"]).id
        if spec.get("activity"):
            vals["activity_type_id"] = self.env.ref(spec["activity"]).id
        if spec.get("call_script"):
            vals["call_script"] = spec["call_script"][0]
        return vals

    def _recouvrement_responsible_user(self, role="collector", salespeople=None):
        """Who gets a recovery task in this company: the one rule of every activity.

        ``collector`` (calls, letters to post, a customer's problem): the company's
        collector, else the invoices' salesperson, else a recovery manager.
        ``manager`` (validations, data to fix, rates, declarations of claims): the
        signatory or the collector when they are recovery managers, else a recovery
        manager of the company, else an accounting manager. Only active internal
        users of the company: never a system user (OdooBot), whose tasks nobody sees.
        """
        self.ensure_one()
        managers = self._recouvrement_managers()
        if role == "collector":
            first = self.recouvrement_collector_id | (salespeople or managers.browse())
        else:
            first = (
                self.recouvrement_signatory_id | self.recouvrement_collector_id
            ) & (managers)
        for user in first.sudo():
            if self._recouvrement_is_real_user(user):
                return user
        return self._recouvrement_default_responsible()

    def _recouvrement_dso(self, on_date):
        """(receivables, invoicing of the 365 days before, DSO or None) of this
        company at ``on_date``, incl. VAT (reporting.dso states the method)."""
        self.ensure_one()
        Move = self.env["account.move"]
        base = [
            ("company_id", "=", self.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        [(receivables,)] = Move._read_group(
            base + [("payment_state", "in", ("not_paid", "partial"))],
            aggregates=["amount_residual_signed:sum"],
        )
        [(turnover,)] = Move._read_group(
            base
            + [
                ("invoice_date", ">", on_date - timedelta(days=365)),
                ("invoice_date", "<=", on_date),
            ],
            aggregates=["amount_total_signed:sum"],
        )
        receivables, turnover = receivables or 0.0, turnover or 0.0
        days = reporting.dso(Decimal(str(receivables)), Decimal(str(turnover)))
        return receivables, turnover, days

    def action_recouvrement_aged_balance(self):
        """The current company's aged balance and DSO, printed."""
        return self.env.ref(
            "recouvrement_amiable.action_report_aged_balance"
        ).report_action(self.env.company)

    def _recouvrement_is_real_user(self, user):
        return (
            user.active
            and not user.share
            and user.id != SUPERUSER_ID
            and self in user.company_ids
        )

    def _recouvrement_group_users(self, xmlid):
        # ir.model.data's cached lookup: env.ref() would query the record each time
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(xmlid)
        return self.env["res.groups"].sudo().browse(group_id).users

    def _recouvrement_managers(self):
        return self._recouvrement_group_users(
            "recouvrement_amiable.group_recouvrement_manager"
        )

    def _recouvrement_default_responsible(self):
        """A recovery manager of the company, else an accounting manager of it, else
        a recovery manager of another company or the administrator, never the system
        user."""
        managers = self._recouvrement_managers()
        for users in (
            managers,
            self._recouvrement_group_users("account.group_account_manager"),
        ):
            found = users.sorted("id").filtered(self._recouvrement_is_real_user)[:1]
            if found:
                return found
        admin = self.env["ir.model.data"]._xmlid_to_res_id("base.user_admin")
        return (
            (managers | self.env["res.users"].sudo().browse(admin))
            .filtered(lambda u: u.active and not u.share and u.id != SUPERUSER_ID)
            .sorted("id")[:1]
        )

    def _recouvrement_rates_activity(self, rates):
        """The company's one task about unsure rates: ``rates`` are (kind, semester
        start, "missing" | "unconfirmed")."""
        self.ensure_one()
        label = self.env["recouvrement.rate"]._recouvrement_rates_label(rates)
        return {
            "record": self.partner_id,
            "type": "recouvrement_amiable.mail_activity_type_recouvrement_rate",
            "summary": _("Confirm the reference rates: %(rates)s", rates=label),
            "note": _(
                "Letters that would claim late interest at these rates wait until a "
                "recovery manager records or confirms them with their source "
                "(Banque de France, ECB, Journal officiel) under Recovery > "
                "Reference rates: %(rates)s.",
                rates=label,
            ),
            "user": self._recouvrement_responsible_user("manager"),
        }

    def _recouvrement_data_activity(self, messages=()):
        """The company's one task about invoices whose dates must be corrected before
        they are claimed (due date before the invoice date, payment term beyond the
        legal maximum): it lists all of them, and is refreshed when it exists."""
        self.ensure_one()
        Move = self.env["account.move"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT m.id FROM account_move m
                     JOIN res_partner p ON p.id = m.commercial_partner_id
                    WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
                      AND m.state = 'posted'
                      AND m.payment_state IN ('not_paid', 'partial')
                      AND (m.invoice_date_due < m.invoice_date
                           OR m.invoice_date_due > m.invoice_date + 60)
                 ORDER BY m.invoice_date_due, m.id""",
                company=self.id,
            )
        )
        moves = Move.browse([row[0] for row in self.env.cr.fetchall()])
        problems = [
            problem[0]
            for move in moves
            if (problem := move._recouvrement_check(self, {}, fields.Date.today()))
            and problem[1] == "data"
        ] or list(messages)
        return {
            "record": self.partner_id,
            "type": "recouvrement_amiable.mail_activity_type_recouvrement_issue",
            "summary": _("Recovery: invoices to correct"),
            "note": Markup("<p>%s</p><ul>%s</ul>")
            % (
                _(
                    "These invoices are not claimed until their dates are corrected "
                    "(credit note and new invoice, or a corrected payment term):"
                ),
                Markup("").join(Markup("<li>%s</li>") % p for p in problems),
            ),
            "user": self._recouvrement_responsible_user("manager"),
            "refresh": True,
        }

    def _recouvrement_default_ladder(self):
        self.ensure_one()
        return self.recouvrement_ladder_ids.filtered("is_default")[:1]

    def _recouvrement_policy_values(self):
        """Company defaults of the late interest policy."""
        self.ensure_one()
        return {
            "contractual_rate": legal.percent(self.recouvrement_contractual_rate)
            if self.recouvrement_contractual_rate
            else None,
            "contractual_legal_factor": legal.percent(
                self.recouvrement_contractual_legal_factor
            )
            if self.recouvrement_contractual_legal_factor
            else None,
            "rate_mode": self.recouvrement_rate_mode or legal.MODE_PER_SEMESTER,
            "imputation": self.recouvrement_imputation or legal.IMPUTE_PRINCIPAL_FIRST,
            "indemnity_amount": legal.round_cents(
                legal.percent(self.recouvrement_indemnity_amount)
            ),
        }
