"""Benchmark of recouvrement_amiable, side by side with OCA account_credit_control.

    bash bench/run                 # 10,000 invoices
    # 100,000 invoices (bulk SQL copies of a 10,000 build)
    bash bench/run --size 100000

Builds each dataset size once as a template database, clones it for every measurement
(createdb --template), prints a table and writes bench/output/results-<size>.json.
"""

import argparse
import base64
import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "demo"))

import dataset  # noqa: E402
import requests  # noqa: E402
from odoo_env import environment, init_odoo, serve_http  # noqa: E402

import odoo  # noqa: E402
from odoo import Command  # noqa: E402

BASE_SIZE = 10000


def real_clock():
    """Seconds on a clock freezegun does not freeze (it patches time.*)."""
    return os.times().elapsed


def sh(*args):
    subprocess.run(args, check=True)


def db_exists(name):
    out = subprocess.run(
        [
            "psql",
            "-XtAc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
            "postgres",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out == "1"


def odoo_bin(*args):
    conf = os.environ["RA_ODOO_CONF"]
    src = os.environ["ODOO_SRC"]
    sh(sys.executable, f"{src}/odoo-bin", "-c", conf, *args)


def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def template_name(size):
    return f"recouvrement_bench_{size}"


def filestore(database):
    return Path(odoo.tools.config.filestore(database))


def copy_filestore(source, target):
    """Attachments' files live in one folder per database: hard-link them."""
    shutil.rmtree(filestore(target), ignore_errors=True)
    if filestore(source).is_dir():
        sh("cp", "-al", str(filestore(source)), str(filestore(target)))


def rename_database(old, new):
    odoo.modules.registry.Registry.delete(old)
    odoo.sql_db.close_db(old)
    sh("psql", "-Xqc", f'ALTER DATABASE "{old}" RENAME TO "{new}"', "postgres")
    shutil.rmtree(filestore(new), ignore_errors=True)
    if filestore(old).is_dir():
        filestore(old).rename(filestore(new))


def addon_fingerprint():
    """A hash of the addon's files: a template built with another version of the
    addon is updated before it is measured."""
    digest = hashlib.sha256()
    addon = HERE.parent / "recouvrement_amiable"
    for path in sorted(addon.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".xml", ".csv", ".po"}:
            digest.update(str(path.relative_to(addon)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_up_to_date(name, log):
    """Update the addon in template ``name`` when its files changed since."""
    fingerprint = addon_fingerprint()
    with environment(name) as env:
        built = env["ir.config_parameter"].get_param("recouvrement_bench.addon")
    if built == fingerprint:
        return
    log(f"updating recouvrement_amiable in {name} (the addon changed)")
    odoo.sql_db.close_db(name)
    odoo.modules.registry.Registry.delete(name)
    odoo_bin(
        "-d",
        name,
        "-u",
        "recouvrement_amiable",
        "--stop-after-init",
        "--log-level=warn",
    )
    with environment(name) as env:
        env["ir.config_parameter"].set_param("recouvrement_bench.addon", fingerprint)
    odoo.sql_db.close_db(name)
    odoo.modules.registry.Registry.delete(name)


def ensure_template(size, customers, log):
    """Build the dataset of ``size`` invoices once, as a template database (the
    addon updated in it when its files changed since)."""
    name = template_name(size)
    if db_exists(name):
        ensure_up_to_date(name, log)
        return name
    if size > BASE_SIZE and size % BASE_SIZE == 0:
        base = ensure_template(
            BASE_SIZE, customers and customers * BASE_SIZE // size, log
        )
        log(f"building {name}: {size // BASE_SIZE} copies of {base} (bulk SQL)")
        sh("dropdb", "--if-exists", name + "_tmp")
        odoo.sql_db.close_db(base)  # the pool's connections to it block the copy
        sh("createdb", "-T", base, name + "_tmp")
        copy_filestore(base, name + "_tmp")
        with environment(name + "_tmp") as env:
            meta = json.loads(
                env["ir.config_parameter"].get_param("recouvrement_bench.meta")
            )
            dataset.replicate(env, meta["company_id"], size // BASE_SIZE, log=log)
            problems = dataset.check_consistency(env, meta["company_id"])
            if problems:
                raise SystemExit(f"replicated dataset is inconsistent: {problems}")
            meta.update(
                invoices=meta["invoices"] * size // BASE_SIZE,
                customers=meta["customers"] * size // BASE_SIZE,
                replicated=True,
            )
            env["ir.config_parameter"].set_param(
                "recouvrement_bench.meta", json.dumps(meta)
            )
        rename_database(name + "_tmp", name)
        return name
    log(f"building {name} through the ORM (about 35 ms per invoice)")
    tmp = name + "_tmp"
    sh("dropdb", "--if-exists", tmp)
    odoo_bin(
        "-d",
        tmp,
        "-i",
        "l10n_fr_account,recouvrement_amiable,account_credit_control",
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
    )
    started = time.time()
    with environment(tmp) as env:
        meta = dataset.build(env, invoices=size, customers=customers, log=log)
        meta["build_seconds"] = round(time.time() - started)
        env["ir.config_parameter"].set_param(
            "recouvrement_bench.meta", json.dumps(meta)
        )
        env["ir.config_parameter"].set_param(
            "recouvrement_bench.addon", addon_fingerprint()
        )
    rename_database(tmp, name)
    return name


@contextlib.contextmanager
def clone(template, suffix):
    name = f"{template}_{suffix}"
    odoo.sql_db.close_db(template)
    sh("dropdb", "--if-exists", name)
    sh("createdb", "-T", template, name)
    copy_filestore(template, name)
    try:
        yield name
    finally:
        odoo.modules.registry.Registry.delete(name)
        odoo.sql_db.close_db(name)
        sh("dropdb", "--if-exists", name)
        shutil.rmtree(filestore(name), ignore_errors=True)


def company_env(env, meta, **context):
    return env(
        context=dict(env.context, allowed_company_ids=[meta["company_id"]], **context)
    )


def at_night(today):
    """The clock at 2:00 on ``today`` when it is not today; nothing otherwise.

    The measurements run on today's date, without freezegun: it looks up the call
    stack at every clock reading (Odoo reads the clock for each query), which made
    the nightly run look 30 % slower than it is, and OCA is measured without it."""
    if today == dt.date.today():
        return contextlib.nullcontext()
    from freezegun import freeze_time

    return freeze_time(dt.datetime.combine(today, dt.time(2, 0)))


def run_cron_like_the_runner(
    database,
    meta,
    today,
    channels=False,
    batch_size=None,
    trace_memory=False,
):
    """Call the escalation job until nothing is left, one committed transaction per
    call, as Odoo's cron runner does; measure time, queries and RSS per call.

    ``trace_memory``: also the Python peak of each call (tracemalloc, reset at every
    call). It slows Python down, so the timed run leaves it off.
    """
    calls, total_handled = [], 0
    with environment(database) as env:
        env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM recouvrement_event")
        last_event = env.cr.fetchone()[0]
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    while True:
        with environment(database) as env:
            env = company_env(env, meta, recouvrement_no_channels=not channels)
            before = env.cr.sql_log_count
            call_started = time.perf_counter()
            if trace_memory:
                tracemalloc.reset_peak()
            with at_night(today):
                handled = env["account.move"]._cron_recouvrement_escalate(
                    batch_size=batch_size
                )
            call = {
                "handled": handled,
                "queries": env.cr.sql_log_count - before,
                "seconds": round(time.perf_counter() - call_started, 3),
            }
            if trace_memory:
                peak = tracemalloc.get_traced_memory()[1]
                call["python_peak_mb"] = round(peak / 1e6, 1)
        call["rss_mb"] = round(rss_mb(), 1)
        calls.append(call)
        total_handled += handled
        if not handled:
            break
    wall = time.perf_counter() - started
    if trace_memory:
        tracemalloc.stop()
    # the invoices the run's steps covered (each contact lists all the customer's
    # overdue invoices): the figure comparable with OCA's invoices per second
    with environment(database) as env:
        env.cr.execute(
            """SELECT COUNT(DISTINCT r.move_id)
                 FROM recouvrement_event_account_move_rel r
                 JOIN recouvrement_event e ON e.id = r.event_id
                WHERE e.id > %s AND e.event_type = 'stage'""",
            [last_event],
        )
        covered = env.cr.fetchone()[0]
    working = [c for c in calls if c["handled"]] or calls
    result = {
        "debtors_handled": total_handled,
        "invoices_handled": covered,
        "calls": len([c for c in calls if c["handled"]]),
        "wall_seconds": round(wall, 2),
        "invoices_per_second": round(covered / wall, 1) if wall else None,
        "debtors_per_second": round(total_handled / wall, 1) if wall else None,
        "queries_total": sum(c["queries"] for c in calls),
        "queries_per_call_min": min(c["queries"] for c in working),
        "queries_per_call_max": max(c["queries"] for c in working),
        "debtors_per_call_max": max(c["handled"] for c in working),
        "rss_mb_first_call": working[0]["rss_mb"],
        "rss_mb_max": max(c["rss_mb"] for c in calls),
        "rss_mb_last_call": calls[-1]["rss_mb"],
        "per_call": calls if len(calls) <= 10 else calls[:5] + ["..."] + calls[-5:],
    }
    if trace_memory:
        peaks = [c["python_peak_mb"] for c in working]
        result.update(
            python_peak_mb_first_call=peaks[0],
            python_peak_mb_max=max(peaks),
            python_peak_mb_last_full_call=peaks[-2] if len(peaks) > 1 else peaks[0],
        )
    return result


def measure_escalation(template, meta, today, log):
    """Timed run (no tracemalloc), then a second run on a fresh clone that traces the
    Python peak of every call: it must stay flat from the first call to the last."""
    with clone(template, "escalation") as database:
        result = run_cron_like_the_runner(database, meta, today)
        with environment(database) as env:
            env = company_env(env, meta)
            result["events_created"] = env["recouvrement.event"].search_count(
                [("event_type", "=", "stage")]
            )
    log(
        f"escalation: {result['debtors_handled']} customers, "
        f"{result['invoices_handled']} invoices in "
        f"{result['wall_seconds']} s, {result['queries_total']} queries"
    )
    with clone(template, "memory") as database:
        traced = run_cron_like_the_runner(database, meta, today, trace_memory=True)
    result["memory"] = {
        key: traced[key]
        for key in (
            "python_peak_mb_first_call",
            "python_peak_mb_max",
            "python_peak_mb_last_full_call",
            "rss_mb_first_call",
            "rss_mb_max",
            "rss_mb_last_call",
            "wall_seconds",
        )
    }
    log(
        f"memory per call: python peak first {traced['python_peak_mb_first_call']} MB,"
        f" max {traced['python_peak_mb_max']} MB"
    )
    return result


def measure_batch_sizes(template, meta, today, log):
    """Queries per call must not grow with the batch size."""
    out = {}
    for size in (50, 200, 800):
        with clone(template, f"batch{size}") as database:
            with environment(database) as env:
                env = company_env(env, meta, recouvrement_no_channels=True)
                before = env.cr.sql_log_count
                with at_night(today):
                    handled = env["account.move"]._cron_recouvrement_escalate(
                        batch_size=size
                    )
                out[size] = {
                    "debtors": handled,
                    "queries": env.cr.sql_log_count - before,
                }
                env.cr.rollback()
        log(
            f"batch of {size} customers: {out[size]['debtors']} handled, "
            f"{out[size]['queries']} queries"
        )
    return out


def _prepare_channels(database, meta, partners):
    """Only ``partners`` customers due today, in catch-up (letters rather than calls),
    French letters. Returns the last event id before the run."""
    with environment(database) as env:
        dataset.ensure_french(env)
    with environment(database) as env:
        env = company_env(env, meta)
        customers = env["res.partner"].search(
            [("name", "like", "Client %"), ("is_company", "in", (True, False))],
            order="id",
        )[:partners]
        # only these customers are due today: the others are excluded for this run
        (
            env["res.partner"].search(
                [("id", "not in", customers.ids), ("customer_rank", ">", 0)]
            )
        ).write({"recouvrement_excluded": True})
        # catch-up: letters (relance 2) rather than calls for the overdue ones
        env["res.company"].browse(meta["company_id"]).recouvrement_catch_up = True
        # events of the dataset (the big debtor's) are not this run's
        last_event = env["recouvrement.event"].search([], order="id desc", limit=1)
        return last_event.id or 0


def measure_channels(template, meta, today, log, partners=1000):
    """Emails queued and letters rendered for ``partners`` customers, by the cron."""
    with clone(template, "channels") as database:
        serve_http(database)
        last_event_id = _prepare_channels(database, meta, partners)
        from odoo.addons.base.models.ir_actions_report import IrActionsReport

        wk = {"calls": 0, "documents": 0, "seconds": 0.0}
        original = IrActionsReport._run_wkhtmltopdf

        def counting(self, bodies, *args, **kwargs):
            # the cron runs under freezegun: a real clock for wkhtmltopdf's time
            started = real_clock()
            try:
                return original(self, bodies, *args, **kwargs)
            finally:
                wk["calls"] += 1
                wk["documents"] += len(bodies)
                wk["seconds"] += real_clock() - started

        IrActionsReport._run_wkhtmltopdf = counting
        try:
            result = run_cron_like_the_runner(database, meta, today, channels=True)
        finally:
            IrActionsReport._run_wkhtmltopdf = original
        result["wkhtmltopdf"] = dict(wk, seconds=round(wk["seconds"], 1))
        with environment(database) as env:
            env = company_env(env, meta)
            events = env["recouvrement.event"].search(
                [("event_type", "=", "stage"), ("id", ">", last_event_id)]
            )
            result.update(
                customers=len(events.partner_id),
                emails_queued=env["mail.mail"].search_count(
                    [("model", "=", "recouvrement.event"), ("res_id", "in", events.ids)]
                ),
                letters_rendered=len(events.filtered("letter_attachment_id")),
            )
    log(
        f"channels: {result['customers']} customers, {result['emails_queued']} emails, "
        f"{result['letters_rendered']} letters in {result['wall_seconds']} s "
        f"(wkhtmltopdf: {result['wkhtmltopdf']})"
    )
    return result


def measure_letters(template, meta, today, log, count=100):
    """100 letters rendered in one wkhtmltopdf call."""
    with clone(template, "letters") as database:
        serve_http(database)
        with environment(database) as env:
            dataset.ensure_french(env)
        with environment(database) as env:
            env = company_env(env, meta)
            stage = (
                env["res.company"]
                .browse(meta["company_id"])
                ._recouvrement_default_ladder()
                .stage_ids.filtered(lambda s: s.kind == "relance_2")
            )
            moves = env["account.move"].search(
                [
                    ("company_id", "=", meta["company_id"]),
                    ("move_type", "=", "out_invoice"),
                    ("payment_state", "=", "not_paid"),
                ],
                order="id",
            )
            groups = moves.grouped("commercial_partner_id")
            # events are created by the recovery actions only: the bench writes them
            # as the nightly run would (imported here, once Odoo knows the addon)
            from odoo.addons.recouvrement_amiable.models import evidence

            with evidence.transition():
                events = env["recouvrement.event"].create(
                    [
                        {
                            "company_id": meta["company_id"],
                            "partner_id": partner.id,
                            "move_ids": [Command.set(m.ids)],
                            "stage_id": stage.id,
                            "event_type": "stage",
                            "date": today,
                            "state": "to_post",
                            "channel_letter": True,
                            "lang": "fr_FR",
                        }
                        for partner, m in list(groups.items())[:count]
                    ]
                )
            report = stage.report_id
            # Warm-up, not timed: the first rendering of a new database compiles the
            # report's CSS bundle (a running server has it already).
            env["ir.actions.report"].with_context(
                report_pdf_no_attachment=True
            )._render_qweb_pdf(report, events[:1].ids)
            from odoo.addons.base.models.ir_actions_report import IrActionsReport

            calls, wk_seconds = [], []
            original = IrActionsReport._run_wkhtmltopdf

            def counting(self, bodies, *args, **kwargs):
                calls.append(len(bodies))
                wk_started = time.perf_counter()
                try:
                    return original(self, bodies, *args, **kwargs)
                finally:
                    wk_seconds.append(time.perf_counter() - wk_started)

            IrActionsReport._run_wkhtmltopdf = counting
            try:
                started = time.perf_counter()
                pdf, _fmt = (
                    env["ir.actions.report"]
                    .with_context(report_pdf_no_attachment=True)
                    ._render_qweb_pdf(report, events.ids)
                )
                seconds = time.perf_counter() - started
            finally:
                IrActionsReport._run_wkhtmltopdf = original
            pages = int(
                subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True)
                .stdout.decode()
                .split("Pages:")[1]
                .split()[0]
            )
            env.cr.rollback()
    result = {
        "letters": len(events),
        "wkhtmltopdf_calls": len(calls),
        "seconds": round(seconds, 2),
        "wkhtmltopdf_seconds": round(sum(wk_seconds), 2),
        "pages": pages,
        "pages_per_second": round(pages / seconds, 1),
        "pdf_kb": len(pdf) // 1024,
    }
    log(
        f"letters: {len(events)} letters, {pages} pages in {result['seconds']} s "
        f"({len(calls)} call, wkhtmltopdf {result['wkhtmltopdf_seconds']} s)"
    )
    return result


def measure_case_file(template, meta, today, log):
    """The case file of the debtor with 300 invoices and 600 events: prepared
    (claim, exhibits, checks), then made ready (documents rendered, ZIP packed) —
    with the invoices' PDFs as Odoo sent them (the usual case), then again when
    none was kept and all 300 are printed as duplicates."""
    result = {}
    for variant in ("as_sent", "duplicates"):
        result[variant] = _measure_case_file(template, meta, variant)
        figures = result[variant]
        log(
            f"case file ({variant}): {figures['exhibits']} exhibits, "
            f"{figures['files']} files in {figures['seconds']} s (prepared in "
            f"{figures['prepare_seconds']} s, made ready in "
            f"{figures['ready_seconds']} s)"
        )
    return result


def _measure_case_file(template, meta, variant):
    with clone(template, "dossier") as database:
        serve_http(database)
        with environment(database) as env:
            dataset.ensure_french(env)
            if variant == "as_sent":
                # the PDF each invoice was sent with, as Odoo keeps it
                moves = env["account.move"].search(
                    [("partner_id", "=", meta["big_debtor_id"])]
                )
                for move in moves:
                    move.invoice_pdf_report_file = base64.b64encode(
                        b"%PDF-1.4\n% invoice " + move.name.encode() + b"\n%%EOF\n"
                    )
        with environment(database) as env:
            env = company_env(env, meta, lang="fr_FR")
            partner = env["res.partner"].browse(meta["big_debtor_id"])
            Dossier = env["recouvrement.dossier"]
            tracemalloc.start()
            rss_before = rss_mb()
            started = time.perf_counter()
            dossier = Dossier._recouvrement_create_for(
                partner, env["account.move"], None
            )
            prepared = time.perf_counter() - started
            # the bench's debtor has no formal notice nor terms of sale on file
            for check in dossier.check_ids.filtered(
                lambda c: c.blocking and c.overridable
            ):
                check._recouvrement_override("Benchmark: case file built as is.")
            started_ready = time.perf_counter()
            dossier.action_ready()
            ready = time.perf_counter() - started_ready
            seconds = time.perf_counter() - started
            _cur, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            content = base64.b64decode(dossier.zip_file)
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
            result = {
                "invoices": len(dossier.move_ids),
                "events": env["recouvrement.event"].search_count(
                    [("partner_id", "=", partner.id)]
                ),
                "exhibits": len(dossier.exhibit_ids),
                "duplicates": len(dossier.exhibit_ids.filtered("regenerated")),
                "files": len(names),
                "zip_mb": round(len(content) / 1e6, 1),
                "prepare_seconds": round(prepared, 1),
                "ready_seconds": round(ready, 1),
                "seconds": round(seconds, 1),
                "python_peak_mb": round(peak / 1e6, 1),
                "rss_growth_mb": round(rss_mb() - rss_before, 1),
                "rss_peak_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
            env.cr.rollback()
    return result


def measure_oca(template, meta, today, log):
    """OCA account_credit_control computing its lines on the same invoices."""
    with clone(template, "oca") as database:
        with environment(database) as env:
            env = company_env(env, meta)
            company = env["res.company"].browse(meta["company_id"])
            receivable = env["account.account"].search(
                [
                    ("company_ids", "in", company.ids),
                    ("account_type", "=", "asset_receivable"),
                ]
            )
            policy = env["credit.control.policy"].create(
                {
                    "name": "3 levels",
                    "company_id": company.id,
                    "account_ids": [Command.set(receivable.ids)],
                    "level_ids": [
                        Command.create(
                            {
                                "name": f"Level {n}",
                                "level": n,
                                "computation_mode": "net_days",
                                "delay_days": days,
                                "channel": "letter",
                                "custom_text": "Reminder",
                                "custom_mail_text": "<p>Reminder</p>",
                                "email_template_id": env.ref(
                                    "account_credit_control."
                                    "email_template_credit_control_base"
                                ).id,
                            }
                        )
                        for n, days in ((1, 15), (2, 30), (3, 45))
                    ],
                }
            )
            company.credit_policy_id = policy
            env.cr.commit()
        with environment(database) as env:
            env = company_env(env, meta)
            run = env["credit.control.run"].create(
                {"date": today, "policy_ids": [Command.set(policy.ids)]}
            )
            before = env.cr.sql_log_count
            started = time.perf_counter()
            run.generate_credit_lines()
            env.flush_all()
            seconds = time.perf_counter() - started
            queries = env.cr.sql_log_count - before
            lines = len(run.line_ids)
            invoices = len(run.line_ids.invoice_id)
    result = {
        "lines": lines,
        "invoices": invoices,
        "seconds": round(seconds, 2),
        "queries": queries,
        "invoices_per_second": round(invoices / seconds, 1) if seconds else None,
    }
    log(
        f"OCA credit control: {lines} lines for {invoices} invoices in "
        f"{result['seconds']} s, {queries} queries"
    )
    return result


# customers per job (and per cron call) in the jobs-channels measurement: enough jobs
# for 4 workers out of 100 customers
JOBS_CHANNEL_BATCH = 20


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _job_states(database):
    with environment(database) as env:
        env.cr.execute("SELECT state, COUNT(*) FROM queue_job GROUP BY state")
        return dict(env.cr.fetchall())


def run_night_in_jobs(template, meta, today, workers, log, channel_customers=0):
    """The night with OCA queue_job: Odoo served with ``workers`` HTTP workers and the
    job runner (channel capacity ``workers``), the cron enqueues the due debtors, the
    workers run the jobs; timed from the cron call to the last job done.
    ``channel_customers``: that many customers due, with their emails and letters
    (wkhtmltopdf in the workers), instead of the whole night without them."""
    with clone(template, f"jobs{workers}") as database:
        odoo_bin(
            "-d", database, "-i", "queue_job", "--stop-after-init", "--log-level=warn"
        )
        port = _free_port()
        if channel_customers:
            _prepare_channels(database, meta, channel_customers)
            with environment(database) as env:
                # wkhtmltopdf loads the letters' CSS from the workers' server
                env["ir.config_parameter"].set_param(
                    "report.url", f"http://127.0.0.1:{port}"
                )
                env["ir.config_parameter"].set_param(
                    "recouvrement_amiable.batch_size", str(JOBS_CHANNEL_BATCH)
                )
        env_vars = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{workers}",
            ODOO_QUEUE_JOB_PORT=str(port),
        )
        logfile = open(f"/tmp/bench_jobs_{workers}.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                f"{os.environ['ODOO_SRC']}/odoo-bin",
                "-c",
                os.environ["RA_ODOO_CONF"],
                "-d",
                database,
                f"--db-filter=^{database}$",
                f"--http-port={port}",
                # one HTTP worker more than jobs: wkhtmltopdf, called inside a job,
                # loads the letters' CSS from this server (with as many workers as
                # jobs, every worker waits for itself)
                f"--workers={workers + 1}",
                "--max-cron-threads=0",
                "--limit-time-real=1200",
                "--limit-time-cpu=1200",
                "--load=base,web,queue_job",
                "--log-level=warn",
            ],
            env=env_vars,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for _attempt in range(120):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            # each worker loads the registry on its first request: not the night's
            url = f"http://127.0.0.1:{port}/web/login?db={database}"
            with concurrent.futures.ThreadPoolExecutor(workers * 2) as pool:
                list(
                    pool.map(
                        lambda _i: requests.get(url, timeout=120), range(workers * 2)
                    )
                )
            with environment(database) as env:
                env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM recouvrement_event")
                last_event = env.cr.fetchone()[0]
            started = time.perf_counter()
            with environment(database) as env:
                env = company_env(
                    env, meta, recouvrement_no_channels=not channel_customers
                )
                with at_night(today):
                    enqueued = env["account.move"]._cron_recouvrement_escalate()
            while True:
                states = _job_states(database)
                busy = sum(states.get(s, 0) for s in ("pending", "enqueued", "started"))
                if not busy:
                    break
                if time.perf_counter() - started > 3600:
                    raise RuntimeError(f"jobs still running after an hour: {states}")
                time.sleep(0.5)
            wall = time.perf_counter() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            logfile.close()
        with environment(database) as env:
            env = company_env(env, meta)
            events = env["recouvrement.event"].search_count(
                [("event_type", "=", "stage"), ("id", ">", last_event)]
            )
            # an invoice in two steps of the same stage this night: a duplicate
            env.cr.execute(
                "SELECT COUNT(*) FROM (SELECT r.move_id, e.stage_id"
                " FROM recouvrement_event_account_move_rel r"
                " JOIN recouvrement_event e ON e.id = r.event_id"
                " WHERE e.event_type = 'stage' AND e.id > %s"
                " GROUP BY r.move_id, e.stage_id HAVING COUNT(*) > 1) d",
                [last_event],
            )
            duplicates = env.cr.fetchone()[0]
            env.cr.execute(
                "SELECT EXTRACT(EPOCH FROM MAX(date_done) - MIN(date_started)),"
                " COUNT(*) FROM queue_job"
            )
            span, jobs = env.cr.fetchone()
    result = {
        "workers": workers,
        "debtors_enqueued": enqueued,
        "jobs": states,
        "jobs_count": jobs,
        "wall_seconds": round(wall, 2),
        "debtors_per_second": round(enqueued / wall, 1) if wall else None,
        "jobs_span_seconds": round(float(span or 0), 2),
        "stage_events": events,
        "duplicate_steps": duplicates,
    }
    log(
        f"jobs, {workers} worker(s): {enqueued} customers in {result['wall_seconds']} s"
        f" (first job start to last job end {result['jobs_span_seconds']} s)"
        f" ({result['debtors_per_second']}/s), jobs {states}, duplicates {duplicates}"
    )
    return result


def measure_jobs(template, meta, today, log, workers=(1, 2, 4), channel_customers=0):
    """The nightly run as the cron alone (one worker, calls until nothing is left)
    and fanned out over 1, 2 and 4 queue_job workers, on the same data; with
    ``channel_customers``, that many customers with their emails and letters."""
    with clone(template, "plaincron") as database:
        if channel_customers:
            serve_http(database)
            _prepare_channels(database, meta, channel_customers)
        plain = run_cron_like_the_runner(
            database,
            meta,
            today,
            channels=bool(channel_customers),
            batch_size=JOBS_CHANNEL_BATCH if channel_customers else None,
        )
    log(
        f"plain cron: {plain['debtors_handled']} customers in {plain['wall_seconds']} s"
    )
    return {
        "channel_customers": channel_customers,
        "plain_cron": {
            key: plain[key]
            for key in ("debtors_handled", "wall_seconds", "debtors_per_second")
        },
        "queue_job": [
            run_night_in_jobs(template, meta, today, n, log, channel_customers)
            for n in workers
        ],
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size", type=int, default=BASE_SIZE, help="invoices (10000 or a multiple)"
    )
    parser.add_argument(
        "--customers", type=int, help="customers (default: invoices / 10)"
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="escalation batch channels letters dossier oca (default: all); jobs "
        "(queue_job workers, on demand only)",
    )
    parser.add_argument(
        "--channel-customers",
        type=int,
        default=1000,
        help="customers mailed and written to in the channels measurement",
    )
    parser.add_argument(
        "--jobs-channel-customers",
        type=int,
        default=100,
        help="customers mailed and written to in the jobs-channels measurement",
    )
    parser.add_argument("--output", default=str(HERE / "output"))
    args = parser.parse_args()
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    init_odoo("postgres")
    template = ensure_template(args.size, args.customers, log)
    with environment(template) as env:
        meta = json.loads(
            env["ir.config_parameter"].get_param("recouvrement_bench.meta")
        )
    today = dt.date.today()
    wanted = set(
        args.only or ["escalation", "batch", "channels", "letters", "dossier", "oca"]
    )
    results = {
        "size": args.size,
        "dataset": meta,
        "date": today.isoformat(),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
    }
    if "escalation" in wanted:
        results["escalation"] = measure_escalation(template, meta, today, log)
    if "batch" in wanted:
        results["queries_by_batch_size"] = measure_batch_sizes(
            template, meta, today, log
        )
    if "oca" in wanted:
        results["oca_credit_control"] = measure_oca(template, meta, today, log)
    if "letters" in wanted:
        results["letters"] = measure_letters(template, meta, today, log)
    if "dossier" in wanted and meta.get("big_debtor_id"):
        results["case_file"] = measure_case_file(template, meta, today, log)
    if "jobs" in wanted:
        results["jobs"] = measure_jobs(template, meta, today, log)
    if "jobs-channels" in wanted:
        results["jobs_channels"] = measure_jobs(
            template, meta, today, log, channel_customers=args.jobs_channel_customers
        )
    if "channels" in wanted:
        results["channels"] = measure_channels(
            template, meta, today, log, partners=args.channel_customers
        )
    print_table(results)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"results-{args.size}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nJSON: {path}")


def print_table(r):
    print("\n" + "=" * 78)
    d = r["dataset"]
    print(
        f"Dataset: {d['invoices']} invoices, {d['customers']} customers"
        f"{' (bulk SQL copies)' if d.get('replicated') else ''}; {r['cpus']} CPUs"
    )
    rows = []
    for key, title in (("jobs", "Night"), ("jobs_channels", "Night, letters")):
        if not (j := r.get(key)):
            continue
        p = j["plain_cron"]
        rows.append(
            (
                f"{title}, plain cron (1 worker)",
                f"{p['wall_seconds']} s, {p['debtors_per_second']} customers/s",
            )
        )
        for q in j["queue_job"]:
            rows.append(
                (
                    f"{title}, queue_job {q['workers']} worker(s)",
                    f"{q['wall_seconds']} s, {q['debtors_per_second']} customers/s,"
                    f" duplicates {q['duplicate_steps']}",
                )
            )
    if e := r.get("escalation"):
        rows += [
            ("Escalation cron, all calls (no email/PDF)", f"{e['wall_seconds']} s"),
            (
                "  invoices handled / per second",
                f"{e['invoices_handled']} / {e['invoices_per_second']}",
            ),
            ("  calls, queries total", f"{e['calls']}, {e['queries_total']}"),
            (
                "  queries per call (min-max)",
                f"{e['queries_per_call_min']}-{e['queries_per_call_max']}",
            ),
            (
                "  customers handled / per second, per call (max)",
                f"{e['debtors_handled']} / {e['debtors_per_second']}, "
                f"{e['debtors_per_call_max']}",
            ),
            (
                "  RSS first call / max / last call",
                f"{e['rss_mb_first_call']} / {e['rss_mb_max']} / "
                f"{e['rss_mb_last_call']} MB",
            ),
        ]
    if m := (r.get("escalation") or {}).get("memory"):
        rows += [
            (
                "  python peak per call: first / max / last full (traced run)",
                f"{m['python_peak_mb_first_call']} / {m['python_peak_mb_max']} / "
                f"{m['python_peak_mb_last_full_call']} MB",
            ),
        ]
    if b := r.get("queries_by_batch_size"):
        rows.append(
            (
                "Queries per call by batch size (customers)",
                ", ".join(
                    f"{k}: {v['queries']} q/{v['debtors']} cust." for k, v in b.items()
                ),
            )
        )
    if o := r.get("oca_credit_control"):
        rows += [
            (
                "OCA credit control lines (3 levels)",
                f"{o['seconds']} s, {o['queries']} queries",
            ),
            (
                "  lines / invoices / invoices per second",
                f"{o['lines']} / {o['invoices']} / {o['invoices_per_second']}",
            ),
        ]
        if e := r.get("escalation"):
            ratio = (e["invoices_per_second"] or 0) / (o["invoices_per_second"] or 1)
            rows.append(("Throughput ratio ours / OCA", f"{ratio:.1f} x"))
    if le := r.get("letters"):
        rows.append(
            (
                "Letters in one call",
                f"{le['letters']} letters, {le['pages']} pages, {le['seconds']} s "
                f"(wkhtmltopdf {le.get('wkhtmltopdf_seconds')} s), "
                f"{le['pages_per_second']} pages/s, {le['wkhtmltopdf_calls']} "
                f"wkhtmltopdf call",
            )
        )
    labels = {
        "as_sent": "Case file (invoices as sent)",
        "duplicates": "Case file (all duplicates)",
    }
    for variant, c in (r.get("case_file") or {}).items():
        rows.append(
            (
                labels.get(variant, f"Case file ({variant})"),
                f"{c['invoices']} invoices, {c['events']} events, {c['exhibits']} "
                f"exhibits ({c['duplicates']} duplicates printed), "
                f"{c['seconds']} s, python peak {c['python_peak_mb']} MB, RSS "
                f"+{c['rss_growth_mb']} MB",
            )
        )
    if ch := r.get("channels"):
        rows.append(
            (
                "Cron with channels on",
                f"{ch['customers']} customers, {ch['emails_queued']} emails, "
                f"{ch['letters_rendered']} letters, {ch['wall_seconds']} s",
            )
        )
    width = max(len(k) for k, _v in rows) if rows else 0
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("=" * 78)


if __name__ == "__main__":
    main()
