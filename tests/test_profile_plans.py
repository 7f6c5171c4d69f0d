"""Debtor profile, ladder by profile, payment plans, disputes, mediation and collective
procedures (issue 7)."""

from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RecouvrementCase, day, on_day

TODAY = date(2026, 11, 23)


@tagged("post_install", "-at_install")
class TestDebtorProfile(RecouvrementCase):
    def test_profile_figures_on_a_constructed_history(self):
        partner = self.b2b
        # paid late by 10, 20 and 30 days; one paid on time
        for due, late in (
            ("2026-03-31", 10),
            ("2026-05-31", 20),
            ("2026-07-31", 30),
            ("2026-08-31", 0),
        ):
            inv = self.invoice(partner, 100, day(due) - relativedelta(days=30), due)
            self.pay(inv, 100, day(due) + relativedelta(days=late))
        # overdue now: 15, 45 and 100 days
        self.invoice(partner, 500, "2026-10-09", TODAY - relativedelta(days=15))
        self.invoice(partner, 300, "2026-09-09", TODAY - relativedelta(days=45))
        partial = self.invoice(
            partner, 250, "2026-07-16", TODAY - relativedelta(days=100)
        )
        self.pay(partial, 50, "2026-09-15")
        self.env["recouvrement.debtor"]._recouvrement_compute_profiles(
            self.company, TODAY
        )
        partner.invalidate_recordset()
        self.assertEqual(partner.recouvrement_late_count, 3)
        self.assertEqual(partner.recouvrement_avg_days_late, 20.0)
        self.assertEqual(partner.recouvrement_max_days_late, 30)
        self.assertEqual(partner.recouvrement_last_payment_date, date(2026, 9, 15))
        self.assertEqual(partner.recouvrement_overdue_amount, 1000.0)
        self.assertEqual(
            (
                partner.recouvrement_overdue_1_30,
                partner.recouvrement_overdue_31_60,
                partner.recouvrement_overdue_61_90,
                partner.recouvrement_overdue_91,
            ),
            (500.0, 300.0, 0.0, 200.0),
        )
        # overdue for more than 30 days, but no pattern of bad payment: a temporary
        # difficulty
        self.assertEqual(partner.recouvrement_profile_class, "temporary")
        self.assertIn("100", partner.recouvrement_profile_reason)

    def test_class_thresholds(self):
        good, occasional, bad = (
            self.b2b,
            self.b2b_2,
            self._customer("Mauvais Payeur SAS"),
        )
        inv = self.invoice(occasional, 100, "2026-03-01", "2026-03-31")
        self.pay(inv, 100, "2026-04-05")
        for month in range(4, 9):  # five invoices paid 40 days late
            due = date(2026, month, 10)
            inv = self.invoice(bad, 100, due - relativedelta(days=30), due)
            self.pay(inv, 100, due + relativedelta(days=40))
        inv = self.invoice(good, 100, "2026-03-01", "2026-03-31")
        self.pay(inv, 100, "2026-03-30")
        self.env["recouvrement.debtor"]._recouvrement_compute_profiles(
            self.company, TODAY
        )
        (good | occasional | bad).invalidate_recordset()
        self.assertEqual(
            [p.recouvrement_profile_class for p in (good, occasional, bad)],
            ["good", "occasional", "bad"],
        )
        # thresholds are company settings
        self.company.recouvrement_profile_bad_late = 6
        self.env["recouvrement.debtor"]._recouvrement_compute_profiles(
            self.company, TODAY
        )
        bad.invalidate_recordset()
        self.assertEqual(bad.recouvrement_profile_class, "occasional")

    def _profile_queries(self, count):
        for index in range(count):
            partner = self._customer(f"Client profil {count}-{index}")
            inv = self.invoice(partner, 100, "2026-03-01", "2026-03-31")
            self.pay(inv, 100, "2026-04-15")
            self.invoice(partner, 100, "2026-09-01", "2026-10-01")
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["recouvrement.debtor"]._recouvrement_compute_profiles(
            self.company, TODAY
        )
        return self.env.cr.sql_log_count - before

    def test_profile_computation_is_set_based(self):
        """The number of queries does not grow with the number of customers."""
        self._profile_queries(1)  # warm the caches (record rules, company)
        few = self._profile_queries(3)
        many = self._profile_queries(15)
        self.assertEqual(few, many)


@tagged("post_install", "-at_install")
class TestLadderByProfile(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))

    def _ladder(self, name, profile=None, stages=()):
        ladder = self.env["recouvrement.ladder"].create(
            {"name": name, "company_id": self.company.id, "profile_class": profile}
        )
        for seq, kind, delay, extra in stages:
            vals = {
                "ladder_id": ladder.id,
                "name": kind,
                "sequence": seq,
                "kind": kind,
                "delay_days": delay,
            }
            vals.update(extra)
            self.env["recouvrement.stage"].create(vals)
        return ladder

    def test_recurrent_bad_payers_skip_the_courtesy_stages(self):
        self._ladder(
            "Bad payers",
            "bad",
            [
                (
                    20,
                    "relance_1",
                    5,
                    {
                        "channel_email": True,
                        "report_id": self.stages["relance_1"].report_id.id,
                    },
                ),
                (
                    40,
                    "mise_en_demeure",
                    15,
                    {
                        "channel_registered": True,
                        "needs_validation": True,
                        "report_id": self.stages["mise_en_demeure"].report_id.id,
                    },
                ),
            ],
        )
        # a real history: five invoices paid 40 days late -> the nightly profile says
        # "bad"
        for month in range(4, 9):
            due = date(2025, month, 10)
            old = self.invoice(self.b2b, 100, due - relativedelta(days=30), due)
            self.pay(old, 100, due + relativedelta(days=40))
        self.run_cron("2026-03-01")
        self.assertEqual(self.b2b.recouvrement_profile_class, "bad")
        inv = self.invoice(self.b2b, 1000, "2026-03-01", "2026-03-31")
        self.assertEqual(inv.recouvrement_next_date, date(2026, 4, 5))
        self.run_cron("2026-04-05")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        self.assertEqual(inv.recouvrement_stage_id.ladder_id.profile_class, "bad")
        self.run_cron("2026-04-15")
        self.assertEqual(
            self.events(self.b2b, state="to_validate").stage_id.kind, "mise_en_demeure"
        )

    def test_key_account_with_its_own_slower_ladder(self):
        ladder = self._ladder(
            "Key accounts",
            None,
            [
                (10, "call", 15, {"channel_phone": True}),
                (20, "relance_1", 30, {"channel_email": True}),
            ],
        )
        self.b2b.with_company(self.company).recouvrement_ladder_id = ladder
        inv = self.invoice(self.b2b, 1000, "2026-03-01", "2026-03-31")
        other = self.invoice(self.b2b_2, 1000, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.assertFalse(inv.recouvrement_stage_id)
        self.assertEqual(other.recouvrement_stage_id.kind, "call")
        self.run_cron("2026-04-15")
        self.assertEqual(
            inv.recouvrement_stage_id,
            ladder.stage_ids.filtered(lambda s: s.kind == "call"),
        )


@tagged("post_install", "-at_install")
class TestPaymentPlans(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))

    def _plan(self, inv, on="2026-04-25"):
        with on_day(on):
            wizard = self.env["recouvrement.payment.plan.create"].create(
                {
                    "move_ids": [Command.set(inv.ids)],
                    "instalment_count": 3,
                    "first_date": "2026-05-01",
                    "frequency": "monthly",
                }
            )
            wizard._onchange_schedule()
            action = wizard.action_create()
        return self.env["recouvrement.payment.plan"].browse(action["res_id"])

    def _to_relance_2(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        for on in ("2026-04-03", "2026-04-10", "2026-04-20"):
            self.run_cron(on)
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        return inv

    def test_plan_schedule_and_printable_agreement(self):
        inv = self._to_relance_2()
        plan = self._plan(inv)
        self.assertEqual(plan.line_ids.mapped("amount"), [400.0, 400.0, 400.0])
        self.assertEqual(
            plan.line_ids.mapped("date"),
            [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)],
        )
        self.assertEqual(inv.recouvrement_state, "payment_plan")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "recouvrement_amiable.action_report_payment_plan", plan.ids
            )[0]
            .decode()
        )
        self.assertIn(inv.name, html)
        self.assertIn("2240", html)

    def test_only_an_accepted_plan_interrupts_the_prescription(self):
        inv = self._to_relance_2()
        plan = self._plan(inv)
        inv.invalidate_recordset(["recouvrement_prescription_date"])
        self.assertEqual(inv.recouvrement_prescription_date, date(2031, 3, 31))
        with on_day("2026-04-28"):
            plan.accepted_on = "2026-04-27"
            inv.invalidate_recordset(["recouvrement_prescription_date"])
            # five years again from the acceptance (art. 2240 C. civ.)
            self.assertEqual(inv.recouvrement_prescription_date, date(2031, 4, 27))
            with self.assertRaisesRegex(ValidationError, "future"):
                plan.accepted_on = "2026-05-02"

    def test_plan_kept_suspends_escalation(self):
        inv = self._to_relance_2()
        plan = self._plan(inv)
        self.pay(inv, 400, "2026-05-01")
        self.run_cron("2026-05-10")
        self.run_cron(
            "2026-06-03"
        )  # second instalment not due yet with the grace period
        self.assertEqual(plan.state, "active")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending", "pending"])
        self.assertFalse(
            self.events(self.b2b).filtered(
                lambda e: e.stage_id.kind == "mise_en_demeure"
            )
        )

    def test_plan_broken_resumes_at_the_right_stage(self):
        inv = self._to_relance_2()
        plan = self._plan(inv)
        self.pay(inv, 400, "2026-05-01")
        self.run_cron("2026-06-07")  # 1 June + 5 days of grace passed without payment
        self.assertEqual(plan.state, "broken")
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "missed", "pending"])
        self.assertEqual(inv.recouvrement_state, "in_progress")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")
        self.assertTrue(plan.activity_ids)
        self.assertTrue(self.events(self.b2b, event_type="resume"))
        self.run_cron("2026-06-08")  # the ladder goes on from relance 2
        self.assertEqual(
            self.events(self.b2b, state="to_validate").stage_id.kind, "mise_en_demeure"
        )

    def test_consumer_plan_falls_due_only_after_a_written_notice(self):
        """A consumer's missed instalment first brings a written notice with 15
        days to pay the arrears (no automatic acceleration); paying them keeps the
        plan; a second miss left unpaid after its notice ends it."""
        inv = self.invoice(self.b2c, 900, "2026-03-01", "2026-03-31")
        plan = self._plan(inv)
        self.assertTrue(plan.consumer)
        self.assertEqual(plan.notice_days, 15)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "recouvrement_amiable.action_report_payment_plan", plan.ids
            )[0]
            .decode()
        )
        self.assertIn(
            "mise en demeure écrite de régler l'arriéré"
            if plan.partner_id._recouvrement_letter_lang() == "fr_FR"
            else "written notice to pay the arrears",
            html,
        )
        self.run_cron("2026-05-07")  # 1 May + 5 days of grace, nothing paid
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.late_notice_date, day("2026-05-07"))
        self.assertEqual(plan.late_deadline, day("2026-05-22"))
        notice = plan.message_ids.filtered(lambda m: self.b2c in m.partner_ids)
        self.assertEqual(len(notice), 1)
        # the delay it gives, in the customer's language
        self.assertTrue(
            "22/05/2026" in notice.body or "05/22/2026" in notice.body, notice.body
        )
        self.run_cron("2026-05-15")  # no second notice for the same arrears
        self.assertEqual(
            len(plan.message_ids.filtered(lambda m: self.b2c in m.partner_ids)), 1
        )
        self.pay(inv, 300, "2026-05-20")  # arrears paid within the delay
        self.run_cron("2026-05-23")
        self.assertEqual(plan.state, "active")
        self.assertFalse(plan.late_notice_date)
        self.assertEqual(inv.recouvrement_state, "payment_plan")
        self.run_cron("2026-06-07")  # second instalment missed: a new notice
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.late_deadline, day("2026-06-22"))
        self.run_cron("2026-06-23")  # still unpaid after the delay: the plan ends
        self.assertEqual(plan.state, "broken")
        self.assertEqual(inv.recouvrement_state, "in_progress")

    def test_plan_completed_closes_the_recovery(self):
        inv = self._to_relance_2()
        plan = self._plan(inv)
        for on in ("2026-05-01", "2026-06-01", "2026-07-01"):
            self.pay(inv, 400, on)
        self.run_cron("2026-07-02")
        self.assertEqual(plan.state, "completed")
        self.assertEqual(inv.recouvrement_state, "closed")


@tagged("post_install", "-at_install")
class TestSuspensions(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))

    def test_dispute_with_an_end_date_returns_to_the_ladder(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.run_cron("2026-04-10")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        wizard = self.env["recouvrement.move.action"].create(
            {
                "action": "dispute",
                "move_ids": [Command.set(inv.ids)],
                "category": "price",
                "reason": "Quantité facturée contestée",
                "date_end": "2026-05-15",
            }
        )
        wizard.action_confirm()
        dispute = inv.recouvrement_dispute_id
        self.assertEqual(dispute.state, "open")
        self.assertIn(
            dispute, self.env["recouvrement.dispute"].search([("state", "=", "open")])
        )
        # disputed invoices are shown apart in the claim
        claim = inv._recouvrement_claim(day("2026-04-20"))
        self.assertFalse(claim.lines)
        self.assertEqual(len(claim.disputed_lines), 1)
        self.run_cron("2026-05-01")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")
        self.run_cron(
            "2026-05-15"
        )  # end date: back on the ladder at its previous stage, then R2
        self.assertEqual(dispute.state, "expired")
        self.assertFalse(inv.recouvrement_dispute_id)
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_2")

    def test_mediation_suspends_and_resumes(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        before = inv.recouvrement_prescription_date
        wizard = self.env["recouvrement.move.action"].create(
            {
                "action": "mediation",
                "move_ids": [Command.set(inv.ids)],
                "reference": "MED-2026-042",
                "date": "2026-04-05",
            }
        )
        wizard.action_confirm()
        mediation = self.env["recouvrement.mediation"].search(
            [("name", "=", "MED-2026-042")]
        )
        self.assertEqual(mediation.date_end, date(2026, 7, 5))  # 3 months by default
        self.assertEqual(inv.recouvrement_state, "mediation")
        self.run_cron("2026-05-01")
        self.assertEqual(inv.recouvrement_stage_id.kind, "call")
        with on_day("2026-05-20"):
            # referred, not accepted yet: the prescription runs on (art. 2238)
            inv.invalidate_recordset(["recouvrement_prescription_date"])
            self.assertEqual(inv.recouvrement_prescription_date, before)
            mediation.date_agreed = "2026-04-10"
            inv.invalidate_recordset(["recouvrement_prescription_date"])
            # suspended from the acceptance, 10/04, to today, 20/05: 40 days
            self.assertEqual(
                inv.recouvrement_prescription_date, before + relativedelta(days=40)
            )
            with self.assertRaisesRegex(ValidationError, "future"):
                mediation.date_agreed = "2026-05-21"
            mediation.outcome = "Pas d'accord"
            mediation.action_failure()
        self.assertEqual(inv.recouvrement_state, "in_progress")
        self.run_cron("2026-05-21")
        self.assertEqual(inv.recouvrement_stage_id.kind, "relance_1")

    def test_mediation_ends_at_its_date(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.env["recouvrement.mediation"].create(
            {
                "name": "MED-1",
                "partner_id": self.b2b.id,
                "move_ids": [Command.set(inv.ids)],
                "date_start": "2026-04-01",
            }
        )
        self.run_cron("2026-06-30")
        self.assertEqual(inv.recouvrement_state, "mediation")
        self.run_cron("2026-07-01")
        self.assertEqual(inv.recouvrement_state, "in_progress")

    def test_mediation_agreement_proposes_a_payment_plan(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        mediation = self.env["recouvrement.mediation"].create(
            {
                "name": "MED-2",
                "partner_id": self.b2b.id,
                "move_ids": [Command.set(inv.ids)],
                "date_start": "2026-04-01",
            }
        )
        action = mediation.action_agreement()
        self.assertEqual(mediation.state, "agreement")
        self.assertEqual(action["res_model"], "recouvrement.payment.plan.create")
        self.assertEqual(action["context"]["default_move_ids"], inv.ids)

    def test_collective_procedure_judgment_stops_interest_keeps_indemnities(self):
        late = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        due_after = self.invoice(self.b2b, 900, "2026-05-15", "2026-06-14")
        with on_day("2026-06-20"):
            self.b2b.write(
                {
                    "recouvrement_procedure": "redressement",
                    "recouvrement_procedure_opened": "2026-06-01",
                    "recouvrement_procedure_date": "2026-06-12",
                }
            )
        claim = (late | due_after)._recouvrement_claim(day("2026-11-23"))
        lines = {line.invoice.key: line for line in claim.lines}
        # 61 days at 12.15 % up to 31/05, the day before the judgment
        self.assertEqual(float(lines[late.id].interest_left), 24.37)
        self.assertEqual(float(lines[late.id].indemnity), 40.0)
        self.assertEqual(float(lines[due_after.id].interest_left), 0.0)
        self.assertEqual(float(lines[due_after.id].indemnity), 0.0)
        # the same at any later date: what to declare
        later = (late | due_after)._recouvrement_claim(day("2027-03-01"))
        self.assertEqual(later.total, claim.total)
        # the printed breakdown says why the interest stops
        debtor = self.debtor(self.b2b)
        with on_day("2026-11-23"):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "recouvrement_amiable.action_report_claim_breakdown_debtor",
                    debtor.ids,
                )[0]
                .decode()
            )
        self.assertIn("01/06/2026", html)
        self.assertIn("L. 622-28", html)
        self.assertIn("31/05/2026", html)  # the last day of the interest period
        # the procedure cleared (a plan adopted): the interest does not come back
        with on_day("2026-11-23"):
            self.b2b.recouvrement_procedure = False
        cleared = (late | due_after)._recouvrement_claim(day("2026-11-23"))
        self.assertEqual(cleared.total, claim.total)
        with on_day("2026-06-20"), self.assertRaisesRegex(ValidationError, "BODACC"):
            self.b2b.recouvrement_procedure_date = "2026-05-30"
        with on_day("2026-06-20"), self.assertRaisesRegex(ValidationError, "future"):
            self.b2b.recouvrement_procedure_opened = "2026-06-21"

    def test_collective_procedure_stops_everything(self):
        invs = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b, 600, "2026-03-05", "2026-04-04"
        )
        self.company.recouvrement_catch_up = True
        self.run_cron("2026-05-05")  # reminder 2, until Monday 18/05
        self.run_cron("2026-05-19")
        pending = self.events(self.b2b, state="to_validate")
        self.assertTrue(pending)
        claim_before = invs._recouvrement_claim(day("2026-05-20"))
        self.assertEqual(float(claim_before.indemnities), 80.0)
        with on_day("2026-05-20"):
            self.b2b.write(
                {
                    "recouvrement_procedure": "redressement",
                    "recouvrement_procedure_date": "2026-05-18",
                }
            )
        self.assertEqual(set(invs.mapped("recouvrement_state")), {"paused"})
        self.assertEqual(pending.state, "cancelled")
        activity = self.debtor(self.b2b).activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref(
                "recouvrement_amiable.mail_activity_type_recouvrement_declare_claim"
            )
        )
        self.assertEqual(
            activity.date_deadline, date(2026, 7, 18)
        )  # 2 months from the publication
        claim_after = invs._recouvrement_claim(day("2026-05-20"))
        self.assertEqual(float(claim_after.indemnities), 0.0)
        before = len(self.events(self.b2b))
        self.run_cron("2026-06-30")
        self.assertEqual(len(self.events(self.b2b)), before)
