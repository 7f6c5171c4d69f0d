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
                # Odoo's words for the failure, not its code ("mail_email_invalid")
                labels = dict(
                    self.env["mail.notification"]
                    ._fields["failure_type"]
                    ._description_selection(self.env)
                )
                events._recouvrement_email_failed(
                    failure_reason or labels.get(failure_type, failure_type)
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
