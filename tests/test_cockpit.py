"""The credit manager's cockpit: the customer worklist and its actions, "Today",
the analysis and aged balance, the printed claim breakdown, and the bad input the
screens used to accept."""

from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user

from odoo.addons.recouvrement_amiable import legal, reporting

from .common import RecouvrementCase, day, on_day
from .test_letters import _one_line, pdf_text


class TestReportingRules:
    """Pure rules (no database)."""

    def test_age_buckets_bounds(self):
        expected = {
            -5: "not_due",
            0: "not_due",
            1: "1_30",
            30: "1_30",
            31: "31_60",
            60: "31_60",
            61: "61_90",
            90: "61_90",
            91: "91",
            4000: "91",
        }
        for late, bucket in expected.items():
            assert reporting.age_bucket(late) == bucket, late

    def test_age_bucket_sql_is_the_same_rule(self):
        sql = reporting.age_bucket_sql("x")
        assert sql.startswith("CASE WHEN (x) <= 0 THEN 'not_due'")
        assert "WHEN (x) >= 31 AND (x) <= 60 THEN '31_60'" in sql
        assert sql.endswith("WHEN (x) >= 91 THEN '91' END")

    def test_days_late(self):
        assert reporting.days_late(day("2026-03-31"), day("2026-03-01")) == 30

    def test_dso(self):
        # 50 000 owed on 365 000 invoiced over the year: 50 days
        assert reporting.dso(Decimal("50000"), Decimal("365000")) == Decimal("50.0")
        assert reporting.dso(Decimal("1"), Decimal("3")) == Decimal("121.7")
        assert reporting.dso(Decimal("100"), Decimal("0")) is None
        assert reporting.dso(Decimal("100"), Decimal("-5")) is None


class TestCockpit(RecouvrementCase):
    def _report_action(self, action):
        """The report action itself (an administrator of a company without a
        document layout first gets the layout dialog, which then prints it)."""
        if action["type"] == "ir.actions.act_window":
            action = action["context"]["report_action"]
        self.assertEqual(action["type"], "ir.actions.report")
        return action

    def _fdate(self, value):
        return self.env["account.move"]._recouvrement_format_helpers()["fdate"](
            day(value)
        )

    def _worklist(self, partner):
        return self.debtor(partner).with_context(tz="Europe/Paris")

    # ------------------------------------------------------------------
    # Debtor worklist
    # ------------------------------------------------------------------
    def test_worklist_shows_what_the_customer_owes_and_what_comes_next(self):
        first = self.invoice(self.b2b, 1200, "2026-02-01", "2026-03-01")
        second = self.invoice(self.b2b, 600, "2026-02-15", "2026-03-15")
        self.pay(second, 200, "2026-03-20")
        with on_day("2026-05-01"):
            debtor = self._worklist(self.b2b)
            debtor.invalidate_recordset()
            claim = self.legal_claim(first | second, "2026-05-01")
            self.assertEqual(debtor.open_count, 2)
            self.assertAlmostEqual(debtor.open_amount, 1600.0)
            self.assertAlmostEqual(debtor.claim_interest, float(claim.interest))
            self.assertGreater(debtor.claim_interest, 0)
            # one 40 EUR indemnity per late invoice of a business customer
            self.assertAlmostEqual(debtor.claim_indemnity, 80.0)
            self.assertAlmostEqual(debtor.claim_total, float(claim.total))
            # nothing sent yet: the first stage of the ladder comes next
            first_stage = self.ladder._active_stages()[:1]
            self.assertIn(first_stage.name, debtor.next_action)
            # the invoices' salesperson is the test user, a real person
            self.assertEqual(debtor.collector_id, self.env.user)

    def test_a_customer_in_credit_has_nothing_to_claim(self):
        self.invoice(self.b2b, 600, "2026-02-01", "2026-03-01")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.b2b.id,
                "invoice_date": "2026-03-05",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [Command.set(self.tax_20.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        with on_day("2026-04-01"):
            debtor = self._worklist(self.b2b)
            self.assertLess(debtor.claim_total, 0)
            self.assertEqual(
                debtor.next_action, "Its credits cover what it owes: nothing to claim."
            )

    def test_collector_is_never_a_system_user(self):
        robot = self.env.ref("base.user_root")
        move = self.invoice(self.b2b, 500, "2026-01-10", "2026-02-10")
        move.sudo().invoice_user_id = robot
        self.company.recouvrement_collector_id = False
        debtor = self._worklist(self.b2b)
        self.assertTrue(debtor.collector_id)
        self.assertNotEqual(debtor.collector_id, robot)

    def test_invoice_actions_apply_to_the_whole_customer(self):
        first = self.invoice(self.b2b, 1200, "2026-02-01", "2026-03-01")
        second = self.invoice(self.b2b, 600, "2026-02-15", "2026-03-15")
        other = self.invoice(self.b2b_2, 300, "2026-02-15", "2026-03-15")
        debtor = self.debtor(self.b2b)
        # the Action menu of the customers offers the invoice actions, as window
        # actions (nobody writes the customer record: a server action would need it)
        bound = self.env["ir.actions.actions"].get_bindings("recouvrement.debtor")
        actions = {a["name"]: a for a in bound["action"]}
        self.assertTrue(
            {"Pause until a date", "Mark disputed", "Record registered letter sent"}
            <= set(actions),
            set(actions),
        )
        pause = actions["Pause until a date"]
        self.assertEqual(
            pause["id"],
            self.env.ref(
                "recouvrement_amiable.recouvrement_move_action_debtor_pause"
            ).id,
        )
        with on_day("2026-04-10"):
            wizard = (
                self.env["recouvrement.move.action"]
                .with_context(
                    active_model="recouvrement.debtor",
                    active_ids=debtor.ids,
                    default_action="pause",
                )
                .create({"date_end": "2026-05-10", "reason": "Customer on holiday"})
            )
            self.assertEqual(wizard.move_ids, first | second)
            wizard.action_confirm()
        self.assertEqual(set((first | second).mapped("recouvrement_state")), {"paused"})
        self.assertNotEqual(other.recouvrement_state, "paused")
        self.assertTrue(debtor.suspended)
        plan = debtor.action_recouvrement_payment_plan()
        self.assertEqual(
            set(plan["context"]["default_move_ids"]), set((first | second).ids)
        )
        with on_day("2026-04-11"):
            debtor.action_recouvrement_resume()
        self.assertEqual(
            set((first | second).mapped("recouvrement_state")), {"in_progress"}
        )
        # the claim breakdown of the customer, from its Print menu
        report = self.env.ref(
            "recouvrement_amiable.action_report_claim_breakdown_debtor"
        )
        self.assertIn(report.id, [a["id"] for a in bound["report"]])
        with on_day("2026-04-11"):
            pdf, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(report.report_name, debtor.ids)
            )
        text = pdf_text(pdf)
        self.assertIn(first.name, text)
        self.assertIn(second.name, text)
        self.assertNotIn(other.name, text)

    def test_customer_without_open_invoice_gets_a_clear_message(self):
        move = self.invoice(self.b2b, 120, "2026-02-01", "2026-03-01")
        self.pay(move, 120, "2026-03-02")
        with self.assertRaisesRegex(UserError, "no open invoice"):
            self.env["recouvrement.move.action"].with_context(
                active_model="recouvrement.debtor", active_ids=self.debtor(self.b2b).ids
            ).create({"action": "pause"})

    # ------------------------------------------------------------------
    # Today
    # ------------------------------------------------------------------
    def test_today_lists_calls_letters_and_notices_to_validate(self):
        moves = self.invoice(self.b2b, 2400, "2026-01-05", "2026-02-05")
        call_event = self.escalate_to(moves, "call", "2026-03-02")
        Todo = self.env["recouvrement.todo"]
        with on_day("2026-03-02"):
            calls = Todo.search([("kind", "=", "call")])
            self.assertEqual(calls.partner_id, self.b2b)
            self.assertTrue(calls.user_id)
            self.assertNotEqual(calls.user_id, self.env.ref("base.user_root"))
            opened = calls[:1].action_open()
            self.assertEqual(opened["res_model"], call_event._name)
            # the menu opens on one's own and the team's (unassigned) to-dos...
            self.assertFalse(Todo.search([("user_id", "=", False)]))
            action = Todo.with_user(calls.user_id).action_today()
            self.assertEqual(action["context"], "{'search_default_mine': 1}")
            # ...and, for someone with none, on everyone's by person (a manager
            # looking over the collectors), not on an empty list
            manager = new_test_user(
                self.env,
                "rmanager",
                groups="account.group_account_manager,"
                "recouvrement_amiable.group_recouvrement_manager",
            )
            action = Todo.with_user(manager).action_today()
            self.assertEqual(action["context"], {"search_default_group_user": 1})
            self.assertEqual(Todo.with_user(manager).search([]), calls)
        # another customer's reminders, then its formal notice waiting for validation
        other = self.invoice(self.b2b_2, 2400, "2026-01-05", "2026-02-05")
        self.escalate_to(other, "relance_2", "2026-03-05")
        with on_day("2026-04-01"):
            prepared = other.recouvrement_debtor_id._recouvrement_escalate_now()
            notice = prepared.filtered(lambda e: e.state == "to_validate")
            self.assertTrue(notice, prepared.mapped("state"))
            row = Todo.search([("kind", "=", "validate")])
            self.assertEqual(row.event_id, notice)
            self.assertEqual(row.partner_id, self.b2b_2)
            # the amount claimed is shown before validation
            self.assertGreater(row.amount, 2400)
            self.assertAlmostEqual(row.amount, notice.amount_due)
            # the searchpanel counts them
            counts = Todo.search_panel_select_range("kind", enable_counters=True)[
                "values"
            ]
            by_kind = {v["id"]: v["__count"] for v in counts}
            self.assertEqual(by_kind.get("validate"), 1)
            notice.action_validate()
            self.assertEqual(notice.state, "to_post", notice.state)
            Todo.invalidate_model()  # a new request in the web client
            kinds = set(Todo.search([]).mapped("kind"))
            self.assertNotIn("validate", kinds)
            self.assertIn("registered", kinds)

    def test_notice_waiting_validation_can_be_previewed_without_being_stored(self):
        moves = self.invoice(self.b2b, 2400, "2026-01-05", "2026-02-05")
        self.escalate_to(moves, "relance_2", "2026-03-05")
        with on_day("2026-04-01"):
            notice = moves.recouvrement_debtor_id._recouvrement_escalate_now()
        notice = notice.filtered(lambda e: e.state == "to_validate")
        self.assertGreater(notice.amount_due, 0)
        action = self._report_action(notice.action_preview_letter())
        report = self.env["ir.actions.report"].with_context(
            action["context"], force_report_rendering=True
        )
        with on_day("2026-04-01"):
            pdf, _type = report._render_qweb_pdf(action["report_name"], notice.ids)
        self.assertIn("Boulangerie du Marais", pdf_text(pdf))
        self.assertFalse(notice.letter_attachment_id)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", notice._name), ("res_id", "=", notice.id)]
            )
        )

    # ------------------------------------------------------------------
    # Reporting
    # ------------------------------------------------------------------
    def test_analysis_ages_the_open_invoices_and_counts_what_was_recovered(self):
        late = self.invoice(self.b2b, 1200, "2026-01-01", "2026-02-01")
        recent = self.invoice(self.b2b_2, 600, "2026-03-01", "2026-03-25")
        self.escalate_to(late, "relance_1", "2026-03-01")
        self.pay(late, 500, "2026-03-10")
        Report = self.env["recouvrement.report"]
        with on_day("2026-03-20"):
            rows = {r.move_id: r for r in Report.search([])}
            self.assertEqual(rows[late].age_bucket, "31_60")  # 47 days late
            self.assertEqual(rows[late].days_late, 47)
            self.assertAlmostEqual(rows[late].amount_residual, 700.0)
            self.assertAlmostEqual(rows[late].amount_recovered, 500.0)
            self.assertEqual(rows[late].escalation_date, day("2026-02-28"))
            self.assertEqual(rows[late].recovery_date, day("2026-03-10"))
            self.assertEqual(rows[recent].age_bucket, "not_due")
            self.assertAlmostEqual(rows[recent].amount_recovered, 0.0)
            by_partner, totals = Report._recouvrement_aged_balance(self.company)
            self.assertAlmostEqual(by_partner[self.b2b]["31_60"], 700.0)
            self.assertAlmostEqual(by_partner[self.b2b_2]["not_due"], 600.0)
            self.assertAlmostEqual(sum(totals.values()), 1300.0)
            receivables, turnover, dso = self.company._recouvrement_dso(
                day("2026-03-20")
            )
            self.assertAlmostEqual(receivables, 1300.0)
            self.assertAlmostEqual(turnover, 1800.0)
            self.assertEqual(dso, reporting.dso(Decimal("1300"), Decimal("1800")))
            pdf, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(
                    "recouvrement_amiable.action_report_aged_balance",
                    self.company.ids,
                )
            )
        text = pdf_text(pdf)
        self.assertIn("Aged balance", text)
        self.assertIn("Boulangerie du Marais", text)
        self.assertIn("DSO", text)
        self.assertRegex(text, r"263[.,]6 days")  # 1 300 / 1 800 x 365

    def test_claim_breakdown_prints_what_the_dialog_shows(self):
        move = self.invoice(self.b2b, 1262.88, "2026-01-15", "2026-02-15")
        self.pay(move, 631.44, "2026-03-01")
        with on_day("2026-04-15"):
            wizard = self.env["recouvrement.claim.view"].create(
                {"move_ids": [Command.set(move.ids)], "date": "2026-04-15"}
            )
            action = self._report_action(wizard.action_print())
            self.assertEqual(action["data"]["date"], "2026-04-15")
            # as the web client asks for it: a report action with data is fetched
            # at /report/pdf/<name>?options=<data>, without record ids
            pdf, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(action["report_name"], None, data=action["data"])
            )
        text = pdf_text(pdf)
        claim = self.legal_claim(move, "2026-04-15")
        helpers = move._recouvrement_format_helpers()
        self.assertIn(f"Claim breakdown at {self._fdate('2026-04-15')}", text)
        self.assertIn(_one_line(helpers["amount"](631.44)), text)  # paid
        self.assertIn(_one_line(helpers["amount"](claim.total)), text)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def _action_wizard(self, moves, action, **values):
        return (
            self.env["recouvrement.move.action"]
            .with_context(default_action=action, default_move_ids=moves.ids)
            .create(values)
        )

    def test_mediation_referred_in_the_future_is_refused(self):
        move = self.invoice(self.b2b, 900, "2026-01-15", "2026-02-15")
        with on_day("2026-04-01"):
            wizard = self._action_wizard(
                move, "mediation", reference="MED-1", date="2031-01-01"
            )
            with self.assertRaisesRegex(ValidationError, "in the future"):
                wizard.action_confirm()
        self.assertNotEqual(move.recouvrement_state, "mediation")

    def test_blank_dispute_reason_is_refused(self):
        move = self.invoice(self.b2b, 900, "2026-01-15", "2026-02-15")
        with on_day("2026-04-01"):
            wizard = self._action_wizard(
                move, "dispute", category="quality", reason="   "
            )
            with self.assertRaisesRegex(UserError, "required"):
                wizard.action_confirm()
            with self.assertRaisesRegex(ValidationError, "blank"):
                self.env["recouvrement.dispute"].create(
                    {
                        "company_id": self.company.id,
                        "partner_id": self.b2b.id,
                        "move_ids": [Command.set(move.ids)],
                        "category": "quality",
                        "description": " \n ",
                    }
                )
        self.assertNotEqual(move.recouvrement_state, "disputed")

    def _plan_wizard(self, moves, **values):
        wizard = self.env["recouvrement.payment.plan.create"].create(
            dict(values, move_ids=[Command.set(moves.ids)])
        )
        wizard._onchange_schedule()
        return wizard

    def test_long_or_small_payment_plans_are_flagged(self):
        move = self.invoice(self.b2b, 12000, "2026-01-15", "2026-02-15")
        with on_day("2026-04-01"):
            fine = self._plan_wizard(move, instalment_count=12, first_date="2026-05-01")
            self.assertFalse(fine.warning)
            long_plan = self._plan_wizard(
                move, instalment_count=200, first_date="2026-05-01"
            )
            self.assertIn("beyond 36 months", long_plan.warning)
            self.assertNotIn("below", long_plan.warning)  # 60 EUR each
            self.company.recouvrement_plan_min_instalment = 100
            small = self._plan_wizard(
                move, instalment_count=150, first_date="2026-05-01"
            )
            self.assertIn("150 instalment(s) are below", small.warning)
            absurd = self.env["recouvrement.payment.plan.create"].create(
                {
                    "move_ids": [Command.set(move.ids)],
                    "instalment_count": 500,
                    "first_date": "2026-05-01",
                }
            )
            with self.assertRaisesRegex(UserError, "at most 180"):
                absurd.action_create()
            # created despite a warning: the plan's history says so
            created = self.env["recouvrement.payment.plan.create"].create(
                {
                    "move_ids": [Command.set(move.ids)],
                    "instalment_count": 48,
                    "first_date": "2026-05-01",
                }
            )
            created._onchange_schedule()
            plan = self.env["recouvrement.payment.plan"].browse(
                created.action_create()["res_id"]
            )
        self.assertIn("beyond 36 months", plan.message_ids[:1].body)

    def test_grouped_lists_do_not_sum_rates_or_delays(self):
        rates = self.env["recouvrement.rate"].read_group(
            [], ["value"], ["kind"], lazy=False
        )
        self.assertTrue(rates)
        self.assertNotIn("value", rates[0])
        stages = self.env["recouvrement.stage"].read_group(
            [], ["delay_days", "payment_deadline_days"], ["ladder_id"], lazy=False
        )
        self.assertNotIn("delay_days", stages[0])
        self.assertNotIn("payment_deadline_days", stages[0])

    # ------------------------------------------------------------------
    # Stale or foreign words
    # ------------------------------------------------------------------
    def test_payment_plan_clears_the_customer_problem(self):
        self.stages["call"].auto_execute = False
        move = self.invoice(self.b2b, 1800, "2026-01-15", "2026-02-15")
        self.run_cron("2026-03-20")  # tells the collector: decide by hand
        debtor = self.debtor(self.b2b)
        self.assertTrue(debtor.issue)
        self.assertEqual(debtor.activity_ids.summary, debtor.issue[:200])
        with on_day("2026-03-20"):
            wizard = self.env["recouvrement.payment.plan.create"].create(
                {
                    "move_ids": [Command.set(move.ids)],
                    "instalment_count": 3,
                    "first_date": "2026-04-01",
                }
            )
            wizard._onchange_schedule()
            wizard.action_create()
            self.assertFalse(debtor.issue)
            # the banner and the task are gone
            self.assertFalse(debtor.activity_ids)
            self.assertEqual(
                debtor.next_action,
                "Suspended (pause, dispute, payment plan or mediation).",
            )

    def test_a_problem_found_outside_the_nightly_run_is_told_by_it(self):
        self.invoice(self.b2b, 1800, "2026-01-15", "2026-02-15")
        with on_day("2026-03-19"):
            # a manager makes the call manual: the customer is planned again now
            self.stages["call"].auto_execute = False
        debtor = self.debtor(self.b2b)
        self.assertIn("decide and escalate by hand", debtor.issue)
        self.assertFalse(debtor.activity_ids)
        self.run_cron("2026-03-20")
        self.assertEqual(debtor.activity_ids.summary, debtor.issue[:200])
        self.assertTrue(debtor.activity_ids.user_id)
        # told once: the next nights leave it alone
        self.assertFalse(debtor.next_date)

    def test_one_task_per_problem_even_when_its_invoices_change(self):
        self.stages["call"].auto_execute = False
        self.invoice(self.b2b, 1800, "2026-01-15", "2026-02-15")
        self.run_cron("2026-03-20")
        debtor = self.debtor(self.b2b)
        first = debtor.activity_ids
        self.assertEqual(len(first), 1)
        # another invoice falls due: the problem now names two invoices
        self.invoice(self.b2b, 600, "2026-02-20", "2026-03-22")
        self.run_cron("2026-03-26")
        self.assertEqual(len(debtor.activity_ids), 1)
        self.assertNotEqual(debtor.activity_ids, first)
        self.assertEqual(debtor.activity_ids.summary, debtor.issue[:200])
        self.assertIn("FAC/", debtor.activity_ids.summary)

    def test_customer_note_names_the_stage_in_the_company_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.company.partner_id.lang = "fr_FR"
        move = self.invoice(self.b2b, 1800, "2026-01-15", "2026-02-15")
        self.escalate_now(move, "2026-03-20")
        debtor = self.debtor(self.b2b)
        note = debtor.message_ids.filtered(lambda m: "REC/" in (m.body or ""))[:1]
        stage = move.recouvrement_stage_id
        french = stage.with_context(lang="fr_FR").name
        english = stage.with_context(lang="en_US").name
        self.assertNotEqual(french, english)
        self.assertIn(french, note.body)
        self.assertNotIn(english, note.body)

    def test_call_outcome_dialog_has_a_title(self):
        moves = self.invoice(self.b2b, 2400, "2026-01-05", "2026-02-05")
        event = self.escalate_to(moves, "call", "2026-03-02")
        self.assertEqual(event.action_log_call()["name"], "Log call")

    def test_rates_error_names_the_invoicing_menu(self):
        message = self.env["recouvrement.rate"]._missing_rate_message(
            legal.RATE_ECB, fields.Date.to_date("2031-01-01"), day("2031-06-30")
        )
        self.assertIn("Configuration > Recovery > Reference rates", message)
        self.assertNotIn("Accounting", message)
