"""Two nightly runs racing on committed data, and a run killed half-way (issue 4 §7).

Odoo's test cursor is shared inside a TransactionCase, so these tests work in a scratch
database cloned from the test database: the fixture is committed, then workers with
their
own connections run the cron as Odoo's cron runner would (one transaction per call,
committed after each call), and the scratch database is dropped at the end.
"""

import datetime as dt
import threading
import time
from collections import Counter

import psycopg2
import pytest
from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, Command, api

from .common import in_parallel, scratch_database

DAY = dt.datetime(2026, 4, 3, 2, 0)


@pytest.fixture
def scratch_db():
    with scratch_database("race") as name:
        yield name


def _setup(registry, customers=24, invoices_each=2):
    with freeze_time(DAY), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create(
            {"name": "Race SA", "currency_id": env.ref("base.EUR").id}
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
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Client {i}",
                    "is_company": True,
                    "email": f"c{i}@example.fr",
                    "street": "1 rue",
                    "zip": "75001",
                    "city": "Paris",
                }
                for i in range(customers)
            ]
        )
        journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": "2026-03-01",
                    "invoice_date_due": "2026-03-31",
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "price_unit": 100.0 + n, "tax_ids": []}
                        )
                    ],
                }
                for partner in partners
                for n in range(invoices_each)
            ]
        )
        moves.action_post()
        return company.id, moves.ids


def _worker(registry, company_id, errors, barrier, fail_once=None):
    """A cron worker: calls the job until nothing is left, one committed transaction per
    call."""
    barrier.wait()
    for _call in range(40):
        try:
            with registry.cursor() as cr:
                env = api.Environment(
                    cr,
                    SUPERUSER_ID,
                    {
                        "allowed_company_ids": [company_id],
                        "recouvrement_no_channels": True,
                    },
                )
                handled = env["account.move"]._cron_recouvrement_escalate(batch_size=5)
                if fail_once and fail_once.pop(0):
                    raise RuntimeError(
                        "killed"
                    )  # the process dies before the runner commits
                if not handled:
                    return
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
        ) as error:
            errors.append(type(error).__name__)  # lost a race: rolled back, retried
        except RuntimeError as error:
            errors.append(str(error))


def _check(registry, company_id, move_ids):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
        events = env["recouvrement.event"].search(
            [("company_id", "=", company_id), ("event_type", "=", "stage")]
        )
        per_move = Counter()
        for event in events:
            for move in event.move_ids:
                per_move[(move.id, event.stage_id.id)] += 1
        kinds = set(
            env["account.move"].browse(move_ids).mapped("recouvrement_stage_id.kind")
        )
        return events.ids, per_move, kinds


def test_two_cron_runs_racing_create_one_event_per_invoice_and_stage(scratch_db):
    registry = odoo.modules.registry.Registry(scratch_db)
    company_id, move_ids = _setup(registry)
    errors = []
    with freeze_time(DAY):
        in_parallel(_worker, [(registry, company_id, errors)] * 2)
        events, per_move, kinds = _check(registry, company_id, move_ids)
        assert len(events) == 24  # one per customer (grouped), none twice
        assert set(per_move.values()) == {1}
        assert len(per_move) == len(move_ids)
        assert kinds == {"call"}
        # a third run the same day changes nothing
        _worker(registry, company_id, errors, threading.Barrier(1))
        again, _per_move, _moves = _check(registry, company_id, move_ids)
        assert again == events


def test_a_run_killed_half_way_loses_nothing_and_duplicates_nothing(scratch_db):
    registry = odoo.modules.registry.Registry(scratch_db)
    company_id, move_ids = _setup(registry, customers=12)
    errors = []
    with freeze_time(DAY):
        _worker(
            registry, company_id, errors, threading.Barrier(1), fail_once=[False, True]
        )
        assert errors == ["killed"]
        events, per_move, kinds = _check(registry, company_id, move_ids)
        assert len(events) == 12
        assert set(per_move.values()) == {1}
        assert kinds == {"call"}


def _escalate_now_like_a_request(registry, company_id, partner_id, results, started):
    """One "Escalate now" click, as Odoo's HTTP layer runs it: a transaction that is
    retried when it loses a race on a row (odoo.service.model.retrying)."""
    for attempt in range(5):
        try:
            with registry.cursor() as cr:
                env = api.Environment(
                    cr,
                    SUPERUSER_ID,
                    {
                        "allowed_company_ids": [company_id],
                        "recouvrement_no_channels": True,
                        "lang": "en_US",  # the user's language
                    },
                )
                debtor = env["recouvrement.debtor"].search(
                    [("partner_id", "=", partner_id), ("company_id", "=", company_id)]
                )
                started.wait()  # both transactions have their snapshot
                debtor._recouvrement_escalate_now()
                results.append(("escalated", attempt))
                return
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ):
            started = threading.Barrier(1)  # the retry goes alone
            time.sleep(0.2 * 2**attempt)  # as odoo.service.model.retrying waits
            continue
        except odoo.exceptions.UserError as error:
            results.append(("refused", str(error)))
            return
    results.append(("gave up", attempt))


def test_two_simultaneous_clicks_make_one_step(scratch_db):
    """Two users press "Escalate now" on the same customer at the same moment: the
    debtor is locked, one step is taken, the other request is refused with the
    reason once Odoo retries it (issue 12 §4)."""
    registry = odoo.modules.registry.Registry(scratch_db)
    company_id, move_ids = _setup(registry, customers=1, invoices_each=2)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
        partner_id = env["account.move"].browse(move_ids[0]).commercial_partner_id.id
    results = []
    with freeze_time(DAY):
        in_parallel(
            _escalate_now_like_a_request,
            [(registry, company_id, partner_id, results)] * 2,
            timeout=120,
        )
    assert sorted(kind for kind, _detail in results) == ["escalated", "refused"]
    refused = next(detail for kind, detail in results if kind == "refused")
    assert "already contacted today" in refused
    events, per_move, kinds = _check(registry, company_id, move_ids)
    assert len(events) == 1
    assert set(per_move.values()) == {1}
    assert kinds == {"call"}
