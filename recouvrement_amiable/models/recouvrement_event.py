import hashlib
import logging
from dataclasses import replace
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, format_date

from .. import decision, legal
from . import evidence
from .constants import (
    CONTACT_EVENT_STATES,
    LETTER_STAGE_KINDS,
    OPEN_EVENT_STATES,
    PAID_STATES,
)
from .recouvrement_stage import CHANNEL_FIELDS

_logger = logging.getLogger(__name__)
ISSUE_ACTIVITY = "recouvrement_amiable.mail_activity_type_recouvrement_issue"
# Fields anyone allowed to write events may change by hand: free texts, archiving
FREE_FIELDS = frozenset({"note", "cost", "active"})
# ... and, on a step waiting for validation, a recovery manager: its recipient
DRAFT_FIELDS = frozenset({"contact_id", "lang", "email_to"})

EVENT_TYPES = [
    ("stage", "Stage"),
    ("call", "Call"),
    ("registered_sent", "Registered letter sent"),
    ("receipt", "Acknowledgement of receipt"),
    ("pause", "Pause"),
    ("dispute", "Dispute"),
    ("resume", "Resume"),
    ("payment_plan", "Payment plan"),
    ("mediation", "Mediation"),
    ("procedure", "Collective procedure"),
    ("export", "Case file transmitted"),
    ("closed", "Recovery closed"),
    ("issue", "Problem"),
    ("correction", "Correction"),
]
EVENT_STATES = [
    ("to_validate", "To validate"),
    ("to_post", "To post"),
    ("pending", "Pending"),
    ("queued", "Email queued"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
RECEIPT_KINDS = [
    ("signed", "Signed acknowledgement of receipt"),
    ("unclaimed", "Notified, not collected"),
]
CALL_OUTCOMES = [
    ("reached", "Reached"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("unreachable", "Unreachable"),
]


class RecouvrementEvent(models.Model):
    """The correspondence log: one row per thing done or sent to a debtor.

    This is the evidence a judge or a commissaire de justice weighs: only the
    recovery actions write it (see evidence.py), each stamping who and when from the
    server; nobody deletes an event that left the validation queue (archiving hides
    it); a mistake is corrected by a new event that references the one it corrects.
    """

    _name = "recouvrement.event"
    _description = "Recovery event"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Reference", readonly=True, copy=False, default="/")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        help="The commercial entity the event concerns.",
        readonly=True,
    )
    debtor_id = fields.Many2one(
        "recouvrement.debtor",
        string="Debtor",
        index=True,
        check_company=True,
        readonly=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Addressed to",
        check_company=True,
        help="Recipient contact.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "recouvrement_event_account_move_rel",
        "event_id",
        "move_id",
        string="Invoices",
        check_company=True,
        readonly=True,
    )
    upcoming_move_ids = fields.Many2many(
        "account.move",
        "recouvrement_event_upcoming_move_rel",
        "event_id",
        "move_id",
        string="Invoices not yet due",
        check_company=True,
        help="Open invoices not yet due when the letter was written: mentioned apart, "
        "not claimed.",
        readonly=True,
    )
    move_count = fields.Integer(compute="_compute_move_count")
    stage_id = fields.Many2one(
        "recouvrement.stage", index=True, check_company=True, readonly=True
    )
    stage_kind = fields.Selection(related="stage_id.kind")
    call_script = fields.Html(related="stage_id.call_script")
    event_type = fields.Selection(
        EVENT_TYPES, required=True, default="stage", index=True, readonly=True
    )
    date = fields.Date(
        required=True, default=fields.Date.context_today, index=True, readonly=True
    )
    state = fields.Selection(
        EVENT_STATES,
        required=True,
        default="done",
        tracking=True,
        index=True,
        readonly=True,
    )
    channel_email = fields.Boolean("Email", readonly=True)
    channel_letter = fields.Boolean("Letter", readonly=True)
    channel_registered = fields.Boolean("Registered letter", readonly=True)
    channel_phone = fields.Boolean("Phone", readonly=True)
    channel_manual = fields.Boolean("Manual", readonly=True)
    channel_summary = fields.Char("Channels", compute="_compute_channel_summary")
    user_id = fields.Many2one(
        "res.users", string="By", default=lambda self: self.env.user, readonly=True
    )
    lang = fields.Char(help="Language of the letter and email.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_due = fields.Monetary(
        "Amount claimed",
        help="Total the letter claims, at the event's date.",
        readonly=True,
    )
    cost = fields.Monetary(
        help="Postage or fees of this event (kept for the case file)."
    )
    letter_report_id = fields.Many2one(related="stage_id.report_id")
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", copy=False, readonly=True
    )
    letter_sha256 = fields.Char("Letter SHA-256", copy=False, readonly=True)
    mail_id = fields.Many2one(
        "mail.mail", string="Email sent", copy=False, readonly=True
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Email message", copy=False, readonly=True
    )
    email_to = fields.Char("Sent to", copy=False, readonly=True)
    tracking_number = fields.Char(
        "Registered letter number", tracking=True, copy=False, readonly=True
    )
    sent_date = fields.Date("Posted on", tracking=True, copy=False, readonly=True)
    receipt_date = fields.Date(
        "Received on",
        tracking=True,
        copy=False,
        help="First presentation of the registered letter (acknowledgement of "
        "receipt): "
        "the payment deadline of a formal notice runs from this date.",
        readonly=True,
    )
    deadline_date = fields.Date(
        "Deadline stated",
        copy=False,
        help="The payment deadline the letter states: its date, plus the post's "
        "delivery days for a letter, plus the stage's deadline. The ladder's next "
        "step waits until the day after it.",
        readonly=True,
    )
    receipt_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Proof of delivery",
        copy=False,
        readonly=True,
        help="The signed acknowledgement of receipt, or the post's proof that the "
        "letter was notified and not collected.",
    )
    receipt_kind = fields.Selection(
        RECEIPT_KINDS,
        string="Delivery",
        copy=False,
        readonly=True,
        help="Signed: the debtor signed the acknowledgement of receipt. Not "
        "collected: the letter was presented, a notice left, and it was not "
        "collected (pli avisé non réclamé): the notice still runs from its first "
        "presentation.",
    )
    deposit_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Proof of posting",
        copy=False,
        readonly=True,
        help="The post's receipt of the registered letter (preuve de dépôt).",
    )
    notice_deadline = fields.Date(
        "Payment deadline",
        compute="_compute_notice_deadline",
        store=True,
        help="Last day to pay after a formal notice: its receipt plus the stage's "
        "deadline.",
    )
    call_outcome = fields.Selection(CALL_OUTCOMES, tracking=True, readonly=True)
    promise_date = fields.Date("Promised payment date", readonly=True)
    call_date = fields.Date("Called on", copy=False, readonly=True)
    note = fields.Html()
    validated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    validated_on = fields.Datetime(readonly=True, copy=False)
    posted_by_id = fields.Many2one(
        "res.users", string="Posting recorded by", readonly=True, copy=False
    )
    posted_on = fields.Datetime("Posting recorded on", readonly=True, copy=False)
    receipt_by_id = fields.Many2one(
        "res.users", string="Receipt recorded by", readonly=True, copy=False
    )
    receipt_on = fields.Datetime("Receipt recorded on", readonly=True, copy=False)
    cancelled_by_id = fields.Many2one(
        "res.users", string="Cancelled by", readonly=True, copy=False
    )
    cancelled_on = fields.Datetime("Cancelled on", readonly=True, copy=False)
    cancel_reason = fields.Text("Reason of the cancellation", readonly=True)
    corrected_event_id = fields.Many2one(
        "recouvrement.event",
        string="Corrects",
        readonly=True,
        index="btree_not_null",
        help="The event this correction is about: evidence is never rewritten, a "
        "mistake is corrected by a new event.",
    )
    correction_ids = fields.One2many(
        "recouvrement.event", "corrected_event_id", string="Corrections"
    )
    issue = fields.Text(
        "Problem", readonly=True, help="Why the event could not be executed as planned."
    )
    dossier_id = fields.Many2one(
        "recouvrement.dossier",
        string="Case file",
        readonly=True,
        index="btree_not_null",
        help="The case file this event transmitted to the commissaire de justice or "
        "the lawyer.",
    )
    all_paid = fields.Boolean(compute="_compute_all_paid")

    @api.depends("move_ids")
    def _compute_move_count(self):
        for event in self:
            event.move_count = len(event.move_ids)

    @api.depends(*CHANNEL_FIELDS)
    def _compute_channel_summary(self):
        labels = {
            f: self._fields[f].get_description(self.env)["string"]
            for f in CHANNEL_FIELDS
        }
        for event in self:
            event.channel_summary = ", ".join(
                labels[f] for f in CHANNEL_FIELDS if event[f]
            )

    @api.depends("receipt_date")
    def _compute_notice_deadline(self):
        # computed when the receipt is recorded, then kept: a later change of the
        # stage's deadline does not rewrite what the debtor was given
        for event in self:
            if event.receipt_date and event.stage_id.kind == "mise_en_demeure":
                days = event.stage_id._payment_deadline(event.partner_id.debtor_type)
                event.notice_deadline = legal.notice_deadline(event.receipt_date, days)
            else:
                event.notice_deadline = False

    @api.depends("move_ids.payment_state")
    def _compute_all_paid(self):
        for event in self:
            event.all_paid = bool(event.move_ids) and all(
                m.payment_state in PAID_STATES for m in event.move_ids
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.browse().check_access("create")
        if not evidence.in_transition():
            raise UserError(
                _(
                    "Recovery events are created by the recovery actions (the nightly "
                    "run, Escalate now, the invoice actions), never by hand: they are "
                    "the evidence of what the customer was sent."
                )
            )
        events = super().create(vals_list)
        # REC/<year>/<id>: unique, increasing, and given to a whole batch of events
        # without one sequence query per event (the nightly run creates thousands)
        for event in events.filtered(lambda e: e.name == "/"):
            event.name = f"REC/{event.date.year}/{event.id:06d}"
        return events

    def write(self, vals):
        if not evidence.in_transition():
            self._recouvrement_check_free_write(vals)
        return super().write(vals)

    def _recouvrement_check_free_write(self, vals):
        """Outside the recovery actions, only the free texts may change (and, on a
        step waiting for validation, its recipient, by a recovery manager); the
        chatter's and the activities' own fields stay Odoo's."""
        mail_fields = set(self.env["mail.thread"]._fields) | set(
            self.env["mail.activity.mixin"]._fields
        )
        fields_written = set(vals) - FREE_FIELDS - mail_fields
        if not fields_written:
            return
        if (
            fields_written <= DRAFT_FIELDS
            and all(event.state == "to_validate" for event in self)
            and self.env.user.has_group(
                "recouvrement_amiable.group_recouvrement_manager"
            )
        ):
            return
        labels = ", ".join(
            self._fields[name].get_description(self.env)["string"]
            for name in sorted(fields_written)
            if name in self._fields
        )
        raise UserError(
            _(
                "Recovery events are evidence: %(fields)s cannot be changed by hand. "
                "Use the actions (validate, record the posting or the receipt, cancel "
                "with a reason), or record a correction, which references the event "
                "it corrects.",
                fields=labels,
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never_done(self):
        """Only a step still waiting for validation may be deleted, by a recovery
        manager; everything else is kept (archive it to hide it)."""
        manager = self.env.user.has_group(
            "recouvrement_amiable.group_recouvrement_manager"
        )
        if any(event.state != "to_validate" for event in self) or not manager:
            raise UserError(
                _(
                    "Recovery events are the evidence of what was sent to the debtor: "
                    "they cannot be deleted. Cancel an event with a reason, or archive "
                    "it."
                )
            )

    # ------------------------------------------------------------------
    # One owner per rule
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_state_for(self, channels, needs_validation=False):
        """The state an event starts in, from its channels: a letter waits to be
        posted, a call or a task waits for a person, an email is done."""
        if needs_validation:
            return "to_validate"
        if channels & {"letter", "registered"}:
            return "to_post"
        if channels & {"phone", "manual"}:
            return "pending"
        if "email" in channels:
            return "queued"  # done once Odoo's mail queue delivered it
        return "done"

    def _recouvrement_channel_set(self):
        self.ensure_one()
        return {f[len("channel_") :] for f in CHANNEL_FIELDS if self[f]}

    @api.model
    def _recouvrement_channels(
        self, company, partner, contact, stage, refused_emails=frozenset()
    ):
        """The channels that can carry ``stage`` to the debtor, or why none can.

        An email without address, or to an address whose last reminder was not
        delivered (``refused_emails``, normalised), falls back to the letter when
        the stage has one; otherwise nothing is sent until the address changes.
        Returns (channels, problem): problem is None or (message, record to tell:
        the debtor's own problems go to the debtor, a company's to the company).
        """
        channels = stage._channels()
        email = email_normalize(contact.email or partner.email or "")
        refused = bool(email) and email in refused_emails
        if "email" in channels and (not email or refused):
            channels.discard("email")
            if stage._letter_possible():
                channels.add("letter")
            elif not channels and refused:
                return channels, (
                    _(
                        "The last email to %(email)s was not delivered: correct the "
                        "email address of %(partner)s; stage %(stage)s is not sent "
                        "to it again.",
                        email=email,
                        partner=partner.display_name,
                        stage=stage.name,
                    ),
                    False,
                )
            elif not channels:
                return channels, (
                    _(
                        "%(partner)s has no valid email address for stage %(stage)s, "
                        "and the stage has no letter to send instead.",
                        partner=partner.display_name,
                        stage=stage.name,
                    ),
                    False,
                )
        if channels & {"letter", "registered"} and not (
            contact.street and contact.zip and contact.city
        ):
            return channels, (
                _(
                    "%(partner)s has no complete postal address (street, zip, city): "
                    "the %(stage)s letter cannot be sent.",
                    partner=contact.display_name,
                    stage=stage.name,
                ),
                False,
            )
        if (
            stage.kind in LETTER_STAGE_KINDS
            and channels & {"email", "letter", "registered"}
            and not company.partner_id.bank_ids
        ):
            return channels, (
                _(
                    "Company %(company)s has no bank account: the reminders must tell "
                    "the debtor where to pay. Add the company's IBAN.",
                    company=company.name,
                ),
                True,
            )
        return channels, None

    @evidence.event_transition
    def _recouvrement_cancel_open(self, reason):
        """Cancel the events not finished yet (prepared, to post, pending): the one
        way to stop an event before it goes out. Their debtors are planned again."""
        events = self.filtered(lambda e: e.state in OPEN_EVENT_STATES)
        if not events:
            return events
        sent = events.filtered(lambda e: e.state in CONTACT_EVENT_STATES)
        events.write(
            {
                "state": "cancelled",
                "cancel_reason": reason,
                "cancelled_by_id": self.env.user.id,
                "cancelled_on": fields.Datetime.now(),
            }
        )
        events.activity_ids.sudo().unlink()
        # a letter cancelled before posting never reached its stage
        sent.move_ids._recouvrement_recompute_stage()
        events.debtor_id._recouvrement_plan()
        return events

    # ------------------------------------------------------------------
    # Channels: what happens to an event once decided
    # ------------------------------------------------------------------
    @evidence.event_transition
    def _recouvrement_execute(self, today, claims=None):
        """Run the channels of these events (just created, or validated): the amount
        claimed, the letters, the emails, the calls and tasks.

        An event whose letter or email cannot be produced is marked failed (never
        sent, kept as the trace of the attempt) without stopping the others. Returns
        {debtor id: (message, retry date, record to tell)} of the failures.
        """
        self._recouvrement_set_amounts(today, claims or {})
        errors = {}
        if not self.env.context.get("recouvrement_no_channels"):
            letters = self.filtered(
                lambda e: e.stage_id.report_id
                and (e.channel_letter or e.channel_registered or e.channel_email)
            )
            errors.update(letters._recouvrement_render_letters())
            mailed = self.filtered(lambda e: e.channel_email and e.id not in errors)
            # the invoices' PDFs of every email of the batch, in a few rendering calls
            self.env["account.move"]._recouvrement_ensure_invoice_pdfs(mailed.move_ids)
            errors.update(mailed._recouvrement_send_emails())
        # an email nobody queues (no template, or a run without channels) is done
        self.filtered(
            lambda e: e.state == "queued" and not e.mail_id and e.id not in errors
        ).write({"state": "done"})
        failed = self.filtered(lambda e: e.id in errors)
        (self - failed).filtered(
            lambda e: e.channel_phone or e.channel_manual
        )._recouvrement_schedule_activities()
        tomorrow = today + timedelta(days=1)
        result = {}
        for event in failed:
            message = _(
                "The %(stage)s of %(partner)s could not be produced: %(error)s",
                stage=event.stage_id.name,
                partner=event.partner_id.display_name,
                error=errors[event.id],
            )
            event.write({"state": "failed", "issue": message})
            result[event.debtor_id.id] = (message, tomorrow, event.debtor_id)
        return result

    @evidence.event_transition
    def _recouvrement_set_amounts(self, today, claims):
        """Total claimed by each event at its date; a claim already computed for the
        same invoices and day (``claims``: {debtor id: legal.Claim}) is reused."""
        Move = self.env["account.move"]
        todo = {}
        for event in self:
            claim = claims.get(event.debtor_id.id)
            keys = {line.invoice.key for line in claim.lines} if claim else set()
            if claim and event.date == today and keys == set(event.move_ids.ids):
                event.amount_due = float(claim.total)
            elif event.move_ids:
                todo[event.id] = event
        for day, day_events in self.browse(list(todo)).grouped("date").items():
            groups = {event.id: event.move_ids for event in day_events}
            computed, _errors = Move._recouvrement_claims_raw(groups, day)
            for event in day_events:
                claim = computed.get(event.id)
                event.amount_due = (
                    float(claim.total)
                    if claim
                    else sum(event.move_ids.mapped("amount_residual"))
                )

    @evidence.event_transition
    def _recouvrement_render_letters(self):
        """Render the letters: one wkhtmltopdf call per report for all the events;
        Odoo splits the PDF and stores one attachment per event, whose SHA-256 is
        kept. When the call fails, the events whose letter cannot be rendered are
        found by rendering their HTML alone (no PDF), and the others are rendered
        again once. Returns {event id: error}."""
        Report = self.env["ir.actions.report"]
        errors = {}
        for report, events in self.grouped(lambda e: e.stage_id.report_id).items():
            try:
                with self.env.cr.savepoint():
                    Report._render_qweb_pdf(report, events.ids)
                continue
            except psycopg2.OperationalError:
                raise
            except Exception:  # noqa: BLE001 - isolate the letters that fail
                _logger.info("Letters rendered again without the failing ones")
            for event in events:
                try:
                    with self.env.cr.savepoint():
                        Report._render_qweb_html(report, event.ids)
                except psycopg2.OperationalError:
                    raise
                except Exception as error:  # noqa: BLE001
                    errors[event.id] = str(error) or error.__class__.__name__
            rest = events.filtered(lambda e: e.id not in errors)
            if not rest:
                continue
            try:
                with self.env.cr.savepoint():
                    Report._render_qweb_pdf(report, rest.ids)
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - the PDF tool itself failed
                for event in rest:
                    errors[event.id] = str(error) or error.__class__.__name__
        (self.filtered(lambda e: e.id not in errors))._recouvrement_attach_letters()
        return errors

    def _recouvrement_attach_letters(self):
        """Link each event to the letter the report stored and keep its SHA-256."""
        names = {event.id: event._letter_filename() for event in self}
        attachments = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "recouvrement.event"),
                ("res_id", "in", self.ids),
                ("name", "in", list(set(names.values()))),
            ],
            order="id desc",
        )
        by_event = {}
        for attachment in attachments:
            if attachment.name == names[attachment.res_id]:
                by_event.setdefault(attachment.res_id, attachment)
        for event in self:
            attachment = by_event.get(event.id)
            if attachment:
                event.letter_attachment_id = attachment
                event.letter_sha256 = hashlib.sha256(attachment.raw).hexdigest()

    def _recouvrement_send_emails(self):
        """Queue one email per event through Odoo's mail queue (sent by its own cron).
        Returns {event id: error} of the emails that could not be composed."""
        errors = {}
        for template, events in self.grouped(
            lambda e: e.stage_id.mail_template_id
        ).items():
            if not template:
                continue
            template = template.with_context(recouvrement_mail=True)
            try:
                with self.env.cr.savepoint():
                    mails = template.send_mail_batch(events.ids)
            except psycopg2.OperationalError:
                raise
            except Exception:  # noqa: BLE001 - isolate the email that fails
                mails = self.env["mail.mail"]
                for event in events:
                    try:
                        with self.env.cr.savepoint():
                            mails |= template.send_mail_batch(event.ids)
                    except psycopg2.OperationalError:
                        raise
                    except Exception as error:  # noqa: BLE001
                        errors[event.id] = str(error) or error.__class__.__name__
            for mail in mails:
                event = events.browse(mail.res_id)
                event.mail_id = mail
                event.mail_message_id = mail.mail_message_id
        return errors

    def _recouvrement_schedule_activities(self):
        """Phone and manual channels: one activity per event, for the person the
        company's rule designates, created in one batch."""
        call_type = "recouvrement_amiable.mail_activity_type_recouvrement_call"
        items, users = [], {}
        for event in self:
            salespeople = event.move_ids.invoice_user_id
            key = (event.company_id, salespeople)
            if key not in users:
                users[key] = event.company_id._recouvrement_responsible_user(
                    "collector", salespeople
                )
            stage = event.stage_id
            activity_type = stage.activity_type_id or self.env.ref(
                call_type if event.channel_phone else "mail.mail_activity_data_todo"
            )
            if event.channel_phone:
                summary = _("Call %(partner)s", partner=event.partner_id.display_name)
            else:
                summary = _(
                    "%(stage)s: %(partner)s",
                    stage=stage.name,
                    partner=event.partner_id.display_name,
                )
            note = Markup("<p>%s</p>") % _(
                "Invoices: %(invoices)s. Amount due: %(amount)s.",
                invoices=", ".join(event.move_ids.mapped("name")),
                amount=event.currency_id.format(event.amount_due)
                if event.currency_id
                else event.amount_due,
            )
            if event.channel_phone and stage.call_script:
                note += stage.with_context(lang=event.lang or self.env.lang).call_script
            items.append(
                {
                    "record": event,
                    "type": activity_type,
                    "summary": summary,
                    "note": note,
                    "user": users[key],
                    "deadline": event.date,
                }
            )
        self.env["mail.activity"]._recouvrement_notify(items)

    # ------------------------------------------------------------------
    # Life cycle: validate, post, receive
    # ------------------------------------------------------------------
    @evidence.event_transition
    def _recouvrement_validate(self):
        """Validate prepared steps: each covers its debtor's invoices overdue today,
        is dated today (a registered letter on the next posting day) and states its
        deadline from that date; it is cancelled when credits or payments now cover
        the debt, refused when the debtor was contacted today or a rate it would
        apply is not confirmed."""
        today = fields.Date.context_today(self)
        events = self.filtered(lambda e: e.state == "to_validate")
        debtors = events.debtor_id._recouvrement_lock(nowait=True)
        facts_by = debtors._recouvrement_facts(today)
        steps, results = {}, {}
        for event in events:
            facts = facts_by[event.debtor_id.id]
            stage = event.stage_id._recouvrement_decision_stage(
                event.partner_id.debtor_type, event.company_id
            )
            facts.stages.setdefault(stage.key, event.stage_id)
            results[event.id] = decision.validate(facts.data, stage, today)
            if results[event.id].step:
                steps[event.debtor_id.id] = results[event.id].step
        unsure, claims = debtors._recouvrement_unsure_rates(facts_by, steps, today)
        to_run = self.browse()
        covered = self.browse()
        for event in events:
            result = results[event.id]
            facts = facts_by[event.debtor_id.id]
            if event.debtor_id.id in unsure and result.step:
                data = replace(facts.data, unsure_rates=unsure[event.debtor_id.id])
                result = decision.validate(data, result.step.stage, today)
            if result.reason == decision.IN_CREDIT:
                covered |= event
                continue
            if not result.step:
                raise UserError(
                    event.debtor_id._recouvrement_reason_message(result, facts)
                )
            step = result.step
            event.write(
                {
                    "move_ids": [Command.set(list(step.claimed))],
                    "upcoming_move_ids": [Command.set(list(step.upcoming))],
                    "date": step.date,
                    "deadline_date": step.deadline or False,
                    "state": self._recouvrement_state_for(
                        event._recouvrement_channel_set()
                    ),
                    "validated_by_id": self.env.user.id,
                    "validated_on": fields.Datetime.now(),
                }
            )
            to_run |= event
        if covered:
            covered._recouvrement_cancel_open(
                _("The invoices were paid or are covered by credits.")
            )
        if not to_run:
            return to_run
        failed = to_run._recouvrement_execute(today, claims)
        done = to_run.filtered(lambda e: e.state != "failed")
        debtors._recouvrement_after_contact(done)
        debtors._recouvrement_plan(today)
        if failed and not done:
            raise UserError("\n".join(message for message, _d, _r in failed.values()))
        return to_run

    @evidence.event_transition
    def _recouvrement_record_posted(self, tracking_number, sent_date, deposit=None):
        """The registered letter was handed to the post: its number and date, and
        the post's receipt (``deposit``, an attachment) when scanned. The stored
        letter is the evidence: it is rendered again with its number, and the
        version printed before the number was known is kept beside it."""
        self.ensure_one()
        self._recouvrement_check_posting_date(sent_date)
        self._recouvrement_check_scan(deposit)
        tracking_number, quality = legal.registered_number(tracking_number)
        if quality == legal.REGISTERED_INVALID:
            raise UserError(
                _(
                    "%(number)s is not a registered letter number: La Poste's have "
                    "13 characters, e.g. 1A 448 293 0201 1 (RR 123 456 789 FR for "
                    "an international one).",
                    number=tracking_number or '""',
                )
            )
        self.write(
            {
                "tracking_number": tracking_number,
                "sent_date": sent_date,
                "state": "done",
                "posted_by_id": self.env.user.id,
                "posted_on": fields.Datetime.now(),
            }
        )
        if self.letter_attachment_id:
            previous = self.letter_attachment_id
            previous.name = (
                previous.name.removesuffix(".pdf") + " (sans numero LRAR).pdf"
            )
            self.letter_attachment_id = False
            self._recouvrement_render_letters()
        if quality == legal.REGISTERED_UNUSUAL:
            self.message_post(
                body=_(
                    "The registered letter number %(number)s does not have La "
                    "Poste's usual form (13 characters, e.g. 1A 448 293 0201 1): "
                    "check it against the receipt of posting.",
                    number=tracking_number,
                )
            )
        if deposit:
            self._recouvrement_attach_proof("deposit", deposit)
        self.debtor_id._recouvrement_plan()
        return self

    @evidence.event_transition
    def _recouvrement_record_receipt(
        self, receipt_date, attachment=None, kind="signed"
    ):
        """The letter's delivery: the notice's deadline runs from its first
        presentation, whether the debtor signed or left it at the post office
        (``kind`` "unclaimed"); consumers owe interest from then (art. 1231-6 C.
        civ.). Recorded once: a wrong date is corrected by a correction event."""
        self.ensure_one()
        self._recouvrement_check_scan(attachment)
        if self.receipt_date:
            raise UserError(
                _(
                    "The delivery of %(event)s is already recorded (%(date)s): attach "
                    "its proof, or record a correction.",
                    event=self.name,
                    date=self.receipt_date.strftime("%d/%m/%Y"),
                )
            )
        if receipt_date < (self.sent_date or self.date):
            raise UserError(_("A letter cannot be received before it was posted."))
        if receipt_date > fields.Date.context_today(self):
            raise UserError(_("A letter cannot be received in the future."))
        self.write(
            {
                "receipt_date": receipt_date,
                "receipt_kind": kind,
                "receipt_by_id": self.env.user.id,
                "receipt_on": fields.Datetime.now(),
            }
        )
        if attachment:
            self._recouvrement_attach_proof("receipt", attachment)
        if self.stage_id.kind == "mise_en_demeure":
            self.move_ids.write({"recouvrement_notice_date": receipt_date})
        self.debtor_id._recouvrement_plan()
        return self

    @api.model
    def _recouvrement_check_scan(self, attachment):
        """The post's proofs are scans: a PDF or an image, nothing else."""
        mimetype = (attachment and attachment.mimetype) or ""
        if attachment and (
            mimetype != "application/pdf" and not mimetype.startswith("image/")
        ):
            raise UserError(
                _(
                    "%(file)s is not a scan: attach the post's proof as a PDF or an "
                    "image.",
                    file=attachment.name,
                )
            )

    @evidence.event_transition
    def _recouvrement_attach_proof(self, proof, attachment):
        """Attach the post's proof of a registered letter: ``proof`` "deposit" (the
        receipt of posting) or "receipt" (the acknowledgement of receipt, or the
        proof of a letter notified and not collected). A proof is attached once and
        never replaced."""
        self.ensure_one()
        if not self.channel_registered or self.state != "done":
            raise UserError(
                _("Proofs are attached to a registered letter once it is posted.")
            )
        field_name = {
            "deposit": "deposit_attachment_id",
            "receipt": "receipt_attachment_id",
        }[proof]
        if self[field_name]:
            raise UserError(
                _(
                    "%(event)s already has this proof (%(file)s): a proof is never "
                    "replaced.",
                    event=self.name,
                    file=self[field_name].name,
                )
            )
        if proof == "receipt" and not self.receipt_date:
            raise UserError(
                _("Record the date of delivery (or first presentation) with its proof.")
            )
        self._recouvrement_check_scan(attachment)
        attachment.write(
            {
                "res_model": "recouvrement.event",
                "res_id": self.id,
                "recouvrement_category": "ar" if proof == "receipt" else "deposit",
            }
        )
        self.write({field_name: attachment.id})
        self.message_post(
            body=_(
                "%(proof)s attached: %(file)s.",
                proof=self._fields[field_name].get_description(self.env)["string"],
                file=attachment.name,
            ),
            attachment_ids=[],
        )
        return self

    # ------------------------------------------------------------------
    # Email truth: an email is a contact once delivered
    # ------------------------------------------------------------------
    @evidence.event_transition
    def _recouvrement_email_delivered(self):
        self.filtered(lambda e: e.state == "queued").write({"state": "done"})

    @evidence.event_transition
    def _recouvrement_email_failed(self, reason):
        """The email of these events was not delivered (refused address, bounce):
        an event that was only that email failed, and is no contact; its invoices
        fall back to the stage they really reached, the collector is told, and the
        customer is planned again."""
        events = self.filtered(lambda e: e.channel_email and e.state != "failed")
        if not events:
            return events
        items = []
        for event in events:
            message = _(
                "The email of %(event)s to %(email)s was not delivered: %(reason)s",
                event=event.name,
                email=event.email_to or "",
                reason=reason,
            )
            other_channels = event._recouvrement_channel_set() - {"email"}
            vals = {"issue": message}
            if not other_channels:
                vals["state"] = "failed"
            event.write(vals)
            # one task per customer and address, whatever the number of emails
            # refused: its note tells the last one
            items.append(
                {
                    "record": event.debtor_id or event,
                    "type": ISSUE_ACTIVITY,
                    "summary": _(
                        "Emails to %(email)s are not delivered: check the address "
                        "of %(partner)s.",
                        email=event.email_to or "",
                        partner=event.partner_id.display_name,
                    ),
                    "note": message,
                    "refresh": True,
                    "user": event.company_id._recouvrement_responsible_user(
                        "collector", event.move_ids.invoice_user_id
                    ),
                }
            )
        failed = events.filtered(lambda e: e.state == "failed")
        failed.move_ids._recouvrement_recompute_stage()
        events.debtor_id._recouvrement_plan()
        self.env["mail.activity"]._recouvrement_notify(items)
        return events

    def _message_receive_bounce(self, email, partner):
        """A bounce of the reminder: the email was not delivered after all."""
        res = super()._message_receive_bounce(email, partner)
        self._recouvrement_email_failed(_("returned by the recipient's server"))
        return res

    # ------------------------------------------------------------------
    # Letter data (used by the QWeb letters and the emails)
    # ------------------------------------------------------------------
    def _letter_claim(self):
        """The claim breakdown (legal.Claim) of the event's invoices at the event's
        date."""
        self.ensure_one()
        return self.move_ids._recouvrement_claim(self.date)

    def _previous_events(self):
        """The reminders sent to the debtor since its oldest claimed invoice fell
        due, oldest first (the notice recalls them)."""
        self.ensure_one()
        since = min(
            (m._recouvrement_due_date() for m in self.move_ids), default=self.date
        )
        return self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", self.partner_id.id),
                ("event_type", "=", "stage"),
                ("state", "in", CONTACT_EVENT_STATES),
                ("id", "!=", self.id),
                ("date", "<=", self.date),
                ("date", ">=", since),
            ],
            order="date, id",
        ).filtered(
            lambda e: e.stage_id.kind
            in ("pre_reminder", "relance_1", "relance_2", "mise_en_demeure")
        )

    def _payment_reference(self):
        """The reference the debtor quotes on the transfer: the invoice numbers."""
        self.ensure_one()
        refs = [m.payment_reference or m.name for m in self.move_ids.sorted("name")]
        return ", ".join(refs)[:140]

    def _company_bank(self):
        self.ensure_one()
        banks = self.company_id.partner_id.bank_ids
        return banks.filtered(lambda b: b.acc_type == "iban")[:1] or banks[:1]

    def _recouvrement_notice_end(self):
        """The last day the debtor has to pay after this notice: the later of the
        deadline run from its receipt and the date the letter printed (the ladder
        waits for both, so does the case file)."""
        self.ensure_one()
        ends = [d for d in (self.notice_deadline, self.deadline_date) if d]
        return max(ends) if ends else False

    def _notice_deadline_stated(self):
        """The "au plus tard le" date the letter prints (see legal.stated_deadline):
        stored on the event when it was sent, computed for a letter not sent yet."""
        self.ensure_one()
        if self.deadline_date:
            return self.deadline_date
        stage = self.stage_id._recouvrement_decision_stage(
            self.partner_id.debtor_type, self.company_id
        )
        return decision.step_deadline(stage, self.date) or (
            self.date
            + timedelta(
                days=self.stage_id._payment_deadline(self.partner_id.debtor_type)
            )
        )

    def _recouvrement_invoice_refs(self, limit=3):
        """ "invoice FAC/2026/00017" or "invoices FAC/2026/00017, FAC/2026/00044 and 3
        others", in the context's language: the subject of a recovery email."""
        self.ensure_one()
        names = self.move_ids.sorted("name").mapped("name")
        if len(names) == 1:
            return self.env._("invoice %(name)s", name=names[0])
        shown = ", ".join(names[:limit])
        if len(names) > limit:
            return self.env._(
                "invoices %(names)s and %(count)s others",
                names=shown,
                count=len(names) - limit,
            )
        return self.env._("invoices %(names)s", names=shown)

    def _letter_filename(self):
        """Name of the stored letter (report attachment)."""
        self.ensure_one()
        kind = self.stage_id.kind or "lettre"
        partner = (self.partner_id.name or "").replace("/", "-")[:40]
        return f"{kind}_{self.name.replace('/', '-')}_{partner}.pdf"

    def _recouvrement_addressee(self):
        """(partner, "for the attention of") the letter is addressed to: a formal
        notice goes to the debtor's registered office (its invoice address when the
        office has none), for the attention of its legal representative when
        known; the other letters to the invoice contact."""
        self.ensure_one()
        contact = self.contact_id or self.partner_id
        if not (self.channel_registered or self.stage_id.kind == "mise_en_demeure"):
            return contact, ""
        debtor = self.partner_id.commercial_partner_id
        office = debtor if (debtor.street or debtor.city) else contact
        representative = debtor.recouvrement_representative_id
        attention = ", ".join(
            part for part in (representative.name, representative.function) if part
        )
        return office, attention

    def _recouvrement_ask_signatory(self):
        """Formal notices prepared while the company has no signatory: one task per
        notice for the manager (configure the signatory, or validate the notice and
        sign it); until then its preview names nobody."""
        items = []
        for event in self.filtered(
            lambda e: e.channel_registered or e.stage_id.kind == "mise_en_demeure"
        ):
            company = event.company_id
            signatory = company.recouvrement_signatory_id
            if signatory and company._recouvrement_is_real_user(signatory.sudo()):
                continue
            message = _(
                "%(event)s waits for its signatory: no signatory of formal notices "
                "is configured (Settings, Recovery). Configure one, or validate the "
                "notice: you will sign it.",
                event=event.name,
            )
            items.append(
                {
                    "record": event,
                    "type": ISSUE_ACTIVITY,
                    "summary": message,
                    "note": message,
                    "user": company._recouvrement_responsible_user("manager"),
                }
            )
        return self.env["mail.activity"]._recouvrement_notify(items)

    def _recouvrement_signatory(self):
        """The person who signs the letter: the company's signatory, else the
        manager who validated it; never a system user (the name stays blank on a
        preview until a person validates)."""
        self.ensure_one()
        company = self.company_id
        for user in (company.recouvrement_signatory_id, self.validated_by_id):
            if user and company._recouvrement_is_real_user(user.sudo()):
                return user
        return self.env["res.users"]

    def _recouvrement_contract_basis(self):
        """The sentence stating the basis of the claim (art. 1407 CPC): goods,
        services or both from the invoice lines' products, the customer's orders
        when the invoices quote them, the company's terms of sale (version and
        date) when configured. In the context's language."""
        self.ensure_one()
        company = self.company_id
        types = set(self.move_ids.invoice_line_ids.product_id.mapped("type"))
        goods = bool(types - {"service"})
        services = "service" in types
        if goods and services:
            basis = self.env._("goods delivered and services performed")
        elif goods:
            basis = self.env._("goods delivered")
        elif services:
            basis = self.env._("services performed")
        else:
            basis = self.env._("goods or services supplied")
        orders = []
        for move in self.move_ids.sorted("name"):
            for ref in (move.ref, move.invoice_origin):
                ref = " ".join((ref or "").split())
                if ref and ref not in orders and ref != move.name:
                    orders.append(ref)
        fdate = self.env["account.move"]._recouvrement_format_helpers(
            self.env.lang, company.currency_id
        )["fdate"]
        terms = None
        version, since = company.recouvrement_cgv_version, company.recouvrement_cgv_date
        if version and since:
            terms = self.env._(
                "(version %(version)s of %(date)s)", version=version, date=fdate(since)
            )
        elif version:
            terms = self.env._("(version %(version)s)", version=version)
        elif since:
            terms = self.env._("(in force since %(date)s)", date=fdate(since))
        elif company.recouvrement_cgv_file:
            terms = ""
        values = {"basis": basis, "orders": ", ".join(orders), "terms": terms or ""}
        if orders and terms is not None:
            return self.env._(
                "The invoices listed below relate to %(basis)s at your request, "
                "under your orders %(orders)s and our general terms of sale "
                "%(terms)s.",
                **values,
            ).replace(" .", ".")
        if orders:
            return self.env._(
                "The invoices listed below relate to %(basis)s at your request, "
                "under your orders %(orders)s.",
                **values,
            )
        if terms is not None:
            return self.env._(
                "The invoices listed below relate to %(basis)s at your request, "
                "under our general terms of sale %(terms)s.",
                **values,
            ).replace(" .", ".")
        return self.env._(
            "The invoices listed below relate to %(basis)s at your request.", **values
        )

    def _recouvrement_previous_sentence(self, previous, fdate):
        """ "Despite our reminders of 09/11/2026, 16/11/2026 and 23/11/2026, they
        remain unpaid." (one sentence, in the context's language), or ""."""
        texts = [fdate(day) for day in previous.mapped("date")]
        if not texts:
            return ""
        if len(texts) == 1:
            return self.env._(
                "Despite our reminder of %(date)s, they remain unpaid.", date=texts[0]
            )
        dates = self.env._(
            "%(dates)s and %(last)s", dates=", ".join(texts[:-1]), last=texts[-1]
        )
        return self.env._(
            "Despite our reminders of %(dates)s, they remain unpaid.", dates=dates
        )

    def _letter_values(self):
        """Everything a letter prints, computed once, formatted in the debtor's
        language."""
        self.ensure_one()
        Move = self.env["account.move"]
        lang = self.lang or self.partner_id._recouvrement_letter_lang()
        currency = self.company_id.currency_id
        helpers = Move._recouvrement_format_helpers(lang, currency)
        claim = self._letter_claim()
        policy = claim.policy
        kind = self.stage_id.kind
        # What the letter asks to pay now: the principal for a first reminder; the whole
        # claim (with the penalties accrued by law for business debtors) afterwards.
        if kind in ("relance_1", "pre_reminder"):
            to_pay = claim.principal - claim.credits_total
        else:
            to_pay = claim.total
        to_pay = max(to_pay, legal.ZERO)
        bank = self._company_bank()
        reference = self._payment_reference()
        qr_image = bank._recouvrement_sepa_qr_image(to_pay, reference) if bank else None
        contact, attention = self._recouvrement_addressee()
        upcoming = self.upcoming_move_ids.sorted(
            lambda m: (m.invoice_date_due or m.date, m.name)
        )
        signatory = self._recouvrement_signatory()
        previous = self._previous_events()
        deadline_days = self.stage_id._payment_deadline(self.partner_id.debtor_type)
        values = dict(helpers)
        env = self.with_context(lang=lang).env
        values.update(
            {
                "place_date": env._(
                    "%(city)s, %(date)s",
                    city=self.company_id.city or "",
                    date=helpers["fdate"](self.date),
                ),
                "event": self,
                "claim": claim,
                "policy": policy,
                "is_b2b": policy.is_b2b,
                "to_pay": to_pay,
                "bank": bank,
                "reference": reference,
                "qr_image": qr_image,
                "contact": contact,
                "attention": attention,
                "debtor": self.partner_id,
                "debtor_siren": self.partner_id._recouvrement_registration(),
                "company": self.company_id,
                "company_siren": (
                    self.company_id.partner_id._recouvrement_registration()
                ),
                "signatory": signatory,
                "signatory_function": signatory.partner_id.function or "",
                "signature_image": self.company_id.recouvrement_signature_image
                if signatory and signatory == self.company_id.recouvrement_signatory_id
                else False,
                "contract_basis": env["recouvrement.event"]
                .browse(self.id)
                ._recouvrement_contract_basis(),
                "previous": previous,
                "previous_sentence": env["recouvrement.event"]
                .browse(self.id)
                ._recouvrement_previous_sentence(previous, helpers["fdate"]),
                "first_reminder": previous[:1],
                "deadline_days": deadline_days,
                "deadline_date": self._notice_deadline_stated(),
                "upcoming": upcoming,
                # French puts a non-breaking space before the semicolon
                "upcoming_text": ("\u00a0; " if lang.startswith("fr") else "; ").join(
                    env._(
                        "%(invoice)s (%(amount)s, due on %(date)s)",
                        invoice=move.name,
                        amount=helpers["amount"](move.amount_residual),
                        date=helpers["fdate"](move.invoice_date_due),
                    )
                    for move in upcoming
                ),
                "show_interest": True,
                "moves_by_id": {m.id: m for m in self.move_ids},
                "indemnity_count": sum(1 for line in claim.lines if line.indemnity),
                "days_rate": legal.day_rate,
            }
        )
        return values

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_validate(self):
        """Validate the selected events waiting for validation: run their channels."""
        self.check_access("write")
        if not self.env.user.has_group(
            "recouvrement_amiable.group_recouvrement_manager"
        ):
            raise UserError(_("Only recovery managers can validate a stage."))
        to_validate = self.filtered(lambda e: e.state == "to_validate")
        if not to_validate:
            raise UserError(_("None of the selected events is waiting for validation."))
        to_validate._recouvrement_validate()
        return True

    def action_cancel(self):
        """Ask for the reason, then cancel (see recouvrement.event.cancel)."""
        self.check_access("write")
        self._recouvrement_check_cancel()
        return {
            "type": "ir.actions.act_window",
            "name": _("Cancel with a reason"),
            "res_model": "recouvrement.event.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_ids": self.ids},
        }

    def _recouvrement_check_cancel(self):
        """Only events not finished may be cancelled; a step waiting for validation
        is a manager's to cancel."""
        to_cancel = self.filtered(lambda e: e.state in OPEN_EVENT_STATES)
        if not to_cancel or to_cancel != self:
            raise UserError(
                _("Only events to validate, to post or pending can be cancelled.")
            )
        if any(e.state == "to_validate" for e in self) and not self.env.user.has_group(
            "recouvrement_amiable.group_recouvrement_manager"
        ):
            raise UserError(
                _("Only a recovery manager can cancel a step waiting for validation.")
            )
        return to_cancel

    def action_attach_proof(self):
        """Attach the post's proof of posting or of delivery of a registered
        letter (see recouvrement.event.proof)."""
        self.ensure_one()
        self.check_access("write")
        if not self.channel_registered or self.state != "done":
            raise UserError(
                _("Proofs are attached to a registered letter once it is posted.")
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Attach a proof"),
            "res_model": "recouvrement.event.proof",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_event_id": self.id,
                "default_proof": "deposit"
                if self.receipt_attachment_id and not self.deposit_attachment_id
                else "receipt",
            },
        }

    def action_correct(self):
        """Record a correction of this event (a new event that references it)."""
        self.ensure_one()
        self.check_access("write")
        if self.state not in ("done", "to_post", "pending") or self.event_type not in (
            "stage",
            "call",
        ):
            raise UserError(_("Only a sent letter, email or call can be corrected."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Record a correction"),
            "res_model": "recouvrement.event.correction",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_id": self.id},
        }

    @evidence.event_transition
    def _recouvrement_correct(self, reason, **values):
        """A new event recording what was wrong in this one, and the right values
        (registered letter number, posting date, receipt date); the ladder and the
        case file read both, the original stays as it was."""
        self.ensure_one()
        if not (reason or "").strip():
            raise UserError(_("Say what was wrong and why it is corrected."))
        today = fields.Date.context_today(self)
        for name in ("sent_date", "receipt_date"):
            if values.get(name) and values[name] > today:
                raise UserError(_("A correction cannot set a date in the future."))
        correction = self.create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "debtor_id": self.debtor_id.id,
                "contact_id": self.contact_id.id,
                "move_ids": [Command.set(self.move_ids.ids)],
                "stage_id": self.stage_id.id,
                "event_type": "correction",
                "corrected_event_id": self.id,
                "date": today,
                "state": "done",
                "channel_registered": self.channel_registered,
                "user_id": self.env.user.id,
                "note": Markup("<p>%s</p>")
                % _(
                    "Correction of %(event)s: %(reason)s",
                    event=self.name,
                    reason=reason,
                ),
                **{k: v for k, v in values.items() if v},
            }
        )
        self.message_post(
            body=_(
                "Corrected by %(correction)s: %(reason)s",
                correction=correction._get_html_link(),
                reason=reason,
            )
        )
        if values.get("receipt_date") and self.stage_id.kind == "mise_en_demeure":
            self.move_ids.write({"recouvrement_notice_date": values["receipt_date"]})
        self.debtor_id._recouvrement_plan()
        return correction

    @evidence.event_transition
    def action_mark_posted(self):
        """Letters handed to the post: the event is done (registered letters need their
        number)."""
        self.check_access("write")
        for event in self:
            if event.state != "to_post":
                raise UserError(
                    _("Event %(event)s is not waiting to be posted.", event=event.name)
                )
            if event.channel_registered and not event.tracking_number:
                raise UserError(
                    _(
                        "Event %(event)s is a registered letter: record its number "
                        "with 'Record registered letter sent'.",
                        event=event.name,
                    )
                )
        self.write(
            {
                "state": "done",
                "sent_date": fields.Date.context_today(self),
                "posted_by_id": self.env.user.id,
                "posted_on": fields.Datetime.now(),
            }
        )
        self.debtor_id._recouvrement_plan()
        return True

    def _recouvrement_check_posting_date(self, sent_date):
        self.ensure_one()
        if sent_date > fields.Date.context_today(self):
            raise UserError(_("A letter cannot be posted in the future."))
        if sent_date < self.date:
            raise UserError(
                _(
                    "The letter %(event)s is dated %(date)s: it cannot have been "
                    "posted before.",
                    event=self.name,
                    date=format_date(self.env, self.date),
                )
            )

    def action_print_letters(self):
        """One PDF with the letters of every selected event, rendered in one call."""
        events = self.filtered("stage_id.report_id")
        if not events:
            raise UserError(_("None of the selected events has a letter."))
        reports = events.stage_id.report_id
        if len(reports) > 1:
            raise UserError(
                _("Select events of one stage at a time to print their letters.")
            )
        return reports.report_action(events)

    def action_preview_letter(self):
        """The letter of a step waiting for validation, as it would be printed
        today; nothing is stored (the letter is archived when sent)."""
        self.ensure_one()
        if not self.stage_id.report_id:
            raise UserError(_("This step has no letter."))
        return self.stage_id.report_id.with_context(
            report_pdf_no_attachment=True
        ).report_action(self)

    def action_log_call(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log call"),
            "res_model": "recouvrement.call.outcome",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_id": self.id},
        }

    def action_open_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_move_action"
        )
        action["domain"] = [("id", "in", self.move_ids.ids)]
        return action
