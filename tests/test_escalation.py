"""The escalation engine, day by day under freezegun: the debtor is the unit (issue 12).

Calendar used below (2026): 31/03 is a Tuesday; 5/04 Easter Sunday and 6/04 Easter
Monday; 1/05 and 8/05 public holidays (Fridays); 14/05 Ascension.
"""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RecouvrementCase, day, on_day


@tagged("post_install", "-at_install")
class TestEscalation(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The ladder's email/letter channels are exercised in test_letters; here the
        # engine's decisions are checked, so letters and emails are not rendered (the
        # events, stages, dates, activities and chatter are).
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))

    def walk(self, start, days, invoices):
        """Run the nightly cron every day, the manager validating the prepared
        notices each morning; return {invoice: [(date, stage kind)]}."""
        history = {inv: [] for inv in invoices}
        for offset in range(days + 1):
            today = day(start) + timedelta(days=offset)
            self.run_cron(today)
            self.validate_pending(today)
            for inv in invoices:
                kind = inv.recouvrement_stage_id.kind
                if kind and (not history[inv] or history[inv][-1][1] != kind):
                    history[inv].append((today, kind))
        return history

    def stage_events(self, partner):
        return self.events(partner, event_type="stage").filtered(
            lambda e: e.state != "cancelled"
        )

    # ------------------------------------------------------------------ the ladder
    def test_default_ladder_sequence_over_90_days(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        history = self.walk("2026-03-31", 90, inv)
        self.assertEqual(
            history[inv],
            [
                (date(2026, 4, 3), "call"),  # J+3
                (date(2026, 4, 10), "relance_1"),  # J+7 = 7/04, 7 days after the call
                (date(2026, 4, 20), "relance_2"),  # J+20
                # J+30 = 30/04, but reminder 2 gave until 20/04 + 3 days of post +
                # 8 days = 1/05, a holiday, then the weekend: Monday 4/05
                (date(2026, 5, 5), "mise_en_demeure"),
            ],
        )
        relance_2 = self.stage_events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "relance_2"
        )
        self.assertEqual(relance_2.deadline_date, date(2026, 5, 4))
        notice = self.stage_events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "mise_en_demeure"
        )
        self.assertEqual(notice.state, "to_post")
        self.assertEqual(notice.date, date(2026, 5, 5))
        self.assertEqual(notice.deadline_date, date(2026, 5, 18))  # Sat 16 -> Mon 18
        # the transfer is not automatic: the customer waits with a task
        debtor = self.debtor(self.b2b)
        transfer_name = (
            self.stages["transfer"].with_context(lang=self.company.partner_id.lang).name
        )
        self.assertIn(transfer_name, debtor.issue or "")
        self.assertFalse(debtor.next_date)
        self.assertFalse(inv.recouvrement_next_date)
        self.assertEqual(debtor.stage_id.kind, "mise_en_demeure")
        self.assertEqual(
            self.stage_events(self.b2b).mapped("stage_id.kind"),
            ["call", "relance_1", "relance_2", "mise_en_demeure"],
        )

    def test_one_debtor_one_voice_over_a_quarter(self):
        """Three invoices of one customer falling due over three weeks: one stage at
        a time for the customer, every contact lists all its overdue invoices, one
        formal notice, never a contact before the last letter's deadline."""
        first = self.invoice(self.b2b, 1000, "2026-03-01", "2026-03-31")
        second = self.invoice(self.b2b, 700, "2026-03-05", "2026-04-04")
        third = self.invoice(self.b2b, 400, "2026-03-26", "2026-04-25")
        invoices = first | second | third
        self.walk("2026-03-31", 90, invoices)
        events = self.stage_events(self.b2b).sorted(lambda e: (e.date, e.id))
        self.assertEqual(
            [(e.date, e.stage_id.kind) for e in events],
            [
                (date(2026, 4, 3), "call"),
                (date(2026, 4, 10), "relance_1"),
                (date(2026, 4, 20), "relance_2"),
                (date(2026, 5, 5), "mise_en_demeure"),
            ],
        )
        for event in events:
            overdue = invoices.filtered(lambda m, e=event: m.invoice_date_due < e.date)
            self.assertEqual(event.move_ids, overdue, event.stage_id.kind)
            self.assertEqual(event.upcoming_move_ids, invoices - overdue)
        for before, after in zip(events, events[1:], strict=False):
            self.assertGreaterEqual((after.date - before.date).days, 7)
            if before.deadline_date:
                self.assertGreater(after.date, before.deadline_date)
        # one level for the customer: all its invoices reached the notice
        self.assertEqual(
            set(invoices.mapped("recouvrement_stage_id.kind")), {"mise_en_demeure"}
        )
        self.assertEqual(self.debtor(self.b2b).stage_id.kind, "mise_en_demeure")

    def test_the_oldest_paid_the_level_stays_and_the_pace_follows_the_next_oldest(self):
        first = self.invoice(self.b2b, 1000, "2026-03-01", "2026-03-31")
        second = self.invoice(self.b2b, 700, "2026-03-05", "2026-04-02")
        self.run_cron("2026-04-03")  # call: both overdue
        self.run_cron("2026-04-10")  # reminder 1: both
        self.pay(first, 1000, "2026-04-12")
        debtor = self.debtor(self.b2b)
        self.assertEqual(debtor.stage_id.kind, "relance_1")
        # reminder 2 is due 20 days after the oldest open invoice: 2/04 + 20
        self.assertEqual(debtor.next_date, date(2026, 4, 22))
        self.run_cron("2026-04-22")
        relance_2 = self.stage_events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "relance_2"
        )
        self.assertEqual(relance_2.move_ids, second)

    def test_a_new_cycle_when_only_never_chased_invoices_remain(self):
        first = self.invoice(self.b2b, 1000, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.run_cron("2026-04-10")
        self.pay(first, 1000, "2026-04-12")
        debtor = self.debtor(self.b2b)
        self.assertFalse(debtor.next_date)
        self.assertFalse(debtor.stage_id)
        later = self.invoice(self.b2b, 300, "2026-04-20", "2026-05-20")
        self.assertEqual(debtor.next_date, date(2026, 5, 23))
        self.run_cron("2026-05-23")
        call = self.stage_events(self.b2b)[-1]
        self.assertEqual((call.stage_id.kind, call.move_ids), ("call", later))

    def test_transfer_waits_for_the_notice_deadline_from_the_receipt(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.walk("2026-03-31", 35, inv)
        with on_day("2026-05-12"):
            inv._recouvrement_record_registered_sent("1A12345678901", day("2026-05-06"))
            inv._recouvrement_record_receipt(day("2026-05-12"))
        notice = self.stage_events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "mise_en_demeure"
        )
        # 8 days from the receipt (Tuesday 12/05): Wednesday 20/05, later than the
        # date the letter stated (Monday 18/05): the ladder waits for the later one
        self.assertEqual(notice.notice_deadline, date(2026, 5, 20))
        self.assertEqual(inv.recouvrement_next_date, date(2026, 5, 21))
        self.assertEqual(inv.recouvrement_notice_date, date(2026, 5, 12))

    def test_recovery_does_not_flag_the_invoice_as_modified_by_hand(self):
        """Climbing the ladder writes recovery fields only: the invoice is not flagged
        as modified by hand (account.move.write() does that for accounting edits)."""
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv.is_manually_modified = False
        self.run_cron(day("2026-04-10"))
        self.assertTrue(inv.recouvrement_stage_id)
        self.assertFalse(inv.is_manually_modified)

    def test_the_run_never_writes_the_customer(self):
        """A person editing the customer never waits for, nor conflicts with, the
        nightly run: the run writes the customer's recovery record, not its row."""
        self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.env.flush_all()
        query = "SELECT write_date FROM res_partner WHERE id = %s"
        self.env.cr.execute(query, [self.b2b.id])
        before = self.env.cr.fetchone()
        self.walk("2026-04-01", 30, self.env["account.move"])
        self.env["res.partner"].flush_model()
        self.env.cr.execute(query, [self.b2b.id])
        self.assertEqual(self.env.cr.fetchone(), before)
        self.assertEqual(self.debtor(self.b2b).last_contact_date, date(2026, 4, 20))
        self.assertEqual(self.b2b.recouvrement_last_contact_date, date(2026, 4, 20))

    def test_catch_up_jumps_to_the_highest_automatic_stage_due(self):
        self.company.recouvrement_catch_up = True
        inv = self.invoice(self.b2b, 1200, "2026-01-01", "2026-01-31")
        self.run_cron("2026-02-25")  # J+25: call, R1 and R2 are all due
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.assertEqual(self.events(self.b2b).mapped("stage_id.kind"), ["relance_2"])
        # reminder 2 of 25/02 gave until 25/02 + 3 + 8 = Sunday 8/03 -> Monday 9/03
        self.run_cron("2026-03-04")  # J+32: the notice is due, the deadline runs
        self.assertFalse(self.events(self.b2b, state="to_validate"))
        self.assertEqual(self.debtor(self.b2b).next_date, date(2026, 3, 10))
        self.run_cron("2026-03-10")
        self.assertEqual(
            self.events(self.b2b, state="to_validate").stage_id.kind, "mise_en_demeure"
        )
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")

    def test_without_catch_up_one_stage_at_a_time(self):
        inv = self.invoice(self.b2b, 1200, "2026-01-01", "2026-01-31")
        self.run_cron("2026-02-25")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")

    def test_grouping_one_event_per_customer_and_one_note_on_the_customer(self):
        invs = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b, 300, "2026-03-01", "2026-03-31"
        )
        other = self.invoice(self.b2b_2, 900, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        event = self.events(self.b2b)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.move_ids, invs)
        self.assertEqual(event.debtor_id, self.debtor(self.b2b))
        self.assertEqual(self.events(self.b2b_2).move_ids, other)
        # one chatter note per event, on the customer's recovery record
        notes = event.debtor_id.message_ids.filtered(
            lambda m: event.name in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        # a call activity on the event, for a real person
        self.assertEqual(
            event.activity_ids.activity_type_id,
            self.env.ref("recouvrement_amiable.mail_activity_type_recouvrement_call"),
        )
        self.assertEqual(event.state, "pending")

    def test_call_tasks_never_go_to_a_system_user(self):
        inv = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31")
        inv.invoice_user_id = self.env.ref("base.user_root")  # OdooBot
        self.company.recouvrement_collector_id = False
        self.run_cron("2026-04-03")
        user = self.events(self.b2b).activity_ids.user_id
        self.assertTrue(user)
        self.assertNotEqual(user, self.env.ref("base.user_root"))
        self.assertFalse(user.share)

    # ------------------------------------------------------------------ suspensions
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
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
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
        self.assertFalse(self.debtor(self.b2b).next_date)
        self.assertTrue(self.events(self.b2b, event_type="closed"))
        before = len(self.events(self.b2b))
        self.walk("2026-04-28", 30, inv)
        self.assertEqual(len(self.events(self.b2b)), before)

    def test_pending_event_of_paid_invoices_is_cancelled_never_sent(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.company.recouvrement_catch_up = True
        self.run_cron("2026-05-05")  # catch-up: relance 2, deadline Monday 18/05
        self.run_cron("2026-05-19")  # formal notice, waiting for validation
        event = self.events(self.b2b, state="to_validate")
        self.assertTrue(event)
        self.pay(inv, 1200, "2026-05-19")
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

    # ------------------------------------------------------------------ net position
    def _refund(self, partner, amount_ht, on):
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": partner.id,
                "invoice_date": on,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": amount_ht,
                            "tax_ids": [Command.set(self.tax_20.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def test_credit_notes_are_netted_never_escalated(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        refund = self._refund(self.b2b, 250.0, "2026-03-15")
        self.assertFalse(refund.recouvrement_debtor_id)
        self.run_cron("2026-04-03")
        self.assertFalse(refund.recouvrement_stage_id)
        claim = inv._recouvrement_claim(day("2026-04-03"))
        self.assertEqual([c.ref for c in claim.credits], [refund.name])
        self.assertEqual(float(claim.credits_total), 300.0)
        self.assertAlmostEqual(
            self.events(self.b2b).amount_due, float(claim.total), delta=0.01
        )

    def test_a_customer_in_credit_is_not_chased(self):
        """An unreconciled credit note larger than the overdue invoice: no letter
        (never a negative claim), a task to reconcile, looked at again a week
        later."""
        inv = self.invoice(self.b2b, 300, "2026-03-01", "2026-03-31")
        self._refund(self.b2b, 550.0, "2026-03-15")
        self.walk("2026-03-31", 20, inv)
        self.assertFalse(self.events(self.b2b, event_type="stage"))
        debtor = self.debtor(self.b2b)
        self.assertIn("credits", debtor.issue)
        self.assertEqual(debtor.next_date, date(2026, 4, 24))
        self.assertEqual(len(debtor.activity_ids), 1)

    # ------------------------------------------------------------------ validation
    def test_validation_queue(self):
        self.company.recouvrement_catch_up = True
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        inv2 = self.invoice(self.b2b_2, 800, "2026-03-01", "2026-03-31")
        self.run_cron("2026-05-05")  # catch-up: relance 2, the notice is not automatic
        self.run_cron("2026-05-19")
        pending = self.events(state="to_validate")
        self.assertEqual(len(pending), 2)
        self.assertEqual(
            [m.recouvrement_stage_id.kind for m in inv | inv2],
            ["relance_2", "relance_2"],
        )
        self.assertFalse(self.debtor(self.b2b).next_date)
        self.run_cron("2026-05-20")  # nothing new while waiting
        self.assertEqual(len(self.events(state="to_validate")), 2)
        with on_day("2026-05-20"):
            pending.action_validate()  # one click validates the selection
        self.assertEqual(set(pending.mapped("state")), {"to_post"})
        self.assertEqual(set(pending.mapped("date")), {date(2026, 5, 20)})
        self.assertEqual(
            [m.recouvrement_stage_id.kind for m in inv | inv2], ["mise_en_demeure"] * 2
        )
        self.assertEqual(pending.mapped("validated_by_id"), self.env.user)

    def test_a_notice_validated_on_a_sunday_is_dated_the_next_posting_day(self):
        self.company.recouvrement_catch_up = True
        self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-25")
        self.run_cron("2026-04-25")  # Saturday: reminder 2, until Wednesday 6/05
        self.run_cron("2026-05-07")
        notice = self.events(self.b2b, state="to_validate")
        self.assertTrue(notice)
        self.validate_pending("2026-05-10")  # Sunday
        self.assertEqual(notice.date, date(2026, 5, 11))
        self.assertEqual(notice.deadline_date, date(2026, 5, 22))

    def test_escalate_now_keeps_every_rule_but_delays_and_spacing(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        with on_day("2026-04-01"):
            inv.action_recouvrement_escalate_now()
            self.assertEqual(inv.recouvrement_stage_id.kind, "call")
            with self.assertRaisesRegex(UserError, "already contacted today"):
                inv.action_recouvrement_escalate_now()
        with on_day("2026-04-02"):
            inv.action_recouvrement_escalate_now()
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        with on_day("2026-04-03"):
            inv.action_recouvrement_escalate_now()
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        # reminder 2 gave until 3/04 + 3 + 8 = Tuesday 14/04: the promise holds
        with on_day("2026-04-04"), self.assertRaisesRegex(UserError, "14/04/2026"):
            inv.action_recouvrement_escalate_now()
        with on_day("2026-04-15"):
            inv.action_recouvrement_escalate_now()
            with self.assertRaisesRegex(UserError, "validation"):
                inv.action_recouvrement_escalate_now()
        with on_day("2026-04-16"), self.assertRaisesRegex(UserError, "validation"):
            inv.action_recouvrement_escalate_now()
        notices = self.events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "mise_en_demeure"
        )
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices.state, "to_validate")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")

    # ------------------------------------------------------------ collective procedure
    def test_a_collective_procedure_stops_every_company(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "currency_id": self.company.currency_id.id}
        )
        self.env["account.chart.template"].try_loading(
            "fr", company_b, install_demo=False
        )
        self.env.user.company_ids = [Command.link(company_b.id)]
        inv_a = self.invoice(self.b2b, 900, "2026-03-01", "2026-03-31")
        inv_b = self.invoice(
            self.b2b, 600, "2026-03-01", "2026-03-31", company=company_b
        )
        self.run_cron("2026-04-03")
        calls = self.env["recouvrement.event"].search(
            [("partner_id", "=", self.b2b.id), ("state", "=", "pending")]
        )
        self.assertEqual(calls.company_id, self.company | company_b)
        # recorded by a user working in company A only
        with on_day("2026-04-05"):
            self.b2b.with_context(allowed_company_ids=self.company.ids).write(
                {
                    "recouvrement_procedure": "redressement",
                    "recouvrement_procedure_date": "2026-04-02",
                }
            )
        both = self.env(
            context=dict(
                self.env.context, allowed_company_ids=(self.company | company_b).ids
            )
        )
        self.assertEqual(set(calls.with_env(both).mapped("state")), {"cancelled"})
        self.assertEqual(
            set((inv_a | inv_b).with_env(both).mapped("recouvrement_state")), {"paused"}
        )
        declare = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_declare_claim"
        )
        for company in (self.company, company_b):
            debtor = self.debtor(self.b2b, company).with_env(both)
            activity = debtor.activity_ids.filtered(
                lambda a: a.activity_type_id == declare
            )
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.date_deadline, date(2026, 6, 2))
        with self.assertRaisesRegex(UserError, "collective procedure"):
            inv_a.action_recouvrement_resume()
        with self.assertRaisesRegex(UserError, "collective procedure"):
            self.debtor(self.b2b).action_recouvrement_escalate_now()
        self.run_cron("2026-05-01")
        self.assertFalse(
            self.env["recouvrement.event"].search(
                [("partner_id", "=", self.b2b.id), ("date", ">", "2026-04-05")]
                + [("event_type", "=", "stage")]
            )
        )

    # ------------------------------------------------------------------ data checks
    def test_invoices_with_wrong_dates_wait_with_one_task_per_company(self):
        good = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31")
        early = self.invoice(self.b2b, 200, "2026-04-01", "2026-03-15")
        long_term = self.invoice(self.b2b_2, 900, "2026-01-15", "2026-04-15")
        consumer = self.invoice(self.b2c, 100, "2026-01-15", "2026-03-31")
        self.run_cron("2026-04-03")
        event = self.events(self.b2b, event_type="stage")
        self.assertEqual(event.move_ids, good)  # the others of the customer go on
        self.assertIn("before its own date", early.recouvrement_issue)
        self.run_cron("2026-04-20")
        self.assertIn("L441-10", long_term.recouvrement_issue)
        self.assertFalse(long_term.recouvrement_stage_id)
        # a consumer's long payment term is not an L441-10 matter
        self.assertFalse(consumer.recouvrement_issue)
        self.assertTrue(consumer.recouvrement_stage_id)
        task = self.company.partner_id.activity_ids.filtered(
            lambda a: a.summary == "Recovery: invoices to correct"
        )
        self.assertEqual(len(task), 1)
        self.assertIn(early.name, task.note)
        self.assertIn(long_term.name, task.note)
        self.assertTrue(
            task.user_id.has_group("recouvrement_amiable.group_recouvrement_manager")
        )

    def test_letters_wait_for_a_confirmed_rate_calls_do_not(self):
        rate = self.env.ref("recouvrement_amiable.rate_ecb_2026_s2")
        rate.reliability = "unverified"
        inv = self.invoice(self.b2b, 1200, "2026-06-01", "2026-06-30")
        self.run_cron("2026-07-03")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")
        self.run_cron("2026-07-10")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")
        debtor = self.debtor(self.b2b)
        self.assertIn("has not confirmed", debtor.issue)
        self.assertEqual(debtor.next_date, date(2026, 7, 11))
        task = self.company.partner_id.activity_ids.filtered(
            lambda a: "01/07/2026" in (a.summary or "")
        )
        self.assertEqual(len(task), 1)
        self.run_cron("2026-07-11")
        self.assertEqual(
            len(
                self.company.partner_id.activity_ids.filtered(
                    lambda a: "01/07/2026" in (a.summary or "")
                )
            ),
            1,
        )
        with on_day("2026-07-12"):
            rate.action_confirm()
        self.assertEqual(rate.confirmed_by_id, self.env.user)
        self.run_cron("2026-07-12")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        self.assertFalse(debtor.issue)

    def test_confirming_a_rate_takes_a_manager_and_a_source(self):
        rate = self.env.ref("recouvrement_amiable.rate_ecb_2026_s2")
        rate.write({"reliability": "unverified", "source": " "})
        with self.assertRaisesRegex(UserError, "source"):
            rate.action_confirm()
        rate.source = "Banque de France, taux directeurs BCE au 01/07/2026"
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "clerk-rates",
                "groups_id": [
                    Command.set(self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        with self.assertRaises(AccessError):
            rate.with_user(clerk).action_confirm()
        rate.action_confirm()
        self.assertEqual(rate.reliability, "verified")
        rate.value = 2.65  # a figure changed: it must be confirmed again
        self.assertEqual(rate.reliability, "unverified")
        self.assertFalse(rate.confirmed_by_id)

    # ------------------------------------------------------------------ the run
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
        self.assertNotEqual(inv_a.recouvrement_debtor_id, inv_b.recouvrement_debtor_id)

    def test_second_run_on_the_same_day_changes_nothing(self):
        invs = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b_2, 300, "2026-03-01", "2026-03-31"
        )
        self.run_cron("2026-04-03")
        debtors = invs.recouvrement_debtor_id

        def snapshot():
            return [
                (
                    m.recouvrement_stage_id,
                    m.recouvrement_next_date,
                    m.recouvrement_last_date,
                )
                for m in invs
            ] + [(d.stage_id, d.next_date, d.last_contact_date) for d in debtors]

        before = snapshot()
        events = self.events()
        messages = self.env["mail.message"].search_count(
            [("model", "=", "recouvrement.debtor"), ("res_id", "in", debtors.ids)]
        )
        self.run_cron("2026-04-03")
        self.assertEqual(snapshot(), before)
        self.assertEqual(self.events(), events)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "recouvrement.debtor"), ("res_id", "in", debtors.ids)]
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
        Debtor = self.env["recouvrement.debtor"]
        with on_day("2026-04-03"):
            Move.with_context(
                recouvrement_no_channels=False
            )._cron_recouvrement_escalate()
            self.assertEqual(len(self.events(event_type="stage").partner_id), 40)
            Move._cron_recouvrement_escalate()  # nothing printed: up to 200 debtors
        self.assertFalse(
            Debtor.search(Debtor._recouvrement_due_domain(day("2026-04-03")))
        )
        self.assertGreaterEqual(len(self.events(event_type="stage").partner_id), 45)

    def test_an_unforeseen_failure_costs_its_debtor_only(self):
        """A failure no phase expected makes the batch fall back to one debtor at a
        time: the others are escalated, the failing one is recorded and retried the
        next day, nothing is done twice."""
        good = self.invoice(self.b2b, 500, "2026-03-01", "2026-03-31")
        bad = self.invoice(self.b2b_2, 300, "2026-03-01", "2026-03-31")
        Debtor = type(self.env["recouvrement.debtor"])
        original = Debtor._recouvrement_after_contact

        def failing(debtors, events, facts_by=None):
            if self.b2b_2 in events.partner_id:
                raise ValueError("boom")
            return original(debtors, events, facts_by)

        with patch.object(Debtor, "_recouvrement_after_contact", failing):
            self.run_cron("2026-04-03")
        self.assertEqual(good.recouvrement_stage_id.kind, "call")
        self.assertEqual(len(self.events(self.b2b)), 1)
        self.assertFalse(bad.recouvrement_stage_id)
        debtor = self.debtor(self.b2b_2)
        self.assertIn("boom", debtor.issue)
        self.assertEqual(debtor.next_date, date(2026, 4, 4))
        self.assertFalse(self.events(self.b2b_2))
        self.assertTrue(debtor.activity_ids)
        self.run_cron("2026-04-04")  # the rerun finishes the work
        self.assertEqual(bad.recouvrement_stage_id.kind, "call")
        self.assertEqual(len(self.events(self.b2b_2)), 1)
        self.assertEqual(len(self.events(self.b2b)), 1)

    # ------------------------------------------------------------------ bad data
    def test_email_stage_without_email_falls_back_to_the_letter(self):
        self.b2b.email = False
        self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
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
        debtor = self.debtor(self.b2b)
        self.assertIn("no valid email", debtor.issue)
        self.assertEqual(debtor.next_date, date(2026, 4, 2))  # retried after spacing
        issue_type = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_issue"
        )
        self.assertEqual(
            len(
                debtor.activity_ids.filtered(lambda a: a.activity_type_id == issue_type)
            ),
            1,
        )
        # the invoice is now due: the pre-reminder no longer applies, its task is
        # done (nobody is left with a pointless task) and none is opened again
        self.run_cron("2026-04-02")
        self.assertFalse(debtor.issue)
        self.assertFalse(
            debtor.activity_ids.filtered(lambda a: a.activity_type_id == issue_type)
        )
        self.assertIn("situation changed", debtor.message_ids[:1].body)

    def test_letter_stage_without_postal_address(self):
        self.b2b.write({"street": False})
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        for when in ("2026-04-03", "2026-04-10", "2026-04-20"):
            self.run_cron(when)
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        debtor = self.debtor(self.b2b)
        self.assertIn("postal address", debtor.issue)
        self.assertTrue(debtor.activity_ids)

    def test_foreign_currency_invoice_is_left_to_a_person(self):
        usd = self.setup_other_currency("USD")
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31", post=False)
        inv.currency_id = usd
        with on_day("2026-03-01"):
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
        self.assertIn("archived", self.debtor(self.b2b).issue)

    def test_company_without_iban(self):
        self.bank.unlink()
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.run_cron("2026-04-10")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")
        self.assertIn("bank account", self.debtor(self.b2b).issue)
        self.assertTrue(self.company.partner_id.activity_ids)

    def test_public_body_is_out_of_scope(self):
        mairie = self._customer("Mairie de Test", debtor_type="public")
        inv = self.invoice(mairie, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertIn("public body", self.debtor(mairie).issue)
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
        self.assertFalse(self.debtor(self.b2b).next_date)
        self.assertFalse(self.debtor(self.b2b_2).next_date)
