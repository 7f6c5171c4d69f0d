"""Case file export for the commissaire de justice or the lawyer (issue 6)."""

import base64
import hashlib
import io
import json
import os
import re
import zipfile

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RecouvrementCase, day
from .test_letters import pdf_text


@tagged("post_install", "-at_install")
class TestDossierExport(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"].search(
            [("name", "=", "recouvrement_amiable")]
        )._update_translations(["fr_FR"])
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.b2b.write({"lang": "fr_FR", "legal_form": "SARL"})
        cls.inv1 = cls.invoice(cls.b2b, 1200, "2026-03-01", "2026-03-31").with_env(
            cls.env
        )
        cls.inv2 = cls.invoice(cls.b2b, 480, "2026-03-10", "2026-04-09").with_env(
            cls.env
        )
        cls.pay(cls.inv2, 80, "2026-04-20")
        moves = cls.inv1 | cls.inv2
        # the terms of sale on the customer, a signed order on an invoice
        cls.cgv = cls.env["ir.attachment"].create(
            {
                "name": "CGV 2026.pdf",
                "raw": b"%PDF-1.4 conditions generales de vente",
                "res_model": "res.partner",
                "res_id": cls.b2b.id,
                "recouvrement_category": "cgv",
            }
        )
        cls.order = cls.env["ir.attachment"].create(
            {
                "name": "Bon de commande signe.pdf",
                "raw": b"%PDF-1.4 bon de commande signe",
                "res_model": "account.move",
                "res_id": cls.inv1.id,
            }
        )
        # a message from the customer in the invoice's chatter
        cls.inv1.message_post(
            body="Nous contestons le délai, merci de patienter.",
            message_type="email",
            author_id=cls.b2b.id,
            subtype_xmlid="mail.mt_comment",
        )
        # the ladder, by hand, up to the formal notice, posted and received
        # (reminder 2 of 5/05 gives until 18/05: the notice comes the day after)
        for on in ("2026-04-15", "2026-04-25", "2026-05-05", "2026-05-19"):
            cls.escalate_now(moves, on)
        moves._recouvrement_record_registered_sent("1A11111111111", day("2026-05-19"))
        scan = cls.env["ir.attachment"].create(
            {"name": "AR.pdf", "raw": b"%PDF-1.4 avis de reception signe"}
        )
        moves._recouvrement_record_receipt(day("2026-05-19"), scan)
        cls.claim = moves._recouvrement_claim(day("2026-06-01"))
        # exported by a recovery manager who does not administer the settings (the
        # sent emails, mail.mail, are not readable to them otherwise)
        cls.manager = new_test_user(
            cls.env,
            login="dossier_manager",
            groups="account.group_account_manager,"
            "recouvrement_amiable.group_recouvrement_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        wizard = (
            cls.env["recouvrement.dossier.export"]
            .with_user(cls.manager)
            .with_context(active_model="res.partner", active_ids=cls.b2b.ids)
            .create({"date": "2026-06-01", "recipient": "Maître Durand"})
        )
        cls.wizard_moves = wizard.move_ids
        cls.action = wizard.action_export()
        cls.attachment = wizard.attachment_id
        cls.zip = zipfile.ZipFile(io.BytesIO(cls.attachment.raw))
        cls.names = cls.zip.namelist()
        cls.manifest = json.loads(cls.zip.read("manifest.json"))

    def test_download_action_and_zip_name(self):
        self.assertEqual(self.action["type"], "ir.actions.act_url")
        self.assertEqual(
            self.action["url"], f"/web/content/{self.attachment.id}?download=true"
        )
        self.assertEqual(
            self.attachment.name, "Dossier_Boulangerie_du_Marais_2026-06-01.zip"
        )
        event = self.env["recouvrement.event"].search(
            [("partner_id", "=", self.b2b.id), ("event_type", "=", "export")]
        )
        self.assertEqual(
            (self.attachment.res_model, self.attachment.res_id),
            ("recouvrement.event", event.id),
        )
        self.assertEqual(
            self.wizard_moves, self.inv1 | self.inv2
        )  # default: open invoices in recovery

    def test_entries_in_the_order_of_the_bordereau(self):
        exhibits = [n for n in self.names if not n.startswith("manifest")]
        self.assertEqual(
            exhibits[:4],
            [
                "00_bordereau_de_pieces.pdf",
                "01_decompte_de_creance.pdf",
                "02_releve_de_compte.pdf",
                "03_fiche_debiteur.pdf",
            ],
        )
        self.assertEqual([int(n[:2]) for n in exhibits], list(range(len(exhibits))))
        self.assertEqual(self.names[-2:], ["manifest.xml", "manifest.json"])
        kinds = [n[3:] for n in exhibits]
        invoices = [i for i, n in enumerate(kinds) if n.startswith("FAC")]
        cgv = kinds.index("CGV_2026.pdf")
        order = kinds.index("Bon_de_commande_signe.pdf")
        journal = kinds.index("journal_des_relances.pdf")
        self.assertEqual(invoices, [4, 5])  # the invoices, then the contract documents
        self.assertLess(max(invoices), cgv)
        self.assertLess(cgv, order)  # terms of sale before the order form
        self.assertLess(order, journal)  # then the correspondence
        self.assertIn("AR.pdf", kinds)
        self.assertTrue(any(k.endswith(".eml") for k in kinds))
        self.assertIn("echanges_client.pdf", kinds)

    def test_bordereau_numbering_matches_the_file_names(self):
        text = pdf_text(self.zip.read("00_bordereau_de_pieces.pdf"))
        self.assertIn("BORDEREAU DE COMMUNICATION DE PIÈCES", text)
        for exhibit in self.manifest["exhibits"]:
            self.assertIn(exhibit["filename"], text)
        self.assertEqual(
            [e["filename"] for e in self.manifest["exhibits"]],
            [n for n in self.names if not n.startswith("manifest")],
        )

    def test_manifest_hashes_match(self):
        for exhibit in self.manifest["exhibits"]:
            content = self.zip.read(exhibit["filename"])
            self.assertEqual(exhibit["sha256"], hashlib.sha256(content).hexdigest())
            self.assertEqual(exhibit["size"], len(content))
        xml = etree.fromstring(self.zip.read("manifest.xml"))
        nodes = xml.findall("exhibits/exhibit")
        self.assertEqual(len(nodes), len(self.manifest["exhibits"]))
        for node in nodes:
            content = self.zip.read(node.findtext("file"))
            self.assertEqual(node.get("sha256"), hashlib.sha256(content).hexdigest())
        self.assertEqual(xml.findtext("debtor/siren"), "552081317")
        self.assertEqual(xml.findtext("creditor/siren"), "732829320")

    def test_claim_breakdown_equals_the_legal_functions(self):
        claim = self.manifest["claim"]
        self.assertEqual(claim["total"], str(self.claim.total))
        self.assertEqual(claim["interest"], str(self.claim.interest))
        self.assertEqual(claim["indemnities"], "80.00")
        text = pdf_text(self.zip.read("01_decompte_de_creance.pdf"))
        self.assertIn("DÉCOMPTE DE CRÉANCE", text)
        total = f"{self.claim.total:,.2f}".replace(",", " ").replace(".", ",")
        self.assertIn(f"{total} €", text)
        for line in self.claim.lines:
            for period in line.interest.periods:
                self.assertIn(f"{period.start:%d/%m/%Y}", text)

    def test_statement_and_debtor_sheet(self):
        releve = pdf_text(self.zip.read("02_releve_de_compte.pdf"))
        self.assertIn("RELEVÉ DE COMPTE", releve)
        for move in self.inv1 | self.inv2:
            self.assertIn(move.name, releve)
        fiche = pdf_text(self.zip.read("03_fiche_debiteur.pdf"))
        self.assertIn("552081317", fiche)
        self.assertIn("SARL", fiche)

    def test_correspondence(self):
        journal = pdf_text(
            self.zip.read(next(n for n in self.names if "journal_des_relances" in n))
        )
        self.assertIn("1A11111111111", journal)
        self.assertIn("19/05/2026", journal)  # receipt of the formal notice
        eml = self.zip.read(next(n for n in self.names if n.endswith(".eml"))).decode()
        self.assertIn("Subject:", eml)
        self.assertIn("boulangerie.du.marais@example.fr", eml)
        # the emails printed together are split again: one PDF per email, its own
        printed = sorted(n for n in self.names if "email_" in n and n.endswith(".pdf"))
        self.assertGreaterEqual(len(printed), 2)
        refs = {
            name: re.search(r"email_(REC_\d+_\d+)\.pdf$", name)[1].replace("_", "/")
            for name in printed
        }
        for name in printed:
            text = pdf_text(self.zip.read(name))
            self.assertIn(refs[name], text.split()[:3])
            self.assertIn("boulangerie.du.marais@example.fr", text)
            for other in set(refs.values()) - {refs[name]}:
                self.assertNotIn(other, text)
        messages = pdf_text(
            self.zip.read(next(n for n in self.names if "echanges_client" in n))
        )
        self.assertIn("Nous contestons le délai", messages)

    def test_export_is_logged_chatter_event_and_transfer(self):
        event = self.env["recouvrement.event"].search(
            [("partner_id", "=", self.b2b.id), ("event_type", "=", "export")]
        )
        self.assertEqual(len(event), 1)
        self.assertEqual(event.export_attachment_id, self.attachment)
        self.assertEqual(event.user_id, self.manager)
        self.assertIn("Maître Durand", event.note)
        # the case file is the export event's, in a field only recovery managers
        # read: nothing in the customer's chatter (every internal user reads it)
        self.assertFalse(
            self.b2b.message_ids.filtered(lambda m: self.attachment in m.attachment_ids)
        )
        self.assertEqual(self.attachment.res_field, "export_file")
        notes = event.debtor_id.message_ids.filtered(lambda m: event.name in m.body)
        self.assertEqual(len(notes), 1)
        self.assertEqual(
            set((self.inv1 | self.inv2).mapped("recouvrement_state")), {"transferred"}
        )
        self.assertEqual((self.inv1 | self.inv2).recouvrement_stage_id.kind, "transfer")

    def test_only_recovery_managers_can_export(self):
        billing = new_test_user(
            self.env,
            login="billing_export",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["recouvrement.dossier.export"].with_user(billing).create(
                {"partner_id": self.b2b.id, "move_ids": [Command.set(self.inv1.ids)]}
            )
        user = new_test_user(
            self.env,
            login="recovery_user",
            groups="recouvrement_amiable.group_recouvrement_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["recouvrement.dossier.export"].with_user(user).create(
                {"partner_id": self.b2b.id, "move_ids": [Command.set(self.inv1.ids)]}
            )

    def test_another_company_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        manager_b = new_test_user(
            self.env,
            login="manager_b",
            groups="account.group_account_manager,"
            "recouvrement_amiable.group_recouvrement_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        env_b = self.env(user=manager_b, context={"allowed_company_ids": company_b.ids})
        wizard = (
            env_b["recouvrement.dossier.export"]
            .with_context(active_model="res.partner", active_ids=self.b2b.ids)
            .create({})
        )
        self.assertFalse(wizard.move_ids)  # company A's invoices never appear
        with self.assertRaises(UserError):
            wizard.action_export()
        with self.assertRaises(AccessError):
            env_b["recouvrement.dossier.export"].create(
                {"partner_id": self.b2b.id, "move_ids": [Command.set(self.inv1.ids)]}
            ).action_export()


@tagged("post_install", "-at_install")
class TestDossierBadInput(RecouvrementCase):
    def test_no_invoice_selected(self):
        wizard = self.env["recouvrement.dossier.export"].create(
            {"partner_id": self.b2b.id}
        )
        with self.assertRaisesRegex(UserError, "at least one posted customer invoice"):
            wizard.action_export()

    def test_invoices_of_several_partners(self):
        moves = self.invoice(self.b2b, 100, "2026-03-01", "2026-03-31") | self.invoice(
            self.b2b_2, 200, "2026-03-01", "2026-03-31"
        )
        wizard = (
            self.env["recouvrement.dossier.export"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({"partner_id": self.b2b.id})
        )
        self.assertIn("several customers", wizard.warning)
        with self.assertRaisesRegex(UserError, "one debtor"):
            wizard.action_export()

    def test_missing_file_and_missing_siren_are_visible(self):
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        partner = self._customer("Sans Siren SARL", is_company=True, lang="en_US")
        invoice = self.invoice(partner, 300, "2026-03-01", "2026-03-31").with_env(
            self.env
        )
        lost = self.env["ir.attachment"].create(
            {
                "name": "Contrat perdu.pdf",
                "raw": b"%PDF-1.4 contrat unique " + os.urandom(8),
                "res_model": "res.partner",
                "res_id": partner.id,
                "recouvrement_category": "contract",
            }
        )
        os.unlink(lost._full_path(lost.store_fname))
        wizard = self.env["recouvrement.dossier.export"].create(
            {
                "partner_id": partner.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": "2026-05-01",
                "include_correspondence": False,
                "mark_transferred": False,
            }
        )
        self.assertIn("no SIREN", wizard.warning)
        wizard.action_export()
        archive = zipfile.ZipFile(io.BytesIO(wizard.attachment_id.raw))
        manifest = json.loads(archive.read("manifest.json"))
        missing = [e for e in manifest["exhibits"] if e["missing"]]
        self.assertEqual(len(missing), 1)
        self.assertIn("Contrat perdu.pdf", missing[0]["title"])
        # the case file is written in French (for the French lawyer) whatever the user's
        # language
        page = pdf_text(archive.read(missing[0]["filename"]))
        self.assertIn("MANQUANTE", page)
        self.assertIn("Contrat perdu.pdf", page)
        bordereau = pdf_text(archive.read("00_bordereau_de_pieces.pdf"))
        self.assertIn("MANQUANTE", bordereau)
        fiche = pdf_text(archive.read("03_fiche_debiteur.pdf"))
        self.assertIn("NON RENSEIGNÉ", fiche)
        self.assertEqual(
            base64.b64decode(wizard.attachment_id.datas), wizard.attachment_id.raw
        )
