"""Benchmark dataset: a French company, N customers, M posted invoices with due dates
spread over the past 200 days, some partly or fully paid, some credit notes, and one big
debtor with 300 invoices and 600 recovery events (case-file export).

Built through the ORM (what users do); ``replicate`` multiplies a built dataset with
bulk
SQL for the 100,000-invoice size and ``check_consistency`` verifies the result the way
Odoo's accounting does (balanced moves, residuals equal to the reconciliations).
"""

import datetime as dt
import random

from odoo import Command
from odoo.tools import SQL

BIG_INVOICES = 300
BIG_EVENTS = 600


def ensure_french(env):
    """The customers read French: activate fr_FR with the terms of the letters."""
    if not env["res.lang"]._lang_get("fr_FR").active:
        env["res.lang"]._activate_lang("fr_FR")
        env["ir.module.module"]._load_module_terms(
            ["base", "account", "recouvrement_amiable"], ["fr_FR"]
        )


def setup_company(env, name="Bench SAS"):
    extra = (
        {"iap_enrich_auto_done": True}
        if "iap_enrich_auto_done" in env["res.company"]._fields
        else {}
    )
    company = env["res.company"].create(
        {
            **extra,
            "name": name,
            "street": "1 rue du Banc",
            "zip": "75001",
            "city": "Paris",
            "country_id": env.ref("base.fr").id,
            "currency_id": env.ref("base.EUR").id,
            "company_registry": "73282932000074",
            "email": "compta@bench.example.fr",
        }
    )
    env.user.write({"company_ids": [Command.link(company.id)]})
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    env["res.partner.bank"].create(
        {
            "partner_id": company.partner_id.id,
            "acc_number": "FR7630006000011234567890189",
            "acc_holder_name": name,
            "bank_id": env["res.bank"]
            .create({"name": "Banque", "bic": "AGRIFRPP882"})
            .id,
        }
    )
    # the reference rates of the period, confirmed as a recovery manager does each
    # semester (letters claim no interest on an unconfirmed rate)
    env["recouvrement.rate"].search([("reliability", "=", "unverified")]).write(
        {"reliability": "verified"}
    )
    return env, company


def build(
    env,
    invoices=10000,
    customers=None,
    seed=1,
    today=None,
    big_debtor=True,
    log=print,
    commit=True,
):
    """Create the dataset in ``env``'s database; return a summary dict.

    ``commit``: commit along the way (large sizes); off inside a test transaction.
    """
    rng = random.Random(seed)

    def checkpoint():
        if commit:
            env.cr.commit()

    today = today or dt.date.today()
    customers = customers or max(5, invoices // 10)
    env, company = setup_company(env)
    ensure_french(env)
    fr = env.ref("base.fr")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Client {index:06d}",
                "is_company": index % 5 != 0,
                "email": f"client{index}@example.fr",
                "street": f"{index % 200 + 1} rue des Clients",
                "zip": "69001",
                "city": "Lyon",
                "country_id": fr.id,
                "lang": "fr_FR",
            }
            for index in range(customers)
        ]
    )
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    tax = (
        env["account.tax"]
        .search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 20.0),
            ]
        )
        .filtered(lambda t: not t.price_include)[:1]
    )
    moves = env["account.move"]
    chunk = 500
    for start in range(0, invoices, chunk):
        vals_list = []
        for index in range(start, min(start + chunk, invoices)):
            due = today - dt.timedelta(days=rng.randint(0, 200))
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[index % customers].id,
                    "journal_id": journal.id,
                    "invoice_date": due - dt.timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Prestation",
                                "quantity": 1,
                                "price_unit": round(rng.uniform(50, 5000), 2),
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
        batch = env["account.move"].create(vals_list)
        batch.action_post()
        moves |= batch
        env.invalidate_all()
        checkpoint()
        log(f"  {len(moves)} invoices posted")
    paid_ids = [move.id for move in moves if rng.random() < 0.25]
    full_ids, partial_ids = paid_ids[1::2], paid_ids[0::2]
    Move = env["account.move"]
    register = env["account.payment.register"]
    # paid in full: one payment per invoice, created by one wizard per chunk
    for start in range(0, len(full_ids), 200):
        chunk_ids = full_ids[start : start + 200]
        register.with_context(active_model="account.move", active_ids=chunk_ids).create(
            {
                "payment_date": today - dt.timedelta(days=rng.randint(0, 20)),
                "group_payment": False,
            }
        )._create_payments()
        checkpoint()
        env.invalidate_all()
        log(f"  {start + len(chunk_ids)} invoices paid in full")
    # partly paid: 40 % of each invoice, payments created and posted in batches, then
    # each one reconciled with its invoice (no wizard per invoice: the environments it
    # creates would pile up in the transaction)
    bank = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    for start in range(0, len(partial_ids), 200):
        invoices = Move.browse(partial_ids[start : start + 200])
        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": invoice.commercial_partner_id.id,
                    "amount": round(invoice.amount_residual * 0.4, 2),
                    "date": min(
                        invoice.invoice_date_due
                        + dt.timedelta(days=rng.randint(-5, 40)),
                        today,
                    ),
                    "journal_id": bank.id,
                }
                for invoice in invoices
            ]
        )
        payments.action_post()
        for invoice, payment in zip(invoices, payments, strict=True):
            (invoice.line_ids + payment.move_id.line_ids).filtered(
                lambda aml: aml.account_type == "asset_receivable"
                and not aml.reconciled
            ).reconcile()
        checkpoint()
        env.invalidate_all()
        log(f"  {start + len(invoices)} invoices partly paid")
    paid = Move.browse(paid_ids)
    refunds = env["account.move"].create(
        [
            {
                "move_type": "out_refund",
                "partner_id": partner.id,
                "journal_id": journal.id,
                "invoice_date": today - dt.timedelta(days=rng.randint(1, 100)),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
            for partner in partners.filtered(lambda p: rng.random() < 0.03)
        ]
    )
    refunds.action_post()
    checkpoint()
    summary = {
        "company_id": company.id,
        "customers": customers,
        "invoices": len(moves),
        "payments": len(paid),
        "credit_notes": len(refunds),
    }
    if big_debtor:
        summary["big_debtor_id"] = build_big_debtor(
            env, company, journal, tax, today, rng
        ).id
    return summary


def build_big_debtor(env, company, journal, tax, today, rng):
    """A debtor with 300 invoices in recovery and 600 events (letters as PDFs)."""
    partner = env["res.partner"].create(
        {
            "name": "Gros Débiteur SA",
            "is_company": True,
            "email": "compta@gros-debiteur.example.fr",
            "street": "10 avenue de la Dette",
            "zip": "13001",
            "city": "Marseille",
            "country_id": env.ref("base.fr").id,
            "company_registry": "55208131766522",
        }
    )
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "journal_id": journal.id,
                "invoice_date": today - dt.timedelta(days=60 + index % 100),
                "invoice_date_due": today - dt.timedelta(days=30 + index % 100),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Fourniture",
                            "quantity": 1,
                            "price_unit": 100.0 + index,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
            for index in range(BIG_INVOICES)
        ]
    )
    moves.action_post()
    pdf = b"%PDF-1.4\n% a stored reminder letter\n" + b"x" * 20000
    # the history of a debtor reminded for months, written as the engine would have
    # written it (events are created by the recovery actions only); imported here:
    # the addon is importable once Odoo knows its addons path (init_odoo)
    from odoo.addons.recouvrement_amiable.models import evidence

    with evidence.transition():
        return _big_debtor_history(env, company, partner, moves, pdf, today)


def _big_debtor_history(env, company, partner, moves, pdf, today):
    stage = company._recouvrement_default_ladder().stage_ids.filtered(
        lambda s: s.kind == "relance_1"
    )
    events = env["recouvrement.event"].create(
        [
            {
                "company_id": company.id,
                "partner_id": partner.id,
                "debtor_id": moves.recouvrement_debtor_id.id,
                "move_ids": [
                    Command.set(
                        moves[index % BIG_INVOICES : index % BIG_INVOICES + 1].ids
                    )
                ],
                "stage_id": stage.id,
                "event_type": "stage",
                "date": today - dt.timedelta(days=index % 90),
                "state": "done",
                "channel_letter": True,
            }
            for index in range(BIG_EVENTS)
        ]
    )
    attachments = env["ir.attachment"].create(
        [
            {
                "name": f"lettre_{event.name.replace('/', '-')}.pdf",
                "raw": pdf + event.name.encode(),
                "res_model": "recouvrement.event",
                "res_id": event.id,
            }
            for event in events
        ]
    )
    for event, attachment in zip(events, attachments, strict=True):
        event.letter_attachment_id = attachment
    moves.write(
        {"recouvrement_state": "in_progress", "recouvrement_stage_id": stage.id}
    )
    return partner


REPLICATED_TABLES = (
    "account_move",
    "account_move_line",
    "account_full_reconcile",
    "account_partial_reconcile",
)


def replicate(env, company_id, factor, log=print, commit=True):
    """Multiply the company's customers and their entries ``factor`` times with bulk
    SQL.

    Copies partners, moves, lines and reconciliations with shifted ids; move names get a
    suffix (unique per journal); payments keep their entries but not their
    account.payment record (plain journal entries, as balanced and reconciled as
    before).
    """
    cr = env.cr
    env.flush_all()

    def columns(table):
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cr.fetchall()]

    def max_id(table):
        cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
        return cr.fetchone()[0]

    cr.execute(
        "SELECT DISTINCT partner_id FROM account_move WHERE company_id = %s AND "
        "partner_id IS NOT NULL",
        [company_id],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM account_move WHERE company_id = %s", [company_id])
    move_ids = [row[0] for row in cr.fetchall()]
    for k in range(1, factor):
        offsets = {
            table: max_id(table) for table in REPLICATED_TABLES + ("res_partner",)
        }
        partner_off = offsets["res_partner"]
        move_off = offsets["account_move"]
        line_off = offsets["account_move_line"]
        full_off = offsets["account_full_reconcile"]
        partial_off = offsets["account_partial_reconcile"]

        def copy(table, where, overrides):
            cols = columns(table)
            select = SQL(", ").join(
                overrides.get(col, SQL.identifier(col)) for col in cols
            )
            cr.execute(
                SQL(
                    "INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s",
                    SQL.identifier(table),
                    SQL(", ").join(SQL.identifier(c) for c in cols),
                    select,
                    SQL.identifier(table),
                    where,
                )
            )

        pmap = SQL(
            "CASE WHEN partner_id = ANY(%s) THEN partner_id + %s ELSE partner_id END",
            partner_ids,
            partner_off,
        )
        cpmap = SQL(
            "CASE WHEN commercial_partner_id = ANY(%s) THEN commercial_partner_id + "
            "%s ELSE commercial_partner_id END",
            partner_ids,
            partner_off,
        )
        copy(
            "res_partner",
            SQL("id = ANY(%s)", partner_ids),
            {
                "id": SQL("id + %s", partner_off),
                "name": SQL("name || %s", f" #{k}"),
                "complete_name": SQL("complete_name || %s", f" #{k}"),
                "commercial_partner_id": SQL("commercial_partner_id + %s", partner_off),
                "parent_id": SQL("NULL"),
            },
        )
        copy(
            "account_move",
            SQL("id = ANY(%s)", move_ids),
            {
                "id": SQL("id + %s", move_off),
                "name": SQL("name || %s", f"-{k}"),
                "partner_id": pmap,
                "commercial_partner_id": cpmap,
                "origin_payment_id": SQL("NULL"),
                "reversed_entry_id": SQL("NULL"),
                "invoice_pdf_report_id": SQL("NULL"),
                "message_main_attachment_id": SQL("NULL"),
                "recouvrement_debtor_id": SQL("NULL"),
                "sequence_number": SQL("sequence_number + %s", k * 1000000),
            },
        )
        cr.execute(
            """SELECT DISTINCT full_reconcile_id FROM account_move_line
                WHERE move_id = ANY(%s) AND full_reconcile_id IS NOT NULL""",
            [move_ids],
        )
        full_ids = [row[0] for row in cr.fetchall()]
        copy(
            "account_full_reconcile",
            SQL("id = ANY(%s)", full_ids),
            {"id": SQL("id + %s", full_off), "exchange_move_id": SQL("NULL")},
        )
        copy(
            "account_move_line",
            SQL("move_id = ANY(%s)", move_ids),
            {
                "id": SQL("id + %s", line_off),
                "move_id": SQL("move_id + %s", move_off),
                "partner_id": pmap,
                "full_reconcile_id": SQL("full_reconcile_id + %s", full_off),
                "move_name": SQL("move_name || %s", f"-{k}"),
                "payment_id": SQL("NULL"),
                "statement_line_id": SQL("NULL"),
                "statement_id": SQL("NULL"),
            },
        )
        cr.execute(
            """SELECT DISTINCT p.id FROM account_partial_reconcile p
                 JOIN account_move_line l ON l.id = p.debit_move_id
                WHERE l.move_id = ANY(%s)""",
            [move_ids],
        )
        partial_ids = [row[0] for row in cr.fetchall()]
        copy(
            "account_partial_reconcile",
            SQL("id = ANY(%s)", partial_ids),
            {
                "id": SQL("id + %s", partial_off),
                "debit_move_id": SQL("debit_move_id + %s", line_off),
                "credit_move_id": SQL("credit_move_id + %s", line_off),
                "full_reconcile_id": SQL("full_reconcile_id + %s", full_off),
                "exchange_move_id": SQL("NULL"),
            },
        )
        log(f"  copy {k + 1}/{factor}")
    for table in REPLICATED_TABLES + ("res_partner",):
        cr.execute(
            SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM "
                "%s))",
                table,
                SQL.identifier(table),
            )
        )
    # the copied customers' recovery records, their invoices linked, in SQL
    env["recouvrement.debtor"]._recouvrement_init(env["res.company"].browse(company_id))
    env.invalidate_all()
    env.registry.clear_cache()
    if commit:
        cr.commit()


def check_consistency(env, company_id):
    """Odoo's own invariants on the company's entries; returns a list of problems."""
    cr = env.cr
    problems = []
    cr.execute(
        """SELECT move_id FROM account_move_line l JOIN account_move m ON m.id =
        l.move_id
            WHERE m.company_id = %s AND m.state = 'posted'
         GROUP BY move_id HAVING ABS(SUM(l.balance)) > 0.001 LIMIT 5""",
        [company_id],
    )
    if rows := cr.fetchall():
        problems.append(f"unbalanced moves: {rows}")
    cr.execute(
        """SELECT l.id FROM account_move_line l
             JOIN account_account a
               ON a.id = l.account_id AND a.account_type = 'asset_receivable'
             LEFT JOIN LATERAL (SELECT COALESCE(SUM(amount), 0) AS s
                                  FROM account_partial_reconcile
                                 WHERE debit_move_id = l.id) d ON TRUE
             LEFT JOIN LATERAL (SELECT COALESCE(SUM(amount), 0) AS s
                                  FROM account_partial_reconcile
                                 WHERE credit_move_id = l.id) c ON TRUE
            WHERE l.company_id = %s AND l.parent_state = 'posted'
              AND ABS(l.amount_residual - (l.balance - d.s + c.s)) > 0.001
            LIMIT 5""",
        [company_id],
    )
    if rows := cr.fetchall():
        problems.append(f"residuals not equal to reconciliations: {rows}")
    cr.execute(
        """SELECT name, journal_id, COUNT(*) FROM account_move
            WHERE company_id = %s AND state = 'posted'
         GROUP BY name, journal_id HAVING COUNT(*) > 1 LIMIT 5""",
        [company_id],
    )
    if rows := cr.fetchall():
        problems.append(f"duplicate move names: {rows}")
    return problems
