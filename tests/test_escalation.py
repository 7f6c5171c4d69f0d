"""The escalation engine, day by day under freezegun (issue 4)."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RecouvrementCase, day, on_day


@tagged("post_install", "-at_install")
class TestEscalation(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The ladder's email/letter channels are exercised in test_letters; here the
        # engine's
        # decisions are checked, so letters and emails are not rendered (the events,
        # stages,
        # dates, activities and chatter are).
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))

    def walk(self, start, days, invoices):
        """Run the nightly cron every day; return {invoice: [(date, stage kind)]}."""
        history = {inv: [] for inv in invoices}
        for offset in range(days + 1):
            today = day(start) + timedelta(days=offset)
            self.run_cron(today)
            # the manager validates prepared formal notices each morning
            pending = self.events(state="to_validate")
            if pending:
                with on_day(today):
                    pending.action_validate()
            for inv in invoices:
                kind = inv.recouvrement_stage_id.kind
                if kind and (not history[inv] or history[inv][-1][1] != kind):
                    history[inv].append((today, kind))
        return history

    def test_default_ladder_sequence_over_90_days(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        history = self.walk("2026-03-31", 90, inv)
        self.assertEqual(
            history[inv],
            [
                (date(2026, 4, 3), "call"),  # J+3
                (
                    date(2026, 4, 10),
                    "relance_1",
                ),  # J+7 would be 04-07: 7 days after the call
                (date(2026, 4, 20), "relance_2"),  # J+20
                (
                    date(2026, 4, 30),
                    "mise_en_demeure",
                ),  # J+30, validated the same morning
            ],
        )
        # transfer is not automatic: the invoice waits with a task for the collector
        notice = self.events(self.b2b, event_type="stage").filtered(
            lambda e: e.stage_id.kind == "mise_en_demeure"
        )
        self.assertEqual(notice.state, "to_post")
        transfer_name = (
            self.stages["transfer"].with_context(lang=self.company.partner_id.lang).name
        )
        self.assertIn(transfer_name, inv.recouvrement_issue or "")
        self.assertFalse(inv.recouvrement_next_date)
        kinds = self.events(self.b2b, event_type="stage").mapped("stage_id.kind")
        self.assertEqual(kinds, ["call", "relance_1", "relance_2", "mise_en_demeure"])

    def test_recovery_does_not_flag_the_invoice_as_modified_by_hand(self):
        """Climbing the ladder writes recovery fields only: the invoice is not flagged
        as modified by hand (account.move.write() does that for accounting edits)."""
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv.is_manually_modified = False
        self.run_cron(day("2026-04-10"))
        self.assertTrue(inv.recouvrement_stage_id)
        self.assertFalse(inv.is_manually_modified)

    def test_transfer_waits_for_the_notice_deadline_from_the_receipt(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.walk("2026-03-31", 30, inv)
        inv._recouvrement_record_registered_sent("1A12345678901", day("2026-05-01"))
        inv._recouvrement_record_receipt(day("2026-05-04"))
        notice = self.events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "mise_en_demeure"
        )
        self.assertEqual(
            notice.notice_deadline, date(2026, 5, 12)
        )  # 8 days from receipt
        self.assertEqual(
            inv.recouvrement_next_date, date(2026, 5, 15)
        )  # J+45 after deadline
        self.assertEqual(inv.recouvrement_notice_date, date(2026, 5, 4))

    def test_spacing_between_two_contacts_with_the_same_customer(self):
        first = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31")
        second = self.invoice(self.b2b, 700, "2026-03-05", "2026-04-02")
        self.run_cron("2026-04-03")  # first: call
        self.assertEqual(first.recouvrement_stage_id.kind, "call")
        self.assertFalse(second.recouvrement_stage_id)
        self.run_cron(
            "2026-04-05"
        )  # second's call is due (J+3) but the customer was called 2 days ago
        self.assertFalse(second.recouvrement_stage_id)
        self.assertEqual(second.recouvrement_next_date, date(2026, 4, 10))
        self.run_cron("2026-04-10")
        # both are due for their next stage on the same day: one contact, one event per
        # stage
        self.assertEqual(first.recouvrement_stage_id.kind, "relance_1")
        self.assertEqual(second.recouvrement_stage_id.kind, "call")
        dates = sorted(set(self.events(self.b2b, event_type="stage").mapped("date")))
        self.assertEqual(dates, [date(2026, 4, 3), date(2026, 4, 10)])
        self.assertTrue(
            all(
                b - a >= timedelta(days=7)
                for a, b in zip(dates, dates[1:], strict=False)
            )
        )

    def test_catch_up_jumps_to_the_highest_automatic_stage_due(self):
        self.company.recouvrement_catch_up = True
        inv = self.invoice(self.b2b, 1200, "2026-01-01", "2026-01-31")
        self.run_cron("2026-02-25")  # J+25: call, R1 and R2 are all due
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.assertEqual(self.events(self.b2b).mapped("stage_id.kind"), ["relance_2"])
        self.run_cron(
            "2026-03-04"
        )  # J+32: formal notice due, needs validation: prepared, waits
        self.assertEqual(
            self.events(self.b2b, state="to_validate").stage_id.kind, "mise_en_demeure"
        )
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")

    def test_without_catch_up_one_stage_at_a_time(self):
        inv = self.invoice(self.b2b, 1200, "2026-01-01", "2026-01-31")
        self.run_cron("2026-02-25")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")

    def test_grouping_one_event_per_customer_and_stage(self):
        invs = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b, 300, "2026-03-01", "2026-03-31"
        )
        other = self.invoice(self.b2b_2, 900, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        event = self.events(self.b2b)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.move_ids, invs)
        self.assertEqual(self.events(self.b2b_2).move_ids, other)
        # one chatter note per invoice, linking the event
        for inv in invs:
            note = inv.message_ids.filtered(lambda m: event.name in (m.body or ""))
            self.assertEqual(len(note), 1)
        # a call activity for the collector on the event
        self.assertEqual(
            event.activity_ids.activity_type_id,
            self.env.ref("recouvrement_amiable.mail_activity_type_recouvrement_call"),
        )
        self.assertEqual(event.state, "pending")

    def test_pause_dispute_and_resume(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        wizard = self.env["recouvrement.move.action"].create(
            {
                "action": "pause",
                "move_ids": [Command.set(inv.ids)],
                "date_end": "2026-05-01",
                "reason": "Accord oral",
            }
        )
        with on_day("2026-04-05"):
            wizard.action_confirm()
        self.assertEqual(inv.recouvrement_state, "paused")
        self.run_cron("2026-04-20")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")  # nothing while paused
        self.run_cron("2026-05-01")  # pause over: back on the ladder, R1 due since long
        self.assertEqual(inv.recouvrement_state, "in_progress")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        # dispute with an end date, then resolution
        dispute_wizard = self.env["recouvrement.move.action"].create(
            {
                "action": "dispute",
                "move_ids": [Command.set(inv.ids)],
                "category": "quality",
                "reason": "Livraison incomplète",
            }
        )
        dispute_wizard.action_confirm()
        self.assertEqual(inv.recouvrement_state, "disputed")
        self.assertTrue(inv.recouvrement_dispute_id)
        self.run_cron("2026-06-01")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        inv.recouvrement_dispute_id.action_resolve()
        self.assertEqual(inv.recouvrement_state, "in_progress")
        self.assertEqual(
            inv.recouvrement_stage_id.kind, "relance_1"
        )  # where it stopped
        types = self.events(self.b2b).mapped("event_type")
        self.assertIn("pause", types)
        self.assertIn("dispute", types)
        self.assertEqual(types.count("resume"), 2)

    def test_payment_in_the_middle_ends_recovery(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.walk("2026-03-31", 25, inv)
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.pay(inv, 1200, "2026-04-27")
        self.assertEqual(inv.recouvrement_state, "closed")
        self.assertEqual(inv.recouvrement_close_reason, "paid")
        self.assertFalse(inv.recouvrement_next_date)
        self.assertTrue(self.events(self.b2b, event_type="closed"))
        before = len(self.events(self.b2b))
        self.walk("2026-04-28", 30, inv)
        self.assertEqual(len(self.events(self.b2b)), before)

    def test_pending_event_of_paid_invoices_is_cancelled_never_sent(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.company.recouvrement_catch_up = True
        self.run_cron("2026-05-05")  # catch-up: relance 2
        self.run_cron("2026-05-12")  # formal notice, waiting for validation
        event = self.events(self.b2b, state="to_validate")
        self.assertTrue(event)
        self.pay(inv, 1200, "2026-05-06")
        self.assertEqual(event.state, "cancelled")
        with self.assertRaises(UserError):
            event.action_validate()

    def test_partial_payment_keeps_the_invoice_on_the_ladder(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.pay(inv, 400, "2026-04-05")
        self.assertEqual(inv.payment_state, "partial")
        self.run_cron("2026-04-10")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_1")
        claim = inv._recouvrement_claim(day("2026-04-10"))
        self.assertEqual(float(claim.principal), 800.0)
        self.assertAlmostEqual(event.amount_due, float(claim.total), delta=0.001)

    def test_credit_notes_are_netted_never_escalated(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.b2b.id,
                "invoice_date": "2026-03-15",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 250.0,
                            "tax_ids": [Command.set(self.tax_20.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        self.assertFalse(refund.recouvrement_next_date)
        self.run_cron("2026-04-03")
        self.assertFalse(refund.recouvrement_stage_id)
        claim = inv._recouvrement_claim(day("2026-04-03"))
        self.assertEqual([c.ref for c in claim.credits], [refund.name])
        self.assertEqual(float(claim.credits_total), 300.0)
        self.assertAlmostEqual(
            self.events(self.b2b).amount_due, float(claim.total), delta=0.01
        )

    def test_validation_queue(self):
        self.company.recouvrement_catch_up = True
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv2 = self.invoice(self.b2b_2, 800, "2026-03-01", "2026-03-31")
        self.run_cron("2026-05-05")  # catch-up: relance 2, the notice is not automatic
        self.run_cron("2026-05-12")
        pending = self.events(state="to_validate")
        self.assertEqual(len(pending), 2)
        self.assertEqual(
            [m.recouvrement_stage_id.kind for m in inv | inv2],
            ["relance_2", "relance_2"],
        )
        self.assertFalse(inv.recouvrement_next_date)
        self.run_cron("2026-05-13")  # nothing new while waiting
        self.assertEqual(len(self.events(state="to_validate")), 2)
        with on_day("2026-05-13"):
            pending.action_validate()  # one click validates the selection
        self.assertEqual(set(pending.mapped("state")), {"to_post"})
        self.assertEqual(
            [m.recouvrement_stage_id.kind for m in inv | inv2], ["mise_en_demeure"] * 2
        )
        self.assertEqual(pending.mapped("validated_by_id"), self.env.user)

    def test_multi_company_isolation(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "currency_id": self.company.currency_id.id}
        )
        self.env["account.chart.template"].try_loading(
            "fr", company_b, install_demo=False
        )
        self.env.user.company_ids = [Command.link(company_b.id)]
        inv_b = self.invoice(
            self.b2b, 600, "2026-03-01", "2026-03-31", company=company_b
        )
        inv_a = self.invoice(self.b2b, 900, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        event_a = self.events(self.b2b)
        event_b = self.env["recouvrement.event"].search(
            [("company_id", "=", company_b.id)]
        )
        self.assertEqual(event_a.move_ids, inv_a)
        self.assertEqual(event_b.move_ids, inv_b)
        self.assertEqual(inv_b.recouvrement_stage_id.company_id, company_b)

    def test_second_run_on_the_same_day_changes_nothing(self):
        invs = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b_2, 300, "2026-03-01", "2026-03-31"
        )
        self.run_cron("2026-04-03")
        snapshot = [
            (
                m.recouvrement_stage_id,
                m.recouvrement_next_date,
                m.recouvrement_last_date,
            )
            for m in invs
        ]
        events = self.events()
        messages = self.env["mail.message"].search_count(
            [("model", "=", "account.move"), ("res_id", "in", invs.ids)]
        )
        self.run_cron("2026-04-03")
        self.assertEqual(
            snapshot,
            [
                (
                    m.recouvrement_stage_id,
                    m.recouvrement_next_date,
                    m.recouvrement_last_date,
                )
                for m in invs
            ],
        )
        self.assertEqual(self.events(), events)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "account.move"), ("res_id", "in", invs.ids)]
            ),
            messages,
        )

    def test_small_batches_cover_everything(self):
        partners = [self._customer(f"Client {i}") for i in range(7)]
        invs = self.env["account.move"]
        for partner in partners:
            invs |= self.invoice(partner, 100, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03", batch_size=2)
        self.assertEqual(set(invs.mapped("recouvrement_stage_id.kind")), {"call"})
        self.assertEqual(len(self.events(event_type="stage")), 7)

    def test_a_cron_call_takes_fewer_debtors_when_it_prints_and_mails(self):
        # a call that renders letters and invoice copies must end well within Odoo's
        # real-time limit of a cron worker: 40 debtors, not 200
        for i in range(45):
            self.invoice(self._customer(f"Lot {i}"), 100, "2026-03-01", "2026-03-31")
        Move = self.env["account.move"]
        with on_day("2026-04-03"):
            Move.with_context(
                recouvrement_no_channels=False
            )._cron_recouvrement_escalate()
            self.assertEqual(len(self.events(event_type="stage").partner_id), 40)
            Move._cron_recouvrement_escalate()  # nothing printed: up to 200 debtors
        self.assertFalse(
            Move.search(Move._get_recouvrement_escalation_domain(day("2026-04-03")))
        )
        self.assertGreaterEqual(len(self.events(event_type="stage").partner_id), 45)

    def test_exception_on_one_customer_rolls_back_that_customer_only(self):
        good = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31")
        bad = self.invoice(self.b2b_2, 300, "2026-03-01", "2026-03-31")
        Move = type(self.env["account.move"])
        original = Move._recouvrement_escalate_batch

        def failing(moves, today, force):
            if self.b2b_2 in moves.commercial_partner_id:
                raise ValueError("boom")
            return original(moves, today, force)

        with patch.object(Move, "_recouvrement_escalate_batch", failing):
            self.run_cron("2026-04-03")
        self.assertEqual(good.recouvrement_stage_id.kind, "call")
        self.assertFalse(bad.recouvrement_stage_id)
        self.assertIn("boom", bad.recouvrement_issue)
        self.assertEqual(
            bad.recouvrement_next_date, date(2026, 4, 4)
        )  # retried tomorrow
        self.assertFalse(self.events(self.b2b_2))
        # the rerun finishes the work
        self.run_cron("2026-04-04")
        self.assertEqual(bad.recouvrement_stage_id.kind, "call")
        self.assertEqual(len(self.events(self.b2b_2)), 1)

    def test_escalate_now_ignores_delays_but_respects_validation(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        with on_day("2026-04-01"):
            inv.action_recouvrement_escalate_now()
            self.assertEqual(inv.recouvrement_stage_id.kind, "call")
            inv.action_recouvrement_escalate_now()
            inv.action_recouvrement_escalate_now()
            self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
            inv.action_recouvrement_escalate_now()
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.assertEqual(
            self.events(self.b2b, state="to_validate").stage_id.kind, "mise_en_demeure"
        )

    # ------------------------------------------------------------------ bad data
    def test_email_stage_without_email_falls_back_to_the_letter(self):
        self.b2b.email = False
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv.recouvrement_stage_id = self.stages["call"]
        inv._recouvrement_plan_next_dates(contact_date=date(2026, 4, 3))
        self.run_cron("2026-04-10")
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_1")
        self.assertTrue(event.channel_letter)
        self.assertFalse(event.channel_email)
        self.assertEqual(event.state, "to_post")

    def test_email_only_stage_without_email_is_skipped_with_an_activity(self):
        pre = self.stages["pre_reminder"]
        pre.active = True
        self.b2b.email = False
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-03-26")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertIn("no email", inv.recouvrement_issue)
        self.assertEqual(
            inv.recouvrement_next_date, date(2026, 4, 2)
        )  # retried after the spacing
        activity = self.b2b.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref(
                "recouvrement_amiable.mail_activity_type_recouvrement_issue"
            )
        )
        self.assertEqual(len(activity), 1)
        self.run_cron("2026-04-02")
        self.assertEqual(
            len(
                self.b2b.activity_ids.filtered(
                    lambda a: a.activity_type_id == activity.activity_type_id
                )
            ),
            1,
        )

    def test_letter_stage_without_postal_address(self):
        self.b2b.write({"street": False})
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv.recouvrement_stage_id = self.stages["relance_1"]
        inv._recouvrement_plan_next_dates(contact_date=date(2026, 4, 10))
        self.run_cron("2026-04-20")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        self.assertIn("postal address", inv.recouvrement_issue)
        self.assertTrue(self.b2b.activity_ids)

    def test_foreign_currency_invoice_is_left_to_a_person(self):
        usd = self.setup_other_currency("USD")
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31", post=False)
        inv.currency_id = usd
        inv.action_post()
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertIn("USD", inv.recouvrement_issue)
        self.assertFalse(inv.recouvrement_next_date)
        self.assertTrue(inv.activity_ids)

    def test_archived_customer(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.b2b.active = False
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertIn("archived", inv.recouvrement_issue)

    def test_company_without_iban(self):
        self.bank.unlink()
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv.recouvrement_stage_id = self.stages["call"]
        inv._recouvrement_plan_next_dates(contact_date=date(2026, 4, 3))
        self.run_cron("2026-04-10")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")
        self.assertIn("bank account", inv.recouvrement_issue)
        self.assertTrue(self.company.partner_id.activity_ids)

    def test_public_body_is_out_of_scope(self):
        mairie = self._customer("Mairie de Test", debtor_type="public")
        inv = self.invoice(mairie, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertIn("public body", inv.recouvrement_issue)
        with self.assertRaisesRegex(UserError, "Public bodies"):
            inv._recouvrement_claim(day("2026-04-03"))

    def test_excluded_invoice_and_customer(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv2 = self.invoice(self.b2b_2, 1200, "2026-03-01", "2026-03-31")
        inv.recouvrement_excluded = True
        self.b2b_2.recouvrement_excluded = True
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertFalse(inv2.recouvrement_stage_id)
