"""Foundation: ladder per company, tracking, access rights, multi-company, rates."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RecouvrementCase


@tagged("post_install", "-at_install")
class TestFoundation(RecouvrementCase):
    def test_default_ladder_for_each_company(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        for company in (self.company, company_b):
            ladder = company._recouvrement_default_ladder()
            stages = ladder.with_context(active_test=False).stage_ids.sorted("sequence")
            self.assertEqual(
                [(s.sequence, s.kind, s.delay_days, s.active) for s in stages],
                [
                    (5, "pre_reminder", -5, False),
                    (10, "call", 3, True),
                    (20, "relance_1", 7, True),
                    (30, "relance_2", 20, True),
                    (40, "mise_en_demeure", 30, True),
                    (50, "transfer", 45, True),
                ],
            )
            self.assertTrue(
                stages.filtered(lambda s: s.kind == "mise_en_demeure").needs_validation
            )
            self.assertFalse(
                stages.filtered(lambda s: s.kind == "transfer").auto_execute
            )
            self.assertEqual(stages.company_id, company)
        self.assertEqual(
            self.stages["relance_1"].with_context(lang="fr_FR").name
            if self.env["res.lang"]._lang_get("fr_FR")
            else "Relance 1 (courtoise)",
            "Relance 1 (courtoise)",
        )

    def test_posting_plans_the_first_stage(self):
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.assertEqual(
            invoice.recouvrement_next_date, date(2026, 4, 3)
        )  # call at J+3
        self.assertFalse(invoice.recouvrement_state)

    def test_stage_change_is_tracked_in_the_chatter(self):
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        # the test base class disables tracking: turn it back on as in production
        self.env.flush_all()
        self.env.cr.precommit.run()
        clean = invoice.with_env(self.env(context={}))
        clean.recouvrement_stage_id = self.stages["relance_2"]
        self.env.flush_all()
        # tracking values are written when the transaction commits
        self.env.cr.precommit.run()
        invoice.invalidate_recordset(["message_ids"])
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "recouvrement_stage_id"
        )
        self.assertEqual(len(tracked), 1)
        self.assertEqual(tracked.new_value_char, self.stages["relance_2"].display_name)

    def test_invoicing_only_user_cannot_edit_stages(self):
        billing = new_test_user(
            self.env,
            login="billing_only",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        stage = self.stages["relance_1"].with_user(billing)
        self.assertEqual(stage.name, self.stages["relance_1"].name)  # can read it
        with self.assertRaises(AccessError):
            stage.write({"delay_days": 1})
        with self.assertRaises(AccessError):
            self.env["recouvrement.rate"].with_user(billing).create(
                {
                    "kind": "ecb",
                    "date_from": "2030-01-01",
                    "date_to": "2030-06-30",
                    "value": 1.0,
                }
            )
        manager = self.env.user  # accountman: accounting manager -> recovery manager
        self.assertTrue(
            manager.has_group("recouvrement_amiable.group_recouvrement_manager")
        )
        self.stages["relance_1"].with_user(manager).write({"delay_days": 8})

    def test_company_b_user_sees_nothing_of_company_a(self):
        invoice = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        self.assertTrue(self.events(self.b2b))
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            login="user_b",
            groups="account.group_account_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        env_b = self.env(user=user_b, context={"allowed_company_ids": company_b.ids})
        self.assertFalse(env_b["recouvrement.event"].search([]))
        self.assertEqual(env_b["recouvrement.stage"].search([]).company_id, company_b)
        self.assertEqual(env_b["recouvrement.ladder"].search([]).company_id, company_b)
        self.assertFalse(env_b["account.move"].search([("id", "=", invoice.id)]))
        with self.assertRaises(AccessError):
            env_b["recouvrement.event"].browse(self.events(self.b2b).ids).read(["name"])

    def test_rate_lookup_on_period_boundaries(self):
        Rate = self.env["recouvrement.rate"]
        self.assertEqual(Rate._get_rate("ecb", date(2025, 12, 31)).value, 2.15)
        self.assertEqual(Rate._get_rate("ecb", date(2026, 1, 1)).value, 2.15)
        self.assertEqual(Rate._get_rate("ecb", date(2026, 6, 30)).value, 2.15)
        self.assertEqual(Rate._get_rate("ecb", date(2026, 7, 1)).value, 2.40)
        self.assertEqual(Rate._get_rate("legal_pro", date(2025, 12, 31)).value, 2.76)
        self.assertEqual(Rate._get_rate("legal_pro", date(2026, 1, 1)).value, 2.62)
        self.assertEqual(Rate._get_rate("legal_pro", date(2026, 6, 30)).value, 2.62)
        self.assertEqual(Rate._get_rate("legal_pro", date(2026, 7, 1)).value, 2.75)
        self.assertEqual(
            Rate._get_rate("legal_individual", date(2026, 7, 1)).value, 6.84
        )
        with self.assertRaisesRegex(UserError, "01/01/2027 to 30/06/2027"):
            Rate._get_rate("ecb", date(2027, 1, 1))

    def test_rate_periods_cannot_overlap(self):
        with self.assertRaisesRegex(Exception, "overlap"):
            self.env["recouvrement.rate"].create(
                {
                    "kind": "ecb",
                    "date_from": "2026-06-01",
                    "date_to": "2026-09-30",
                    "value": 3.0,
                }
            )

    def test_events_are_never_deleted(self):
        self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        self.run_cron("2026-04-03")
        event = self.events(self.b2b)
        self.assertTrue(event)
        with self.assertRaises(UserError):
            event.unlink()
