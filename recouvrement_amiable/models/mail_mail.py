from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """The reminders' emails: delivered, their events are done; refused (invalid
        address, server error), their events say so (recouvrement.event)."""
        mails = self.filtered(lambda m: m.model == "recouvrement.event")
        if mails:
            events = (
                self.env["recouvrement.event"]
                .sudo()
                .search([("mail_id", "in", mails.ids)])
            )
            sent = mails.filtered(lambda m: m.state == "sent" and not failure_type)
            (
                events.filtered(lambda e: e.mail_id in sent)
            )._recouvrement_email_delivered()
            if failure_type:
                events._recouvrement_email_failed(failure_reason or failure_type)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
