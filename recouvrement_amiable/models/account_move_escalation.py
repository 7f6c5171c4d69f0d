"""The escalation engine: one code path for the nightly cron, "Escalate now" and the
validation of prepared stages.

decide (pure Python on prefetched data) -> resolve channels per (debtor, stage) ->
create one recouvrement.event per group -> render letters in one call per report ->
queue emails -> schedule activities -> write invoices, partners and chatter notes in
batch.
"""

import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import legal
from .constants import (
    ACTIVE_STATES,
    OPEN_PAYMENT_STATES,
    PAID_STATES,
    SUSPENDED_STATES,
)

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200  # debtors per cron call when nothing is printed or mailed
# Debtors per cron call when the letters, emails and invoice copies are produced in the
# call: on a 2-core machine 200 debtors took about 460 s (invoices never sent, so each
# one's PDF printed) and about 120 s with stored invoice PDFs, beyond Odoo's default
# real-time limit of a cron worker (limit_time_real, 120 s). 40 keeps a call near 90 s
# in the worst case. Both are overridden by the system parameter
# recouvrement_amiable.batch_size.
DEFAULT_BATCH_SIZE_CHANNELS = 40
INVOICE_PDF_CHUNK = 50  # invoices per wkhtmltopdf call
QUIET_CREATE = {"mail_create_nolog": True, "mail_create_nosubscribe": True}
LETTER_STAGE_KINDS = ("relance_1", "relance_2", "mise_en_demeure", "pre_reminder")


class Decision:
    """What the engine decided for a batch, before anything is written."""

    def __init__(self):
        self.groups = defaultdict(lambda: None)  # (company, partner, stage) -> moves
        self.next_dates = defaultdict(list)  # date|False -> move ids (no action today)
        self.issues = []  # (moves, message, next_date, target record for the activity)
        self.manual_due = defaultdict(
            lambda: None
        )  # (company, partner, stage) -> moves

    def add(self, mapping, key, move):
        mapping[key] = (mapping[key] | move) if mapping[key] is not None else move


class RecouvrementEscalationMixin(models.AbstractModel):
    """The escalation engine of customer invoices (mixed into account.move)."""

    _name = "recouvrement.escalation.mixin"
    _description = "Recovery escalation engine"

    # ------------------------------------------------------------------
    # Selection
    # ------------------------------------------------------------------
    @api.model
    def _get_recouvrement_escalation_domain(self, today=None):
        """Posted customer invoices, open, whose next stage is due, not suspended,
        not excluded (invoice or debtor), debtor not under a collective procedure."""
        today = today or fields.Date.context_today(self)
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
            ("recouvrement_next_date", "<=", today),
            ("recouvrement_state", "in", ACTIVE_STATES),
            ("recouvrement_excluded", "=", False),
            ("commercial_partner_id.recouvrement_excluded", "=", False),
            ("commercial_partner_id.recouvrement_procedure", "=", False),
        ]

    @api.model
    def _cron_recouvrement_escalate(self, batch_size=None):
        """Nightly run: climb the ladder for the debtors whose next stage is due.

        Takes a bounded batch of debtors per call, reports progress, and lets Odoo's
        cron runner commit after each call and call again while work remains
        (style.md §1.4). Every handled invoice leaves the domain (its next date moves
        to the future, or is cleared).
        """
        default_size = (
            DEFAULT_BATCH_SIZE
            if self.env.context.get("recouvrement_no_channels")
            else DEFAULT_BATCH_SIZE_CHANNELS
        )
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("recouvrement_amiable.batch_size", default_size)
        )
        # Messages and activities in the language of the company (the cron user has
        # none).
        self = self.with_context(lang=self.env.company.partner_id.lang or self.env.lang)  # noqa: PLW0642
        today = fields.Date.context_today(self)
        woken = self._recouvrement_wake_up(today, limit=batch_size * 10)
        domain = self._get_recouvrement_escalation_domain(today)
        partner_groups = self._read_group(
            domain,
            ["commercial_partner_id"],
            [],
            limit=batch_size,
            order="commercial_partner_id",
        )
        partner_ids = [partner.id for (partner,) in partner_groups]
        moves = self.browse()
        if partner_ids:
            moves = self.search(
                domain + [("commercial_partner_id", "in", partner_ids)], order="id"
            )
            moves = moves._recouvrement_lock()
            moves._recouvrement_escalate(today=today)
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(
            done=len(moves) + len(woken), remaining=remaining
        )
        return len(moves)

    def _recouvrement_lock(self):
        """Lock the invoices of this batch (FOR UPDATE SKIP LOCKED, as
        res.company._with_locked_records): a debtor some of whose invoices another
        worker holds is left to that worker."""
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        if len(locked) == len(self):
            return self
        busy_partners = self.filtered(
            lambda m: m.id not in locked
        ).commercial_partner_id
        return self.filtered(lambda m: m.commercial_partner_id not in busy_partners)

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------
    def _recouvrement_escalate(self, force=False, today=None):
        """Climb the ladder for these invoices (cron, "Escalate now").

        ``force``: next stage now, delays and spacing ignored, validation respected.
        A failure on one debtor rolls back that debtor only; the others go on.
        """
        today = today or fields.Date.context_today(self)
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state in OPEN_PAYMENT_STATES
        )
        if force:
            blocked = invoices.filtered(
                lambda m: m.recouvrement_state not in ACTIVE_STATES
            )
            if blocked and blocked == invoices:
                raise UserError(
                    _(
                        "These invoices are suspended, transferred or closed: resume "
                        "them first."
                    )
                )
            invoices -= blocked
        if not invoices:
            return self.env["recouvrement.event"]
        try:
            with self.env.cr.savepoint():
                return invoices._recouvrement_escalate_batch(today, force)
        except psycopg2.OperationalError:
            raise  # concurrent update / lock: let the cron runner retry later
        except Exception:
            if force and len(invoices.commercial_partner_id) == 1:
                raise
            _logger.info(
                "Recovery batch failed, retrying debtor by debtor", exc_info=True
            )
        events = self.env["recouvrement.event"]
        for _partner, moves in invoices.grouped("commercial_partner_id").items():
            try:
                with self.env.cr.savepoint():
                    events |= moves._recouvrement_escalate_batch(today, force)
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - one debtor must not stop the batch
                _logger.exception(
                    "Recovery of %s failed", moves.commercial_partner_id.display_name
                )
                moves._recouvrement_record_failure(error, today)
        return events

    def _recouvrement_record_failure(self, error, today):
        """A debtor failed: record why and retry tomorrow (the invoices leave today's
        domain)."""
        message = _(
            "The recovery run failed on this customer: %(error)s",
            error=str(error) or error.__class__.__name__,
        )
        self.write(
            {
                "recouvrement_issue": message[:250],
                "recouvrement_next_date": today + timedelta(days=1),
            }
        )
        self._recouvrement_issue_activities(
            [(self.commercial_partner_id[:1], message, self)]
        )

    def _recouvrement_escalate_batch(self, today, force):
        decision = self._recouvrement_decide(today, force)
        return self._recouvrement_apply(decision, today, force)

    def _recouvrement_decide(self, today, force):
        """Decide, without writing anything, what each invoice gets today."""
        decision = Decision()
        context = self._recouvrement_context()
        # The prescription date (payments, mediations) only for the invoices old
        # enough to be time-barred, computed for all of them at once.
        old = self.filtered(
            lambda m: legal.may_be_time_barred(
                today, m.invoice_date_due, m.invoice_date, m.delivery_date
            )
        )
        context["prescription"] = {
            move.id: move.recouvrement_prescription_date for move in old
        }
        for (company, partner), moves in self.grouped(
            lambda m: (m.company_id, m.commercial_partner_id)
        ).items():
            spacing = company.recouvrement_spacing_days
            last_contact = partner.with_company(company).recouvrement_last_contact_date
            if partner.debtor_type == legal.PUBLIC:
                decision.issues.append(
                    (
                        moves,
                        _(
                            "%(partner)s is a public body: its recovery is out of the "
                            "scope "
                            "of this module (public procurement rules).",
                            partner=partner.display_name,
                        ),
                        False,
                        partner,
                    )
                )
                continue
            if not partner.active:
                decision.issues.append(
                    (
                        moves,
                        _(
                            "%(partner)s is archived: unarchive the customer or close "
                            "the "
                            "recovery of its invoices.",
                            partner=partner.display_name,
                        ),
                        today + timedelta(days=spacing or 1),
                        moves[:1],
                    )
                )
                continue
            if (
                not force
                and last_contact
                and last_contact + timedelta(days=spacing) > today
            ):
                decision.next_dates[last_contact + timedelta(days=spacing)].extend(
                    moves.ids
                )
                continue
            for move in moves:
                self._recouvrement_decide_move(
                    move, company, context, decision, today, force
                )
        return decision

    def _recouvrement_decide_move(self, move, company, context, decision, today, force):
        partner = move.commercial_partner_id
        if move.currency_id != company.currency_id:
            decision.issues.append(
                (
                    move,
                    _(
                        "Invoice %(invoice)s is in %(currency)s: the letters and the "
                        "legal "
                        "computations are in %(company_currency)s. Chase it by hand.",
                        invoice=move.name,
                        currency=move.currency_id.name,
                        company_currency=company.currency_id.name,
                    ),
                    False,
                    move,
                )
            )
            return
        if (
            company.currency_id.compare_amounts(
                move.amount_residual, company.recouvrement_min_residual
            )
            < 0
        ):
            decision.next_dates[False].append(move.id)
            return
        prescribed_on = context["prescription"].get(move.id)
        if prescribed_on and prescribed_on <= today:
            decision.issues.append(
                (
                    move,
                    _(
                        "Invoice %(invoice)s is time-barred since %(date)s: claiming "
                        "it would be "
                        "an unfair practice. Close its recovery or check the "
                        "prescription.",
                        invoice=move.name,
                        date=prescribed_on.strftime("%d/%m/%Y"),
                    ),
                    False,
                    move,
                )
            )
            return
        ladder = context["ladders"].get((company.id, partner.id))
        stages = ladder._active_stages() if ladder else self.env["recouvrement.stage"]
        current = move.recouvrement_stage_id
        after = stages.filtered(
            lambda s: not current or (s.sequence, s.id) > (current.sequence, current.id)
        )
        if not after:
            decision.next_dates[False].append(move.id)
            return
        if force:
            target = after[0]
        else:
            # Default: the next stage when it is due. Catch-up: the highest automatic
            # stage
            # already due; a stage that needs validation or a person is never jumped
            # over
            # nor jumped to: it is only reached as the very next stage.
            target = False
            for stage in after:
                if move._recouvrement_stage_due_date(stage, context) > today:
                    break
                if target and (stage.needs_validation or not stage.auto_execute):
                    break
                target = stage
                if not company.recouvrement_catch_up:
                    break
                if stage.needs_validation or not stage.auto_execute:
                    break
            if not target:
                next_date = move._recouvrement_stage_due_date(after[0], context)
                decision.next_dates[next_date].append(move.id)
                return
            if not target.auto_execute:
                decision.add(decision.manual_due, (company, partner, target), move)
                return
        decision.add(decision.groups, (company, partner, target), move)

    # ------------------------------------------------------------------
    # Apply
    # ------------------------------------------------------------------
    def _recouvrement_apply(self, decision, today, force):
        Event = self.env["recouvrement.event"]
        for next_date, ids in decision.next_dates.items():
            self.browse(ids).write(
                {"recouvrement_next_date": next_date, "recouvrement_issue": False}
            )
        if decision.issues:
            self._recouvrement_apply_issues(decision.issues)
        if decision.manual_due:
            self._recouvrement_apply_manual_due(decision.manual_due)
        if not decision.groups:
            return Event
        plans, issues = self._recouvrement_resolve_channels(decision.groups, today)
        if issues:
            self._recouvrement_apply_issues(issues)
        if not plans:
            return Event
        # the event is the log: no "created" message nor follower per event
        events = Event.with_context(**QUIET_CREATE).create(
            [plan["vals"] for plan in plans]
        )
        to_validate = events.filtered(lambda e: e.state == "to_validate")
        if to_validate:
            to_validate.move_ids.write(
                {"recouvrement_next_date": False, "recouvrement_issue": False}
            )
        executed = events - to_validate
        if executed:
            self._recouvrement_execute_events(executed, today)
        return events

    def _recouvrement_apply_issues(self, issues):
        """Invoices that cannot go on: record why, move them out of today's domain,
        and tell someone with one activity per record and problem."""
        by_next = defaultdict(list)
        for moves, message, next_date, _target in issues:
            for move in moves:
                by_next[(next_date, message[:250])].append(move.id)
        for (next_date, message), ids in by_next.items():
            self.browse(ids).write(
                {"recouvrement_next_date": next_date, "recouvrement_issue": message}
            )
        self._recouvrement_issue_activities(
            [(target, message, moves) for moves, message, _n, target in issues]
        )

    @api.model
    def _recouvrement_issue_activities(self, items):
        """One "recovery problem" activity per (record, message), unless one is open."""
        activity_type = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_issue"
        )
        targets = defaultdict(set)
        for target, _message, _moves in items:
            if target:
                targets[target._name].update(target.ids)
        existing = set()
        if targets:
            domain = ["|"] * (len(targets) - 1)
            for model, ids in targets.items():
                domain += ["&", ("res_model", "=", model), ("res_id", "in", list(ids))]
            for activity in (
                self.env["mail.activity"]
                .sudo()
                .search([("activity_type_id", "=", activity_type.id)] + domain)
            ):
                existing.add((activity.res_model, activity.res_id, activity.summary))
        vals_list, seen = [], set()
        for target, message, moves in items:
            if not target:
                continue
            company = moves.company_id[:1] or self.env.company
            user = (
                company.recouvrement_collector_id
                or moves.invoice_user_id[:1]
                or self.env.user
            )
            summary = message[:200]
            key = (target._name, target.id, summary)
            if key in existing or key in seen:
                continue
            seen.add(key)
            vals_list.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id(target._name),
                    "res_id": target.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": Markup("<p>%s</p>") % message,
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        if vals_list:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(vals_list)

    def _recouvrement_apply_manual_due(self, manual_due):
        """A stage that is not automatic is due: one activity per debtor, the invoices
        wait (leave the domain) until someone escalates them by hand."""
        items = []
        for (_company, partner, stage), moves in manual_due.items():
            message = _(
                "Stage %(stage)s is due for %(partner)s (invoices %(invoices)s): "
                "decide and escalate by hand.",
                stage=stage.name,
                partner=partner.display_name,
                invoices=", ".join(moves.mapped("name")),
            )
            items.append((moves, message, False, partner))
        self._recouvrement_apply_issues(items)

    def _recouvrement_resolve_channels(self, groups, today):
        """Turn each (company, debtor, stage) group into event values, or an issue.

        Email without address falls back to the letter when the stage has one; a letter
        without postal address, or a payment letter of a company without IBAN, is
        skipped
        with an activity and retried after the spacing.
        """
        partners = self.env["res.partner"].browse({p.id for (_c, p, _s) in groups})
        contacts = self._recouvrement_invoice_contacts(partners)
        plans, issues = [], []
        for (company, partner, stage), moves in groups.items():
            contact = contacts.get(partner.id, partner)
            retry = today + timedelta(days=company.recouvrement_spacing_days or 1)
            channels = stage._channels()
            problems = []
            if "email" in channels and not (contact.email or partner.email):
                channels.discard("email")
                if stage._letter_possible():
                    channels.add("letter")
                else:
                    problems.append(
                        _(
                            "%(partner)s has no email address for stage %(stage)s, and "
                            "the "
                            "stage has no letter to send instead.",
                            partner=partner.display_name,
                            stage=stage.name,
                        )
                    )
            if channels & {
                "letter",
                "registered",
            } and not self._recouvrement_has_address(contact):
                problems.append(
                    _(
                        "%(partner)s has no complete postal address (street, zip, "
                        "city): "
                        "the %(stage)s letter cannot be sent.",
                        partner=contact.display_name,
                        stage=stage.name,
                    )
                )
            if (
                stage.kind in LETTER_STAGE_KINDS
                and channels & {"email", "letter", "registered"}
                and not company.partner_id.bank_ids
            ):
                issues.append(
                    (
                        moves,
                        _(
                            "Company %(company)s has no bank account: the reminders "
                            "must tell "
                            "the debtor where to pay. Add the company's IBAN.",
                            company=company.name,
                        ),
                        retry,
                        company.partner_id,
                    )
                )
                continue
            if problems:
                issues.append((moves, " ".join(problems), retry, partner))
                continue
            if stage.needs_validation:
                state = "to_validate"
            elif channels & {"letter", "registered"}:
                state = "to_post"
            elif channels & {"phone", "manual"}:
                state = "pending"
            else:
                state = "done"
            vals = {
                "company_id": company.id,
                "partner_id": partner.id,
                "contact_id": contact.id,
                "move_ids": [Command.set(moves.ids)],
                "stage_id": stage.id,
                "event_type": "stage",
                "date": today,
                "state": state,
                "lang": contact.lang or partner.lang or self.env.lang,
                "email_to": contact.email or partner.email
                if "email" in channels
                else False,
            }
            for channel in ("email", "letter", "registered", "phone", "manual"):
                vals[f"channel_{channel}"] = channel in channels
            plans.append({"vals": vals, "moves": moves})
        return plans, issues

    @api.model
    def _recouvrement_has_address(self, partner):
        return bool(partner.street and partner.zip and partner.city)

    @api.model
    def _recouvrement_invoice_contacts(self, partners):
        """{commercial partner id: invoice contact}, in one query for all debtors."""
        children = self.env["res.partner"].search(
            [("parent_id", "in", partners.ids), ("type", "=", "invoice")], order="id"
        )
        contacts = {}
        for child in children:
            contacts.setdefault(child.parent_id.id, child)
        return contacts

    def _recouvrement_execute_events(self, events, today):
        """Execute the channels of ``events`` (just created, or validated)."""
        skip_io = self.env.context.get("recouvrement_no_channels")
        amounts = self._recouvrement_event_amounts(events)
        for event in events:
            event.amount_due = amounts.get(event.id, 0.0)
        if not skip_io:
            letters = events.filtered(
                lambda e: e.stage_id.report_id
                and (e.channel_letter or e.channel_registered or e.channel_email)
            )
            self._recouvrement_render_letters(letters)
            mailed = events.filtered("channel_email")
            # the invoices' PDFs of every email of the batch, in one rendering call
            self._recouvrement_ensure_invoice_pdfs(mailed.move_ids)
            self._recouvrement_send_emails(mailed)
        self._recouvrement_schedule_event_activities(
            events.filtered(lambda e: e.channel_phone or e.channel_manual)
        )
        self._recouvrement_after_contact(events, today)

    def _recouvrement_event_amounts(self, events):
        """Total claimed by each event at its date, computed for all events at once."""
        amounts = {}
        for day, day_events in events.grouped("date").items():
            groups = {
                event.id: event.move_ids for event in day_events if event.move_ids
            }
            claims, _failures = self._recouvrement_claims_tolerant(groups, day)
            for event in day_events:
                claim = claims.get(event.id)
                amounts[event.id] = (
                    float(claim.total)
                    if claim
                    else sum(event.move_ids.mapped("amount_residual"))
                )
        return amounts

    def _recouvrement_render_letters(self, events):
        """Render the letters of ``events``: one wkhtmltopdf call per report for all of
        them;
        Odoo splits the PDF per event and stores one attachment each."""
        Report = self.env["ir.actions.report"]
        # Each letter is rendered in its debtor's language by the template (t-lang), so
        # one
        # call per report renders every letter of the batch.
        for report, report_events in events.grouped(
            lambda e: e.stage_id.report_id
        ).items():
            Report._render_qweb_pdf(report, report_events.ids)
        names = {event.id: event._letter_filename() for event in events}
        attachments = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "recouvrement.event"),
                ("res_id", "in", events.ids),
                ("name", "in", list(set(names.values()))),
            ],
            order="id desc",
        )
        by_event = {}
        for attachment in attachments:
            if attachment.name == names[attachment.res_id]:
                by_event.setdefault(attachment.res_id, attachment)
        for event in events:
            attachment = by_event.get(event.id)
            if attachment:
                event.letter_attachment_id = attachment
                event.letter_sha256 = hashlib.sha256(attachment.raw).hexdigest()
        self._recouvrement_post_letters_on_partners(events)

    def _recouvrement_post_letters_on_partners(self, events):
        """The letter in the debtor's chatter too, in one batch of messages."""
        subtype = self.env.ref("mail.mt_note")
        vals_list = []
        for event in events.filtered("letter_attachment_id"):
            vals_list.append(
                {
                    "model": "res.partner",
                    "res_id": event.partner_id.id,
                    "message_type": "comment",
                    "subtype_id": subtype.id,
                    "body": _(
                        "%(stage)s: letter %(event)s",
                        stage=event.stage_id.name,
                        event=event._get_html_link(),
                    ),
                    "attachment_ids": [Command.link(event.letter_attachment_id.id)],
                    "author_id": self.env.user.partner_id.id,
                }
            )
        if vals_list:
            self.env["mail.message"].sudo().create(vals_list)

    def _recouvrement_send_emails(self, events):
        """Queue one email per event through Odoo's mail queue (no send now)."""
        for template, template_events in events.grouped(
            lambda e: e.stage_id.mail_template_id
        ).items():
            if not template:
                continue
            mails = template.with_context(recouvrement_mail=True).send_mail_batch(
                template_events.ids
            )
            for mail in mails:
                event = template_events.browse(mail.res_id)
                event.mail_id = mail
                event.mail_message_id = mail.mail_message_id

    def _recouvrement_ensure_invoice_pdfs(self, moves, fresh=False):
        """Make sure each invoice has a PDF: the one Odoo sent (invoice_pdf_report_id),
        else
        a copy as Odoo prints it (with payments), rendered in one call for all of them.

        ``fresh``: a copy of today for every invoice (the case file shows today's
        payments).
        """
        if fresh:
            missing = moves
        else:
            have = moves._recouvrement_invoice_attachments()
            missing = moves.filtered(lambda m: m.id not in have)
        report = self.env.ref("recouvrement_amiable.action_report_invoice_copy")
        # wkhtmltopdf loads the header and footer files of a call for each page it
        # prints. They are shared between identical documents (share_layout_parts),
        # but invoices of several companies or layouts still add theirs, and one call
        # holds every page in memory (850 invoices in one call, before the sharing,
        # ran for more than 15 minutes). Calls of INVOICE_PDF_CHUNK invoices balance
        # that against the ~3 s fixed cost of a call.
        for chunk in missing._recouvrement_chunks(INVOICE_PDF_CHUNK):
            self.env["ir.actions.report"]._render_qweb_pdf(report, chunk.ids)

    def _recouvrement_invoice_attachments(self, fresh=False):
        """{move id: attachment}: the PDF of each invoice as sent, else its latest copy.

        ``fresh``: today's copy first (case file)."""
        result = (
            {}
            if fresh
            else {
                m.id: m.invoice_pdf_report_id for m in self if m.invoice_pdf_report_id
            }
        )
        missing = self.filtered(lambda m: m.id not in result)
        if missing:
            copies = self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", missing.ids),
                    ("name", "=like", "%\\_copie\\_%.pdf"),
                ],
                order="id desc",
            )
            for attachment in copies:
                result.setdefault(attachment.res_id, attachment)
        return result

    def _recouvrement_schedule_event_activities(self, events):
        """Phone and manual channels: one activity per event for the salesperson or the
        company's collector, created in one batch."""
        if not events:
            return
        model_id = self.env["ir.model"]._get_id("recouvrement.event")
        call_type = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_call"
        )
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        vals_list = []
        for event in events:
            stage = event.stage_id
            activity_type = stage.activity_type_id or (
                call_type if event.channel_phone else todo_type
            )
            user = (
                event.move_ids.invoice_user_id[:1]
                or event.company_id.recouvrement_collector_id
                or self.env.user
            )
            invoices = ", ".join(event.move_ids.mapped("name"))
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
                invoices=invoices,
                amount=event.currency_id.format(event.amount_due)
                if event.currency_id
                else event.amount_due,
            )
            if event.channel_phone and stage.call_script:
                note += stage.with_context(lang=event.lang or self.env.lang).call_script
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": event.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": note,
                    "user_id": user.id,
                    "date_deadline": event.date,
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)

    def _recouvrement_after_contact(self, events, today):
        """Invoices reach the stage; debtors' last contact is today; one chatter note
        per
        invoice, logged in one batch."""
        by_stage = defaultdict(lambda: self.browse())
        bodies = {}
        for event in events:
            moves = event.move_ids
            by_stage[event.stage_id] |= moves
            body = _(
                "Recovery: stage %(stage)s reached (%(channels)s), event %(event)s.",
                stage=event.stage_id.name,
                channels=event.channel_summary or "",
                event=event._get_html_link(),
            )
            bodies.update(dict.fromkeys(moves.ids, body))
        moves_all = events.move_ids
        # The chatter note replaces the tracking message of the stage change.
        for stage, moves in by_stage.items():
            to_write = {
                "recouvrement_stage_id": stage.id,
                "recouvrement_last_date": today,
                "recouvrement_issue": False,
            }
            moves.filtered(lambda m: not m.recouvrement_state).with_context(
                mail_notrack=True
            ).write(dict(to_write, recouvrement_state="in_progress"))
            moves.filtered("recouvrement_state").with_context(mail_notrack=True).write(
                to_write
            )
        moves_all._recouvrement_plan_next_dates(contact_date=today)
        for company, company_events in events.grouped("company_id").items():
            company_events.partner_id.with_company(company).write(
                {"recouvrement_last_contact_date": today}
            )
        if bodies:
            moves_all._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # Validation queue
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_validate_events(self, events):
        """Validate prepared stages: their invoices must still be open (paid ones are
        dropped; an event whose invoices are all paid is cancelled, never sent)."""
        today = fields.Date.context_today(self)
        events = events.filtered(lambda e: e.state == "to_validate")
        all_paid = events.filtered("all_paid")
        if all_paid:
            all_paid.write(
                {"state": "cancelled", "issue": _("All invoices were paid.")}
            )
        events -= all_paid
        for event in events:
            paid = event.move_ids.filtered(lambda m: m.payment_state in PAID_STATES)
            if paid:
                event.move_ids = [Command.unlink(m.id) for m in paid]
        if not events:
            return events
        for event in events:
            channels = {
                c
                for c in ("letter", "registered", "email", "phone", "manual")
                if event[f"channel_{c}"]
            }
            event.state = (
                "to_post"
                if channels & {"letter", "registered"}
                else ("pending" if channels & {"phone", "manual"} else "done")
            )
        events.write(
            {
                "validated_by_id": self.env.user.id,
                "validated_on": fields.Datetime.now(),
                "date": today,
            }
        )
        self._recouvrement_execute_events(events, today)
        return events

    @api.model
    def _recouvrement_cancel_events(self, events):
        """Cancel events not sent yet; their invoices are planned again."""
        today = fields.Date.context_today(self)
        moves = events.move_ids
        events.write({"state": "cancelled"})
        events.activity_ids.unlink()
        open_moves = moves.filtered(
            lambda m: m.payment_state in OPEN_PAYMENT_STATES
            and m.recouvrement_state in ACTIVE_STATES
        )
        open_moves._recouvrement_plan_next_dates(contact_date=today)

    # ------------------------------------------------------------------
    # Payments end it
    # ------------------------------------------------------------------
    def _recouvrement_close_paid(self):
        """Paid invoices leave recovery (closed, event logged); pending events whose
        invoices are all paid are cancelled."""
        in_recovery = self.filtered(
            lambda m: m.recouvrement_state not in (False, "closed")
        )
        planned = self - in_recovery
        planned.filtered("recouvrement_next_date").write(
            {"recouvrement_next_date": False}
        )
        if in_recovery:
            in_recovery._recouvrement_set_closed("paid", _("Invoice paid."))
        pending = self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", self.ids),
                ("state", "in", ("to_validate", "to_post", "pending")),
            ]
        )
        finished = pending.filtered("all_paid")
        if finished:
            finished.write(
                {"state": "cancelled", "issue": _("All invoices were paid.")}
            )
            finished.activity_ids.unlink()

    def _recouvrement_set_closed(self, reason, note, today=None):
        today = today or fields.Date.context_today(self)
        self.write(
            {
                "recouvrement_state": "closed",
                "recouvrement_close_reason": reason,
                "recouvrement_next_date": False,
                "recouvrement_resume_date": False,
                "recouvrement_issue": False,
            }
        )
        self._recouvrement_log_events("closed", note, today)

    def _recouvrement_log_events(self, event_type, note, today=None, **extra):
        """One event per debtor for a change that is not a stage (pause, dispute...)."""
        today = today or fields.Date.context_today(self)
        vals_list = []
        for (company, partner), moves in self.grouped(
            lambda m: (m.company_id, m.commercial_partner_id)
        ).items():
            vals = {
                "company_id": company.id,
                "partner_id": partner.id,
                "move_ids": [Command.set(moves.ids)],
                "event_type": event_type,
                "date": today,
                "state": "done",
                "note": Markup("<p>%s</p>") % note if note else False,
                "stage_id": moves.recouvrement_stage_id[:1].id,
            }
            vals.update(extra)
            vals_list.append(vals)
        return (
            self.env["recouvrement.event"]
            .sudo()
            .with_context(**QUIET_CREATE)
            .create(vals_list)
        )

    # ------------------------------------------------------------------
    # Suspensions
    # ------------------------------------------------------------------
    def _recouvrement_suspend(self, state, until, reason, event_type):
        """Take invoices out of the ladder until ``until`` (or until resumed)."""
        today = fields.Date.context_today(self)
        for move in self:
            if move.recouvrement_state not in SUSPENDED_STATES:
                move.recouvrement_prev_stage_id = move.recouvrement_stage_id
        self.write(
            {
                "recouvrement_state": state,
                "recouvrement_resume_date": until or False,
                "recouvrement_pause_reason": reason,
                "recouvrement_next_date": False,
            }
        )
        pending = self.env["recouvrement.event"].search(
            [("move_ids", "in", self.ids), ("state", "=", "to_validate")]
        )
        if pending:
            pending.write({"state": "cancelled", "issue": reason})
        return self._recouvrement_log_events(event_type, reason, today)

    def _recouvrement_resume(self, note):
        """Back on the ladder at the stage where it stopped."""
        today = fields.Date.context_today(self)
        for move in self:
            if move.recouvrement_prev_stage_id:
                move.recouvrement_stage_id = move.recouvrement_prev_stage_id
        self.write(
            {
                "recouvrement_state": "in_progress",
                "recouvrement_resume_date": False,
                "recouvrement_pause_reason": False,
                "recouvrement_prev_stage_id": False,
                "recouvrement_close_reason": False,
            }
        )
        self._recouvrement_plan_next_dates()
        for move in self.filtered(
            lambda m: m.recouvrement_next_date and m.recouvrement_next_date < today
        ):
            move.recouvrement_next_date = today
        return self._recouvrement_log_events("resume", note, today)

    @api.model
    def _recouvrement_wake_up(self, today, limit=None):
        """Pauses and disputes whose end date has come return to the ladder."""
        moves = self.search(
            [
                ("recouvrement_state", "in", ("paused", "disputed", "mediation")),
                ("recouvrement_resume_date", "!=", False),
                ("recouvrement_resume_date", "<=", today),
                ("payment_state", "in", OPEN_PAYMENT_STATES),
            ],
            limit=limit,
        )
        if moves:
            disputes = moves.recouvrement_dispute_id.filtered(
                lambda d: d.state == "open"
            )
            if disputes:
                disputes.write({"state": "expired"})
            moves.write({"recouvrement_dispute_id": False})
            moves._recouvrement_resume(_("End of the suspension."))
        return moves

    def _recouvrement_stop_for_procedure(self):
        """A collective procedure stops every individual action at once (L622-21 C.
        com.)."""
        moves = self.filtered(lambda m: m.recouvrement_state != "closed")
        if not moves:
            return
        pending = self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", moves.ids),
                ("state", "in", ("to_validate", "to_post", "pending")),
            ]
        )
        pending.write(
            {"state": "cancelled", "issue": _("Collective procedure opened.")}
        )
        pending.activity_ids.unlink()
        moves._recouvrement_suspend(
            "paused",
            False,
            _("Collective procedure: individual recovery is forbidden."),
            "procedure",
        )

    def _recouvrement_mark_transferred(self):
        """The case is in the hands of a commissaire de justice or a lawyer."""
        today = fields.Date.context_today(self)
        for (company, partner), moves in self.grouped(
            lambda m: (m.company_id, m.commercial_partner_id)
        ).items():
            ladder = partner._recouvrement_ladder(company)
            transfer = ladder.stage_ids.filtered(lambda s: s.kind == "transfer")[:1]
            values = {
                "recouvrement_state": "transferred",
                "recouvrement_next_date": False,
                "recouvrement_last_date": today,
                "recouvrement_issue": False,
            }
            if transfer:
                values["recouvrement_stage_id"] = transfer.id
            moves.write(values)

    # ------------------------------------------------------------------
    # Registered letters
    # ------------------------------------------------------------------
    def _recouvrement_notice_events(self):
        return self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", self.ids),
                ("channel_registered", "=", True),
                ("state", "in", ("to_post", "done")),
            ],
            order="date desc, id desc",
        )

    def _recouvrement_record_registered_sent(self, tracking_number, sent_date):
        events = self._recouvrement_notice_events().filtered(
            lambda e: e.state == "to_post"
        )
        if not events:
            raise UserError(
                _("No registered letter of these invoices is waiting to be posted.")
            )
        if len(events.partner_id) > 1:
            raise UserError(_("Select the invoices of one customer."))
        event = events[0]
        event.write(
            {
                "tracking_number": tracking_number,
                "sent_date": sent_date,
                "state": "done",
            }
        )
        if event.letter_attachment_id:
            # The stored letter is the evidence: store it again with its registered
            # letter
            # number, keeping the version printed before the number was known.
            previous = event.letter_attachment_id
            previous.name = (
                previous.name.removesuffix(".pdf") + " (sans numero LRAR).pdf"
            )
            event.letter_attachment_id = False
            self._recouvrement_render_letters(event)
        return event

    def _recouvrement_record_receipt(self, receipt_date, attachment=None):
        events = self._recouvrement_notice_events().filtered(
            lambda e: e.tracking_number or e.sent_date
        )
        if not events:
            raise UserError(
                _(
                    "Record the sending of the registered letter (its number) before "
                    "its receipt."
                )
            )
        if len(events.partner_id) > 1:
            raise UserError(_("Select the invoices of one customer."))
        event = events[0]
        if receipt_date < (event.sent_date or event.date):
            raise UserError(_("A letter cannot be received before it was posted."))
        vals = {"receipt_date": receipt_date}
        if attachment:
            attachment.write(
                {
                    "res_model": "recouvrement.event",
                    "res_id": event.id,
                    "recouvrement_category": "ar",
                }
            )
            vals["receipt_attachment_id"] = attachment.id
        event.write(vals)
        if event.stage_id.kind == "mise_en_demeure":
            event.move_ids.write({"recouvrement_notice_date": receipt_date})
        event.move_ids.filtered(
            lambda m: m.recouvrement_state in ACTIVE_STATES
        )._recouvrement_plan_next_dates(contact_date=event.date)
        return event
