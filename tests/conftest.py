"""Point Odoo's report.url at the HTTP server pytest-odoo starts (--odoo-http), so that
wkhtmltopdf loads the letters' CSS and images like in production."""

import pytest

import odoo


@pytest.fixture(scope="session", autouse=True)
def report_url(load_http, request):
    if not request.config.getoption("--odoo-http"):
        yield
        return
    port = odoo.tools.config["http_port"]
    registry = odoo.modules.registry.Registry(odoo.tests.common.get_db_name())
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
    yield
