"""Daily watches: missing rates before a semester, prescription near; the claim view."""

from datetime import date
from decimal import Decimal

from odoo import Command
from odoo.tests import Form, tagged

from .common import RecouvrementCase, day, on_day


@tagged("post_install", "-at_install")
class TestWatches(RecouvrementCase):
    def _activities(self, xmlid):
        return self.env["mail.activity"].search(
            [
                (
                    "activity_type_id",
                    "=",
                    self.env.ref(f"recouvrement_amiable.{xmlid}").id,
                )
            ]
        )

    def test_missing_rates_raise_one_activity_before_the_semester(self):
        self.company.recouvrement_collector_id = self.env.user
        self.run_cron("2026-11-20")  # 42 days before 1 January 2027: not yet
        self.assertFalse(self._activities("mail_activity_type_recouvrement_rate"))
        self.run_cron("2026-12-05")
        activity = self._activities("mail_activity_type_recouvrement_rate")
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, date(2026, 12, 31))
        self.assertIn("01/01/2027", activity.note)
        self.run_cron("2026-12-06")  # once
        self.assertEqual(
            len(self._activities("mail_activity_type_recouvrement_rate")), 1
        )
        # once the rates are recorded, nothing more is asked
        self.env["recouvrement.rate"].create(
            [
                {
                    "kind": kind,
                    "date_from": "2027-01-01",
                    "date_to": "2027-06-30",
                    "value": value,
                }
                for kind, value in (("ecb", 2.65), ("legal_pro", 2.9))
            ]
        )
        self.assertEqual(
            self.env["account.move"]._recouvrement_rate_watch(date(2026, 12, 10)), []
        )

    def test_an_unconfirmed_rate_of_the_semester_asks_a_manager_once(self):
        """When a semester has started on a rate no manager confirmed, one task asks
        a recovery manager to confirm it with its source."""
        rate = self.env.ref("recouvrement_amiable.rate_ecb_2026_s2")
        rate.reliability = "unverified"
        self.run_cron("2026-07-01")
        self.run_cron("2026-07-02")
        activity = self._activities("mail_activity_type_recouvrement_rate")
        self.assertEqual(len(activity), 1)
        self.assertIn("01/07/2026", activity.summary)
        self.assertTrue(
            activity.user_id.has_group(
                "recouvrement_amiable.group_recouvrement_manager"
            )
        )
        with on_day("2026-07-03"):
            rate.action_confirm()
        self.assertFalse(
            self.env["recouvrement.rate"]._recouvrement_unconfirmed_current(
                date(2026, 7, 3)
            )
        )

    def test_prescription_near_raises_one_activity_per_invoice(self):
        consumer = self.invoice(self.b2c, 300, "2024-11-01", "2024-12-01")  # 2 years
        business = self.invoice(self.b2b, 300, "2024-11-01", "2024-12-01")  # 5 years
        self.assertEqual(consumer.recouvrement_prescription_date, date(2026, 11, 1))
        self.assertEqual(business.recouvrement_prescription_date, date(2029, 12, 1))
        self.run_cron("2026-07-01")  # 123 days before: not near
        self.assertFalse(
            self._activities("mail_activity_type_recouvrement_prescription")
        )
        self.run_cron("2026-08-10")  # 83 days before
        activity = self._activities("mail_activity_type_recouvrement_prescription")
        self.assertEqual(activity.res_id, consumer.id)
        self.assertTrue(consumer.recouvrement_prescription_alerted)
        self.run_cron("2026-08-11")
        self.assertEqual(
            len(self._activities("mail_activity_type_recouvrement_prescription")), 1
        )

    def test_partial_payment_interrupts_the_prescription(self):
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.pay(invoice, 200, "2026-06-15")
        self.assertEqual(invoice.recouvrement_prescription_date, date(2031, 6, 15))

    def test_time_barred_invoice_is_never_claimed(self):
        invoice = self.invoice(self.b2c, 300, "2024-01-10", "2024-02-10")
        self.run_cron("2026-02-01")
        self.assertFalse(invoice.recouvrement_stage_id)
        self.assertIn("time-barred", invoice.recouvrement_issue)
        self.assertFalse(invoice.recouvrement_next_date)

    def test_claim_breakdown_button(self):
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        with on_day("2026-11-23"):
            action = invoice.action_recouvrement_claim()
            self.assertEqual(action["res_model"], "recouvrement.claim.view")
            view = (
                self.env["recouvrement.claim.view"]
                .with_context(**action["context"])
                .create({})
            )
            digits = "".join(c for c in view.html if c.isdigit())
            self.assertIn("133587", digits)  # 1200 + 95.87 + 40
            self.assertIn("3635", digits)  # interest of the first semester

    def test_claim_breakdown_dialog_counts_partial_payments(self):
        """The dialog computes on the form's (unsaved) records: it still sees the
        payments the invoice received, as the invoice tab and the letters do."""
        invoice = self.invoice(self.b2b, 1262.88, "2026-08-01", "2026-08-31")
        self.pay(invoice, 631.44, "2026-09-15")
        with on_day("2026-11-23"):
            action = invoice.action_recouvrement_claim()
            form = Form(
                self.env["recouvrement.claim.view"].with_context(**action["context"])
            )
            html = form.html
        claim = invoice._recouvrement_claim(day("2026-11-23"))
        self.assertEqual(claim.paid, Decimal("631.44"))
        digits = "".join(c for c in html if c.isdigit())
        self.assertIn("63144", digits)  # the payment, in the dialog
        self.assertIn(f"{claim.total:.2f}".replace(".", ""), digits)

    def test_contractual_rate_below_the_floor_is_shown(self):
        self.company.recouvrement_contractual_rate = 5.0
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        claim = invoice._recouvrement_claim(day("2026-11-23"))
        self.assertEqual(
            [w.semester_start for w in claim.warnings],
            [date(2026, 1, 1), date(2026, 7, 1)],
        )
        view = self.env["recouvrement.claim.view"].create(
            {"move_ids": [Command.set(invoice.ids)], "date": "2026-11-23"}
        )
        self.assertIn("below three times the legal interest rate", view.html)
