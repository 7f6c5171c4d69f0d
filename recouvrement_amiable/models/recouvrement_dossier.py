"""The case file handed to a commissaire de justice or a lawyer: a record of its own.

Draft: the invoices, the claim stored at creation, the exhibits planned in the order
of the bordereau (numbered from 1) and the checks, each a line saying what to do.
Ready: no blocking check is left open (or a manager overrode it with a written
reason); the exhibits are rendered, hashed and packed into a byte-reproducible ZIP.
Sent: the recipient has it; the invoices are transferred and an event records it.
Only the recovery managers of its company see it.
"""

from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import procedure
from . import evidence
from .recouvrement_event_email import company_tz, flatten_headings

DOSSIER_STATES = [("draft", "Draft"), ("ready", "Ready"), ("sent", "Sent")]
RECIPIENT_KINDS = [
    ("commissaire", "Commissaire de justice"),
    ("avocat", "Lawyer"),
]
PROCEDURES = [
    (procedure.SMALL_CLAIMS, "Simplified recovery of small claims (L125-1 CPCE)"),
    (procedure.ORDER_FOR_PAYMENT, "Order for payment (injonction de payer)"),
    (procedure.MERITS, "Summons on the merits (disputed claim)"),
]
COURTS = [
    (procedure.COURT_TAE, "Tribunal des activités économiques"),
    (procedure.COURT_COMMERCE, "Tribunal de commerce"),
    (procedure.COURT_JUDICIAIRE, "Tribunal judiciaire"),
    (
        procedure.COURT_JUDICIAIRE_COMMERCIAL,
        "Tribunal judiciaire, chambre commerciale",
    ),
]
DEBTOR_CATEGORIES = [
    (procedure.COMMERCIAL_COMPANY, "Commercial company"),
    (procedure.TRADER, "Trader or craftsman"),
    (procedure.NON_TRADER, "Professional, not a trader"),
    (procedure.INDIVIDUAL, "Individual (consumer)"),
]
# What a person may still change once the case file is created
FREE_FIELDS = frozenset({"recipient_id", "recipient_kind"})
MANAGER = "recouvrement_amiable.group_recouvrement_manager"


class RecouvrementDossier(models.Model):
    _name = "recouvrement.dossier"
    _description = "Recovery case file"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Reference", readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    debtor_id = fields.Many2one(
        "recouvrement.debtor",
        string="Customer in recovery",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    partner_id = fields.Many2one(
        related="debtor_id.partner_id", store=True, string="Customer"
    )
    move_ids = fields.Many2many(
        "account.move",
        "recouvrement_dossier_move_rel",
        "dossier_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    date = fields.Date(
        "Claim at",
        required=True,
        readonly=True,
        help="The day the claim is computed and the case file dated.",
    )
    recipient_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        tracking=True,
        help="The commissaire de justice or the lawyer the case file is for.",
    )
    recipient_kind = fields.Selection(
        RECIPIENT_KINDS, string="Recipient is", default="commissaire", tracking=True
    )
    state = fields.Selection(
        DOSSIER_STATES, default="draft", required=True, readonly=True, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    claim_principal = fields.Monetary("Principal", readonly=True)
    claim_interest = fields.Monetary("Interest", readonly=True)
    claim_indemnities = fields.Monetary("Fixed indemnities", readonly=True)
    claim_credits = fields.Monetary("Credits not allocated", readonly=True)
    claim_total = fields.Monetary("Total claimed", readonly=True)
    claim_disputed = fields.Monetary("Disputed, apart", readonly=True)
    exhibit_ids = fields.One2many(
        "recouvrement.dossier.exhibit", "dossier_id", string="Exhibits", readonly=True
    )
    check_ids = fields.One2many(
        "recouvrement.dossier.check", "dossier_id", string="Checks", readonly=True
    )
    exhibit_count = fields.Integer(compute="_compute_counts")
    blocking_count = fields.Integer("To solve", compute="_compute_counts")
    zip_file = fields.Binary(
        "Case file (ZIP)",
        attachment=True,
        readonly=True,
        copy=False,
        groups=MANAGER,
    )
    zip_filename = fields.Char(readonly=True, copy=False)
    zip_sha256 = fields.Char("ZIP SHA-256", readonly=True, copy=False)
    ready_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    ready_on = fields.Datetime(readonly=True, copy=False)
    sent_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    sent_date = fields.Date("Sent on", readonly=True, copy=False)
    event_id = fields.Many2one(
        "recouvrement.event", string="Transmission event", readonly=True, copy=False
    )
    debtor_category = fields.Selection(DEBTOR_CATEGORIES, compute="_compute_suggestion")
    suggested_procedure = fields.Selection(PROCEDURES, compute="_compute_suggestion")
    suggested_court = fields.Selection(COURTS, compute="_compute_suggestion")
    suggestion = fields.Text(
        "Procedure and court (to confirm)", compute="_compute_suggestion"
    )

    @api.depends("exhibit_ids", "check_ids.state", "check_ids.blocking")
    def _compute_counts(self):
        for dossier in self:
            dossier.exhibit_count = len(dossier.exhibit_ids)
            dossier.blocking_count = len(
                dossier.check_ids.filtered(lambda c: c.blocking and c.state == "open")
            )

    @api.depends(
        "partner_id.debtor_type",
        "partner_id.legal_form",
        "partner_id.city",
        "partner_id.zip",
        "claim_total",
        "claim_indemnities",
        "claim_disputed",
    )
    def _compute_suggestion(self):
        for dossier in self:
            found = dossier._recouvrement_suggestion()
            if not found:
                dossier.update(
                    {
                        "debtor_category": False,
                        "suggested_procedure": False,
                        "suggested_court": False,
                        "suggestion": False,
                    }
                )
                continue
            category, suggestion = found
            dossier.debtor_category = category
            dossier.suggested_procedure = suggestion.procedure
            dossier.suggested_court = suggestion.court
            dossier.suggestion = "\n".join(dossier._recouvrement_suggestion_lines())

    # ------------------------------------------------------------------
    # Creation and protection
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._recouvrement_check_manager()
        for vals in vals_list:
            vals.setdefault("date", fields.Date.context_today(self))
            vals["state"] = "draft"
            for name in ("zip_file", "zip_sha256", "event_id", "sent_date"):
                vals.pop(name, None)
        with evidence.transition():
            dossiers = super().create(vals_list)
            for dossier in dossiers:
                dossier.name = self.env["ir.sequence"].next_by_code(
                    "recouvrement.dossier"
                ) or _("Case file %(id)s", id=dossier.id)
            dossiers._recouvrement_prepare()
        return dossiers

    def write(self, vals):
        if not evidence.in_transition():
            self.check_access("write")  # no right: an access error first
            mail_fields = set(self.env["mail.thread"]._fields)
            written = set(vals) - FREE_FIELDS - mail_fields
            if written or (
                set(vals) & FREE_FIELDS and any(d.state == "sent" for d in self)
            ):
                raise UserError(
                    _(
                        "A case file changes only through its actions (check again, "
                        "mark ready, mark sent); its recipient may change until it "
                        "is sent."
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never_sent(self):
        if any(dossier.state == "sent" for dossier in self):
            raise UserError(
                _(
                    "A case file sent to a commissaire de justice or a lawyer is "
                    "kept: it cannot be deleted."
                )
            )

    def unlink(self):
        self._recouvrement_check_manager()
        self._unlink_never_sent()
        with evidence.transition():
            self.exhibit_ids.unlink()  # their files with them
            return super().unlink()

    def _recouvrement_check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only recovery managers can handle case files."))

    # ------------------------------------------------------------------
    # Invoices of a case file
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_default_moves(self, partner, company):
        """The customer's invoices a case file claims: all its overdue open invoices
        (those the ladder has not reached yet too: the whole debt goes to the
        commissaire de justice; a check says which no formal notice claimed)."""
        today = fields.Date.context_today(self)
        Move = self.env["account.move"]
        return Move.search(
            Move._recouvrement_open_domain()
            + [
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("recouvrement_state", "!=", "closed"),
                ("recouvrement_excluded", "=", False),
                ("invoice_date_due", "<", today),
            ],
            order="invoice_date_due, name",
        )

    def _recouvrement_check_moves(self):
        """Clear errors for invoices a case file cannot claim."""
        for dossier in self:
            moves = dossier.move_ids
            if not moves:
                raise UserError(
                    _("Select at least one overdue customer invoice for the case file.")
                )
            wrong = moves.filtered(
                lambda m: m.move_type != "out_invoice" or m.state != "posted"
            )
            if wrong:
                raise UserError(
                    _(
                        "Only posted customer invoices go into a case file: %(moves)s.",
                        moves=", ".join(wrong.mapped("display_name")),
                    )
                )
            others = moves.filtered(
                lambda m, d=dossier: m.commercial_partner_id != d.partner_id
                or m.company_id != d.company_id
            )
            if others:
                raise UserError(
                    _(
                        "A case file concerns one customer of one company: "
                        "%(moves)s belong to another.",
                        moves=", ".join(others.mapped("name")),
                    )
                )
            paid = moves.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
            if paid:
                raise UserError(
                    _(
                        "These invoices are paid: %(moves)s.",
                        moves=", ".join(paid.mapped("name")),
                    )
                )
            not_due = moves.filtered(
                lambda m, d=dossier: (m.invoice_date_due or m.invoice_date) >= d.date
            )
            if not_due:
                raise UserError(
                    _(
                        "These invoices are not due yet: %(moves)s. A case file "
                        "claims overdue invoices only.",
                        moves=", ".join(not_due.mapped("name")),
                    )
                )

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------
    def _recouvrement_prepare(self):
        """(Re)compute a draft case file: its date, claim, exhibits and checks."""
        for dossier in self:
            if dossier.state != "draft":
                raise UserError(_("Only a draft case file is checked again."))
            # its exhibits' titles and checks are written in the case file's language
            dossier = dossier.with_context(lang=dossier._recouvrement_lang())
            with evidence.transition():
                dossier.date = fields.Date.context_today(dossier)
                dossier._recouvrement_check_moves()
                claim = dossier._recouvrement_claim()
                dossier.write(
                    {
                        "claim_principal": float(claim.principal),
                        "claim_interest": float(claim.interest),
                        "claim_indemnities": float(claim.indemnities),
                        "claim_credits": float(claim.credits_total),
                        "claim_total": float(claim.total),
                        "claim_disputed": float(claim.disputed_total),
                    }
                )
                dossier._recouvrement_plan_exhibits()
                dossier._recouvrement_update_checks(claim)

    def _recouvrement_claim(self):
        self.ensure_one()
        return self.move_ids.with_context(
            lang=self._recouvrement_lang()
        )._recouvrement_claim(self.date)

    def _recouvrement_lang(self):
        """Case files are in French (courts work in French) when it is installed."""
        return "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang

    def action_check(self):
        """Check again: the date becomes today, the claim, exhibits and checks are
        computed again (a proof attached since, an invoice paid...)."""
        self._recouvrement_check_manager()
        self._recouvrement_prepare()
        return True

    def action_ready(self):
        """Render the exhibits and pack the ZIP, once nothing blocks."""
        self._recouvrement_check_manager()
        for dossier in self:
            if dossier.state != "draft":
                raise UserError(_("Only a draft case file can be made ready."))
            dossier._recouvrement_prepare()
            blocking = dossier.check_ids.filtered(
                lambda c: c.blocking and c.state == "open"
            )
            if blocking:
                raise UserError(
                    _(
                        "The case file %(name)s is not ready:\n%(problems)s",
                        name=dossier.name,
                        problems="\n".join(f"- {c.message}" for c in blocking),
                    )
                )
            with evidence.transition():
                dossier._recouvrement_build()
                dossier.write(
                    {
                        "state": "ready",
                        "ready_by_id": self.env.user.id,
                        "ready_on": fields.Datetime.now(),
                    }
                )
        return True

    def action_draft(self):
        """Back to draft (a ready case file not sent yet): its ZIP is dropped."""
        self._recouvrement_check_manager()
        for dossier in self:
            if dossier.state != "ready":
                raise UserError(_("Only a ready case file not sent yet goes back."))
            with evidence.transition():
                dossier.exhibit_ids.write({"file": False})
                dossier.write(
                    {
                        "state": "draft",
                        "zip_file": False,
                        "zip_sha256": False,
                        "ready_by_id": False,
                        "ready_on": False,
                    }
                )
                dossier._recouvrement_prepare()
        return True

    def action_send(self):
        """The case file was handed to its recipient: the invoices leave the ladder
        (transferred) and the recovery log records it."""
        self._recouvrement_check_manager()
        for dossier in self:
            if dossier.state != "ready":
                raise UserError(_("Make the case file ready before sending it."))
            if not dossier.recipient_id:
                raise UserError(
                    _("Say to which commissaire de justice or lawyer it goes.")
                )
            today = fields.Date.context_today(dossier)
            summary = _(
                "Case file %(name)s (%(count)s exhibits, invoices %(invoices)s) "
                "transmitted to %(recipient)s.",
                name=dossier.name,
                count=len(dossier.exhibit_ids),
                invoices=", ".join(dossier.move_ids.mapped("name")),
                recipient=dossier.recipient_id.display_name,
            )
            with evidence.transition():
                event = dossier.move_ids._recouvrement_log_events(
                    "export",
                    summary,
                    today,
                    user_id=self.env.user.id,
                    dossier_id=dossier.id,
                )[:1]
                dossier.write(
                    {
                        "state": "sent",
                        "sent_date": today,
                        "sent_by_id": self.env.user.id,
                        "event_id": event.id,
                    }
                )
            dossier.move_ids._recouvrement_mark_transferred()
            # no amount in the customer's chatter (every recovery user reads it)
            dossier.debtor_id._message_log(
                body=_(
                    "%(summary)s Case file %(dossier)s.",
                    summary=summary,
                    dossier=dossier._get_html_link(),
                )
            )
        return True

    def action_download(self):
        self.ensure_one()
        self._recouvrement_check_manager()
        if not self.zip_sha256:
            raise UserError(_("Make the case file ready first: its ZIP is built then."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/recouvrement.dossier/{self.id}/zip_file/"
            f"{self.zip_filename}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    def _recouvrement_update_checks(self, claim):
        """Bring the checks to what is found now: a check that still applies stays
        (with its override, if the law lets one stand), new ones are added, solved
        ones disappear."""
        self.ensure_one()
        found = self._recouvrement_find_checks(claim)
        existing = {check.key: check for check in self.check_ids}
        keep = self.env["recouvrement.dossier.check"]
        creates = []
        for sequence, item in enumerate(found, start=1):
            check = existing.get(item["key"])
            values = dict(item, sequence=sequence)
            if not check:
                creates.append(dict(values, dossier_id=self.id))
                continue
            if check.state == "overridden" and not item["overridable"]:
                values.update(state="open", reason=False)
            check.write(values)
            keep |= check
        (self.check_ids - keep).unlink()
        self.env["recouvrement.dossier.check"].create(creates)

    def _recouvrement_notices(self):
        """The formal notices sent about these invoices, latest first."""
        return self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", self.move_ids.ids),
                ("stage_id.kind", "=", "mise_en_demeure"),
                ("event_type", "=", "stage"),  # not a correction of one
                ("state", "=", "done"),
            ],
            order="date desc, id desc",
        )

    def _recouvrement_find_checks(self, claim):
        """[{key, kind, message, blocking, overridable}]: what stands between this
        case file and a commissaire de justice, each saying what to do."""
        self.ensure_one()
        checks = []

        def add(key, kind, message, blocking=True, overridable=True):
            checks.append(
                {
                    "key": key,
                    "kind": kind,
                    "message": message,
                    "blocking": blocking,
                    "overridable": overridable,
                }
            )

        fmt = self.env["account.move"]._recouvrement_format_helpers(
            self.env.lang, self.currency_id
        )["fdate"]
        notices = self._recouvrement_notices()
        notice = notices[:1]
        if not notice:
            add(
                "notice:none",
                "notice",
                _(
                    "No formal notice was sent for these invoices. Send one (stage "
                    "Mise en demeure) and wait for its deadline, or give the reason "
                    "the case file goes without it."
                ),
            )
        elif not notice.receipt_date:
            add(
                f"notice:{notice.id}:receipt",
                "notice",
                _(
                    "The delivery of the formal notice %(ref)s (posted on %(date)s) "
                    "is not recorded: its deadline is unknown. Record its "
                    "acknowledgement of receipt or first presentation.",
                    ref=notice.name,
                    date=fmt(notice.sent_date or notice.date),
                ),
            )
        elif (deadline := notice._recouvrement_notice_end()) and deadline >= self.date:
            add(
                f"notice:{notice.id}:deadline",
                "notice",
                _(
                    "The formal notice %(ref)s gives the debtor until %(deadline)s to "
                    "pay: the case file can be ready from %(next)s. Wait, or give "
                    "the reason not to (risk of a procedure started too early).",
                    ref=notice.name,
                    deadline=fmt(deadline),
                    next=fmt(deadline + timedelta(days=1)),
                ),
            )
        uncovered = self.move_ids - notices.move_ids
        if notices and uncovered:
            add(
                "notice:uncovered",
                "notice",
                _(
                    "No formal notice claimed %(moves)s: the claim on them rests on "
                    "the reminders only.",
                    moves=", ".join(uncovered.mapped("name")),
                ),
                blocking=False,
            )
        for event in self._recouvrement_correspondence().filtered("channel_registered"):
            if not event.tracking_number:
                add(
                    f"proof:{event.id}:number",
                    "proof",
                    _(
                        "The registered letter %(ref)s has no number: record it "
                        "(Record registered letter sent, or a correction).",
                        ref=event.name,
                    ),
                    overridable=False,
                )
            if not event.receipt_attachment_id:
                add(
                    f"proof:{event.id}:receipt",
                    "proof",
                    _(
                        "Attach to %(ref)s the scan of its signed acknowledgement of "
                        "receipt, or the post's proof that it was notified and not "
                        "collected (button Attach a proof on the event).",
                        ref=event.name,
                    ),
                    overridable=False,
                )
        for exhibit in self.exhibit_ids.filtered("missing"):
            if exhibit.kind == "receipt":
                continue  # the proof check above says what to do
            add(
                f"missing:{exhibit.key}",
                "missing",
                _(
                    "Exhibit %(number)s is missing: %(expected)s Acknowledge that the "
                    "case file goes without it, or add it and check again.",
                    number=exhibit.number,
                    expected=exhibit.expected or exhibit.title,
                ),
            )
        for kind, start in claim.unconfirmed_rates:
            add(
                f"rate:{kind}:{start}",
                "rate",
                _(
                    "The reference rate of the semester starting %(date)s is not "
                    "confirmed: a recovery manager confirms it (Configuration > "
                    "Reference rates) before a case file claims interest on it.",
                    date=fmt(start),
                ),
                overridable=False,
            )
        if self.partner_id.debtor_type != "b2c" and not (
            self.partner_id._recouvrement_siren()
        ):
            add(
                "siren",
                "debtor",
                _(
                    "%(partner)s has no SIREN: the debtor sheet says so; complete it "
                    "before a request is filed.",
                    partner=self.partner_id.display_name,
                ),
                blocking=False,
            )
        regenerated = self.exhibit_ids.filtered("regenerated")
        if regenerated:
            add(
                "invoice:duplicates",
                "invoice",
                _(
                    "No PDF sent to the customer was found for %(moves)s: a duplicate "
                    "printed now goes in the case file, titled so.",
                    moves=", ".join(regenerated.move_id.mapped("name")),
                ),
                blocking=False,
            )
        return checks

    # ------------------------------------------------------------------
    # Procedure and court: a suggestion for the lawyer
    # ------------------------------------------------------------------
    def _recouvrement_suggestion(self):
        """(debtor category, procedure.Suggestion), None for a public body."""
        self.ensure_one()
        partner = self.partner_id
        if not partner or partner.debtor_type == "public":
            return None
        category = procedure.category(partner.debtor_type, partner.legal_form or "")
        amount = self.claim_total - self.claim_indemnities
        suggestion = procedure.suggest(
            category,
            round(amount, 2),
            bool(self.claim_disputed),
            partner.city or "",
            partner.zip or "",
        )
        return category, suggestion

    def _recouvrement_suggestion_lines(self):
        """The suggestion in words, for the screen and the cover note."""
        self.ensure_one()
        found = self._recouvrement_suggestion()
        if not found:
            return []
        category, suggestion = found
        labels = {
            "category": dict(DEBTOR_CATEGORIES),
            "procedure": dict(PROCEDURES),
            "court": dict(COURTS),
        }
        env = self.env

        def label(kind, code):
            field = {
                "category": "debtor_category",
                "procedure": "suggested_procedure",
                "court": "suggested_court",
            }[kind]
            return dict(self._fields[field]._description_selection(env)).get(
                code, labels[kind].get(code, code)
            )

        amount = self.env["account.move"]._recouvrement_format_helpers(
            env.lang, self.currency_id
        )["amount"]
        lines = [
            _("Debtor: %(category)s.", category=label("category", category)),
            _(
                "Procedure: %(procedure)s.",
                procedure=label("procedure", suggestion.procedure),
            ),
        ]
        if suggestion.procedure == procedure.SMALL_CLAIMS:
            lines.append(
                _(
                    "Principal and interest of %(amount)s, under the ceiling of "
                    "%(ceiling)s (art. R125-1 CPCE): a commissaire de justice invites "
                    "the debtor to agree within one month; failing that, order for "
                    "payment.",
                    amount=amount(self.claim_total - self.claim_indemnities),
                    ceiling=amount(float(procedure.SMALL_CLAIMS_CEILING)),
                )
            )
        elif suggestion.procedure == procedure.MERITS:
            lines.append(
                _(
                    "Part of the claim is disputed (%(amount)s): an order for payment "
                    "needs a claim that is certain; a summons on the merits fits a "
                    "dispute.",
                    amount=amount(self.claim_disputed),
                )
            )
        else:
            lines.append(
                _(
                    "Principal and interest of %(amount)s: an order for payment (art. "
                    "1405 s. CPC) has no ceiling.",
                    amount=amount(self.claim_total - self.claim_indemnities),
                )
            )
        court = label("court", suggestion.court)
        if suggestion.seat:
            lines.append(
                _(
                    "Court of the order for payment: %(court)s whose district covers "
                    "the registered office, %(seat)s (art. 1406 CPC); form %(form)s.",
                    court=court,
                    seat=suggestion.seat,
                    form=suggestion.form,
                )
            )
        else:
            lines.append(
                _(
                    "Court of the order for payment: %(court)s of the debtor's "
                    "registered office (unknown: complete the address); form "
                    "%(form)s.",
                    court=court,
                    form=suggestion.form,
                )
            )
        if suggestion.lawyer_on_opposition:
            lines.append(
                _(
                    "Above 10 000 EUR, a lawyer is required if the debtor opposes "
                    "the order."
                )
            )
        lines.append(_("To be confirmed by counsel."))
        return lines

    # ------------------------------------------------------------------
    # Recipient-facing helpers
    # ------------------------------------------------------------------
    def _recouvrement_correspondence(self):
        """The events of the debtor about these invoices that sent something: the
        letters and emails of the ladder, in date order."""
        self.ensure_one()
        return self.env["recouvrement.event"].search(
            [
                ("debtor_id", "=", self.debtor_id.id),
                ("event_type", "=", "stage"),
                ("state", "in", ("done", "queued")),
                "|",
                ("move_ids", "in", self.move_ids.ids),
                ("move_ids", "=", False),
            ],
            order="date, id",
        )

    def _recouvrement_log_events(self):
        """Everything the recovery log holds for the debtor about these invoices
        (calls, pauses, disputes, corrections...), transmissions apart."""
        self.ensure_one()
        return self.env["recouvrement.event"].search(
            [
                ("debtor_id", "=", self.debtor_id.id),
                ("state", "!=", "cancelled"),
                ("event_type", "!=", "export"),
                "|",
                ("move_ids", "in", self.move_ids.ids),
                ("move_ids", "=", False),
            ],
            order="date, id",
        )

    def _recouvrement_helpers(self):
        """Formatting in the case file's language, plus what its documents need."""
        helpers = dict(
            self.env["account.move"]._recouvrement_format_helpers(
                self.env.lang, self.currency_id
            )
        )
        tz = company_tz(self.company_id)

        def fdatetime(value):
            if not value:
                return ""
            local = pytz.utc.localize(value).astimezone(tz)
            return local.strftime("%d/%m/%Y %H:%M")

        fdate, amount = helpers["fdate"], helpers["amount"]

        def period(p):
            return self.env._(
                "from %(start)s to %(end)s (%(days)s days / %(basis)s) on "
                "%(principal)s at %(rate)s",
                start=fdate(p.start),
                end=fdate(p.end),
                days=p.days,
                basis=p.basis,
                principal=amount(p.principal),
                rate=helpers["rate_label"](p.rate),
            )

        def registered(event):
            parts = []
            if event.tracking_number:
                parts.append(self.env._("No. %(number)s", number=event.tracking_number))
            if event.sent_date:
                parts.append(
                    self.env._("posted on %(date)s", date=fdate(event.sent_date))
                )
            if event.receipt_date and event.receipt_kind == "unclaimed":
                parts.append(
                    self.env._(
                        "presented on %(date)s, not collected",
                        date=fdate(event.receipt_date),
                    )
                )
            elif event.receipt_date:
                parts.append(
                    self.env._("received on %(date)s", date=fdate(event.receipt_date))
                )
            return ", ".join(parts)

        helpers.update(
            {
                "registration": procedure.format_registration,
                "fdatetime": fdatetime,
                "flat": lambda body: Markup(flatten_headings(str(body or ""))),
                "period": period,
                "registered": registered,
                "texts": self._recouvrement_texts(fdate, amount),
            }
        )
        return helpers

    def _recouvrement_texts(self, fdate, amount):
        """The sentences of the case file's documents that hold values (whole
        sentences, so that translations can order them)."""
        company, partner = self.company_id, self.partner_id
        signatory = company.recouvrement_signatory_id
        return {
            "drawn_up": _(
                "Drawn up at %(city)s, on %(date)s.",
                city=company.city or "",
                date=fdate(self.date),
            ),
            "for_company": _("For %(company)s,", company=company.name),
            "signatory": signatory
            and ", ".join(
                x for x in (signatory.name, signatory.partner_id.function) if x
            ),
            "claim_at": _(
                "Claim at %(date)s: %(total)s (case file %(name)s)",
                date=fdate(self.date),
                total=amount(self.claim_total),
                name=self.name,
            ),
            "claim_intro": _(
                "Claim of %(company)s against %(partner)s, stated at %(date)s.",
                company=company.name,
                partner=partner.name,
                date=fdate(self.date),
            ),
            "statement_intro": _(
                "Account of %(partner)s with %(company)s, limited to the invoices "
                "claimed, each with what was paid on it; the other open items of the "
                "account follow, then the reconciliation with the account's balance.",
                partner=partner.name,
                company=company.name,
            ),
            "balance": _(
                "Balance of the customer's account at %(date)s", date=fdate(self.date)
            ),
            "log_intro": _(
                "Every reminder, letter, call and decision recorded for %(partner)s "
                "about these invoices, in date order.",
                partner=partner.name,
            ),
            "prepared": _("Prepared on %(date)s.", date=fdate(self.date)),
            "claim_title": _("Claim at %(date)s", date=fdate(self.date)),
        }

    def _recouvrement_messages(self):
        """What the customer and the company wrote each other about the invoices
        (the chatters of the invoices and of the customer; internal notes apart)."""
        partner = self.partner_id
        return self.env["mail.message"].search(
            [
                "|",
                "&",
                ("model", "=", "account.move"),
                ("res_id", "in", self.move_ids.ids),
                "&",
                ("model", "=", "res.partner"),
                ("res_id", "in", (partner | partner.child_ids).ids),
                ("message_type", "in", ("email", "comment")),
                ("subtype_id.internal", "=", False),
            ],
            order="date, id",
        )

    @api.model
    def _recouvrement_create_for(self, partner, moves, recipient=None):
        """The case file of ``moves`` (default: the customer's overdue invoices in
        recovery) of the commercial ``partner``, in draft."""
        partner = partner.commercial_partner_id
        company = moves.company_id[:1] or self.env.company
        moves = moves or self._recouvrement_default_moves(partner, company)
        if not moves:
            raise UserError(
                _(
                    "%(partner)s has no overdue invoice in recovery: nothing to put "
                    "in a case file.",
                    partner=partner.display_name,
                )
            )
        debtor = moves.recouvrement_debtor_id[:1] or self.env[
            "recouvrement.debtor"
        ]._recouvrement_get([(company.id, partner.id)]).get((company.id, partner.id))
        return self.create(
            {
                "company_id": company.id,
                "debtor_id": debtor.id,
                "move_ids": [Command.set(moves.ids)],
                "recipient_id": recipient.id if recipient else False,
            }
        )
