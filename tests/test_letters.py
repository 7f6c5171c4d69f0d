"""Letters: real PDFs through wkhtmltopdf, read back with pdftotext; the SEPA QR code
decoded with zbarimg; the HTML rendering for speed (issue 5)."""

import base64
import re
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.recouvrement_amiable import legal

from .common import RecouvrementCase, day, on_day

FORBIDDEN_B2C = (
    "40,00",
    "L441-10",
    "D441-5",
    "pénalité",
    "indemnité forfaitaire",
    "frais",
    "saisie",
    "huissier",
    "procédure d'exécution",
)


def _pdftotext(pdf):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "letter.pdf")
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True
        ).stdout.decode()


def _one_line(text):
    # one line of words: phrases wrapped by the page layout still match
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


def pdf_text(pdf):
    return _one_line(_pdftotext(pdf))


def pdf_page_texts(pdf):
    """The text of each page, as pdf_text gives it (pdftotext ends pages with \\f)."""
    pages = _pdftotext(pdf).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [_one_line(page) for page in pages]


def pdf_pages(pdf):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "letter.pdf")
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdfinfo", str(path)], check=True, capture_output=True
        ).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def decode_qr_codes(pdf):
    """Every QR code found on the PDF's pages (rendered at 200 dpi)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "letter.pdf")
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", str(path), str(Path(tmp, "page"))],
            check=True,
        )
        payloads = []
        for page in sorted(Path(tmp).glob("page*.png")):
            result = subprocess.run(
                ["zbarimg", "--quiet", "--raw", "-Sbinary", str(page)],
                capture_output=True,
            )
            if result.returncode == 0 and result.stdout:
                payloads.append(result.stdout.decode("utf-8"))
        return payloads


def amount_fr(value):
    """1 234,56 € as printed in French letters."""
    whole, cents = f"{Decimal(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{' '.join(groups)},{cents} €"


@tagged("post_install", "-at_install")
class TestLetters(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"].search(
            [("name", "=", "recouvrement_amiable")]
        )._update_translations(["fr_FR"])
        (cls.b2b | cls.b2c | cls.b2b_2).write({"lang": "fr_FR"})
        cls.inv1 = cls.invoice(cls.b2b, 1200, "2026-03-01", "2026-03-31")
        cls.inv2 = cls.invoice(cls.b2b, 480, "2026-03-10", "2026-04-09")
        cls.pay(cls.inv2, 80, "2026-04-20")
        cls.inv_c = cls.invoice(cls.b2c, 600, "2026-03-01", "2026-03-31")

    def render(self, event):
        report = event.stage_id.report_id
        pdf, _fmt = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True, report_pdf_no_attachment=True)
            ._render_qweb_pdf(report, event.ids)
        )
        return pdf

    def html(self, event):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(event.stage_id.report_id, event.ids)[0]
            .decode()
        )

    # ------------------------------------------------------------------ relance 1
    def test_relance_1_pdf(self):
        moves = self.inv1 | self.inv2
        event = self.escalate_to(moves, "relance_1", "2026-04-25")
        pdf = self.render(event)
        text = pdf_text(pdf)
        self.assertIn("Relance : factures impayées", text)
        for move in moves:
            self.assertIn(move.name, text)
        self.assertIn(amount_fr(1200), text)
        self.assertIn(amount_fr(400), text)  # balance of the partly paid invoice
        self.assertIn(amount_fr(80), text)  # already paid
        self.assertIn(amount_fr(1600), text)  # total due
        self.assertIn("31/03/2026", text)  # French dates
        self.assertIn("FR76 3000 6000 0112 3456 7890 189", text)
        self.assertIn(
            "déjà réglé", text
        )  # "if you have already paid, please disregard"
        self.assertIn("L441-10", text)  # neutral reminder for business debtors
        # The SEPA QR code, decoded field by field (EPC069-12)
        payloads = decode_qr_codes(pdf)
        self.assertEqual(len(payloads), 1)
        fields_ = payloads[0].split("\n")
        self.assertEqual(fields_[:4], ["BCD", "002", "1", "SCT"])
        self.assertEqual(fields_[4], "AGRIFRPP882")
        self.assertEqual(fields_[5], "Créancier SAS")
        self.assertEqual(fields_[6], "FR7630006000011234567890189")
        self.assertEqual(fields_[7], "EUR1600.00")
        self.assertEqual(
            fields_[10], ", ".join(sorted(moves.mapped("payment_reference")))
        )
        self.assertEqual(pdf_pages(pdf), 1)

    def test_relance_1_html(self):
        event = self.escalate_to(self.inv1, "relance_1", "2026-04-25")
        html = self.html(event)
        self.assertIn(self.inv1.name, html)
        self.assertIn("o_ra_address", html)  # the window-envelope address block
        self.assertIn("Boulangerie du Marais", html)
        # downloaded as "relance_1_REC-…_Boulangerie du Marais.pdf" (Odoo adds the
        # extension to the printed name), not "….pdf.pdf"
        name = safe_eval(event.stage_id.report_id.print_report_name, {"object": event})
        self.assertTrue(name.startswith("relance_1_"), name)
        self.assertFalse(name.endswith(".pdf"), name)

    def test_action_dialogs_are_titled_in_the_user_language(self):
        action = self.inv1.with_context(lang="fr_FR")._recouvrement_open_wizard("pause")
        self.assertEqual(action["name"], "Suspendre jusqu'à une date")

    # ------------------------------------------------------------------ relance 2
    def test_relance_2_b2b_penalties_match_the_legal_functions(self):
        moves = self.inv1 | self.inv2
        # a Monday: relance 2 goes by post too, never dated on a Sunday
        event = self.escalate_to(moves, "relance_2", "2026-05-11")
        claim = moves._recouvrement_claim(event.date)
        text = pdf_text(self.render(event))
        self.assertIn("Deuxième relance", text)
        first = self.env["recouvrement.event"].search(
            [("move_ids", "in", moves.ids), ("stage_id.kind", "=", "relance_1")]
        )
        self.assertIn(f"Malgré notre relance du {first.date:%d/%m/%Y}", text)
        for line in claim.lines:
            self.assertIn(amount_fr(line.principal_left), text)
            for period in line.interest.periods:
                self.assertIn(amount_fr(period.amount_rounded), text)
                self.assertIn(f"{period.start:%d/%m/%Y}", text)
        self.assertIn("12,15 %", text)  # ECB 2.15 % + 10 points
        self.assertIn(amount_fr(40), text)
        self.assertIn(amount_fr(claim.total), text)
        self.assertIn("L441-10", text)
        self.assertIn("D441-5", text)
        self.assertIn("mise en demeure", text)
        self.assertNotIn("1344", text)  # not yet "vaut mise en demeure"

    def test_relance_2_never_claims_a_reminder_that_was_not_sent(self):
        self.company.recouvrement_catch_up = True
        self.run_cron("2026-04-25")  # catch-up jumps straight to relance 2
        event = self.events(self.b2b).filtered(lambda e: e.stage_id.kind == "relance_2")
        self.assertTrue(event)
        html = self.html(event)
        self.assertNotIn("Malgré notre relance", html)
        self.assertIn(
            "restent impayées bien que leur date d'échéance soit passée", html
        )

    # ------------------------------------------------------------------ mise en demeure
    def test_mise_en_demeure_b2b(self):
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        moves = self.inv1 | self.inv2
        event = self.escalate_to(moves, "mise_en_demeure", "2026-05-10")
        text = pdf_text(self.render(event))
        claim = moves._recouvrement_claim(event.date)
        self.assertIn(
            "lettre recommandée avec demande d'avis de réception", text.lower()
        )
        for expected in (
            "MISE EN DEMEURE DE PAYER",
            "La présente lettre vaut mise en demeure au sens de l'article 1344 du Code "
            "civil",
            "injonction de payer",
            "article 700",
            "mettra fin",
            "échéancier",
            "552 081 317",  # SIREN of the debtor, in groups of three
            "732 829 320",  # SIREN of the creditor
        ):
            self.assertIn(expected, text)
        self.assertIn(amount_fr(claim.total), text)
        self.assertIn(amount_fr(claim.indemnities), text)
        self.assertIn(f"{event._notice_deadline_stated():%d/%m/%Y}", text)
        self.assertIn("8 jours", text)
        previous = self.env["recouvrement.event"].search(
            [
                ("move_ids", "in", moves.ids),
                ("stage_id.kind", "in", ("relance_1", "relance_2")),
            ]
        )
        self.assertEqual(len(previous), 2)
        first, second = previous.sorted(lambda e: (e.date, e.id))
        self.assertIn(
            f"Malgré nos relances des {first.date:%d/%m/%Y} et {second.date:%d/%m/%Y},",
            " ".join(text.split()),
        )
        # the tracking number appears once recorded (and the stored letter is updated)
        self.assertNotIn("1A00000000042", text)
        moves.with_env(self.env)._recouvrement_record_registered_sent(
            "1A00000000042", day("2026-05-11")
        )
        self.assertIn("1A00000000042", pdf_text(self.render(event)))
        self.assertIn("1A00000000042", pdf_text(event.letter_attachment_id.raw))

    def _typography_faults(self, raw, lang):
        """What breaks the typographic rules in a letter's text (pdftotext's raw
        output, non-breaking spaces kept)."""
        faults = []
        text = re.sub(r"https?://\S+|\S+@\S+", "X", raw)
        if lang == "fr_FR":
            faults += re.findall(r"\S{0,12}[^\s\u00a0\u202f\d][:;!?](?=\s)", text)
            faults += re.findall(r"\b[Dd]e [AEIOUÉÈaeiouéè]\w+", text)
        else:
            faults += re.findall(r"\S+\s[:;!?](?=\s)", text)
        faults += re.findall(r"\S*[:;](?=[^\s\d])\S*", text)
        faults += re.findall(r"\S+ {2,}\S+", text)
        faults += re.findall(r"SIREN\W+\d{9}\b", text)
        return faults

    def test_notice_basis_addressee_signatory_and_typography(self):
        """The notice names the basis of the claim (goods or services, the
        customer's order, the terms of sale by version and date), goes to the
        registered office for the attention of the legal representative, is signed
        by the company's signatory with their function, counts its delay from the
        first presentation, and follows the typography of its language."""
        representative = self.env["res.partner"].create(
            {"name": "Jean Martin", "function": "Gérant", "parent_id": self.b2b.id}
        )
        self.b2b.recouvrement_representative_id = representative
        signatory = new_test_user(
            self.env, "sleroy", name="Sophie Leroy", groups="base.group_user"
        )
        signatory.partner_id.function = "Directrice financière"
        self.company.write(
            {
                "recouvrement_signatory_id": signatory.id,
                "recouvrement_cgv_version": "2026-1",
                "recouvrement_cgv_date": "2026-01-01",
            }
        )
        self.inv1.ref = "BC-778"
        service = self.env["product.product"].create(
            {"name": "Maintenance", "type": "service"}
        )
        self.inv1.invoice_line_ids[:1].product_id = service
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        event = self.escalate_to(self.inv1, "mise_en_demeure", "2026-05-11")
        raw = _pdftotext(self.render(event))
        text = _one_line(raw)
        for expected in (
            "se rapportent à des prestations réalisées à votre demande, en "
            "application de vos commandes BC-778 et de nos conditions générales de "
            "vente (version 2026-1 du 01/01/2026).",
            "À l'attention de Jean Martin, Gérant",
            "Représentée par Sophie Leroy, Directrice financière",
            "Sophie Leroy, Directrice financière",
            "à compter de la première présentation",
            "552 081 317",
            "732 829 320",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("OdooBot", text)
        self.assertNotIn("marchandises", text)
        self.assertNotIn("Signature :", text)
        self.assertEqual(self._typography_faults(raw, "fr_FR"), [])
        # a customer reading English gets the same letter in English
        english = self._customer(
            "Northwind Trading", lang="en_US", recouvrement_representative_id=False
        )
        english.recouvrement_representative_id = self.env["res.partner"].create(
            {"name": "Jean Martin", "function": "Gérant", "parent_id": english.id}
        )
        inv_en = self.invoice(english, 900, "2026-03-01", "2026-03-31")
        inv_en.ref = "BC-778"
        inv_en.invoice_line_ids[:1].product_id = service
        event = self.escalate_to(inv_en, "mise_en_demeure", "2026-05-11")
        raw = _pdftotext(self.render(event))
        text = _one_line(raw)
        self.assertIn(
            "relate to services performed at your request, under your "
            "orders BC-778 and our general terms of sale (version 2026-1 "
            "of 01/01/2026).",
            text,
        )
        self.assertIn("For the attention of Jean Martin, Gérant", text)
        self.assertIn("first presentation", text)
        self.assertEqual(self._typography_faults(raw, "en_US"), [])

    def test_every_letter_follows_the_typography_of_its_language(self):
        """Reminder 1, reminder 2 and the formal notice, to a business and to a
        consumer, in French and in English, with an invoice not yet due: no space
        missing or misplaced around the punctuation, no double space, no "de A…"
        without elision, SIREN in groups of three (read on pdftotext's output)."""
        # (the test user's own name, "Because I am accountman!", is not ours)
        self.company.recouvrement_signatory_id = new_test_user(
            self.env, "sleroy", name="Sophie Leroy", groups="base.group_user"
        )
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        cases = [
            ("relance_1", "2026-04-27", True),
            ("relance_2", "2026-05-11", True),
            ("mise_en_demeure", "2026-05-11", True),
            ("mise_en_demeure", "2026-05-11", False),
        ]
        for lang in ("fr_FR", "en_US"):
            for kind, on, business in cases:
                partner = self._customer(
                    f"Atelier Étoile {kind} {lang} {business}",
                    is_company=business,
                    lang=lang,
                    company_registry="55208131766522" if business else False,
                )
                move = self.invoice(partner, 1234.56, "2026-03-01", "2026-03-31")
                # an invoice not yet due: mentioned in a box, never claimed
                self.invoice(partner, 321.00, "2026-04-20", "2026-06-30")
                event = self.escalate_to(move, kind, on)
                raw = _pdftotext(self.render(event))
                self.assertEqual(
                    self._typography_faults(raw, lang), [], (kind, lang, business)
                )

    def test_no_system_user_signs_and_customer_reference_only_when_set(self):
        """Without a configured signatory, a notice prepared by the nightly run
        names nobody (never OdooBot) until a manager validates it; the customer's
        reference is printed only when the customer has one."""
        self.company.recouvrement_signatory_id = False
        self.b2b.ref = False
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        for on in ("2026-04-03", "2026-04-10", "2026-04-20", "2026-05-11"):
            self.run_cron(on)
        event = self.events(self.b2b, state="to_validate")
        self.assertEqual(event.stage_id.kind, "mise_en_demeure")
        # it waits with one task for the manager: configure a signatory, or sign
        task = event.activity_ids.filtered(lambda a: "signatory" in a.summary)
        self.assertEqual(len(task), 1)
        self.assertTrue(
            task.user_id.has_group("recouvrement_amiable.group_recouvrement_manager")
        )
        text = pdf_text(self.render(event))
        self.assertNotIn("OdooBot", text)
        self.assertNotIn("Représentée par", text)
        self.assertNotIn("référence client", text)
        self.assertNotIn(f": {self.b2b.id} ", text)
        self.assertFalse(
            self.env["recouvrement.event"]
            .new({"company_id": self.company.id, "validated_by_id": 1})
            ._recouvrement_signatory()
        )

    def test_mise_en_demeure_b2c_has_no_business_mentions(self):
        event = self.escalate_to(self.inv_c, "mise_en_demeure", "2026-05-10")
        text = pdf_text(self.render(event))
        self.assertIn("MISE EN DEMEURE DE PAYER", text)
        self.assertIn("1231-6", text)
        # the legal interest is stated once, from receipt until full payment
        self.assertEqual(text.count("taux légal"), 1, text)
        self.assertIn("jusqu'au complet paiement (article 1231-6", text)
        self.assertIn("15 jours", text)
        self.assertIn(amount_fr(600), text)
        for word in FORBIDDEN_B2C:
            self.assertNotIn(word.lower(), text.lower(), word)

    def test_mise_en_demeure_html(self):
        event = self.escalate_to(self.inv1, "mise_en_demeure", "2026-05-10")
        html = self.html(event)
        self.assertIn("MISE EN DEMEURE DE PAYER", html)
        self.assertIn("1344", html)

    # ------------------------------------------------------------------ batch, emails
    def test_many_letters_in_one_rendering_call_are_split_per_event(self):
        partners = [
            self._customer(f"Client Lettre {i}", lang="fr_FR") for i in range(4)
        ]
        for partner in partners:
            self.invoice(partner, 100 + len(partner.name), "2026-03-01", "2026-03-31")
        calls = []
        from odoo.addons.base.models.ir_actions_report import IrActionsReport

        original = IrActionsReport._run_wkhtmltopdf

        def counting(report_self, bodies, *args, **kwargs):
            calls.append((kwargs.get("report_ref"), len(bodies), kwargs.get("header")))
            return original(report_self, bodies, *args, **kwargs)

        self.company.recouvrement_catch_up = True
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        with patch.object(IrActionsReport, "_run_wkhtmltopdf", counting):
            self.run_cron(
                "2026-04-25"
            )  # relance 2 for the 4 customers (+ the 2 fixtures)
        events = self.events(event_type="stage").filtered(
            lambda e: e.stage_id.kind == "relance_2"
        )
        self.assertGreaterEqual(len(events), 4)
        self.assertTrue(all(events.mapped("letter_attachment_id")))
        self.assertEqual(len(set(events.mapped("letter_sha256"))), len(events))
        for event in events:
            self.assertIn(
                event.move_ids[0].name, pdf_text(event.letter_attachment_id.raw)
            )
        # all the letters of the stage in one wkhtmltopdf call, one document per event
        report = self.stages["relance_2"].report_id
        letter_calls = [(n, header) for ref, n, header in calls if ref == report]
        self.assertEqual([n for n, _header in letter_calls], [len(events)])
        # the letters share one letterhead: wkhtmltopdf reads it once per page, not
        # once per letter per page; every page still has its letterhead and its own
        # page number
        header = letter_calls[0][1]
        self.assertEqual(header.count(f"o_company_{self.company.id}_layout"), 1)
        for event in events:
            pages = pdf_page_texts(event.letter_attachment_id.raw)
            for number, page in enumerate(pages, start=1):
                self.assertIn(self.company.name, page)
                self.assertIn(f"{number} / {len(pages)}", page)

    def test_email_in_the_debtor_language_with_letter_and_invoices_attached(self):
        english = self._customer("Northwind Trading", lang="en_US")
        inv_en = self.invoice(english, 900, "2026-03-01", "2026-03-31")
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        fr_event = self.escalate_to(self.inv1, "relance_1", "2026-04-25")
        en_event = self.escalate_to(inv_en, "relance_1", "2026-04-25")
        for event, subject, body in (
            (
                fr_event,
                f"Relance — factures {', '.join(fr_event.move_ids.mapped('name'))} — "
                f"{self.company.name}",
                "Sauf erreur de notre part",
            ),
            (
                en_event,
                f"Reminder — invoice {inv_en.name} — {self.company.name}",
                "Unless we are mistaken",
            ),
        ):
            mail = event.mail_id
            self.assertTrue(mail, event.name)
            self.assertEqual(mail.state, "outgoing")  # queued, not sent now
            self.assertEqual(mail.subject, subject)
            self.assertIn(body, mail.body_html)
            # the company's letterhead, not a newsletter's: no unsubscribe link, no
            # "Powered by Odoo", no "Your Recovery event REC-..." banner
            for leftover in ("unfollow", "Odoo", "Powered", event.name):
                self.assertNotIn(leftover, mail.body_html)
            self.assertIn("732 829 320", mail.body_html)
            self.assertIn(self.company.email, mail.reply_to)
            self.assertIn(
                event.partner_id.email,
                mail.email_to or ",".join(mail.recipient_ids.mapped("email")),
            )
            names = mail.attachment_ids.mapped("name")
            self.assertIn(event.letter_attachment_id, mail.attachment_ids)
            self.assertTrue(
                any(event.move_ids[0].name.replace("/", "_") in n for n in names), names
            )
        self.assertEqual(
            event.letter_sha256,
            __import__("hashlib").sha256(event.letter_attachment_id.raw).hexdigest(),
        )


@tagged("post_install", "-at_install")
class TestSepaQr(RecouvrementCase):
    def test_qr_payload_and_image(self):
        payload = self.bank._recouvrement_sepa_qr_payload(
            Decimal("1335.87"), "FAC/2026/00001"
        )
        self.assertEqual(
            payload.split("\n"),
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "AGRIFRPP882",
                "Créancier SAS",
                "FR7630006000011234567890189",
                "EUR1335.87",
                "",
                "",
                "FAC/2026/00001",
                "",
            ],
        )
        uri = self.bank._recouvrement_sepa_qr_image(
            Decimal("1335.87"), "FAC/2026/00001"
        )
        png = base64.b64decode(uri.split(",", 1)[1])
        with tempfile.NamedTemporaryFile(suffix=".png") as handle:
            handle.write(png)
            handle.flush()
            decoded = subprocess.run(
                ["zbarimg", "--quiet", "--raw", "-Sbinary", handle.name],
                capture_output=True,
            ).stdout.decode()
        self.assertEqual(decoded.rstrip("\n"), payload.rstrip("\n"))

    def test_no_qr_for_a_non_sepa_account_or_a_zero_amount(self):
        self.assertIsNone(self.bank._recouvrement_sepa_qr_payload(Decimal("0"), "X"))
        us_bank = self.env["res.partner.bank"].create(
            {"partner_id": self.company.partner_id.id, "acc_number": "123456789"}
        )
        self.assertIsNone(us_bank._recouvrement_sepa_qr_payload(Decimal("10"), "X"))

    def test_legal_figures_on_the_invoice_form(self):
        inv = self.invoice(self.b2b, 1200, "2026-03-01", "2026-03-31")
        with on_day("2026-11-23"):
            inv.invalidate_recordset()
            self.assertEqual(inv.recouvrement_days_late, 237)
            self.assertAlmostEqual(inv.recouvrement_late_interest, 95.87, places=2)
            self.assertAlmostEqual(inv.recouvrement_indemnity, 40.0, places=2)
            self.assertAlmostEqual(inv.recouvrement_total_due, 1335.87, places=2)
            claim = inv._recouvrement_claim(date(2026, 11, 23))
            self.assertEqual(claim.total, legal.round_cents(Decimal("1335.87")))
