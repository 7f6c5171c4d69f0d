from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import legal, procedure
from .recouvrement_ladder import PROFILE_CLASSES

# Fields of the customer's recovery record in the current company, shown on the
# customer (the record holds them: see ResPartner.recouvrement_debtor_id)
DEBTOR_MIRROR = {
    "recouvrement_profile_class": "profile_class",
    "recouvrement_profile_reason": "profile_reason",
    "recouvrement_profile_date": "profile_date",
    "recouvrement_late_count": "late_count",
    "recouvrement_avg_days_late": "avg_days_late",
    "recouvrement_max_days_late": "max_days_late",
    "recouvrement_overdue_amount": "overdue_amount",
    "recouvrement_overdue_1_30": "overdue_1_30",
    "recouvrement_overdue_31_60": "overdue_31_60",
    "recouvrement_overdue_61_90": "overdue_61_90",
    "recouvrement_overdue_91": "overdue_91",
    "recouvrement_last_payment_date": "last_payment_date",
    "recouvrement_max_stage_id": "max_stage_id",
    "recouvrement_dispute_count": "dispute_count",
    "recouvrement_broken_plan_count": "broken_plan_count",
    "recouvrement_last_contact_date": "last_contact_date",
}
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
        help="Drives the legal regime of recovery: business debtors owe late-payment "
        "penalties from the day after the due date and 40 EUR per invoice "
        "(art. L441-10 C. com.); consumers owe interest at the legal rate from the "
        "formal notice only (art. 1231-6 C. civ.). Defaulted from the partner's data, "
        "editable.",
    )
    legal_form = fields.Char(
        help="SAS, SARL, EI, association, ... printed on formal notices."
    )
    recouvrement_rcs_city = fields.Char(
        "RCS registry",
        help="Town of the commercial court's registry where the company is "
        "registered (RCS Paris 732 829 320): printed on letters and case files.",
    )
    recouvrement_representative_id = fields.Many2one(
        "res.partner",
        string="Legal representative",
        domain="[('parent_id', '=', id), ('is_company', '=', False)]",
        help="The person who legally represents the company (its président, "
        "gérant...): formal notices are sent for their attention, the case file "
        "names them.",
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
    recouvrement_procedure = fields.Selection(
        COLLECTIVE_PROCEDURES,
        string="Collective procedure",
        tracking=True,
        copy=False,
    )
    recouvrement_procedure_opened = fields.Date(
        "Opening judgment of",
        copy=False,
        tracking=True,
        help="Date of the first judgment opening a collective procedure (a later "
        "conversion, e.g. to liquidation, keeps it). On the claims born before it "
        "(delivery or service before the judgment), interest stops running on that "
        "day, for good: the date is kept when the procedure is cleared. The fixed "
        "indemnity stays due on those already late and is not due on those whose "
        "due date is on or after it. Without this date, interest keeps running and "
        "no fixed indemnity is claimed at all.",
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
    recouvrement_debtor_ids = fields.One2many(
        "recouvrement.debtor", "partner_id", string="Recovery records"
    )
    # The debtor profile lives on the customer's recovery record of each company (the
    # nightly run computes it there, never writing the customer's own row, which a
    # person may be editing): shown here for the current company.
    recouvrement_debtor_id = fields.Many2one(
        "recouvrement.debtor",
        compute="_compute_recouvrement_debtor_id",
        string="Recovery record",
    )
    recouvrement_profile_class = fields.Selection(
        PROFILE_CLASSES,
        string="Debtor profile",
        compute="_compute_recouvrement_debtor_id",
        search="_search_recouvrement_profile_class",
    )
    recouvrement_profile_reason = fields.Char(
        "Profile reason", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_profile_date = fields.Date(
        "Profile computed on", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_late_count = fields.Integer(
        "Invoices paid late (24 months)", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_avg_days_late = fields.Float(
        "Average days late", digits=(6, 1), compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_max_days_late = fields.Integer(
        "Worst days late", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_overdue_amount = fields.Float(
        "Overdue now", digits="Account", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_overdue_1_30 = fields.Float(
        "1-30 days", digits="Account", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_overdue_31_60 = fields.Float(
        "31-60 days", digits="Account", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_overdue_61_90 = fields.Float(
        "61-90 days", digits="Account", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_overdue_91 = fields.Float(
        "91+ days", digits="Account", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_last_payment_date = fields.Date(
        "Last payment", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_max_stage_id = fields.Many2one(
        "recouvrement.stage",
        string="Highest stage reached",
        compute="_compute_recouvrement_debtor_id",
    )
    recouvrement_dispute_count = fields.Integer(
        "Disputes", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_broken_plan_count = fields.Integer(
        "Broken payment plans", compute="_compute_recouvrement_debtor_id"
    )
    recouvrement_last_contact_date = fields.Date(
        "Last recovery contact", compute="_compute_recouvrement_debtor_id"
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

    def _compute_recouvrement_debtor_id(self):
        """The recovery record of the commercial partner in the current company."""
        Debtor = self.env["recouvrement.debtor"]
        commercial = self.commercial_partner_id
        debtors = {
            d.partner_id.id: d
            for d in Debtor.search(
                [
                    ("partner_id", "in", commercial.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        }
        for partner in self:
            debtor = debtors.get(partner.commercial_partner_id.id, Debtor)
            partner.recouvrement_debtor_id = debtor
            for name, source in DEBTOR_MIRROR.items():
                partner[name] = debtor[source]

    def _search_recouvrement_profile_class(self, operator, value):
        return [
            (
                "recouvrement_debtor_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("profile_class", operator, value),
                ],
            )
        ]

    def _compute_recouvrement_currency(self):
        for partner in self:
            partner.recouvrement_currency_id = self.env.company.currency_id

    def _compute_recouvrement_counts(self):
        commercial = self.commercial_partner_id
        Event = self.env["recouvrement.event"]
        events = (
            dict(
                Event._read_group(
                    [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
                )
            )
            if Event.has_access("read")  # the log is the recovery users'
            else {}
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
            "recouvrement_procedure_opened",
            "recouvrement_procedure_date",
        ]

    @api.constrains("recouvrement_procedure_opened", "recouvrement_procedure_date")
    def _check_recouvrement_procedure_dates(self):
        today = fields.Date.context_today(self)
        for partner in self:
            opened = partner.recouvrement_procedure_opened
            published = partner.recouvrement_procedure_date
            if (opened and opened > today) or (published and published > today):
                raise ValidationError(
                    _(
                        "%(partner)s: a judgment and its publication are recorded "
                        "once they happened, not in the future.",
                        partner=partner.display_name,
                    )
                )
            if opened and published and published < opened:
                raise ValidationError(
                    _(
                        "%(partner)s: the BODACC publishes the judgment after it is "
                        "given: %(published)s is before %(opened)s.",
                        partner=partner.display_name,
                        published=published.strftime("%d/%m/%Y"),
                        opened=opened.strftime("%d/%m/%Y"),
                    )
                )

    def write(self, vals):
        procedure_set = vals.get("recouvrement_procedure") and self.filtered(
            lambda p: not p.recouvrement_procedure
        )
        res = super().write(vals)
        if procedure_set:
            procedure_set._recouvrement_on_collective_procedure()
        if {"recouvrement_excluded", "recouvrement_ladder_id", "debtor_type"} & set(
            vals
        ):
            self.env["recouvrement.debtor"]._recouvrement_replan(
                [("partner_id", "in", self.commercial_partner_id.ids)]
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

    def _recouvrement_letter_lang(self):
        """The language of the letters and emails to this partner: its own when set
        and installed; otherwise French for a partner in France (or with no country,
        of a company in France) when French is installed, else the user's."""
        self.ensure_one()
        # English is the source language: always there, even when not listed
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        installed.add("en_US")
        partner = self if self.lang else self.commercial_partner_id
        if partner.lang in installed:
            return partner.lang
        country = self.country_id or self.commercial_partner_id.country_id
        country = country or self.env.company.country_id
        if country.code == "FR" and "fr_FR" in installed:
            return "fr_FR"
        return self.env.lang or "en_US"

    def _recouvrement_registration(self):
        """The SIREN as printed: in groups of three (732 829 320)."""
        self.ensure_one()
        return procedure.format_registration(self._recouvrement_siren())

    def _recouvrement_one_line_address(self):
        """The postal address on one line, as a letter's footer prints it:
        "18 rue de la Paix, 75002 Paris" (the country when it is not France)."""
        self.ensure_one()
        town = " ".join(p for p in (self.zip, self.city) if p)
        parts = [self.street, self.street2, town]
        if self.country_id and self.country_id.code != "FR":
            parts.append(self.country_id.name)
        return ", ".join(" ".join(p.split()) for p in parts if p and p.strip())

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

    def _recouvrement_policy(self, company):
        """The late interest policy (legal.InterestPolicy) for this debtor in
        ``company``.

        :raise legal.LegalComputationError: public body, unknown debtor type.
        """
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
        return legal.InterestPolicy(
            debtor_type=partner.debtor_type or legal.B2C,
            indemnity_blocked=bool(
                partner.recouvrement_procedure
                and not partner.recouvrement_procedure_opened
            ),
            # the judgment stops the interest for good, even once the procedure
            # ends (a plan adopted, the procedure cleared here)
            procedure_opened=partner.recouvrement_procedure_opened or None,
            **values,
        )

    def _recouvrement_on_collective_procedure(self):
        """A collective procedure concerns the legal person, whichever company of the
        database sells to it: every company's letters not sent yet are cancelled,
        its invoices leave the ladder, and each company gets its "declare the claim"
        task with the deadline (2 months from the BODACC publication, art. L622-24,
        R622-24 C. com.).

        Sudo: the person recording the judgment may work in one company only; the
        judgment binds the creditor in all of them.
        """
        Move = self.env["account.move"].sudo()
        moves = Move.search(
            Move._recouvrement_open_domain()
            + [("commercial_partner_id", "in", self.commercial_partner_id.ids)]
        )
        items = []
        for company, company_moves in moves.grouped("company_id").items():
            company_moves.with_company(company)._recouvrement_stop_for_procedure()
            for partner in company_moves.commercial_partner_id:
                debtor = company_moves.filtered(
                    lambda m, p=partner: m.commercial_partner_id == p
                ).recouvrement_debtor_id[:1]
                deadline = legal.add_months(
                    partner.recouvrement_procedure_date
                    or fields.Date.context_today(self),
                    2,
                )
                message = _(
                    "%(partner)s is under a collective procedure: declare the claim "
                    "of %(company)s to the judicial representative within 2 months of "
                    "the BODACC publication (art. L622-24, R622-24 C. com.), by "
                    "%(date)s at the latest.",
                    partner=partner.display_name,
                    company=company.name,
                    date=deadline.strftime("%d/%m/%Y"),
                )
                items.append(
                    {
                        "record": debtor,
                        "type": "recouvrement_amiable."
                        "mail_activity_type_recouvrement_declare_claim",
                        "summary": _(
                            "Declare the claim by %(date)s",
                            date=deadline.strftime("%d/%m/%Y"),
                        ),
                        "note": message,
                        "user": company._recouvrement_responsible_user("manager"),
                        "deadline": deadline,
                    }
                )
        self.env["mail.activity"]._recouvrement_notify(items)

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
        Move = self.env["account.move"]
        moves = Move.search(
            Move._recouvrement_open_domain()
            + [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        )
        if not moves:
            raise UserError(
                _("%(partner)s has no open invoice.", partner=self.display_name)
            )
        return moves.action_recouvrement_claim()
