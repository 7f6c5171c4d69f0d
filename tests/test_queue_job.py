"""The nightly run fanned out over OCA queue_job's workers: the same guarantees as the
cron (no customer contacted twice, none lost), in a scratch database cloned from the
test database with queue_job installed in it (the test database itself has no
queue_job: there the cron works alone, as every other test shows)."""

import threading

import psycopg2
import pytest
from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, api

from .common import in_parallel, scratch_database
from .test_concurrency import DAY, _check, _setup


@pytest.fixture
def queue_db():
    with scratch_database("queue", install="queue_job") as name:
        yield name


def _cron_call(registry, company_id):
    with registry.cursor() as cr:
        env = api.Environment(
            cr,
            SUPERUSER_ID,
            {"allowed_company_ids": [company_id], "recouvrement_no_channels": True},
        )
        return env["account.move"]._cron_recouvrement_escalate(batch_size=5)


def _jobs(registry, states=("pending", "enqueued")):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        jobs = env["queue.job"].search(
            [
                ("method_name", "=", "_recouvrement_run_job"),
                ("state", "in", list(states)),
            ]
        )
        return [job.uuid for job in jobs]


def _job_worker(registry, uuids, errors, barrier):
    """A job worker of queue_job, run as its runner runs a job: one transaction per
    job. Here every worker takes every job (the worst case: a job run twice)."""
    from odoo.addons.queue_job.job import Job

    barrier.wait()
    for uuid in uuids:
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                job = Job.load(env, uuid)
                job.perform()
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
        ) as error:
            errors.append(type(error).__name__)


def test_jobs_of_the_night_make_one_step_per_customer(queue_db):
    registry = odoo.modules.registry.Registry(queue_db)
    company_id, move_ids = _setup(registry)
    with freeze_time(DAY):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            assert env["recouvrement.debtor"]._recouvrement_queue_mode()
        # two cron calls of the night (two cron workers, or a retry): the jobs once
        assert _cron_call(registry, company_id) == 24
        _cron_call(registry, company_id)
        uuids = _jobs(registry)
        assert len(uuids) == 5  # 24 customers in jobs of 5
        # nothing was done by the cron itself
        events, _per_move, _kinds = _check(registry, company_id, move_ids)
        assert events == []
        errors = []
        in_parallel(_job_worker, [(registry, uuids, errors)] * 2)
        # the customers a job found held by the other worker got a job of their own
        for uuid in _jobs(registry):
            _job_worker(registry, [uuid], errors, threading.Barrier(1))
        events, per_move, kinds = _check(registry, company_id, move_ids)
        assert len(events) == 24  # one per customer, none twice, none lost
        assert set(per_move.values()) == {1}
        assert len(per_move) == len(move_ids)
        assert kinds == {"call"}
        # the night again: nothing left to do, nothing enqueued
        assert _cron_call(registry, company_id) == 0


def test_switched_off_the_cron_works_alone(queue_db):
    registry = odoo.modules.registry.Registry(queue_db)
    company_id, move_ids = _setup(registry, customers=6)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("recouvrement_amiable.queue_job", "0")
    with freeze_time(DAY):
        while _cron_call(registry, company_id):
            pass
        assert _jobs(registry, states=("pending", "enqueued", "done")) == []
        events, _per_move, kinds = _check(registry, company_id, move_ids)
        assert len(events) == 6
        assert kinds == {"call"}
