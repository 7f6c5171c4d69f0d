"""Evidence nobody can forge (issue 13): events written only by the recovery actions,
stamped by the server, never deleted; files that cannot be replaced; rights that
follow the accounting groups; emails that count once delivered."""

import base64
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.recouvrement_amiable.models import evidence

from .common import RecouvrementCase, day, on_day

MANAGER = "recouvrement_amiable.group_recouvrement_manager"


@tagged("post_install", "-at_install")
class TestEvidence(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, recouvrement_no_channels=True))
        cls.accountant = new_test_user(
            cls.env,
            login="accountant_evidence",
            groups="account.group_account_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="manager_evidence",
            groups=f"account.group_account_manager,{MANAGER}",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.inv = cls.invoice(cls.b2b, 1200, "2026-03-01", "2026-03-31")

    def notice(self, validate=True):
        """A formal notice prepared on 15/04 (reminder 2 of 3/04 gave until 14/04)."""
        for on in ("2026-04-01", "2026-04-02", "2026-04-03"):
            self.escalate_now(self.inv, on)
        with on_day("2026-04-15"):
            self.inv.recouvrement_debtor_id._recouvrement_escalate_now()
        notice = self.events(self.b2b, state="to_validate")
        if validate:
            with on_day("2026-04-15"):
                notice.action_validate()
        return notice

    # ------------------------------------------------------------------ events
    def test_a_sent_event_cannot_be_rewritten_by_anyone(self):
        notice = self.notice()
        self.assertEqual(notice.state, "to_post")
        for user in (self.accountant, self.manager):
            event = notice.with_user(user)
            for vals in (
                {"amount_due": 1.0},
                {"letter_sha256": "0" * 64},
                {"date": "2026-01-01"},
                {"state": "cancelled"},
                {"validated_by_id": user.id},
                {"tracking_number": "1A00000000000"},
                {"move_ids": [Command.clear()]},
            ):
                with (
                    self.assertRaisesRegex(UserError, "evidence"),
                    self.subTest(user=user.login, vals=vals),
                ):
                    event.write(vals)
        # the free texts stay editable, archiving hides without deleting
        notice.with_user(self.accountant).write({"note": "<p>Appelé le client</p>"})
        notice.with_user(self.manager).active = False
        self.assertTrue(notice.exists())
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            notice.with_user(self.manager).unlink()

    def test_the_chatter_of_an_event_stays_open(self):
        notice = self.notice()
        message = notice.with_user(self.accountant).message_post(
            body="Le client a rappelé.", attachments=[("appel.txt", b"note d'appel")]
        )
        self.assertTrue(message.attachment_ids)
        self.assertEqual(notice.state, "to_post")

    def test_no_fake_event_can_be_created(self):
        values = {
            "company_id": self.company.id,
            "partner_id": self.b2b.id,
            "move_ids": [Command.set(self.inv.ids)],
            "event_type": "stage",
            "stage_id": self.stages["mise_en_demeure"].id,
            "state": "done",
            "channel_registered": True,
            "tracking_number": "1A99999999999",
        }
        for user in (self.accountant, self.manager):
            with self.assertRaisesRegex(UserError, "created by the recovery actions"):
                self.env["recouvrement.event"].with_user(user).create(values)

    def test_validating_and_cancelling_a_prepared_notice_is_a_managers_act(self):
        notice = self.notice(validate=False)
        as_accountant = notice.with_user(self.accountant)
        with self.assertRaisesRegex(UserError, "evidence"):
            as_accountant.write({"state": "to_post"})
        with self.assertRaisesRegex(UserError, "Only recovery managers"):
            as_accountant.action_validate()
        with self.assertRaisesRegex(UserError, "recovery manager"):
            as_accountant.action_cancel()
        # editing its recipient too
        with self.assertRaisesRegex(UserError, "evidence"):
            as_accountant.write({"contact_id": self.b2b_2.id})
        notice.with_user(self.manager).write({"contact_id": self.b2b.id})
        # the manager cancels it, with a reason the server stamps with who and when
        action = notice.with_user(self.manager).action_cancel()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(action["context"])
            .create({"reason": "Le client a appelé, il paie demain."})
        )
        with on_day("2026-04-16"):
            wizard.action_confirm()
        self.assertEqual(notice.state, "cancelled")
        self.assertEqual(notice.cancelled_by_id, self.manager)
        self.assertEqual(notice.cancel_reason, "Le client a appelé, il paie demain.")
        self.assertTrue(notice.cancelled_on)
        blank = self.env["recouvrement.event.cancel"].create(
            {"event_ids": [Command.set(notice.ids)], "reason": "   "}
        )
        with self.assertRaisesRegex(UserError, "reason"):
            blank.action_confirm()

    def test_postings_and_receipts_are_stamped_by_the_server(self):
        notice = self.notice()
        with on_day("2026-04-16"):
            with self.assertRaisesRegex(UserError, "future"):
                self.inv.with_user(
                    self.accountant
                )._recouvrement_record_registered_sent(
                    "1A12345678901", day("2026-04-20")
                )
            self.inv.with_user(self.accountant)._recouvrement_record_registered_sent(
                "1A12345678901", day("2026-04-16")
            )
        self.assertEqual(notice.posted_by_id, self.accountant)
        self.assertTrue(notice.posted_on)
        with on_day("2026-04-18"):
            with self.assertRaisesRegex(UserError, "future"):
                self.inv._recouvrement_record_receipt(day("2026-04-25"))
            self.inv.with_user(self.accountant)._recouvrement_record_receipt(
                day("2026-04-18")
            )
        self.assertEqual(notice.receipt_by_id, self.accountant)
        self.assertEqual(notice.receipt_date, date(2026, 4, 18))
        with self.assertRaisesRegex(UserError, "evidence"):
            notice.with_user(self.manager).write({"receipt_date": "2026-04-30"})

    def test_registered_number_and_proof_scans_are_checked(self):
        """A registered letter number is La Poste's (13 characters, spaces
        allowed): nonsense is refused, an unusual form kept with a warning; the
        post's proofs are scans (PDF or image), not any file."""
        notice = self.notice()
        with on_day("2026-04-16"):
            for nonsense in ("abc", "", "12-34", "1A 44"):
                with self.assertRaisesRegex(UserError, "not a registered letter"):
                    self.inv._recouvrement_record_registered_sent(
                        nonsense, day("2026-04-16")
                    )
            self.inv._recouvrement_record_registered_sent(
                "1a 448 293 0201 1", day("2026-04-16")
            )
        self.assertEqual(notice.tracking_number, "1A44829302011")
        self.assertFalse(
            notice.message_ids.filtered(lambda m: "usual form" in (m.body or ""))
        )
        text = self.env["ir.attachment"].create(
            {"name": "ar.txt", "raw": b"signed on 17/04, trust me"}
        )
        with on_day("2026-04-18"), self.assertRaisesRegex(UserError, "not a scan"):
            self.inv._recouvrement_record_receipt(day("2026-04-17"), text)
        self.assertFalse(notice.receipt_date)

    def test_an_unusual_registered_number_is_kept_with_a_warning(self):
        notice = self.notice()
        with on_day("2026-04-16"):
            self.inv._recouvrement_record_registered_sent(
                "LR 2026 0416 77", day("2026-04-16")
            )
        self.assertEqual(notice.tracking_number, "LR2026041677")
        self.assertTrue(
            notice.message_ids.filtered(lambda m: "usual form" in (m.body or ""))
        )

    def test_a_mistake_is_corrected_by_a_new_event(self):
        notice = self.notice()
        with on_day("2026-04-20"):
            self.inv._recouvrement_record_registered_sent(
                "1A12345678901", day("2026-04-16")
            )
            self.inv._recouvrement_record_receipt(day("2026-04-17"))
        debtor = self.debtor(self.b2b)
        self.assertEqual(notice.notice_deadline, date(2026, 4, 27))
        action = notice.with_user(self.accountant).action_correct()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(action["context"])
            .create(
                {
                    "receipt_date": "2026-04-20",
                    "reason": "L'avis de réception porte le 20/04, pas le 17/04.",
                }
            )
        )
        with on_day("2026-04-21"):
            result = wizard.action_confirm()
        correction = self.env["recouvrement.event"].browse(result["res_id"])
        self.assertEqual(correction.event_type, "correction")
        self.assertEqual(correction.corrected_event_id, notice)
        self.assertEqual(notice.correction_ids, correction)
        self.assertEqual(notice.receipt_date, date(2026, 4, 17))  # kept as it was
        self.assertEqual(correction.notice_deadline, date(2026, 4, 28))
        # the ladder waits for the later deadline
        self.assertEqual(debtor.next_date, date(2026, 5, 15))  # J+45 on 31/03
        self.assertEqual(debtor.deadline_date, date(2026, 4, 28))

    def test_a_stored_letter_cannot_be_replaced_nor_deleted(self):
        notice = self.notice()
        with evidence.transition():
            letter = self.env["ir.attachment"].create(
                {
                    "name": "lettre.pdf",
                    "raw": b"%PDF-1.4 la lettre",
                    "res_model": "recouvrement.event",
                    "res_id": notice.id,
                }
            )
        for user in (self.accountant, self.manager):
            with self.assertRaisesRegex(UserError, "evidence"):
                letter.with_user(user).write(
                    {"datas": base64.b64encode(b"%PDF-1.4 autre chose")}
                )
            with self.assertRaisesRegex(UserError, "evidence"):
                letter.with_user(user).unlink()

    # ------------------------------------------------------------------ rights
    def test_recovery_groups_follow_the_accounting_rights(self):
        user_group = self.env.ref("recouvrement_amiable.group_recouvrement_user")
        manager_group = self.env.ref(MANAGER)
        # a new user (Odoo makes it an invoicing administrator) is no recovery manager
        new = self.env["res.users"].create({"name": "Nouvelle", "login": "nouvelle"})
        self.assertIn(user_group, new.groups_id)
        self.assertNotIn(manager_group, new.groups_id)
        # lowering the accounting right removes the recovery right it gave
        new.write(
            {
                "groups_id": [
                    Command.unlink(self.env.ref("account.group_account_manager").id)
                ]
            }
        )
        self.assertNotIn(user_group, new.groups_id)
        # a recovery manager keeps it while able to invoice, not after
        new.write(
            {
                "groups_id": [
                    Command.link(self.env.ref("account.group_account_invoice").id),
                    Command.link(manager_group.id),
                ]
            }
        )
        self.assertIn(manager_group, new.groups_id)
        self.assertIn(user_group, new.groups_id)
        new.write(
            {
                "groups_id": [
                    Command.unlink(self.env.ref("account.group_account_invoice").id)
                ]
            }
        )
        self.assertNotIn(manager_group, new.groups_id)
        self.assertNotIn(user_group, new.groups_id)
        template = self.env.ref("base.default_user")
        self.assertNotIn(manager_group, template.groups_id)

    def test_a_manager_without_the_contact_creation_right_escalates_and_validates(self):
        partner_manager = self.env.ref("base.group_partner_manager")
        self.manager.groups_id -= partner_manager
        self.assertNotIn(partner_manager, self.manager.groups_id)
        inv = self.inv.with_user(self.manager)
        for on in ("2026-04-01", "2026-04-02", "2026-04-03", "2026-04-15"):
            with on_day(on):
                inv.action_recouvrement_escalate_now()
        notice = self.events(self.b2b, state="to_validate").with_user(self.manager)
        with on_day("2026-04-15"):
            notice.action_validate()
        self.assertEqual(notice.state, "to_post")
        self.assertEqual(notice.validated_by_id, self.manager)

    def test_users_without_recovery_rights_read_nothing_of_it(self):
        notice = self.notice()
        plain = new_test_user(
            self.env,
            login="plain_evidence",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        billing = new_test_user(
            self.env,
            login="billing_evidence",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with evidence.transition():
            letter = self.env["ir.attachment"].create(
                {
                    "name": "lettre.pdf",
                    "raw": b"%PDF-1.4 la lettre",
                    "res_model": "recouvrement.event",
                    "res_id": notice.id,
                }
            )
        for user in (plain, billing):
            with self.assertRaises(AccessError):
                notice.with_user(user).read(["amount_due"])
            with self.assertRaises(AccessError):
                letter.with_user(user).read(["raw"])
        with self.assertRaises(AccessError):
            self.debtor(self.b2b).with_user(plain).read(["stage_id"])
        # a billing user sees that a step waits on the invoice, not the letter
        self.assertTrue(self.inv.with_user(billing).recouvrement_stage_id)

    def test_a_billing_user_invoices_and_cashes_without_recovery_rights(self):
        """Posting an invoice and registering its payment plan the customer and stop
        its letters, whoever does it: no recovery right is needed for that."""
        billing = new_test_user(
            self.env,
            login="billing_cash",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        notice = self.notice()
        self.assertEqual(notice.state, "to_post")
        with on_day("2026-04-16"):
            invoice = self.invoice(
                self.b2b, 300, "2026-04-16", "2026-05-16", post=False
            )
            invoice.with_user(billing).action_post()
            self.assertTrue(invoice.recouvrement_debtor_id)
            fields_ = ["recouvrement_stage_id", "recouvrement_state"]
            fields_ += ["recouvrement_next_date", "recouvrement_days_late"]
            fields_ += ["recouvrement_waiting_validation", "recouvrement_debtor_issue"]
            self.inv.with_user(billing).read(fields_)
            register = (
                self.env["account.payment.register"]
                .with_user(billing)
                .with_context(active_model="account.move", active_ids=self.inv.ids)
                .create({"payment_date": "2026-04-16", "amount": 1200})
            )
            register._create_payments()
        self.assertEqual(self.inv.payment_state, "paid")
        self.assertEqual(self.inv.recouvrement_state, "closed")
        self.assertEqual(notice.state, "cancelled")
        self.assertEqual(notice.cancelled_by_id, billing)

    # ------------------------------------------------------------------ emails
    def test_an_invalid_email_address_is_no_email(self):
        self.b2b.email = "compta.boulangerie-du-marais.fr"
        self.escalate_now(self.inv, "2026-04-03")
        self.escalate_now(self.inv, "2026-04-10")  # reminder 1: email, else letter
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_1")
        self.assertFalse(event.channel_email)
        self.assertTrue(event.channel_letter)

    def test_an_email_counts_once_delivered(self):
        self.escalate_now(self.inv, "2026-04-03")
        Event = self.env["recouvrement.event"].with_context(
            recouvrement_no_channels=False
        )
        with on_day("2026-04-10"):
            Event.env["recouvrement.debtor"].browse(
                self.inv.recouvrement_debtor_id.id
            )._recouvrement_escalate_now()
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_1")
        self.assertEqual(event.state, "queued")
        self.assertTrue(event.mail_id)
        self.assertEqual(self.inv.recouvrement_stage_id.kind, "relance_1")
        # the mail queue could not deliver it: the email did not happen
        with on_day("2026-04-10"):
            event.mail_id._postprocess_sent_message(
                success_pids=[], failure_type="mail_email_invalid"
            )
        self.assertEqual(event.state, "failed")
        self.assertIn("not delivered", event.issue)
        self.assertEqual(self.inv.recouvrement_stage_id.kind, "call")
        debtor = self.debtor(self.b2b)
        self.assertEqual(
            debtor.activity_ids.summary,
            f"Emails to {event.email_to} are not delivered: check the address of "
            f"{self.b2b.name}.",
        )
        self.assertEqual(debtor.last_contact_date, date(2026, 4, 3))
        # the task says why in words, not Odoo's code
        self.assertNotIn("mail_email_invalid", debtor.activity_ids.note)
        self.assertIn("Invalid email address", debtor.activity_ids.note)
        # the next night, the reminder is not emailed to that address again: it
        # goes by post (one failed email, not one a night)
        with on_day("2026-04-11"):
            Event.env["recouvrement.debtor"].browse(
                debtor.id
            )._recouvrement_escalate_now()
        reminders = self.events(self.b2b).filtered(
            lambda e: e.stage_id.kind == "relance_1"
        )
        self.assertEqual(len(reminders.filtered(lambda e: e.channel_email)), 1)
        by_post = reminders - event
        self.assertTrue(by_post.channel_letter)
        self.assertFalse(by_post.mail_id)
        # still one task for the address
        self.assertEqual(len(debtor.activity_ids), 1)
        # a corrected address is emailed again
        refused = debtor._recouvrement_refused_emails()
        self.assertEqual(refused, {debtor.id: frozenset({event.email_to})})
        self.b2b.email = "compta@boulangerie-du-marais.fr"
        channels, problem = Event._recouvrement_channels(
            self.company,
            self.b2b,
            self.b2b,
            event.stage_id,
            refused_emails=refused[debtor.id],
        )
        self.assertIn("email", channels)
        self.assertIsNone(problem)

    def test_a_delivered_email_is_done_a_bounce_fails_it(self):
        self.escalate_now(self.inv, "2026-04-03")
        Debtor = self.env["recouvrement.debtor"].with_context(
            recouvrement_no_channels=False
        )
        with on_day("2026-04-10"):
            Debtor.browse(
                self.inv.recouvrement_debtor_id.id
            )._recouvrement_escalate_now()
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_1")
        event.mail_id.write({"state": "sent"})
        event.mail_id._postprocess_sent_message(success_pids=[])
        self.assertEqual(event.state, "done")
        with on_day("2026-04-12"):
            event._message_receive_bounce(event.email_to, self.b2b)
        self.assertEqual(event.state, "failed")

    # ------------------------------------------------------------------ rules
    def test_every_model_has_a_company_rule(self):
        """Every model of the addon is confined to its company by a record rule, or
        says why not."""
        reasons = {
            "recouvrement.rate": "reference rates are published for the whole country "
            "(ECB, Journal officiel): one table for every company",
        }
        rules = self.env["ir.rule"].sudo().search([])
        by_model = {}
        for rule in rules:
            by_model.setdefault(rule.model_id.model, []).append(rule.domain_force or "")
        missing = []
        for name, model in self.env.registry.items():
            if (
                model._original_module != "recouvrement_amiable"
                or model._abstract
                or model._transient
            ):
                continue
            if name in reasons:
                continue
            if not any("company_ids" in domain for domain in by_model.get(name, [])):
                missing.append(name)
        self.assertEqual(missing, [])

    def test_plan_lines_of_another_company_are_out_of_reach(self):
        company_b = self.env["res.company"].create({"name": "Société B"})
        user_b = new_test_user(
            self.env,
            login="user_b_plans",
            groups=f"account.group_account_user,{MANAGER}",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        plan = self.env["recouvrement.payment.plan"].create(
            {
                "company_id": self.company.id,
                "partner_id": self.b2b.id,
                "move_ids": [Command.set(self.inv.ids)],
                "amount_start": 1200,
                "line_ids": [
                    Command.create({"date": "2026-05-01", "amount": 600}),
                    Command.create({"date": "2026-06-01", "amount": 600}),
                ],
            }
        )
        Line = self.env["recouvrement.payment.plan.line"].with_user(user_b)
        self.assertFalse(Line.search([("plan_id", "=", plan.id)]))
        with self.assertRaises(AccessError):
            plan.line_ids.with_user(user_b).read(["amount"])
        with self.assertRaises(AccessError):
            Line.create({"plan_id": plan.id, "date": "2026-07-01", "amount": 1})
