"""Shared fixtures: a French company (EUR, French chart, IBAN), business and consumer
customers, invoices with exact due dates, payments, and the nightly run."""

import contextlib
import datetime as dt
import subprocess
import sys
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

from freezegun import freeze_time

import odoo
from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.recouvrement_amiable import legal

# the demo's helpers (a local SMTP server Odoo's mail queue delivers to)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "demo"))
from smtp_sink import SmtpSink  # noqa: E402

__all__ = ["SmtpSink"]
D = Decimal


@contextlib.contextmanager
def scratch_database(suffix, install=None):
    """A committed copy of the test database (``<test db>_<suffix>``), its registry
    loaded, optionally with the ``install`` module installed by odoo-bin; dropped at
    the end. For what a TransactionCase cannot do: several connections racing."""
    source = odoo.tests.common.get_db_name()
    name = f"{source}_{suffix}"
    odoo.sql_db.close_db(source)
    subprocess.run(["dropdb", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-T", source, name], check=True)
    if install:
        subprocess.run(
            [
                sys.executable,
                str(Path(odoo.__file__).resolve().parent.parent / "odoo-bin"),
                "-c",
                odoo.tools.config.rcfile,
                "-d",
                name,
                "-i",
                install,
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
            capture_output=True,
        )
    # loading the scratch registry must not run the modules' own tests
    with patch.dict(odoo.tools.config.options, {"test_enable": False}):
        odoo.modules.registry.Registry(name)
    try:
        yield name
    finally:
        odoo.modules.registry.Registry.delete(name)
        odoo.sql_db.close_db(name)
        subprocess.run(["dropdb", "--if-exists", name], check=True)


def in_parallel(target, args_list, timeout=600):
    """Run ``target(*args)`` for each ``args`` in its own thread, all released at
    once (each gets the shared barrier as its last argument); wait for them all."""
    barrier = threading.Barrier(len(args_list))
    threads = [
        threading.Thread(target=target, args=(*args, barrier)) for args in args_list
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def day(value):
    return fields.Date.to_date(value)


def on_day(value):
    """The clock stopped on day ``value`` (9:00 UTC, the same day in every time zone
    a French company uses): defaults bound at class definition, such as
    ``default=fields.Date.context_today``, see that day too."""
    return freeze_time(dt.datetime.combine(day(value), dt.time(9, 0)))


@tagged("post_install", "-at_install")
class RecouvrementCase(AccountTestInvoicingCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Messages in English whatever the database's languages (the letters' tests
        # switch
        # their debtors to French explicitly).
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.env.user.lang = "en_US"
        cls.company = cls.env.company
        cls.company.partner_id.lang = "en_US"
        cls.company.write(
            {
                "street": "18 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "email": "compta@creancier.example.fr",
                "phone": "+33 1 00 00 00 00",
                "company_registry": "73282932000074",
                "recouvrement_legal_form": "SAS",
                "recouvrement_signatory_id": cls.env.user.id,
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "mail.catchall.domain", "creancier.example.fr"
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.company.partner_id.id,
                "acc_number": "FR7630006000011234567890189",
                "acc_holder_name": "Créancier SAS",
                "bank_id": cls.env["res.bank"]
                .create({"name": "Banque Test", "bic": "AGRIFRPP882"})
                .id,
            }
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.tax_20 = cls._tax_20(cls.company)
        cls.b2b = cls._customer(
            "Boulangerie du Marais", is_company=True, company_registry="55208131766522"
        )
        cls.b2b_2 = cls._customer("Transports Lemoine", is_company=True)
        cls.b2c = cls._customer("Camille Martin", is_company=False)
        # the test user works the recovery and manages it (validating formal notices
        # is granted by hand: no accounting group implies it)
        cls.env.user.groups_id |= cls.env.ref(
            "recouvrement_amiable.group_recouvrement_manager"
        )
        # The rates of 2026's second semester are shipped "not verified": a recovery
        # manager confirms them before letters claim interest on them (tests of that
        # rule unconfirm them again).
        cls.env["recouvrement.rate"].search(
            [("reliability", "=", "unverified"), ("date_from", ">=", "2023-01-01")]
        ).write({"reliability": "verified", "source": "Test: confirmed"})
        cls.ladder = cls.company._recouvrement_default_ladder()
        cls.stages = {
            s.kind: s for s in cls.ladder.with_context(active_test=False).stage_ids
        }

    @classmethod
    def _tax_20(cls, company):
        """The 20 % sales VAT, excluded from the price."""
        taxes = cls.env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 20.0),
                ("amount_type", "=", "percent"),
            ]
        )
        return taxes.filtered(lambda t: not t.price_include)[:1]

    @classmethod
    def _customer(cls, name, is_company=True, **values):
        slug = name.lower().replace(" ", ".")
        vals = {
            "name": name,
            "is_company": is_company,
            "street": "1 rue Test",
            "zip": "75011",
            "city": "Paris",
            "country_id": cls.env.ref("base.fr").id,
            "email": f"{slug}@example.fr",
            "lang": "fr_FR" if cls.env["res.lang"]._lang_get("fr_FR") else "en_US",
        }
        vals.update(values)
        return cls.env["res.partner"].create(vals)

    @classmethod
    def invoice(
        cls, partner, amount_ttc, invoice_date, due_date=None, post=True, company=None
    ):
        """An invoice of ``amount_ttc`` incl. 20 % VAT with an exact due date."""
        company = company or cls.company
        journal = (
            cls.sale_journal
            if company == cls.company
            else cls.env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
            )
        )
        tax = cls.tax_20 if company == cls.company else cls._tax_20(company)
        untaxed = (D(str(amount_ttc)) / D("1.2")).quantize(D("0.01"))
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": day(invoice_date),
                    "invoice_date_due": day(due_date or invoice_date),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Prestation",
                                "quantity": 1,
                                "price_unit": float(untaxed),
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            with freeze_time(day(invoice_date)):
                move.action_post()
        return move

    @classmethod
    def dispute(cls, move, on):
        """Mark ``move`` disputed on day ``on``, as the invoice action does."""
        with on_day(on):
            cls.env["recouvrement.move.action"].create(
                {
                    "action": "dispute",
                    "move_ids": [Command.set(move.ids)],
                    "category": "quality",
                    "reason": "Livraison incomplète",
                }
            ).action_confirm()
        assert move.recouvrement_dispute_id.date == day(on)

    @classmethod
    def pay(cls, invoice, amount, on):
        """A payment registered on day ``on`` (the customer's plan is made that day)."""
        with on_day(on):
            wizard = (
                cls.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"payment_date": day(on), "amount": amount})
            )
            return wizard._create_payments()

    def run_cron(self, on, batch_size=None):
        """The nightly run on day ``on``: as Odoo's cron runner, call until nothing is
        left."""
        Move = self.env["account.move"]
        with freeze_time(dt.datetime.combine(day(on), dt.time(2, 0))):
            Move._cron_recouvrement_daily()
            for _call in range(50):
                if not Move._cron_recouvrement_escalate(batch_size=batch_size):
                    break
        return Move

    def events(self, partner=None, **domain):
        dom = [("company_id", "=", self.company.id)]
        if partner:
            dom.append(("partner_id", "=", partner.id))
        dom += [(k, "=", v) for k, v in domain.items()]
        return self.env["recouvrement.event"].search(dom, order="date, id")

    def debtor(self, partner, company=None):
        """The recovery record of ``partner`` in ``company``."""
        return self.env["recouvrement.debtor"].search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    @classmethod
    def escalate_now(cls, moves, on):
        """ "Escalate now" on day ``on`` for the customer of ``moves`` (a prepared
        notice validated the same day); returns the step's event."""
        with on_day(on):
            events = moves.recouvrement_debtor_id._recouvrement_escalate_now()
            pending = events.filtered(lambda e: e.state == "to_validate")
            if pending:
                pending.action_validate()
        return events

    def escalate_to(self, moves, kind, on):
        """Climb the ladder by hand ("Escalate now") up to stage ``kind`` on day
        ``on``, the earlier stages on the days before (three weeks before for a formal
        notice, so that reminder 2's deadline has passed); returns its event."""
        moves = moves.with_env(self.env)
        kinds = ["call", "relance_1", "relance_2", "mise_en_demeure"]
        steps = kinds[: kinds.index(kind) + 1]
        target = day(on)
        if kind == "mise_en_demeure":
            dates = [target - timedelta(days=n) for n in (27, 26, 25, 0)]
        else:
            dates = [
                target - timedelta(days=len(steps) - 1 - n) for n in range(len(steps))
            ]
        for when in dates:
            self.escalate_now(moves, when)
        event = self.env["recouvrement.event"].search(
            [("move_ids", "in", moves.ids), ("stage_id.kind", "=", kind)],
            order="id desc",
            limit=1,
        )
        self.assertTrue(event, kind)
        return event

    def validate_pending(self, on):
        """The recovery manager validates the prepared notices on day ``on``."""
        pending = self.events(state="to_validate")
        if pending:
            with on_day(on):
                pending.action_validate()
        return pending

    def legal_claim(self, moves, on):
        """The claim computed by the pure legal functions, from the rate table."""
        return moves._recouvrement_claim(day(on))


def rates_2026():
    return legal.RateBook(
        [
            legal.RatePeriod(
                legal.RATE_ECB, day("2026-01-01"), day("2026-06-30"), D("2.15")
            ),
            legal.RatePeriod(
                legal.RATE_ECB, day("2026-07-01"), day("2026-12-31"), D("2.40")
            ),
            legal.RatePeriod(
                legal.RATE_LEGAL_PRO, day("2026-01-01"), day("2026-06-30"), D("2.62")
            ),
            legal.RatePeriod(
                legal.RATE_LEGAL_PRO, day("2026-07-01"), day("2026-12-31"), D("2.75")
            ),
        ]
    )
