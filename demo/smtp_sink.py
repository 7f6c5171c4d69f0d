"""A local SMTP server that accepts every email and keeps it.

Odoo's mail queue really delivers the reminders' emails to it, over SMTP, so their
events become "done" as in production; nothing leaves the machine (the tests and the
demo write to customers that do not exist)."""

import logging
import socket

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO
logging.getLogger("mail.log").setLevel(logging.WARNING)

SERVER_NAME = "Local SMTP sink (tests and demo)"


class _Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """Start it, point Odoo at it (``use_in``), read ``messages``, stop it."""

    def __init__(self):
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def use_in(self, env):
        """Make it the database's outgoing mail server."""
        Server = env["ir.mail_server"].sudo()
        values = {
            "name": SERVER_NAME,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_encryption": "none",
            "sequence": 0,
        }
        server = Server.search([("name", "=", SERVER_NAME)], limit=1)
        if server:
            server.write(values)
        else:
            server = Server.create(values)
        return server
