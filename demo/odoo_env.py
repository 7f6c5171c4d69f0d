"""Open an Odoo environment on a database from a plain Python script (demo, bench).

Reports are rendered by wkhtmltopdf, which fetches the report's CSS and images over HTTP
from Odoo (``report.url``): ``serve_http`` starts Odoo's HTTP server in this process on
a
free loopback port, as a running Odoo server would have it.
"""

import contextlib
import os
import socket

import odoo
from odoo import SUPERUSER_ID, api


def init_odoo(database):
    conf = os.environ["RA_ODOO_CONF"]
    odoo.tools.config.parse_config(["-c", conf, "-d", database, "--log-level=warn"])
    odoo.tools.config["max_cron_threads"] = 0
    odoo.service.server.load_server_wide_modules()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_http(database):
    """Start Odoo's HTTP server on loopback and point report.url at it."""
    port = _free_port()
    # wkhtmltopdf's requests carry no session: they go to this database
    odoo.tools.config["db_name"] = database
    odoo.tools.config["dbfilter"] = ""
    odoo.tools.config["http_port"] = port
    odoo.tools.config["http_interface"] = "127.0.0.1"
    server = odoo.service.server.ThreadedServer(odoo.http.root)
    server.http_spawn()
    with environment(database) as env:
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
    return server


@contextlib.contextmanager
def environment(database, context=None):
    """An env as the superuser; commits on success, rolls back on error."""
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, dict(context or {}, tz="Europe/Paris"))
        yield env
        cr.commit()
