"""The email of a recovery event as evidence: its headers with the time zone, its
body, its attachments; printed (a report, split per event by Odoo) and as the
original message (.eml, byte-reproducible: its MIME boundaries derive from the
event)."""

import email.policy
import hashlib
from email.message import EmailMessage
from email.utils import format_datetime

import pytz
from lxml import html as lxml_html
from markupsafe import Markup

from odoo import _, api, models
from odoo.tools import html2plaintext

from .. import dossier_zip


def flatten_headings(body):
    """``body`` with its headings turned into bold paragraphs: each printed email
    opens with a single top-level heading, where Odoo splits a multi-record PDF."""
    if not body or "<h" not in body.lower():
        return body or ""
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    for node in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        node.tag = "p"
        node.set("style", "font-weight: bold;")
    return "".join(lxml_html.tostring(child, encoding="unicode") for child in root) or (
        root.text or ""
    )


def company_tz(company):
    """The time zone a company's evidence is dated in: its partner's, Paris for a
    French company without one."""
    try:
        return pytz.timezone(company.partner_id.tz or "Europe/Paris")
    except pytz.UnknownTimeZoneError:
        return pytz.timezone("Europe/Paris")


class RecouvrementEvent(models.Model):
    _inherit = "recouvrement.event"

    def _recouvrement_emailed(self):
        """The events whose email left Odoo (delivered by the mail queue)."""
        return self.filtered(
            lambda e: e.channel_email
            and e.state == "done"
            and (e.sudo().mail_id or e.sudo().mail_message_id)
        )

    def _recouvrement_email_data(self):
        """The email of this event as it left: subject, from, to, date (aware, in the
        company's time zone), message id, body, attachments. Sudo: outgoing mails
        are readable by the settings administrators only; who reads the event reads
        its email."""
        self.ensure_one()
        event = self.sudo()
        mail = event.mail_id
        message = event.mail_message_id or mail.mail_message_id
        sent = (message.date if message else False) or event.create_date
        when = pytz.utc.localize(sent).astimezone(company_tz(self.company_id))
        return {
            "subject": dossier_zip.clean_text(
                (mail.subject if mail else message.subject) or ""
            ),
            "email_from": dossier_zip.clean_text(
                (mail.email_from if mail else message.email_from) or ""
            ),
            "email_to": dossier_zip.clean_text(
                (mail.email_to if mail else "") or event.email_to or ""
            ),
            "reply_to": dossier_zip.clean_text(
                (mail.reply_to if mail else message.reply_to) or ""
            ),
            "date": when,
            "message_id": (message.message_id if message else "") or "",
            "body": str((mail.body_html if mail else message.body) or ""),
            "attachments": (mail.attachment_ids if mail else message.attachment_ids),
        }

    def _recouvrement_email_eml(self):
        """The email as a message file (.eml) with its attachments."""
        data = self._recouvrement_email_data()
        msg = EmailMessage(policy=email.policy.SMTP)
        msg["Subject"] = data["subject"]
        msg["From"] = data["email_from"]
        msg["To"] = data["email_to"]
        if data["reply_to"]:
            msg["Reply-To"] = data["reply_to"]
        msg["Date"] = format_datetime(data["date"])
        if data["message_id"]:
            msg["Message-ID"] = data["message_id"]
        msg.set_content(html2plaintext(data["body"]))
        msg.add_alternative(data["body"], subtype="html")
        for attachment in data["attachments"].sorted("id"):
            available = attachment._recouvrement_file_available()
            content = (attachment.raw or b"") if available else b""
            maintype, _sep, subtype = (
                attachment.mimetype or "application/octet-stream"
            ).partition("/")
            msg.add_attachment(
                content,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=dossier_zip.clean_text(attachment.name) or "document",
            )
        # MIME boundaries are random unless given: derive them from the event
        seed = hashlib.sha256(f"{self.name}/{self.id}".encode()).hexdigest()[:24]
        for index, part in enumerate(msg.walk()):
            if part.is_multipart():
                part.set_boundary(f"=_recouvrement_{seed}_{index}")
        return msg.as_bytes()


class ReportEventEmail(models.AbstractModel):
    """The printed emails of events: headers with the time zone, body, the names of
    the attachments; one document per event (Odoo splits them at their title)."""

    _name = "report.recouvrement_amiable.report_event_email"
    _description = "Printed recovery emails"

    @api.model
    def _get_report_values(self, docids, data=None):
        events = self.env["recouvrement.event"].browse(docids)
        # the mail layout's absolute links point at web.base.url: wkhtmltopdf fetches
        # them from the report server
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        report_url = self.env["ir.actions.report"]._get_report_url()
        emails = {}
        for event in events:
            values = event._recouvrement_email_data()
            body = flatten_headings(values["body"])
            if base_url and report_url and base_url != report_url:
                body = body.replace(base_url, report_url)
            values["body_markup"] = Markup(body)
            values["attachment_names"] = values["attachments"].mapped("name")
            values["heading"] = _("Email %(ref)s", ref=event.name)
            when = values["date"]
            offset = when.strftime("%z")
            values["date_label"] = (
                f"{when.strftime('%d/%m/%Y %H:%M:%S')} "
                f"({when.tzinfo.zone}, UTC{offset[:3]}:{offset[3:]})"
            )
            emails[event.id] = values
        return {
            "doc_ids": docids,
            "doc_model": "recouvrement.event",
            "docs": events,
            "emails": emails,
        }
