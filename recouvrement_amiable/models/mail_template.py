from odoo import models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _generate_template_attachments(
        self, res_ids, render_fields, render_results=None
    ):
        """Recovery emails carry the very letter stored on the event (same file, same
        SHA-256 as the evidence) and the invoices' PDFs, instead of a new rendering."""
        render_results = super()._generate_template_attachments(
            res_ids, render_fields, render_results=render_results
        )
        if self.model != "recouvrement.event" or "attachment_ids" not in render_fields:
            return render_results
        events = self.env["recouvrement.event"].browse(res_ids)
        invoice_pdfs = events.move_ids._recouvrement_invoice_attachments()
        for event in events:
            values = render_results.setdefault(event.id, {})
            ids = list(values.get("attachment_ids") or [])
            if event.letter_attachment_id:
                ids.append(event.letter_attachment_id.id)
            ids.extend(
                invoice_pdfs[m.id].id for m in event.move_ids if m.id in invoice_pdfs
            )
            values["attachment_ids"] = ids
        return render_results
