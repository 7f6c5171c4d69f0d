"""The nightly run and the recovery state machine of an invoice (mixed into
account.move).

The run selects the debtors whose next step is due (``recouvrement.debtor``), in
bounded batches, company by company; the debtor decides and acts for all its
invoices. An invoice's own state (suspended, disputed, under a payment plan,
transferred, closed) is changed here, and its debtor is planned again.
"""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from . import evidence
from .constants import (
    CONTACT_EVENT_STATES,
    OPEN_EVENT_STATES,
    OPEN_PAYMENT_STATES,
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


class RecouvrementEscalationMixin(models.AbstractModel):
    """The nightly run and the invoice's recovery states (mixed into account.move)."""

    _name = "recouvrement.escalation.mixin"
    _description = "Recovery escalation engine"

    # ------------------------------------------------------------------
    # The nightly run
    # ------------------------------------------------------------------
    @api.model
    def _cron_recouvrement_escalate(self, batch_size=None):
        """Nightly run: climb the ladder of the debtors whose next step is due.

        Takes a bounded batch of debtors per call, company by company, reports
        progress, and lets Odoo's cron runner commit after each call and call again
        while work remains (no commit of its own). Every handled debtor leaves the
        domain (its next date moves to the future, or is cleared). Returns the number of
        debtors handled.
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
        today = fields.Date.context_today(self)
        Debtor = self.env["recouvrement.debtor"]
        if Debtor._recouvrement_queue_mode():
            return self._recouvrement_enqueue_night(today, batch_size)
        woken = self._recouvrement_wake_up(today, limit=batch_size * 10)
        due = Debtor._recouvrement_due_domain(today)
        budget, handled = batch_size, 0
        for company in self._recouvrement_night_companies():
            if budget <= 0:
                break
            debtors = Debtor._recouvrement_in_company(company).search(
                due + [("company_id", "=", company.id)],
                limit=budget,
                order="next_date, id",
            )
            if not debtors:
                continue
            budget -= len(debtors)
            handled += len(debtors._recouvrement_run_batch(today))
        remaining = Debtor.search_count(due)
        self.env["ir.cron"]._notify_progress(
            done=handled + len(woken), remaining=remaining
        )
        return handled

    @api.model
    def _recouvrement_night_companies(self):
        # the cron's superuser works for every company; a person, for theirs
        return (
            self.env["res.company"].search([])
            if self.env.su
            else self.env.user.company_ids
        )

    @api.model
    def _recouvrement_enqueue_night(self, today, batch_size):
        """With OCA queue_job: the night's due debtors in jobs of ``batch_size`` on
        the ``root.recouvrement`` channel, which as many job workers as configured
        run in parallel. A job takes again those of its debtors still due and locks
        them (SKIP LOCKED) as the cron does: two jobs, or a job and a click, never
        act on the same debtor; the identity key makes a second cron call of the
        night enqueue nothing twice. Returns the number of debtors enqueued."""
        while self._recouvrement_wake_up(today, limit=batch_size * 10):
            pass  # every pause ending today, before the debtors are chosen
        Debtor = self.env["recouvrement.debtor"]
        due = Debtor._recouvrement_due_domain(today)
        enqueued = 0
        for company in self._recouvrement_night_companies():
            ids = Debtor.search(
                due + [("company_id", "=", company.id)], order="next_date, id"
            ).ids
            for chunk in split_every(batch_size, ids, list):
                Debtor._recouvrement_in_company(company)._recouvrement_delay_run(
                    chunk, today
                )
                enqueued += len(chunk)
        self.env["ir.cron"]._notify_progress(done=enqueued, remaining=0)
        return enqueued

    @api.model
    def _recouvrement_wake_up(self, today, limit=None):
        """Pauses, disputes and mediations whose end date has come return to the
        ladder."""
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
                disputes.write({"state": "expired", "date_closed": today})
            moves.write({"recouvrement_dispute_id": False})
            moves._recouvrement_resume(_("End of the suspension."))
        return moves

    # ------------------------------------------------------------------
    # Payments end it
    # ------------------------------------------------------------------
    def _recouvrement_close_paid(self):
        """Paid invoices leave recovery (closed, event logged); pending events whose
        invoices are all paid are cancelled; their debtors are planned again."""
        in_recovery = self.filtered(
            lambda m: m.recouvrement_state not in (False, "closed")
        )
        if in_recovery:
            in_recovery._recouvrement_set_closed("paid", _("Invoice paid."))
        # sudo: a payment is registered by accounting users who may not read the
        # recovery log; the letters of paid invoices are stopped all the same
        pending = (
            self.env["recouvrement.event"]
            .sudo()
            .search([("move_ids", "in", self.ids), ("state", "in", OPEN_EVENT_STATES)])
        )
        pending.filtered("all_paid")._recouvrement_cancel_open(
            _("All invoices were paid.")
        )
        self.recouvrement_debtor_id._recouvrement_plan()

    def _recouvrement_set_closed(self, reason, note, today=None):
        today = today or fields.Date.context_today(self)
        self.write(
            {
                "recouvrement_state": "closed",
                "recouvrement_close_reason": reason,
                "recouvrement_resume_date": False,
                "recouvrement_issue": False,
            }
        )
        self._recouvrement_log_events("closed", note, today)
        self.recouvrement_debtor_id._recouvrement_plan()

    @evidence.event_transition
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
                "debtor_id": moves.recouvrement_debtor_id[:1].id,
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
            }
        )
        self.env["recouvrement.event"].sudo().search(
            [("move_ids", "in", self.ids), ("state", "=", "to_validate")]
        )._recouvrement_cancel_open(reason)
        events = self._recouvrement_log_events(event_type, reason, today)
        self.recouvrement_debtor_id._recouvrement_plan()
        return events

    def _recouvrement_resume(self, note):
        """Back on the ladder at the stage where it stopped; refused while the
        customer is under a collective procedure (the judgment forbids individual
        recovery, art. L622-21 C. com.)."""
        today = fields.Date.context_today(self)
        under_procedure = self.commercial_partner_id.filtered("recouvrement_procedure")
        if under_procedure:
            raise UserError(
                _(
                    "%(partner)s is under a collective procedure: individual recovery "
                    "is forbidden (art. L622-21 C. com.). Declare the claim to the "
                    "judicial representative instead; recovery can resume only once "
                    "the procedure is removed from the customer.",
                    partner=under_procedure[0].display_name,
                )
            )
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
        events = self._recouvrement_log_events("resume", note, today)
        self.recouvrement_debtor_id._recouvrement_plan()
        return events

    def _recouvrement_stop_for_procedure(self):
        """A collective procedure stops every individual action at once (L622-21 C.
        com.): the letters not sent yet are cancelled, the invoices leave the
        ladder."""
        moves = self.filtered(lambda m: m.recouvrement_state != "closed")
        if not moves:
            return
        reason = _("Collective procedure: individual recovery is forbidden.")
        self.env["recouvrement.event"].search(
            [("move_ids", "in", moves.ids), ("state", "in", OPEN_EVENT_STATES)]
        )._recouvrement_cancel_open(_("Collective procedure opened."))
        moves._recouvrement_suspend("paused", False, reason, "procedure")

    def _recouvrement_mark_transferred(self):
        """The case is in the hands of a commissaire de justice or a lawyer."""
        today = fields.Date.context_today(self)
        for debtor, moves in self.grouped("recouvrement_debtor_id").items():
            transfer = debtor._recouvrement_ladder().stage_ids.filtered(
                lambda s: s.kind == "transfer"
            )[:1]
            values = {
                "recouvrement_state": "transferred",
                "recouvrement_last_date": today,
                "recouvrement_issue": False,
            }
            if transfer:
                values["recouvrement_stage_id"] = transfer.id
                # the profile's highest stage follows now, not at tonight's profiling
                top = debtor.max_stage_id
                if not top or (top.sequence, top.id) < (transfer.sequence, transfer.id):
                    debtor.sudo().max_stage_id = transfer
            moves.write(values)
        self.recouvrement_debtor_id._recouvrement_plan()

    # ------------------------------------------------------------------
    # Registered letters
    # ------------------------------------------------------------------
    def _recouvrement_recompute_stage(self):
        """The stage each invoice really reached: the highest of the steps sent to
        its customer about it (a step that failed, or was cancelled, does not count)."""
        if not self:
            return
        events = (
            self.env["recouvrement.event"]
            .sudo()
            .search(
                [
                    ("move_ids", "in", self.ids),
                    ("event_type", "=", "stage"),
                    ("state", "in", CONTACT_EVENT_STATES),
                ]
            )
        )
        reached = {}
        for event in events:
            stage = event.stage_id
            for move in event.move_ids:
                best = reached.get(move.id)
                if not best or (best.sequence, best.id) < (stage.sequence, stage.id):
                    reached[move.id] = stage
        by_stage = defaultdict(list)
        for move in self:
            by_stage[reached.get(move.id, self.env["recouvrement.stage"])].append(
                move.id
            )
        for stage, ids in by_stage.items():
            self.browse(ids).write({"recouvrement_stage_id": stage.id})

    def _recouvrement_notice_events(self):
        return self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", self.ids),
                ("channel_registered", "=", True),
                ("state", "in", ("to_post", "done")),
            ],
            order="date desc, id desc",
        )

    def _recouvrement_record_registered_sent(
        self, tracking_number, sent_date, deposit=None
    ):
        events = self._recouvrement_notice_events().filtered(
            lambda e: e.state == "to_post"
        )
        if not events:
            raise UserError(
                _("No registered letter of these invoices is waiting to be posted.")
            )
        if len(events.partner_id) > 1:
            raise UserError(_("Select the invoices of one customer."))
        return events[0]._recouvrement_record_posted(
            tracking_number, sent_date, deposit
        )

    def _recouvrement_record_receipt(
        self, receipt_date, attachment=None, kind="signed"
    ):
        posted = self._recouvrement_notice_events().filtered(
            lambda e: e.tracking_number or e.sent_date
        )
        events = posted.filtered(lambda e: not e.receipt_date)
        if posted and not events:
            raise UserError(
                _(
                    "The delivery of the registered letters of these invoices is "
                    "already recorded: attach its proof from the letter's event, or "
                    "record a correction."
                )
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
        return events[0]._recouvrement_record_receipt(receipt_date, attachment, kind)

    # ------------------------------------------------------------------
    # Invoices' PDFs and contacts (letters, emails, case file)
    # ------------------------------------------------------------------
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

    def _recouvrement_ensure_invoice_pdfs(self, moves, fresh=False):
        """Make sure each invoice has a PDF: the one Odoo sent (invoice_pdf_report_id),
        else a copy as Odoo prints it (with payments), rendered in a few calls.

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
        for chunk in split_every(INVOICE_PDF_CHUNK, missing.ids, self.browse):
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

    def _recouvrement_active_moves(self):
        """The selected invoices that are on the ladder, or a clear error."""
        active = self.filtered(lambda m: m._recouvrement_is_active())
        if not active:
            raise UserError(
                _(
                    "These invoices are suspended, transferred, closed or excluded "
                    "from recovery: resume them first."
                )
            )
        missing = active.filtered(lambda m: not m.recouvrement_debtor_id)
        if missing:
            missing._recouvrement_link_debtors()
        return active
