"""The nightly run under a real multi-worker Odoo server (issue 12 §7).

An Odoo server is started as in production (``--workers=2``, a cron worker, the
default ``limit_time_real``) on a scratch copy of the test database, with today's
real date (a server cannot be frozen in time). Its cron worker runs the nightly
escalation while:

- one customer's reminder cannot be produced (its ladder uses a letter template that
  an administrator broke);
- a person is editing another customer in a transaction held open for the whole run.

Every other customer must be escalated in the run, the failure must be visible on
the failing customer, and the person's edit must go through: the run never writes
the customers' rows.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import psycopg2
import pytest

import odoo
from odoo import SUPERUSER_ID, Command, api

from odoo.addons.recouvrement_amiable import legal

from .common import scratch_database

CUSTOMERS = 30
BROKEN_TEMPLATE = """<t t-name="recouvrement_amiable.test_broken_letter">
    <t t-call="web.html_container">
        <t t-foreach="docs" t-as="o">
            <p>Madame, Monsieur,
                <t t-out="o.partner_id.name_typo_made_by_an_admin" /></p>
        </t>
    </t>
</t>"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scratch_db():
    with scratch_database("server") as name:
        yield name


def ensure_confirmed_rates(env, today):
    """The current semester's reference rates, recorded and confirmed (a real
    manager's job each semester; recorded here when the shipped table ends)."""
    Rate = env["recouvrement.rate"]
    start, end = legal.semester_bounds(today)
    for kind in (legal.RATE_ECB, legal.RATE_LEGAL_PRO):
        rate = Rate.search(
            [("kind", "=", kind), ("date_from", "<=", start), ("date_to", ">=", end)]
        )
        if not rate:
            latest = Rate.search([("kind", "=", kind)], order="date_to desc", limit=1)
            rate = Rate.create(
                {
                    "kind": kind,
                    "date_from": start,
                    "date_to": end,
                    "value": latest.value,
                    "source": "Test: last known rate carried over",
                }
            )
        rate.write({"reliability": "verified", "source": rate.source or "Test"})


def setup_company(registry, today):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create(
            {"name": "Serveur SA", "currency_id": env.ref("base.EUR").id}
        )
        company.partner_id.lang = "en_US"  # the run writes in the company's language
        env["account.chart.template"].try_loading("fr", company, install_demo=False)
        env = env(context={"allowed_company_ids": company.ids})
        env["res.partner.bank"].create(
            {
                "partner_id": company.partner_id.id,
                "acc_number": "FR7630006000011234567890189",
            }
        )
        ensure_confirmed_rates(env, today)
        # the customer whose reminder cannot be produced follows a ladder whose
        # first stage is a letter with a broken template
        broken_view = env["ir.ui.view"].create(
            {
                "name": "test_broken_letter",
                "type": "qweb",
                "key": "recouvrement_amiable.test_broken_letter",
                "arch": BROKEN_TEMPLATE,
            }
        )
        report = env["ir.actions.report"].create(
            {
                "name": "Broken reminder",
                "model": "recouvrement.event",
                "report_type": "qweb-pdf",
                "report_name": broken_view.key,
            }
        )
        ladder = env["recouvrement.ladder"].create(
            {
                "name": "Broken",
                "company_id": company.id,
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Letter",
                            "sequence": 20,
                            "kind": "relance_1",
                            "delay_days": 3,
                            "channel_letter": True,
                            "report_id": report.id,
                        }
                    )
                ],
            }
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Client serveur {i}",
                    "is_company": True,
                    "email": f"s{i}@example.fr",
                    "street": "1 rue",
                    "zip": "75001",
                    "city": "Paris",
                }
                for i in range(CUSTOMERS + 1)
            ]
        )
        failing, edited = partners[0], partners[1]
        failing.with_company(company).recouvrement_ladder_id = ladder
        journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        due = today - dt.timedelta(days=10)
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": due - dt.timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "price_unit": 100.0, "tax_ids": []}
                        )
                    ],
                }
                for partner in partners
            ]
        )
        moves.action_post()
        # the other crons stay out of the way; the escalation is due now
        env["ir.cron"].search([]).write(
            {"nextcall": dt.datetime.now() + dt.timedelta(days=1)}
        )
        cron = env.ref("recouvrement_amiable.ir_cron_recouvrement_escalate")
        cron.nextcall = dt.datetime.now() - dt.timedelta(minutes=1)
        return company.id, failing.id, edited.id, partners.ids


def start_server(database):
    port, gevent_port = free_port(), free_port()
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    log = open(f"/tmp/{database}_server.log", "w")  # noqa: SIM115 - closed by the test
    command = [
        sys.executable,
        odoo_bin,
        "-c",
        odoo.tools.config.rcfile,
        "-d",
        database,
        "--db-filter",
        f"^{database}$",
        "--workers=2",
        "--max-cron-threads=1",
        f"--http-port={port}",
        f"--gevent-port={gevent_port}",
        "--log-level=info",
        "--no-database-list",
    ]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log


def test_the_run_in_a_multi_worker_server(scratch_db):
    today = dt.date.today()
    registry = odoo.modules.registry.Registry(scratch_db)
    company_id, failing_id, edited_id, partner_ids = setup_company(registry, today)
    # a person edits a customer and keeps the transaction open during the whole run
    person = psycopg2.connect(dbname=scratch_db)
    person_cr = person.cursor()
    person_cr.execute(
        "UPDATE res_partner SET phone = %s WHERE id = %s",
        ["+33 1 99 99 99 99", edited_id],
    )
    server, log = start_server(scratch_db)
    try:
        # the cron worker listens for triggers once it is up
        started = time.monotonic() + 60
        while time.monotonic() < started:
            with open(log.name) as handle:
                if "Worker WorkerCron" in handle.read():
                    break
            time.sleep(0.5)
        time.sleep(2)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("recouvrement_amiable.ir_cron_recouvrement_escalate")._trigger()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            time.sleep(2)
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT COUNT(*) FROM recouvrement_debtor "
                    "WHERE company_id = %s AND next_date <= %s",
                    [company_id, today],
                )
                if not cr.fetchone()[0]:
                    break
        else:
            pytest.fail("the nightly run did not finish while a customer was edited")
        person.commit()  # the person's edit goes through after the run
    finally:
        person.close()
        server.terminate()
        server.wait(timeout=30)
        log.close()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
        Event = env["recouvrement.event"]
        escalated = Event.search(
            [("company_id", "=", company_id), ("event_type", "=", "stage")]
        )
        good = escalated.filtered(lambda e: e.partner_id.id != failing_id)
        assert sorted(good.partner_id.ids) == sorted(set(partner_ids) - {failing_id})
        assert set(good.mapped("state")) == {"pending"}  # the calls to make
        failed = escalated - good
        assert failed.state == "failed"
        assert "name_typo_made_by_an_admin" in failed.issue
        debtor = env["recouvrement.debtor"].search(
            [("partner_id", "=", failing_id), ("company_id", "=", company_id)]
        )
        assert "could not be produced" in debtor.issue
        assert debtor.next_date == today + dt.timedelta(days=1)
        assert debtor.activity_ids
        edited = env["res.partner"].browse(edited_id)
        assert edited.phone == "+33 1 99 99 99 99"
    with open(f"/tmp/{scratch_db}_server.log") as handle:
        server_log = handle.read()
    assert "Recovery batch failed" not in server_log  # the failure stayed isolated
    assert "virtual real time limit" not in server_log
