"""The case file for the commissaire de justice or the lawyer (issue 14), read back
as they receive it: the ZIP opened, every PDF through pdftotext."""

import base64
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

from lxml import etree
from PIL import Image

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.recouvrement_amiable import procedure

from .common import RecouvrementCase, SmtpSink, day, on_day
from .test_letters import pdf_text

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png():
    """A small signature-like image (a valid PNG, as Odoo's image fields require)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (20, 40, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


def scan(env, name, text):
    """A scanned document, as a user uploads it."""
    return env["ir.attachment"].create(
        {"name": name, "raw": PDF.replace(b"%%EOF", text.encode() + b"\n%%EOF")}
    )


class DossierCase(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"].search(
            [("name", "=", "recouvrement_amiable")]
        )._update_translations(["fr_FR"])
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.company.write(
            {
                "city": "Paris",
                "recouvrement_rcs_city": "Paris",
                "recouvrement_cgv_file": base64.b64encode(PDF),
                "recouvrement_cgv_filename": "CGV 2026-1.pdf",
                "recouvrement_cgv_version": "2026-1",
                "recouvrement_cgv_date": "2026-01-01",
            }
        )
        cls.b2b.write(
            {
                "lang": "fr_FR",
                "legal_form": "SARL",
                "recouvrement_rcs_city": "Paris",
                "vat": "FR03552081317",
            }
        )
        cls.gerant = cls.env["res.partner"].create(
            {"name": "Jean Martin", "function": "Gérant", "parent_id": cls.b2b.id}
        )
        cls.b2b.recouvrement_representative_id = cls.gerant
        # the manager who does the case files does not administer the settings
        cls.manager = new_test_user(
            cls.env,
            login="dossier_manager",
            groups="account.group_account_manager,"
            "recouvrement_amiable.group_recouvrement_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # Odoo's mail queue delivers the reminders over SMTP to a local server
        cls.smtp = SmtpSink().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.smtp.use_in(cls.env)
        cls.huissier = cls.env["res.partner"].create(
            {"name": "Maître Durand", "function": "Commissaire de justice"}
        )

    @classmethod
    def deliver_emails(cls):
        """Odoo's mail queue sends the reminders' emails."""
        cls.env["mail.mail"].sudo().search(
            [("model", "=", "recouvrement.event"), ("state", "=", "outgoing")]
        ).send()

    @classmethod
    def climb_to_notice(cls, moves, receipt=True, deposit=True):
        """Call, reminders 1 and 2, formal notice posted on 19/05 (its proofs
        scanned), received on 21/05: eight days from the receipt end on 29/05, the
        letter printed 01/06 (posting, delivery allowance, a weekend): the debtor
        has until 01/06."""
        for on in ("2026-04-15", "2026-04-25", "2026-05-05", "2026-05-19"):
            events = cls.escalate_now(moves, on)
            cls.deliver_emails()
            with on_day(on):  # the letters are posted the same day
                events.filtered(
                    lambda e: e.state == "to_post" and not e.channel_registered
                ).action_mark_posted()
        with on_day("2026-05-19"):
            moves._recouvrement_record_registered_sent(
                "1A11111111111",
                day("2026-05-19"),
                scan(cls.env, "Preuve de dépôt.pdf", "depot") if deposit else None,
            )
        if receipt:
            with on_day("2026-05-21"):
                moves._recouvrement_record_receipt(
                    day("2026-05-21"), scan(cls.env, "AR signé.pdf", "ar signe")
                )

    @classmethod
    def dossier(cls, moves, on="2026-06-02"):
        """A case file started from the first of ``moves`` by the manager."""
        with on_day(on):
            wizard = (
                cls.env["recouvrement.dossier.export"]
                .with_user(cls.manager)
                .with_context(active_model="account.move", active_ids=moves[:1].ids)
                .create({"recipient_id": cls.huissier.id})
            )
            action = wizard.action_create()
        return cls.env["recouvrement.dossier"].browse(action["res_id"])

    @classmethod
    def ready(cls, dossier, on="2026-06-02"):
        """Make it ready; its ZIP, opened."""
        with on_day(on):
            dossier.with_user(cls.manager).action_ready()
        content = base64.b64decode(dossier.with_user(cls.manager).zip_file)
        return zipfile.ZipFile(io.BytesIO(content))


@tagged("post_install", "-at_install")
class TestDossier(DossierCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # paid late in February: its indemnity is waived in the case file
        cls.inv0 = cls.invoice(cls.b2b, 600, "2026-01-10", "2026-02-09")
        cls.pay(cls.inv0, 600, "2026-03-02")
        cls.inv1 = cls.invoice(cls.b2b, 1200, "2026-03-01", "2026-03-31")
        cls.inv2 = cls.invoice(cls.b2b, 480, "2026-03-10", "2026-04-09")
        cls.pay(cls.inv2, 80, "2026-04-20")
        cls.moves = cls.inv1 | cls.inv2
        cls.order = cls.env["ir.attachment"].create(
            {
                "name": "Bon de commande signé.pdf",
                "raw": PDF,
                "res_model": "account.move",
                "res_id": cls.inv1.id,
                "recouvrement_category": "order",
            }
        )
        cls.inv1.message_post(
            body="Nous contestons le délai, merci de patienter.",
            message_type="email",
            author_id=cls.b2b.id,
            subtype_xmlid="mail.mt_comment",
        )
        cls.climb_to_notice(cls.moves)
        # issued after the notice, not due when the case file is made
        cls.inv3 = cls.invoice(cls.b2b, 240, "2026-05-25", "2026-06-24")
        cls.case = cls.dossier(cls.inv1)
        cls.zip = cls.ready(cls.case)
        cls.names = cls.zip.namelist()
        cls.manifest = json.loads(cls.zip.read("manifest.json"))
        cls.exhibits = cls.case.exhibit_ids

    def exhibit_text(self, kind):
        exhibit = self.exhibits.filtered(lambda e: e.kind == kind)[:1]
        return pdf_text(self.zip.read(exhibit.filename))

    def test_the_wizard_only_creates_the_case_file_and_opens_it(self):
        with on_day("2026-06-02"):
            wizard = (
                self.env["recouvrement.dossier.export"]
                .with_user(self.manager)
                .with_context(active_model="account.move", active_ids=self.inv1.ids)
                .create({})
            )
        # started from one invoice: every overdue invoice of the customer, not the
        # one not due yet
        self.assertEqual(wizard.move_ids, self.moves)
        self.assertEqual(self.case.move_ids, self.moves)
        self.assertEqual(self.case.state, "ready")
        self.assertEqual(self.case.recipient_id, self.huissier)
        self.assertEqual(self.case.date, date(2026, 6, 2))
        self.assertFalse(self.case.check_ids.filtered("blocking"))

    def test_exhibits_numbered_from_one_in_the_order_of_the_bordereau(self):
        self.assertEqual(
            self.exhibits.mapped("number"), list(range(1, len(self.exhibits) + 1))
        )
        kinds = self.exhibits.mapped("kind")
        self.assertEqual(kinds[0], "debtor")
        self.assertEqual(kinds[-1], "claim")
        order = ["debtor", "terms", "document", "invoice", "statement", "log", "letter"]
        firsts = [kinds.index(kind) for kind in order]
        self.assertEqual(firsts, sorted(firsts))
        self.assertLess(kinds.index("letter"), kinds.index("receipt"))
        # file names carry the numbers; the bordereau and the note are not exhibits
        for exhibit in self.exhibits:
            self.assertTrue(exhibit.filename.startswith(f"Piece_{exhibit.number:02d}_"))
            self.assertIn(exhibit.filename, self.names)
        self.assertEqual(
            self.names[:2],
            ["Bordereau_de_communication_de_pieces.pdf", "Note_de_transmission.pdf"],
        )
        bordereau = pdf_text(self.zip.read(self.names[0]))
        self.assertIn("BORDEREAU DE COMMUNICATION DE PIÈCES", bordereau)
        self.assertIn("Fait à Paris, le 02/06/2026", bordereau)
        self.assertIn(self.company.recouvrement_signatory_id.name, bordereau)
        # with the signatory's scanned signature configured, the bordereau carries
        # it, as the letters do
        self.company.recouvrement_signature_image = base64.b64encode(png())
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "recouvrement_amiable.action_report_dossier_bordereau", self.case.ids
            )[0]
            .decode()
        )
        self.assertIn("data:image/png;base64", html)
        self.assertNotIn("Signature", html)
        for exhibit in self.exhibits:
            # (pdf_text reads non-breaking spaces as spaces)
            self.assertIn(exhibit.title[:40].replace("\u00a0", " "), bordereau)
        self.assertNotIn("Pièce n° 0", bordereau)
        # each document the case file writes says its number, in French
        statement = self.exhibit_text("statement")
        number = self.exhibits.filtered(lambda e: e.kind == "statement").number
        self.assertIn(f"Pièce n° {number} : Relevé de compte au 02/06/2026", statement)

    def test_each_letter_and_email_once_titled_as_it_went(self):
        events = self.events(self.b2b, event_type="stage").filtered(
            lambda e: e.letter_attachment_id or e.mail_message_id
        )
        letters = self.exhibits.filtered(lambda e: e.kind == "letter")
        self.assertEqual(letters.event_id, events)
        self.assertEqual(len(letters), len(events))
        by_stage = {e.event_id.stage_id.kind: e for e in letters}
        reminder_1 = by_stage["relance_1"]
        self.assertIn("courriel à boulangerie.du.marais@example.fr", reminder_1.title)
        self.assertNotIn("lettre recommandée", reminder_1.title)
        self.assertIn("lettre jointe", reminder_1.title)
        notice = by_stage["mise_en_demeure"]
        self.assertIn(
            "lettre recommandée avec avis de réception n° 1A11111111111", notice.title
        )
        # the notice as posted, byte for byte: its SHA-256 is the recovery log's
        content = self.zip.read(notice.filename)
        self.assertEqual(
            hashlib.sha256(content).hexdigest(), notice.event_id.letter_sha256
        )
        # an email is printed once, with its headers in the company's time zone, the
        # letter it carried after it; its original message is an annex, not an exhibit
        text = pdf_text(self.zip.read(reminder_1.filename))
        self.assertIn("(Europe/Paris, UTC+02:00)", text)
        self.assertIn("boulangerie.du.marais@example.fr", text)
        self.assertEqual(text.count(f"Courriel {reminder_1.event_id.name}"), 1)
        self.assertIn(reminder_1.event_id.mail_message_id.subject, text)
        emls = [n for n in self.names if n.endswith(".eml")]
        self.assertTrue(all(n.startswith("annexes/") for n in emls))
        self.assertEqual(len(emls), len(letters.event_id._recouvrement_emailed()))
        eml = self.zip.read(f"annexes/{reminder_1.filename[:-4]}.eml").decode()
        self.assertIn("+0200", eml)

    def test_the_post_proofs_follow_the_registered_letter(self):
        notice = self.exhibits.filtered(
            lambda e: e.kind == "letter" and e.event_id.channel_registered
        )
        deposit = self.exhibits.filtered(lambda e: e.kind == "deposit")
        receipt = self.exhibits.filtered(lambda e: e.kind == "receipt")
        self.assertEqual(
            (deposit.number, receipt.number), (notice.number + 1, notice.number + 2)
        )
        self.assertIn("signé le 21/05/2026", receipt.title)
        self.assertIn(b"ar signe", self.zip.read(receipt.filename))
        self.assertFalse((deposit | receipt).filtered("missing"))

    def test_invoices_as_sent(self):
        invoices = self.exhibits.filtered(lambda e: e.kind == "invoice")
        self.assertEqual(invoices.move_id, self.moves)
        first_email = self.events(self.b2b).filtered("mail_message_id")[:1]
        for exhibit in invoices:
            # the copy attached to the first reminder email, not one printed today
            self.assertIn(f"envoyée avec {first_email.name}", exhibit.title)
            self.assertFalse(exhibit.regenerated)
            self.assertIn(
                exhibit.attachment_id, first_email.mail_message_id.attachment_ids
            )

    def test_statement_claimed_invoices_reconciled_with_the_account(self):
        report = self.env["report.recouvrement_amiable.report_dossier_exhibit"]
        statement = report.with_context(lang="fr_FR")._recouvrement_statement(self.case)
        self.assertEqual([b["move"] for b in statement["blocks"]], list(self.moves))
        self.assertAlmostEqual(statement["claimed"], 1600.0)
        self.assertAlmostEqual(statement["not_claimed"], 240.0)  # inv3, not due
        self.assertAlmostEqual(statement["ledger"], 1840.0)
        self.assertEqual(statement["gap"], 0.0)
        text = self.exhibit_text("statement")
        self.assertIn("Règlement", text)
        self.assertNotIn("Manual Payment", text)
        self.assertIn("pas encore échue", text)
        self.assertIn(f"Facture {self.inv3.name}", text)
        self.assertIn("1 840,00", text)
        self.assertNotIn("Écart", text)

    def test_claim_breakdown_per_day_prescription_and_waived_indemnity(self):
        claim = self.moves._recouvrement_claim(date(2026, 6, 2))
        self.assertAlmostEqual(self.case.claim_total, float(claim.total))
        text = self.exhibit_text("claim")
        self.assertIn("Intérêts par jour", text)
        self.assertIn("31/03/2031", text)  # inv1: 5 years from its due date
        self.assertIn(self.inv0.name, text)
        self.assertIn("renoncée", text)

    def test_debtor_sheet(self):
        text = self.exhibit_text("debtor")
        for expected in (
            "SARL",
            "552 081 317",
            "552 081 317 66522",
            "RCS Paris 552 081 317",
            "FR03552081317",
            "Jean Martin, Gérant",
            "Société commerciale",
        ):
            self.assertIn(expected, text)

    def test_cover_note_suggests_procedure_and_court(self):
        self.assertEqual(self.case.debtor_category, procedure.COMMERCIAL_COMPANY)
        self.assertEqual(self.case.suggested_procedure, procedure.SMALL_CLAIMS)
        self.assertEqual(self.case.suggested_court, procedure.COURT_TAE)
        text = pdf_text(self.zip.read("Note_de_transmission.pdf"))
        self.assertIn("à valider par le conseil", text.lower())
        self.assertIn("Tribunal des activités économiques", text)
        self.assertIn("L125-1", text)

    def test_manifest_hashes_and_a_reproducible_zip(self):
        files = {item["path"]: item for item in self.manifest["files"]}
        self.assertEqual(
            set(files), set(self.names) - {"manifest.json", "manifest.xml"}
        )
        for path, item in files.items():
            self.assertEqual(
                hashlib.sha256(self.zip.read(path)).hexdigest(), item["sha256"]
            )
        etree.fromstring(self.zip.read("manifest.xml"))
        # made again from the same data on the same day: the same bytes
        before = self.case.zip_sha256
        with on_day("2026-06-02"):
            self.case.with_user(self.manager).action_draft()
            self.case.with_user(self.manager).action_ready()
        again = zipfile.ZipFile(
            io.BytesIO(base64.b64decode(self.case.with_user(self.manager).zip_file))
        )
        changed = [
            name
            for name in self.names
            if name not in again.namelist() or again.read(name) != self.zip.read(name)
        ]
        self.assertEqual(changed, [])
        self.assertEqual(self.case.zip_sha256, before)

    def test_sent_transfers_the_invoices_and_logs_it(self):
        case = self.case.with_user(self.manager)
        with on_day("2026-06-02"):
            case.action_send()
        self.assertEqual(case.state, "sent")
        self.assertEqual(set(self.moves.mapped("recouvrement_state")), {"transferred"})
        # the customer's highest stage and tasks are up to date at once
        debtor = case.debtor_id
        self.assertEqual(debtor.max_stage_id.kind, "transfer")
        self.assertFalse(debtor.issue)
        self.assertFalse(debtor.activity_ids)
        event = case.event_id
        self.assertEqual((event.event_type, event.dossier_id), ("export", case))
        self.assertIn("Maître Durand", event.note)
        # no amount in the customer's chatter, which every recovery user reads
        note = case.debtor_id.message_ids.filtered(
            lambda m: case.name in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertNotIn("€", note.body)
        with self.assertRaises(UserError):
            case.unlink()
        with self.assertRaises(UserError):
            case.write({"recipient_id": False})

    def test_only_the_recovery_managers_of_its_company(self):
        users = {
            "billing": "account.group_account_invoice",
            "recovery_user": "recouvrement_amiable.group_recouvrement_user",
            "accountant": "account.group_account_user",
        }
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "recouvrement.dossier"),
                    ("res_id", "=", self.case.id),
                    ("res_field", "=", "zip_file"),
                ]
            )
        )
        self.assertTrue(attachment)
        for login, groups in users.items():
            user = new_test_user(
                self.env,
                login=f"dossier_{login}",
                groups=groups,
                company_id=self.company.id,
                company_ids=[Command.set(self.company.ids)],
            )
            with self.assertRaises(AccessError, msg=login):
                self.case.with_user(user).read(["claim_total"])
            with self.assertRaises(AccessError, msg=login):
                attachment.with_user(user).read(["raw"])
            with self.assertRaises(AccessError, msg=login):
                self.env["recouvrement.dossier.export"].with_user(user).create(
                    {"partner_id": self.b2b.id}
                )
        company_b = self.env["res.company"].create({"name": "Company B"})
        manager_b = new_test_user(
            self.env,
            login="dossier_manager_b",
            groups="account.group_account_manager,recouvrement_amiable.group_recouvrement_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        with self.assertRaises(AccessError):
            self.case.with_user(manager_b).read(["claim_total"])
        with self.assertRaises(AccessError):
            attachment.with_user(manager_b).read(["raw"])
        self.assertEqual(attachment.with_user(self.manager).raw[:2], b"PK")

    def test_exhibits_checks_and_files_are_not_edited_by_hand(self):
        exhibit = self.exhibits[0].with_user(self.manager)
        with self.assertRaises(UserError):
            exhibit.write({"title": "Autre"})
        with self.assertRaises(UserError):
            exhibit.unlink()
        with self.assertRaises(UserError):
            self.case.check_ids.with_user(self.manager).create(
                {
                    "dossier_id": self.case.id,
                    "key": "x",
                    "kind": "notice",
                    "message": "x",
                }
            )
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "recouvrement.dossier"),
                ("res_id", "=", self.case.id),
                ("res_field", "=", "zip_file"),
            ]
        )
        with self.assertRaises(UserError):
            attachment.with_user(self.manager).write({"raw": b"PK forged"})
        with self.assertRaises(UserError):
            self.case.with_user(self.manager).write({"claim_total": 1.0})


@tagged("post_install", "-at_install")
class TestDossierChecks(DossierCase):
    """What stands between a case file and a commissaire de justice, line by line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv = cls.invoice(cls.b2b, 1200, "2026-03-01", "2026-03-31")

    def open_checks(self, dossier):
        return dossier.check_ids.filtered(lambda c: c.blocking and c.state == "open")

    def test_not_before_the_notice_deadline_unless_a_manager_says_why(self):
        self.climb_to_notice(self.inv)
        # eight days from the receipt end on 29/05; the letter printed "au plus tard
        # le 01/06/2026": the debtor's last day is the later one
        case = self.dossier(self.inv, on="2026-05-30")
        check = self.open_checks(case)
        self.assertEqual(check.kind, "notice")
        self.assertIn("jusqu'au 01/06/2026", check.message)
        self.assertIn("02/06/2026", check.message)
        with on_day("2026-05-30"), self.assertRaisesRegex(UserError, "01/06/2026"):
            case.with_user(self.manager).action_ready()
        self.assertEqual(case.state, "draft")
        with self.assertRaises(UserError):
            check.with_user(self.manager)._recouvrement_override("  ")
        check.with_user(self.manager)._recouvrement_override(
            "Le débiteur organise son insolvabilité : saisie conservatoire urgente."
        )
        archive = self.ready(case, on="2026-05-30")
        self.assertEqual(case.state, "ready")
        cover = pdf_text(archive.read("Note_de_transmission.pdf"))
        self.assertIn("saisie conservatoire urgente", cover)
        self.assertTrue(
            case.message_ids.filtered(
                lambda m: "saisie conservatoire urgente" in (m.body or "")
            )
        )
        # the day after the deadline, nothing to override
        fresh = self.dossier(self.inv, on="2026-06-02")
        self.assertFalse(self.open_checks(fresh).filtered(lambda c: c.kind == "notice"))

    def test_the_case_file_waits_for_the_date_the_notice_printed(self):
        # received the day after posting: the eight days from receipt end before
        # the date the letter printed ("au plus tard le"), which the ladder waits for
        self.climb_to_notice(self.inv, receipt=False)
        with on_day("2026-05-20"):
            self.inv._recouvrement_record_receipt(
                day("2026-05-20"), scan(self.env, "AR signé.pdf", "ar signe")
            )
        notice = self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", self.inv.ids),
                ("stage_id.kind", "=", "mise_en_demeure"),
            ]
        )
        self.assertGreater(notice.deadline_date, notice.notice_deadline)
        on = notice.notice_deadline + timedelta(days=1)
        case = self.dossier(self.inv, on=str(on))
        check = self.open_checks(case)
        self.assertEqual(check.kind, "notice")
        self.assertIn(notice.deadline_date.strftime("%d/%m/%Y"), check.message)

    def test_a_registered_letter_needs_its_proof_of_delivery(self):
        self.climb_to_notice(self.inv, receipt=False, deposit=False)
        with on_day("2026-05-21"):
            self.inv._recouvrement_record_receipt(day("2026-05-21"), kind="unclaimed")
        case = self.dossier(self.inv)
        check = self.open_checks(case)
        self.assertEqual(check.kind, "proof")
        self.assertFalse(check.overridable)
        with self.assertRaises(UserError):
            check.with_user(self.manager)._recouvrement_override("pas le temps")
        missing = case.exhibit_ids.filtered("missing")
        self.assertEqual(missing.kind, "receipt")
        # the post's proof that it was presented and not collected, on the event
        event = missing.event_id
        with on_day("2026-06-02"):
            wizard = self.env["recouvrement.event.proof"].create(
                {
                    "event_id": event.id,
                    "proof": "receipt",
                    "file": base64.b64encode(PDF),
                    "filename": "Pli avisé non réclamé.pdf",
                }
            )
            wizard.action_confirm()
            case.with_user(self.manager).action_check()
        self.assertFalse(self.open_checks(case))
        receipt = case.exhibit_ids.filtered(lambda e: e.kind == "receipt")
        self.assertIn("non réclamée", receipt.title)
        self.assertFalse(receipt.missing)
        # a proof is attached once, never replaced
        with self.assertRaises(UserError):
            event._recouvrement_attach_proof(
                "receipt", scan(self.env, "autre.pdf", "x")
            )

    def test_no_terms_of_sale_a_missing_exhibit_the_manager_acknowledges(self):
        self.company.recouvrement_cgv_file = False
        self.climb_to_notice(self.inv)
        case = self.dossier(self.inv)
        terms = case.exhibit_ids.filtered(lambda e: e.kind == "terms")
        self.assertTrue(terms.missing)
        self.assertEqual(terms.number, 2)
        check = self.open_checks(case)
        self.assertEqual(check.kind, "missing")
        check.with_user(self.manager)._recouvrement_override(
            "Commande passée par téléphone : la facture vaut contrat."
        )
        archive = self.ready(case)
        terms = case.exhibit_ids.filtered(lambda e: e.kind == "terms")
        page = pdf_text(archive.read(terms.filename))
        self.assertIn("MANQUANT", page)
        self.assertTrue(terms.filename.endswith("_MANQUANT.pdf"))
        self.assertIn(
            "MANQUANT",
            pdf_text(archive.read("Bordereau_de_communication_de_pieces.pdf")),
        )

    def test_no_formal_notice(self):
        for on in ("2026-04-05", "2026-04-15"):
            self.escalate_now(self.inv, on)
        case = self.dossier(self.inv)
        self.assertIn("notice:none", self.open_checks(case).mapped("key"))

    def test_bad_input_gets_a_clear_message(self):
        with on_day("2026-06-02"):
            Wizard = self.env["recouvrement.dossier.export"].with_user(self.manager)
            other = self.invoice(self.b2b_2, 200, "2026-03-01", "2026-03-31")
            with self.assertRaisesRegex(UserError, "un seul client|one customer"):
                Wizard.create(
                    {
                        "partner_id": self.b2b.id,
                        "move_ids": [Command.set((self.inv | other).ids)],
                    }
                ).action_create()
            not_due = self.invoice(self.b2b, 100, "2026-05-20", "2026-06-20")
            with self.assertRaisesRegex(UserError, not_due.name):
                Wizard.create(
                    {
                        "partner_id": self.b2b.id,
                        "move_ids": [Command.set((self.inv | not_due).ids)],
                    }
                ).action_create()
            nobody = self._customer("Sans Facture SA")
            with self.assertRaisesRegex(UserError, "Sans Facture SA"):
                Wizard.create({"partner_id": nobody.id}).action_create()

    def test_a_name_with_control_characters_and_no_siren(self):
        partner = self._customer("Import SAS", email="controle@example.fr")
        invoice = self.invoice(partner, 300, "2026-03-01", "2026-03-31")
        self.climb_to_notice(invoice)
        # renamed since by an import that kept a tab, a bell and a line feed
        partner.name = "Tab\tBip\x07Retour\nSAS"
        case = self.dossier(invoice)
        self.assertIn("siren", case.check_ids.mapped("key"))
        archive = self.ready(case)
        self.assertTrue(case.zip_filename.startswith("Dossier_Tab_Bip_Retour_SAS_"))
        root = etree.fromstring(archive.read("manifest.xml"))
        self.assertEqual(root.find("debtor/name").text, "Tab Bip Retour SAS")
        sheet = case.exhibit_ids.filtered(lambda e: e.kind == "debtor")
        self.assertIn("NON RENSEIGNÉ", pdf_text(archive.read(sheet.filename)))
        for name in archive.namelist():
            self.assertTrue(all(32 < ord(c) < 127 for c in name), name)
