"""What a case file holds and how it is made ready.

Its exhibits, planned in the order of the bordereau: the debtor, the contractual
basis, the invoices as sent, the account, the reminders, the formal notice and the
post's proofs, the messages, the claim breakdown. Made ready: its documents rendered
in a few wkhtmltopdf calls (one for all the documents it writes, one for all its
emails, one for the bordereau, one for the cover note), every exhibit hashed, the
whole packed into a ZIP that is the same, byte for byte, for the same data."""

import base64
import logging
import tempfile
import time

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools.pdf import merge_pdf

from .. import dossier_zip
from .recouvrement_dossier_exhibit import GENERATED_KINDS

_logger = logging.getLogger(__name__)
CONTRACT_CATEGORIES = ("contract", "cgv")
DOCUMENT_CATEGORIES = ("order", "delivery")

FILE_LABELS = {
    "debtor": "Fiche_debiteur",
    "terms": "Conditions_generales_contrat",
    "document": "Document",
    "statement": "Releve_de_compte",
    "log": "Journal_des_relances",
    "deposit": "Preuve_de_depot",
    "receipt": "Preuve_de_distribution",
    "messages": "Echanges_avec_le_client",
    "claim": "Decompte_de_creance",
}


class RecouvrementDossier(models.Model):
    _inherit = "recouvrement.dossier"

    # ------------------------------------------------------------------
    # The exhibits, planned
    # ------------------------------------------------------------------
    def _recouvrement_plan_exhibits(self):
        """Replace the exhibits by the plan of today (numbered from 1, in the order
        of the bordereau); files come when the case file is made ready."""
        self.ensure_one()
        plan = self._recouvrement_exhibit_plan()
        self.exhibit_ids.unlink()
        self.env["recouvrement.dossier.exhibit"].create(
            [
                dict(item, dossier_id=self.id, number=number)
                for number, item in enumerate(plan, start=1)
            ]
        )

    def _recouvrement_exhibit_plan(self):
        self.ensure_one()
        helpers = self._recouvrement_helpers()
        fdate = helpers["fdate"]
        moves = self.move_ids.sorted(
            lambda m: (m.invoice_date_due or m.invoice_date, m.name)
        )
        plan = []

        def add(key, kind, title, day=False, **values):
            plan.append(dict(key=key, kind=kind, title=title, date=day, **values))

        add(
            "debtor",
            "debtor",
            _("Debtor identification: %(name)s", name=self.partner_id.name),
            self.date,
        )
        self._recouvrement_plan_basis(add, fdate)
        self._recouvrement_plan_invoices(add, moves, fdate)
        add(
            "statement",
            "statement",
            _("Statement of account at %(date)s", date=fdate(self.date)),
            self.date,
        )
        add(
            "log",
            "log",
            _("Recovery log: reminders, calls, letters and their outcome"),
            self.date,
        )
        self._recouvrement_plan_correspondence(add, fdate)
        if self._recouvrement_messages():
            add(
                "messages",
                "messages",
                _("Messages exchanged with the customer"),
                self.date,
            )
        add(
            "claim",
            "claim",
            _("Claim breakdown at %(date)s", date=fdate(self.date)),
            self.date,
        )
        return plan

    def _recouvrement_plan_basis(self, add, fdate):
        """The contractual basis: the company's terms of sale, the customer's
        contracts and terms, then orders and delivery notes; a MISSING exhibit when
        neither terms nor contract is found."""
        company = self.company_id
        Attachment = self.env["ir.attachment"]
        terms = False
        if company.recouvrement_cgv_file:
            cgv = Attachment.search(
                [
                    ("res_model", "=", "res.company"),
                    ("res_id", "=", company.id),
                    ("res_field", "=", "recouvrement_cgv_file"),
                ],
                limit=1,
            )
            if cgv:
                title = _("General terms of sale")
                if company.recouvrement_cgv_version:
                    title += " " + _(
                        "version %(version)s", version=company.recouvrement_cgv_version
                    )
                if company.recouvrement_cgv_date:
                    title += " " + _(
                        "in force since %(date)s",
                        date=fdate(company.recouvrement_cgv_date),
                    )
                self._recouvrement_add_file(
                    add,
                    "terms:company",
                    "terms",
                    title,
                    company.recouvrement_cgv_date,
                    cgv,
                )
                terms = True
        categories = dict(
            Attachment._fields["recouvrement_category"]._description_selection(self.env)
        )
        for attachment in self._recouvrement_documents():
            category = attachment.recouvrement_category
            kind = "terms" if category in CONTRACT_CATEGORIES else "document"
            terms = terms or kind == "terms"
            label = categories.get(category) or _("Document")
            self._recouvrement_add_file(
                add,
                f"doc:{attachment.id}",
                kind,
                f"{label}: {attachment.name}",
                attachment.create_date and attachment.create_date.date(),
                attachment,
            )
        if not terms:
            add(
                "terms",
                "terms",
                _("Terms of sale or contract"),
                False,
                missing=True,
                expected=_(
                    "the terms of sale the customer accepted (version and date), the "
                    "signed contract or the signed order. Add the company's terms of "
                    "sale in the settings, or the customer's document with its "
                    "category."
                ),
            )

    def _recouvrement_documents(self):
        """Contracts, terms, orders, delivery notes: the customer's categorised
        attachments, the invoices' own attachments (their PDFs apart), the sale
        orders' attachments when Sales is installed."""
        Attachment = self.env["ir.attachment"]
        moves = self.move_ids
        partner = self.partner_id
        invoice_pdfs = set(moves.invoice_pdf_report_id.ids)
        on_partner = Attachment.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (partner | partner.child_ids).ids),
                (
                    "recouvrement_category",
                    "in",
                    CONTRACT_CATEGORIES + DOCUMENT_CATEGORIES,
                ),
            ],
            order="create_date, id",
        )
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
        rank = {"contract": 0, "cgv": 1, "order": 2, "delivery": 3}
        return (on_partner | on_moves | on_orders).sorted(
            lambda a: (rank.get(a.recouvrement_category, 4), a.create_date, a.id)
        )

    def _recouvrement_add_file(self, add, key, kind, title, day, attachment, **values):
        """An exhibit from a stored file; a MISSING exhibit when its file is lost
        from the document storage."""
        if attachment._recouvrement_file_available():
            add(key, kind, title, day, attachment_id=attachment.id, **values)
        else:
            add(
                key,
                kind,
                title,
                day,
                missing=True,
                expected=_(
                    "the file %(name)s is missing from the document storage: restore "
                    "it.",
                    name=attachment.name,
                ),
                **values,
            )

    def _recouvrement_sent_invoice_pdfs(self):
        """{move id: (attachment, event or None)}: the PDF of each invoice as the
        customer received it: the one Odoo sent, else the copy attached to the
        first recovery email that carried one."""
        moves = self.move_ids
        result = {
            m.id: (m.invoice_pdf_report_id, None)
            for m in moves
            if m.invoice_pdf_report_id
        }
        rest = moves.filtered(lambda m: m.id not in result)
        if not rest:
            return result
        copies = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", rest.ids),
                ("name", "=like", "%\\_copie\\_%.pdf"),
            ],
            order="id",
        )
        emailed = self._recouvrement_correspondence()._recouvrement_emailed()
        for event in emailed:
            sent_ids = set(
                (
                    event.sudo().mail_id.attachment_ids
                    | event.sudo().mail_message_id.attachment_ids
                ).ids
            )
            for copy in copies:
                if copy.id in sent_ids:
                    result.setdefault(copy.res_id, (copy, event))
        return result

    def _recouvrement_plan_invoices(self, add, moves, fdate):
        """Each invoice as the customer received it; else a duplicate (the latest
        copy printed, or one printed when the case file is made ready), titled so."""
        sent = self._recouvrement_sent_invoice_pdfs()
        copies = moves.filtered(
            lambda m: m.id not in sent
        )._recouvrement_invoice_attachments()
        for move in moves:
            title = _(
                "Invoice %(name)s of %(date)s, due on %(due)s",
                name=move.name,
                date=fdate(move.invoice_date),
                due=fdate(move.invoice_date_due),
            )
            attachment, event = sent.get(move.id, (None, None))
            if attachment:
                if event:
                    title += " " + _(
                        "(as sent with %(ref)s on %(date)s)",
                        ref=event.name,
                        date=fdate(event.date),
                    )
                self._recouvrement_add_file(
                    add,
                    f"invoice:{move.id}",
                    "invoice",
                    title,
                    move.invoice_date,
                    attachment,
                    move_id=move.id,
                )
                continue
            copy = copies.get(move.id)
            printed = copy.create_date.date() if copy else self.date
            title += " " + _("(duplicate printed on %(date)s)", date=fdate(printed))
            if copy:
                self._recouvrement_add_file(
                    add,
                    f"invoice:{move.id}",
                    "invoice",
                    title,
                    move.invoice_date,
                    copy,
                    move_id=move.id,
                    regenerated=True,
                )
            else:
                add(
                    f"invoice:{move.id}",
                    "invoice",
                    title,
                    move.invoice_date,
                    move_id=move.id,
                    regenerated=True,
                )

    def _recouvrement_event_title(self, event, fdate):
        """What an event sent, true to its channels."""
        stage = event.stage_id.name or ""
        emailed = bool(event._recouvrement_emailed())
        parts = []
        if event.channel_registered:
            parts.append(
                _(
                    "registered letter with acknowledgement of receipt No. %(number)s",
                    number=event.tracking_number or "-",
                )
            )
        elif event.channel_letter and event.letter_attachment_id:
            parts.append(_("letter"))
        if emailed:
            parts.append(_("email to %(to)s", to=event.email_to or "-"))
            if not (event.channel_letter or event.channel_registered) and (
                event.letter_attachment_id
            ):
                parts.append(_("letter attached"))
        return _(
            "%(stage)s of %(date)s: %(how)s (%(ref)s)",
            stage=stage,
            date=fdate(event.sent_date or event.date),
            how=", ".join(parts),
            ref=event.name,
        )

    def _recouvrement_plan_correspondence(self, add, fdate):
        """One exhibit per letter or email, in date order; after a registered
        letter, the post's proofs (a MISSING exhibit when its delivery proof is
        not attached)."""
        for event in self._recouvrement_correspondence():
            emailed = bool(event._recouvrement_emailed())
            posted = (event.channel_letter or event.channel_registered) and bool(
                event.letter_attachment_id
            )
            if not (emailed or posted):
                continue
            add(
                f"event:{event.id}",
                "letter",
                self._recouvrement_event_title(event, fdate),
                event.sent_date or event.date,
                event_id=event.id,
                attachment_id=event.letter_attachment_id.id if posted else False,
            )
            if not event.channel_registered:
                continue
            number = event.tracking_number or "-"
            if event.deposit_attachment_id:
                self._recouvrement_add_file(
                    add,
                    f"deposit:{event.id}",
                    "deposit",
                    _(
                        "Proof of posting of registered letter No. %(number)s",
                        number=number,
                    ),
                    event.sent_date,
                    event.deposit_attachment_id,
                    event_id=event.id,
                )
            if event.receipt_attachment_id:
                if event.receipt_kind == "unclaimed":
                    title = _(
                        "Registered letter No. %(number)s presented on %(date)s and "
                        "not collected: proof of the post",
                        number=number,
                        date=fdate(event.receipt_date),
                    )
                else:
                    title = _(
                        "Acknowledgement of receipt of registered letter No. "
                        "%(number)s, signed on %(date)s",
                        number=number,
                        date=fdate(event.receipt_date),
                    )
                self._recouvrement_add_file(
                    add,
                    f"receipt:{event.id}",
                    "receipt",
                    title,
                    event.receipt_date,
                    event.receipt_attachment_id,
                    event_id=event.id,
                )
            else:
                add(
                    f"receipt:{event.id}",
                    "receipt",
                    _(
                        "Proof of delivery of registered letter No. %(number)s",
                        number=number,
                    ),
                    event.receipt_date or event.sent_date,
                    event_id=event.id,
                    missing=True,
                    expected=_(
                        "the signed acknowledgement of receipt, or the post's proof "
                        "of a letter notified and not collected."
                    ),
                )

    # ------------------------------------------------------------------
    # Made ready
    # ------------------------------------------------------------------
    def _recouvrement_build(self):
        """Fill every exhibit (file, size, SHA-256) and store the ZIP."""
        self.ensure_one()
        dossier = self.with_context(lang=self._recouvrement_lang())
        started = time.perf_counter()

        def progress(step):
            _logger.info(
                "Case file %s: %s (%.1f s)",
                self.name,
                step,
                time.perf_counter() - started,
            )

        claim = dossier._recouvrement_claim()
        exhibits = dossier.exhibit_ids
        duplicates = exhibits.filtered(lambda e: e.regenerated and not e.attachment_id)
        dossier._recouvrement_print_duplicates(duplicates)
        progress(f"{len(duplicates)} invoice duplicates printed")
        rendered = dossier._recouvrement_render_documents(
            exhibits.filtered(lambda e: e.kind in GENERATED_KINDS or e.missing), claim
        )
        progress(f"{len(rendered)} documents rendered")
        letters = exhibits.filtered(lambda e: e.kind == "letter" and not e.missing)
        emailed = letters.event_id._recouvrement_emailed()
        emails = dossier._recouvrement_render_emails(emailed)
        progress(f"{len(emails)} emails printed")
        for exhibit in exhibits:
            if exhibit.id in rendered:
                content = rendered[exhibit.id]
                stored = True
            elif exhibit.kind == "letter":
                content, stored = dossier._recouvrement_letter_content(
                    exhibit, emails.get(exhibit.event_id.id)
                )
            else:
                content, stored = exhibit.attachment_id.raw or b"", False
            values = {
                "filename": dossier._recouvrement_exhibit_filename(exhibit),
                "size": len(content),
                "sha256": dossier_zip.sha256(content),
            }
            if stored:
                values["file"] = base64.b64encode(content)
            exhibit.write(values)
            del content
        progress("exhibits hashed")
        cover = dossier._recouvrement_render(
            "recouvrement_amiable.action_report_dossier_cover"
        )
        bordereau = dossier._recouvrement_render(
            "recouvrement_amiable.action_report_dossier_bordereau"
        )
        with tempfile.TemporaryFile() as stream:
            archive = dossier_zip.CaseFileZip(stream)
            try:
                archive.add(
                    "Bordereau_de_communication_de_pieces.pdf",
                    bordereau,
                    title=_("Exhibit list (bordereau de communication de pièces)"),
                )
                archive.add(
                    "Note_de_transmission.pdf",
                    cover,
                    title=_("Cover note: claim, procedure and court to confirm"),
                )
                for exhibit in exhibits:
                    content = (
                        base64.b64decode(exhibit.file)
                        if exhibit.file
                        else exhibit.attachment_id.raw or b""
                    )
                    archive.add(
                        exhibit.filename,
                        content,
                        title=exhibit.title,
                        number=exhibit.number,
                        day=exhibit.date or None,
                        missing=exhibit.missing,
                    )
                    del content
                for exhibit in letters.filtered(lambda e: e.event_id in emailed):
                    archive.add(
                        f"annexes/{exhibit.filename.rsplit('.', 1)[0]}.eml",
                        exhibit.event_id._recouvrement_email_eml(),
                        title=_(
                            "Original message of exhibit %(number)s (.eml)",
                            number=exhibit.number,
                        ),
                    )
                archive.close(dossier._recouvrement_manifest_meta(claim))
            except Exception:
                archive.abort()
                raise
            stream.seek(0)
            content = stream.read()
        progress(f"ZIP written ({len(content)} bytes)")
        filename = (
            f"Dossier_{dossier_zip.slug(self.partner_id.name, 40)}_"
            f"{self.date.isoformat()}.zip"
        )
        self.write(
            {
                "zip_file": base64.b64encode(content),
                "zip_filename": filename,
                "zip_sha256": dossier_zip.sha256(content),
            }
        )

    def _recouvrement_render(self, report_xmlid, res_ids=None, data=None):
        """One report, normalised (its creation date is the case file's)."""
        pdf, _fmt = self.env["ir.actions.report"]._render_qweb_pdf(
            report_xmlid, res_ids or self.ids, data=data
        )
        return self._recouvrement_stable_pdf(pdf)

    def _recouvrement_stable_pdf(self, pdf):
        """``pdf`` as the same bytes whenever the same document is rendered again:
        its objects written in a fixed order, its font subsets tagged in that order,
        its dates the case file's. (wkhtmltopdf numbers the fonts in the order their
        downloads end, which changes from one rendering to the next.)"""
        ordered = dossier_zip.stable_subset_tags(merge_pdf([pdf]))
        return dossier_zip.normalize_pdf_dates(ordered, self.date)

    def _recouvrement_render_split(self, report_xmlid, records, data=None):
        """{record id: PDF}: the records printed in one wkhtmltopdf call, split by
        Odoo at each document's title; printed one by one when Odoo cannot split
        (a document whose own headings confuse the outline)."""
        if not records:
            return {}
        Report = self.env["ir.actions.report"]
        streams = Report._render_qweb_pdf_prepare_streams(
            report_xmlid, dict(data or {}), records.ids
        )
        result = {}
        for res_id in records.ids:
            stream = streams.get(res_id, {}).get("stream")
            if stream is None:
                break
            result[res_id] = stream.getvalue()
        else:
            return {
                key: self._recouvrement_stable_pdf(value)
                for key, value in result.items()
            }
        _logger.info("Case file %s: %s printed one by one", self.name, report_xmlid)
        return {
            record.id: self._recouvrement_render(report_xmlid, record.ids, data)
            for record in records
        }

    def _recouvrement_render_documents(self, exhibits, claim):
        return self._recouvrement_render_split(
            "recouvrement_amiable.action_report_dossier_exhibit",
            exhibits,
            {"recouvrement_claims": {self.id: claim}},
        )

    def _recouvrement_render_emails(self, events):
        return self._recouvrement_render_split(
            "recouvrement_amiable.action_report_event_email", events
        )

    def _recouvrement_print_duplicates(self, exhibits):
        """The invoices no PDF was sent for: their latest copy, printed now when
        there is none."""
        if not exhibits:
            return
        Move = self.env["account.move"]
        moves = exhibits.move_id
        Move._recouvrement_ensure_invoice_pdfs(moves)
        pdfs = moves._recouvrement_invoice_attachments()
        for exhibit in exhibits:
            attachment = pdfs.get(exhibit.move_id.id)
            if not attachment:
                raise UserError(
                    _(
                        "No PDF of invoice %(name)s could be printed.",
                        name=exhibit.move_id.name,
                    )
                )
            exhibit.attachment_id = attachment

    def _recouvrement_letter_content(self, exhibit, email_pdf):
        """(content, stored): what an event sent, in one PDF: the letter as posted,
        then the email as printed; an email alone carries its letter after it. A
        letter sent alone is the stored letter itself, byte for byte (its SHA-256
        is the one in the recovery log)."""
        event = exhibit.event_id
        letter = event.letter_attachment_id
        parts = []
        if exhibit.attachment_id:
            parts.append(exhibit.attachment_id.raw)
        if email_pdf:
            parts.append(email_pdf)
            if not exhibit.attachment_id and letter:
                parts.append(letter.raw)
        if len(parts) == 1 and exhibit.attachment_id:
            return parts[0], False
        if not parts:
            return b"", True
        return merge_pdf(parts), True

    def _recouvrement_exhibit_filename(self, exhibit):
        if exhibit.kind == "invoice":
            label = f"Facture_{exhibit.move_id.name or ''}"
        elif exhibit.kind == "letter":
            event = exhibit.event_id
            label = f"{event.stage_id.name or 'Courrier'}_{event.name}"
        elif exhibit.kind == "document" and exhibit.attachment_id:
            label = exhibit.attachment_id.name.rsplit(".", 1)[0]
        else:
            label = FILE_LABELS.get(exhibit.kind, "Piece")
        extension = "pdf"
        if (
            exhibit.attachment_id
            and not exhibit.file
            and "." in (exhibit.attachment_id.name or "")
        ):
            extension = exhibit.attachment_id.name.rsplit(".", 1)[1]
        if exhibit.missing:
            label += "_MANQUANT"
            extension = "pdf"
        return dossier_zip.exhibit_filename(exhibit.number, label, extension)

    def _recouvrement_manifest_meta(self, claim):
        partner, company = self.partner_id, self.company_id
        return {
            "reference": self.name,
            "date": self.date.isoformat(),
            "prepared_by": self.env.user.name,
            "recipient": self.recipient_id.display_name or "",
            "procedure": "\n".join(self._recouvrement_suggestion_lines()),
            "creditor": {
                "name": company.name,
                "siren": company.partner_id._recouvrement_siren(),
                "vat": company.vat or "",
            },
            "debtor": {
                "name": partner.name,
                "siren": partner._recouvrement_siren(),
                "vat": partner.vat or "",
                "debtor_type": partner.debtor_type or "",
            },
            "claim": {
                "currency": company.currency_id.name,
                "invoices": self.move_ids.sorted("name").mapped("name"),
                "principal": str(claim.principal),
                "interest": str(claim.interest),
                "indemnities": str(claim.indemnities),
                "credits": str(claim.credits_total),
                "total": str(claim.total),
                "disputed": str(claim.disputed_total),
            },
        }
