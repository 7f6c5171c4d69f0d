"""Case file for the commissaire de justice or the lawyer (legal_spec_fr.md §7, §11).

A ZIP of numbered exhibits in the order of the bordereau, built exhibit by exhibit into
a temporary file (each PDF is written then dropped: never all of them in memory), with
an integrity manifest (SHA-256 of every file) in XML and JSON.
"""

import base64
import email.policy
import hashlib
import io
import json
import logging
import re
import tempfile
import unicodedata
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime

from lxml import etree
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html2plaintext
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from ..models import evidence

_logger = logging.getLogger(__name__)

CONTRACT_CATEGORIES = ("contract", "cgv", "order", "delivery")


def _slug(text, limit=60):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return text[:limit] or "piece"


def _split_at_top_outlines(pdf, count):
    """Split a PDF of ``count`` documents at its top-level outlines, one per document
    (see ir.actions.report._render_qweb_pdf_prepare_streams); None when they do not
    match the documents."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    root = reader.trailer["/Root"]
    if "/Outlines" not in root or "/First" not in root["/Outlines"]:
        return None
    starts, node = [], root["/Outlines"]["/First"]
    while True:
        starts.append(root["/Dests"][node["/Dest"]][0])
        if "/Next" not in node:
            break
        node = node["/Next"]
    starts = sorted(set(starts))
    if len(starts) != count or starts[0] != 0:
        return None
    parts = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < count else len(reader.pages)
        writer = PdfFileWriter()
        for page in range(start, end):
            writer.add_page(reader.pages[page])
        stream = io.BytesIO()
        writer.write(stream)
        parts.append(stream.getvalue())
    return parts


class RecouvrementDossierExport(models.TransientModel):
    _name = "recouvrement.dossier.export"
    _description = "Export a recovery case file"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    move_ids = fields.Many2many("account.move", string="Invoices")
    recipient = fields.Char(
        help="Commissaire de justice or lawyer the case file is for (printed on the "
        "bordereau)."
    )
    include_invoices = fields.Boolean("Include the invoices", default=True)
    include_documents = fields.Boolean(
        "Contracts and commercial documents", default=True
    )
    include_correspondence = fields.Boolean("Correspondence", default=True)
    include_chatter = fields.Boolean(
        "Messages exchanged with the customer", default=True
    )
    mark_transferred = fields.Boolean(
        "Mark the invoices as transferred",
        default=True,
        help="The invoices leave the ladder: the case is in the hands of the "
        "commissaire de "
        "justice or the lawyer.",
    )
    date = fields.Date("At", required=True, default=fields.Date.context_today)
    warning = fields.Text(compute="_compute_warning")
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        if model == "account.move" and ids:
            moves = self.env["account.move"].browse(ids)
            values["move_ids"] = [Command.set(moves.ids)]
            if len(moves.commercial_partner_id) == 1:
                values["partner_id"] = moves.commercial_partner_id.id
            values["company_id"] = moves.company_id[:1].id or self.env.company.id
        elif model == "res.partner" and ids:
            partner = self.env["res.partner"].browse(ids[:1]).commercial_partner_id
            values["partner_id"] = partner.id
            values["move_ids"] = [Command.set(self._default_moves(partner).ids)]
        return values

    @api.model
    def _default_moves(self, partner):
        """All open invoices of the customer that are in recovery."""
        return self.env["account.move"].search(
            self.env["account.move"]._recouvrement_open_domain()
            + [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "in", self.env.companies.ids),
                ("recouvrement_state", "not in", (False, "closed")),
            ],
            order="invoice_date_due, name",
        )

    @api.depends("partner_id", "move_ids")
    def _compute_warning(self):
        for wizard in self:
            messages = []
            if wizard.partner_id and not wizard.partner_id._recouvrement_siren():
                messages.append(
                    _(
                        "%(partner)s has no SIREN: the debtor sheet will say so; "
                        "complete it "
                        "before filing an injonction de payer.",
                        partner=wizard.partner_id.display_name,
                    )
                )
            if len(wizard.move_ids.commercial_partner_id) > 1:
                messages.append(_("The selected invoices belong to several customers."))
            wizard.warning = "\n".join(messages) or False

    # ------------------------------------------------------------------
    def _check(self):
        self.ensure_one()
        if not self.env.user.has_group(
            "recouvrement_amiable.group_recouvrement_manager"
        ):
            raise AccessError(_("Only recovery managers can export a case file."))
        moves = self.move_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not moves:
            raise UserError(
                _("Select at least one posted customer invoice to export a case file.")
            )
        if len(moves.commercial_partner_id) > 1:
            raise UserError(
                _(
                    "A case file concerns one debtor: the selected invoices belong to "
                    "%(partners)s.",
                    partners=", ".join(
                        moves.commercial_partner_id.mapped("display_name")
                    ),
                )
            )
        if moves.commercial_partner_id != self.partner_id.commercial_partner_id:
            raise UserError(_("The invoices do not belong to the selected customer."))
        if len(moves.company_id) > 1:
            raise UserError(_("A case file concerns the invoices of one company."))
        moves.check_access("read")
        self.partner_id.check_access("read")
        return moves.sorted(lambda m: (m.invoice_date_due or m.date, m.name))

    def _lang(self):
        return "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang

    def action_export(self):
        """Build the ZIP, store it on the customer, log the export, download it."""
        self.ensure_one()
        moves = self._check()
        self = self.with_context(lang=self._lang())  # noqa: PLW0642 - render in French
        moves = moves.with_context(lang=self.env.lang)
        partner = self.partner_id.commercial_partner_id
        claim = moves._recouvrement_claim(self.date)
        builder = _ZipBuilder(self)
        try:
            self._add_exhibits(builder, moves, claim)
            builder.finish(self._manifest_meta(moves, claim))
            zip_name = f"Dossier_{_slug(partner.name, 40)}_{self.date.isoformat()}.zip"
            content = builder.read_bytes()
        finally:
            builder.close()
        summary = _(
            "Case file exported by %(user)s on %(date)s: %(count)s exhibits, invoices "
            "%(invoices)s.",
            user=self.env.user.name,
            date=fields.Datetime.now().strftime("%d/%m/%Y %H:%M"),
            count=len(builder.exhibits),
            invoices=", ".join(moves.mapped("name")),
        )
        if self.recipient:
            summary += " " + _("Recipient: %(recipient)s.", recipient=self.recipient)
        # the case file belongs to its export event, in a field only the recovery
        # managers of the company read, and nobody replaces (not among the customer's
        # attachments, which every internal user reads)
        with evidence.transition():
            event = moves._recouvrement_log_events(
                "export", summary, user_id=self.env.user.id
            )[:1]
            event.write(
                {
                    "export_file": base64.b64encode(content),
                    "export_filename": zip_name,
                }
            )
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", "recouvrement.event"),
                        ("res_id", "=", event.id),
                        ("res_field", "=", "export_file"),
                    ],
                    limit=1,
                )
            )
            attachment.write({"name": zip_name, "mimetype": "application/zip"})
            event.export_attachment_id = attachment
        event.debtor_id._message_log(
            body=_(
                "%(summary)s Event %(event)s.",
                summary=summary,
                event=event._get_html_link(),
            )
        )
        self.attachment_id = attachment
        if self.mark_transferred:
            moves._recouvrement_mark_transferred()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # Exhibits
    # ------------------------------------------------------------------
    def _render(self, report_xmlid, values=None):
        report = self.env.ref(report_xmlid)
        pdf, _fmt = (
            self.env["ir.actions.report"]
            .with_context(lang=self.env.lang)
            ._render_qweb_pdf(report, self.ids, data=values or {})
        )
        return pdf

    def _add_exhibits(self, builder, moves, claim):
        """Plan the exhibits in the order of the bordereau (issue 6, legal_spec_fr.md
        §7.2),
        render the bordereau from the plan, then produce and write each exhibit in
        turn."""
        claim_ctx = self.with_context(recouvrement_claim_moves=moves.ids)
        builder.plan(
            _("Exhibit list (bordereau de communication de pièces)"),
            self.date,
            "bordereau_de_pieces.pdf",
            None,
        )
        builder.plan(
            _("Claim breakdown at %(date)s", date=self.date.strftime("%d/%m/%Y")),
            self.date,
            "decompte_de_creance.pdf",
            lambda: claim_ctx._render(
                "recouvrement_amiable.action_report_dossier_decompte"
            ),
        )
        builder.plan(
            _("Statement of account"),
            self.date,
            "releve_de_compte.pdf",
            lambda: claim_ctx._render(
                "recouvrement_amiable.action_report_dossier_releve"
            ),
        )
        builder.plan(
            _("Debtor identification"),
            self.date,
            "fiche_debiteur.pdf",
            lambda: self._render("recouvrement_amiable.action_report_dossier_fiche"),
        )
        if self.include_invoices:
            self._add_invoices(builder, moves)
        if self.include_documents:
            self._add_documents(builder, moves)
        if self.include_correspondence:
            self._add_correspondence(builder, moves)
        if self.include_chatter:
            self._add_chatter(builder, moves)
        bordereau = self.with_context(recouvrement_exhibits=builder.exhibits)._render(
            "recouvrement_amiable.action_report_dossier_bordereau"
        )
        builder.produce(bordereau)

    def _add_attachment(self, builder, title, day, attachment):
        """An existing file as an exhibit; a visible placeholder if its file is lost."""
        name = attachment.name or "document"
        if not attachment._recouvrement_file_available():
            builder.plan_missing(
                title,
                day,
                _("The file %(name)s is missing from the document storage.", name=name),
            )
            return
        builder.plan(title, day, name, lambda: attachment.raw)

    def _add_invoices(self, builder, moves):
        Move = self.env["account.move"]
        Move._recouvrement_ensure_invoice_pdfs(moves, fresh=True)
        pdfs = moves._recouvrement_invoice_attachments(fresh=True)
        for move in moves:
            attachment = pdfs.get(move.id)
            title = _("Invoice %(invoice)s", invoice=move.name)
            if attachment:
                self._add_attachment(builder, title, move.invoice_date, attachment)
            else:
                builder.plan_missing(
                    title,
                    move.invoice_date,
                    _("No PDF of this invoice could be produced."),
                )

    def _document_attachments(self, moves):
        """Contracts, terms of sale, orders, delivery notes: attachments of the invoices
        (other than their PDFs), categorised attachments of the customer, attachments of
        linked sale orders when the Sales app is installed."""
        Attachment = self.env["ir.attachment"]
        invoice_pdfs = {
            a.id for a in moves._recouvrement_invoice_attachments().values()
        }
        invoice_pdfs |= set(moves.invoice_pdf_report_id.ids)
        on_moves = Attachment.search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", moves.ids),
                ("res_field", "=", False),
            ],
            order="create_date, id",
        ).filtered(
            lambda a: a.id not in invoice_pdfs and "_copie_" not in (a.name or "")
        )
        partner = self.partner_id.commercial_partner_id
        on_partner = Attachment.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (partner | partner.child_ids).ids),
                ("recouvrement_category", "in", CONTRACT_CATEGORIES),
            ],
            order="create_date, id",
        )
        on_orders = Attachment
        if "sale_line_ids" in self.env["account.move.line"]._fields:
            orders = moves.invoice_line_ids.sale_line_ids.order_id
            if orders:
                on_orders = Attachment.search(
                    [
                        ("res_model", "=", "sale.order"),
                        ("res_id", "in", orders.ids),
                        ("res_field", "=", False),
                    ],
                    order="create_date, id",
                )
        order = {"contract": 0, "cgv": 1, "order": 2, "delivery": 3}
        documents = (on_partner | on_moves | on_orders).sorted(
            lambda a: (
                order.get(a.recouvrement_category, 4),
                a.create_date or fields.Datetime.now(),
                a.id,
            )
        )
        return documents

    def _add_documents(self, builder, moves):
        categories = dict(
            self.env["ir.attachment"]
            ._fields["recouvrement_category"]
            ._description_selection(self.env)
        )
        for attachment in self._document_attachments(moves):
            label = categories.get(attachment.recouvrement_category) or _("Document")
            title = f"{label}: {attachment.name}"
            self._add_attachment(
                builder,
                title,
                attachment.create_date and attachment.create_date.date(),
                attachment,
            )

    def _events(self, moves):
        return self.env["recouvrement.event"].search(
            [
                ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", moves.company_id.id),
                ("state", "!=", "cancelled"),
                ("event_type", "!=", "export"),
                "|",
                ("move_ids", "in", moves.ids),
                ("move_ids", "=", False),
            ],
            order="date, id",
        )

    def _add_correspondence(self, builder, moves):
        events = self._events(moves)
        journal_ctx = self.with_context(recouvrement_events=events.ids)
        builder.plan(
            _("Recovery log (reminders, calls, letters)"),
            self.date,
            "journal_des_relances.pdf",
            lambda: journal_ctx._render(
                "recouvrement_amiable.action_report_dossier_journal"
            ),
        )
        # every printed email of the case file in one wkhtmltopdf call, on first use
        emailed = events.filtered(lambda e: e.mail_id or e.mail_message_id)
        printed = {}

        def email_pdf(event):
            if not printed:
                printed.update(self._email_pdfs(emailed))
            return printed[event.id]

        for event in events:
            stage = event.stage_id.name or dict(
                event._fields["event_type"]._description_selection(self.env)
            ).get(event.event_type)
            if event.letter_attachment_id:
                title = _(
                    "%(stage)s of %(date)s (letter %(ref)s)",
                    stage=stage,
                    date=event.date.strftime("%d/%m/%Y"),
                    ref=event.name,
                )
                if event.tracking_number:
                    title += " - " + _(
                        "registered letter No. %(number)s", number=event.tracking_number
                    )
                self._add_attachment(
                    builder, title, event.date, event.letter_attachment_id
                )
            if event.mail_id or event.mail_message_id:
                title = _(
                    "%(stage)s of %(date)s (email %(ref)s)",
                    stage=stage,
                    date=event.date.strftime("%d/%m/%Y"),
                    ref=event.name,
                )
                builder.plan(
                    title,
                    event.date,
                    f"email_{_slug(event.name)}.eml",
                    lambda event=event: self._email_eml(event),
                )
                builder.plan(
                    title,
                    event.date,
                    f"email_{_slug(event.name)}.pdf",
                    lambda event=event: email_pdf(event),
                )
            if event.receipt_attachment_id:
                title = _(
                    "Acknowledgement of receipt of %(ref)s (received on %(date)s)",
                    ref=event.name,
                    date=event.receipt_date
                    and event.receipt_date.strftime("%d/%m/%Y")
                    or "?",
                )
                self._add_attachment(
                    builder, title, event.receipt_date, event.receipt_attachment_id
                )
            elif (
                event.channel_registered
                and event.state == "done"
                and not event.receipt_date
            ):
                builder.plan_missing(
                    _("Acknowledgement of receipt of %(ref)s", ref=event.name),
                    event.date,
                    _(
                        "No acknowledgement of receipt recorded for registered letter "
                        "%(number)s.",
                        number=event.tracking_number or "-",
                    ),
                )

    def _email_data(self, event):
        # sudo: outgoing mails are readable by settings administrators only; the
        # recovery manager exporting the case file reads the email of its event
        mail = event.sudo().mail_id
        message = event.sudo().mail_message_id or mail.mail_message_id
        subject = (mail.subject if mail else message.subject) or ""
        body = (mail.body_html if mail else message.body) or ""
        email_from = (mail.email_from if mail else message.email_from) or ""
        email_to = (mail.email_to if mail else "") or event.email_to or ""
        sent = (message.date if message else False) or event.create_date
        attachments = mail.attachment_ids if mail else message.attachment_ids
        return {
            "subject": subject,
            "body": body,
            "email_from": email_from,
            "email_to": email_to,
            "date": sent,
            "message_id": message.message_id if message else "",
            "attachments": attachments,
        }

    def _email_eml(self, event):
        """The email of an event as sent (.eml, with its attachments)."""
        data = self._email_data(event)
        sent = data["date"]
        msg = EmailMessage(policy=email.policy.SMTP)
        msg["Subject"] = data["subject"]
        msg["From"] = data["email_from"]
        msg["To"] = data["email_to"]
        if sent:
            msg["Date"] = format_datetime(sent)
        if data["message_id"]:
            msg["Message-ID"] = data["message_id"]
        msg.set_content(html2plaintext(data["body"]))
        msg.add_alternative(str(data["body"]), subtype="html")
        for attachment in data["attachments"]:
            try:
                data = attachment.raw or b""
            except OSError:
                data = b""
            maintype, _sep, subtype = (
                attachment.mimetype or "application/octet-stream"
            ).partition("/")
            msg.add_attachment(
                data,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=attachment.name,
            )
        return msg.as_bytes()

    def _email_html(self, event):
        """The email of ``event`` as a printable HTML page."""
        data = self._email_data(event)
        html = self.env["ir.qweb"]._render(
            "recouvrement_amiable.dossier_email_page",
            dict(
                data,
                body=Markup(data["body"]),
                attachments=data["attachments"].mapped("name"),
                event=event,
            ),
        )
        # absolute links of the mail layout point at web.base.url: serve them from
        # report.url
        base_url = self.get_base_url()
        report_url = self.env["ir.actions.report"]._get_report_url()
        return (
            str(html).replace(base_url, report_url)
            if base_url != report_url
            else str(html)
        )

    def _email_pdfs(self, events):
        """{event id: PDF}: the emails printed in one wkhtmltopdf call (each call
        costs seconds: one per email made a 600-event case file take half an hour),
        split at each email's title (its top-level PDF outline, as Odoo splits a
        multi-record report). When an email's own headings make the split unsure,
        each is printed alone."""
        if not events:
            return {}
        Report = self.env["ir.actions.report"]
        htmls = [self._email_html(event) for event in events]
        parts = _split_at_top_outlines(Report._run_wkhtmltopdf(htmls), len(htmls))
        if parts is None:
            parts = [Report._run_wkhtmltopdf([html]) for html in htmls]
        return dict(zip(events.ids, parts, strict=True))

    def _add_chatter(self, builder, moves):
        partner = self.partner_id.commercial_partner_id
        messages = self.env["mail.message"].search(
            [
                "|",
                "&",
                ("model", "=", "account.move"),
                ("res_id", "in", moves.ids),
                "&",
                ("model", "=", "res.partner"),
                ("res_id", "in", (partner | partner.child_ids).ids),
                ("message_type", "in", ("email", "comment")),
                ("subtype_id.internal", "=", False),
            ],
            order="date, id",
        )
        if not messages:
            return
        messages_ctx = self.with_context(recouvrement_messages=messages.ids)
        builder.plan(
            _("Messages exchanged with the customer"),
            self.date,
            "echanges_client.pdf",
            lambda: messages_ctx._render(
                "recouvrement_amiable.action_report_dossier_messages"
            ),
        )

    # ------------------------------------------------------------------
    # Report values
    # ------------------------------------------------------------------
    def _dossier_values(self):
        self.ensure_one()
        moves = self.env["account.move"].browse(
            self.env.context.get("recouvrement_claim_moves") or self.move_ids.ids
        )
        helpers = self.env["account.move"]._recouvrement_format_helpers(
            self.env.lang, self.company_id.currency_id
        )
        values = dict(helpers)
        values.update(
            {
                "wizard": self,
                "moves": moves,
                "partner": self.partner_id.commercial_partner_id,
                "company": self.company_id,
                "show_interest": True,
                "moves_by_id": {m.id: m for m in moves},
                "exhibits": self.env.context.get("recouvrement_exhibits") or [],
            }
        )
        if moves:
            values["claim"] = moves._recouvrement_claim(self.date)
        return values

    def _statement_lines(self):
        """Receivable lines of the customer from its oldest exported invoice to the
        export date,
        with the running balance."""
        moves = self.env["account.move"].browse(
            self.env.context.get("recouvrement_claim_moves") or self.move_ids.ids
        )
        partner = self.partner_id.commercial_partner_id
        start = min(moves.mapped("invoice_date") or [self.date])
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "child_of", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", self.date),
            ],
            order="date, move_id, id",
        )
        opening = sum(line.balance for line in lines if line.date < start)
        rows, balance = [], opening
        for line in lines.filtered(lambda aml: aml.date >= start):
            balance += line.balance
            rows.append({"line": line, "balance": balance})
        return {"start": start, "opening": opening, "rows": rows, "closing": balance}

    def _journal_events(self):
        return self.env["recouvrement.event"].browse(
            self.env.context.get("recouvrement_events") or []
        )

    def _chatter_messages(self):
        return self.env["mail.message"].browse(
            self.env.context.get("recouvrement_messages") or []
        )

    def _manifest_meta(self, moves, claim):
        partner = self.partner_id.commercial_partner_id
        company = self.company_id
        return {
            "generated_at": fields.Datetime.now().isoformat(),
            "generated_by": self.env.user.name,
            "recipient": self.recipient or "",
            "debtor": {
                "name": partner.name,
                "siren": partner._recouvrement_siren(),
                "vat": partner.vat or "",
                "debtor_type": partner.debtor_type or "",
            },
            "creditor": {
                "name": company.name,
                "siren": company.partner_id._recouvrement_siren(),
                "vat": company.vat or "",
            },
            "claim": {
                "date": claim.on_date.isoformat(),
                "currency": company.currency_id.name,
                "invoices": moves.mapped("name"),
                "principal": str(claim.principal),
                "interest": str(claim.interest),
                "indemnities": str(claim.indemnities),
                "credits": str(claim.credits_total),
                "total": str(claim.total),
                "disputed": str(claim.disputed_total),
            },
        }


class _ZipBuilder:
    """Plans numbered exhibits, then writes them one at a time into a ZIP in a temporary
    file: each exhibit's content is produced, hashed, written and dropped."""

    def __init__(self, wizard):
        self.wizard = wizard
        self.exhibits = []
        self._producers = []
        self._file = tempfile.TemporaryFile()
        self._zip = zipfile.ZipFile(
            self._file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
        )

    @staticmethod
    def _filename(number, name):
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, "bin"
        return f"{number:02d}_{_slug(stem)}.{_slug(ext, 8).lower()}"

    def plan(self, title, day, name, producer, missing=False):
        number = len(self.exhibits)
        self.exhibits.append(
            {
                "number": number,
                "title": title,
                "date": day.isoformat() if day else "",
                "filename": self._filename(number, name),
                "size": 0,
                "sha256": "",
                "missing": missing,
            }
        )
        self._producers.append(producer)

    def plan_missing(self, title, day, reason):
        """A visible placeholder page instead of a silent omission."""
        wizard = self.wizard
        number = len(self.exhibits)

        def producer():
            html = wizard.env["ir.qweb"]._render(
                "recouvrement_amiable.dossier_missing_page",
                {"title": title, "reason": reason, "number": number},
            )
            return wizard.env["ir.actions.report"]._run_wkhtmltopdf([str(html)])

        _logger.warning("Case file: %s: %s", title, reason)
        self.plan(
            title + " - " + wizard.env._("MISSING"),
            day,
            "piece_manquante.pdf",
            producer,
            missing=True,
        )

    def produce(self, first_content):
        """Write exhibit 0 (already rendered) then every planned exhibit, in order."""
        for exhibit, producer in zip(self.exhibits, self._producers, strict=True):
            content = first_content if exhibit["number"] == 0 else producer()
            if isinstance(content, str):
                content = content.encode()
            content = content or b""
            compress = (
                zipfile.ZIP_STORED
                if exhibit["filename"].endswith(".pdf")
                else zipfile.ZIP_DEFLATED
            )
            info = zipfile.ZipInfo(exhibit["filename"], date_time=(1980, 1, 1, 0, 0, 0))
            self._zip.writestr(info, content, compress_type=compress)
            exhibit["size"] = len(content)
            exhibit["sha256"] = hashlib.sha256(content).hexdigest()
            del content

    def finish(self, meta):
        root = etree.Element("case_file", version="1")
        for key in ("generated_at", "generated_by", "recipient"):
            etree.SubElement(root, key).text = meta[key]
        for party in ("creditor", "debtor"):
            node = etree.SubElement(root, party)
            for key, value in meta[party].items():
                etree.SubElement(node, key).text = value or ""
        claim = etree.SubElement(
            root,
            "claim",
            currency=meta["claim"]["currency"],
            date=meta["claim"]["date"],
        )
        for key in (
            "principal",
            "interest",
            "indemnities",
            "credits",
            "total",
            "disputed",
        ):
            etree.SubElement(claim, key).text = meta["claim"][key]
        invoices = etree.SubElement(claim, "invoices")
        for name in meta["claim"]["invoices"]:
            etree.SubElement(invoices, "invoice").text = name
        exhibits = etree.SubElement(root, "exhibits")
        for exhibit in self.exhibits:
            node = etree.SubElement(
                exhibits,
                "exhibit",
                number=str(exhibit["number"]),
                sha256=exhibit["sha256"],
                size=str(exhibit["size"]),
            )
            etree.SubElement(node, "title").text = exhibit["title"]
            etree.SubElement(node, "date").text = exhibit["date"]
            etree.SubElement(node, "file").text = exhibit["filename"]
            if exhibit["missing"]:
                node.set("missing", "true")
        xml = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
        payload = dict(meta, exhibits=self.exhibits)
        fixed = (1980, 1, 1, 0, 0, 0)
        self._zip.writestr(
            zipfile.ZipInfo("manifest.xml", date_time=fixed),
            xml,
            compress_type=zipfile.ZIP_DEFLATED,
        )
        self._zip.writestr(
            zipfile.ZipInfo("manifest.json", date_time=fixed),
            json.dumps(payload, ensure_ascii=False, indent=2).encode(),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        self._zip.close()

    def read_bytes(self):
        self._file.seek(0)
        return self._file.read()

    def close(self):
        if self._zip.fp:  # left open by an error: closed before its file
            self._zip.close()
        self._file.close()
