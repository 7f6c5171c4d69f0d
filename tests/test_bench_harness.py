"""The benchmark harness on a tiny dataset, so that it cannot rot (issue 8)."""

import datetime as dt
import sys
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import dataset  # noqa: E402


@tagged("post_install", "-at_install")
class TestBenchHarness(TransactionCase):
    def test_dataset_builder_replication_and_cron(self):
        today = dt.date(2026, 11, 23)
        with freeze_time(dt.datetime(2026, 11, 23, 9, 0)):
            summary = dataset.build(
                self.env,
                invoices=50,
                customers=10,
                today=today,
                big_debtor=True,
                log=lambda _m: None,
                commit=False,
            )
        company_id = summary["company_id"]
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company_id]))
        moves = env["account.move"].search(
            [("company_id", "=", company_id), ("move_type", "=", "out_invoice")]
        )
        self.assertEqual(len(moves), 50 + dataset.BIG_INVOICES)
        self.assertTrue(any(m.payment_state == "partial" for m in moves))
        self.assertTrue(
            all(
                today - dt.timedelta(days=200) <= m.invoice_date_due <= today
                for m in moves
            )
        )
        self.assertEqual(dataset.check_consistency(env, company_id), [])
        big = env["res.partner"].browse(summary["big_debtor_id"])
        self.assertEqual(
            env["recouvrement.event"].search_count([("partner_id", "=", big.id)]),
            dataset.BIG_EVENTS,
        )
        # bulk SQL copies keep Odoo's accounting invariants
        dataset.replicate(env, company_id, 2, log=lambda _m: None, commit=False)
        copies = env["account.move"].search_count(
            [("company_id", "=", company_id), ("move_type", "=", "out_invoice")]
        )
        self.assertEqual(copies, 2 * len(moves))
        self.assertEqual(dataset.check_consistency(env, company_id), [])
        # the cron as the benchmark calls it, until nothing is left
        Debtor = env["recouvrement.debtor"]
        due = Debtor._recouvrement_due_domain(today) + [("company_id", "=", company_id)]
        debtors_due = Debtor.search_count(due)
        self.assertGreater(debtors_due, 20)  # the copies have their records too
        handled = 0
        with freeze_time(dt.datetime(2026, 11, 23, 2, 0)):
            Move = env["account.move"].with_context(recouvrement_no_channels=True)
            for _call in range(100):
                count = Move._cron_recouvrement_escalate(batch_size=7)
                handled += count
                if not count:
                    break
        self.assertEqual(handled, debtors_due)
        self.assertFalse(Debtor.search_count(due))
        self.assertTrue(
            env["recouvrement.event"].search_count([("event_type", "=", "stage")])
        )
