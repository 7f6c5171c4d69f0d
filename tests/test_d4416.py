"""The D441-6 table of the management report (art. D441-6 I. C. com.), as the
accountant gets it: the wizard's defaults, the figures at a closing date, the PDF
read back with pdftotext and the XLSX opened with openpyxl."""

import io
import re
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RecouvrementCase, day, on_day
from .test_letters import pdf_text

CLOSING = "2025-12-31"


@tagged("post_install", "-at_install")
class TestD4416(RecouvrementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                recouvrement_no_channels=True,
                force_report_rendering=True,
            )
        )
        inv = cls.invoice
        b2b, other = cls.b2b, cls.b2b_2
        # (TTC, invoice date, due date): days late at 31/12/2025 in the comment
        cls.not_due = inv(b2b, 1200, "2025-12-16", "2026-01-15")  # -15: 0 day
        cls.due_on_closing = inv(b2b, 600, "2025-12-01", "2025-12-31")  # 0 day
        cls.late_1 = inv(b2b, 240, "2025-11-30", "2025-12-30")  # 1: 1-30
        cls.late_30 = inv(other, 360, "2025-11-01", "2025-12-01")  # 30: 1-30
        cls.late_31 = inv(other, 480, "2025-10-31", "2025-11-30")  # 31: 31-60
        cls.late_90 = inv(b2b, 960, "2025-09-02", "2025-10-02")  # 90: 61-90
        cls.late_91 = inv(b2b, 720, "2025-09-01", "2025-10-01")  # 91: 91+
        # paid in full after closing: still unpaid at closing (46 days: 31-60)
        cls.paid_after = inv(other, 1800, "2025-10-16", "2025-11-15")
        cls.pay(cls.paid_after, 1800, "2026-01-10")
        # partly paid before closing: 700 left (21 days: 1-30)
        cls.partly_paid = inv(other, 1200, "2025-11-10", "2025-12-10")
        cls.pay(cls.partly_paid, 500, "2025-12-20")
        # paid before closing: not in the table
        cls.paid_before = inv(b2b, 600, "2025-10-02", "2025-11-01")
        cls.pay(cls.paid_before, 600, "2025-11-05")
        # disputed before closing: row (B)
        cls.disputed = inv(other, 300, "2025-10-02", "2025-11-01")
        cls.dispute(cls.disputed, "2025-12-15")
        # disputed only after closing: a late invoice like the others (1-30)
        cls.disputed_later = inv(b2b, 420, "2025-11-01", "2025-12-01")
        cls.dispute(cls.disputed_later, "2026-01-20")
        # dated after closing: not in the table, nor in the year's turnover
        cls.next_year = inv(b2b, 6000, "2026-01-05", "2026-01-05")
        # a credit note not reconciled: not counted, but it lowers the turnover
        cls.refund = cls.credit_note(b2b, 120, "2025-12-20")
        # vendor bills (no VAT): 900 late by 16 days, 500 not due, 100 paid on the
        # closing day, 400 due 60 days before closing and partly paid
        cls.bill_late = cls.bill(900, "2025-11-15", "2025-12-15")
        cls.bill_not_due = cls.bill(500, "2025-12-01", "2026-01-31")
        cls.bill_paid_on_closing = cls.bill(100, "2025-11-01", "2025-12-01")
        cls.pay(cls.bill_paid_on_closing, 100, CLOSING)
        cls.bill_partly_paid = cls.bill(400, "2025-10-02", "2025-11-01")
        cls.pay(cls.bill_partly_paid, 150, "2025-12-31")
        cls.pay(cls.bill_partly_paid, 50, "2026-01-02")

    @classmethod
    def credit_note(cls, partner, amount_ttc, on):
        """A credit note of ``amount_ttc`` incl. 20 % VAT."""
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": partner.id,
                "journal_id": cls.sale_journal.id,
                "invoice_date": day(on),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": round(amount_ttc / 1.2, 2),
                            "tax_ids": [Command.set(cls.tax_20.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    @classmethod
    def bill(cls, amount, invoice_date, due_date):
        vendor = cls._customer("Fournitures Dupont", is_company=True)
        move = cls.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": vendor.id,
                "journal_id": cls.company_data["default_journal_purchase"].id,
                "invoice_date": day(invoice_date),
                "invoice_date_due": day(due_date),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Fournitures",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def wizard(self, closing=CLOSING, **values):
        return self.env["recouvrement.d4416"].create(
            {"closing_date": closing, **values}
        )

    def figures(self, table):
        return {
            c.code: (
                c.count,
                str(c.amount),
                None if c.percent is None else str(c.percent),
            )
            for c in table.columns
        }

    # ------------------------------------------------------------------
    def test_closing_date_defaults_to_the_end_of_the_last_closed_fiscal_year(self):
        with on_day("2026-03-15"):
            wizard = self.env["recouvrement.d4416"].create({})
        self.assertEqual(wizard.closing_date, day("2025-12-31"))
        self.assertEqual(
            (wizard.date_from, wizard.date_to), (day("2025-01-01"), day("2025-12-31"))
        )
        # a fiscal year closing on 30 June
        self.company.write({"fiscalyear_last_month": "6", "fiscalyear_last_day": 30})
        with on_day("2026-03-15"):
            wizard = self.env["recouvrement.d4416"].create({})
        self.assertEqual(wizard.closing_date, day("2025-06-30"))
        self.assertEqual(wizard.date_from, day("2024-07-01"))
        with on_day("2026-07-01"):
            wizard = self.env["recouvrement.d4416"].create({})
        self.assertEqual(wizard.closing_date, day("2026-06-30"))

    def test_invoices_issued_by_bucket_at_closing(self):
        tables = self.company._recouvrement_d4416_tables(day(CLOSING))
        issued = tables["issued"]
        # turnover HT of 2025: 12 invoices (7 400) less the credit note (100)
        self.assertEqual(str(issued.base), "7300.00")
        self.assertEqual(
            self.figures(issued),
            {
                # not late: due on 15/01/2026 (1 200) and due on the closing day (600)
                "0": (2, "1800.00", "24.66"),
                # 1 day (240), 30 days (360), partly paid (1 200 - 500), disputed
                # only after closing (420)
                "1_30": (4, "1720.00", "23.56"),
                # 31 days (480), paid in full after closing (1 800)
                "31_60": (2, "2280.00", "31.23"),
                "61_90": (1, "960.00", "13.15"),
                "91": (1, "720.00", "9.86"),
                "total": (8, "5680.00", "77.81"),
            },
        )
        self.assertEqual(
            (issued.excluded_count, str(issued.excluded_amount)), (1, "300.00")
        )
        self.assertEqual(issued.terms, "contractual")
        self.assertEqual(tables["date_from"], day("2025-01-01"))

    def test_a_dispute_resolved_after_closing_stays_in_row_b(self):
        """Disputed at closing means disputed on that day: resolving the dispute in
        January does not move the invoice out of (B) of the December table; one
        resolved before closing is a late invoice like the others."""
        resolved_after = self.invoice(self.b2b_2, 150, "2025-10-02", "2025-11-01")
        self.dispute(resolved_after, "2025-12-10")
        resolved_before = self.invoice(self.b2b, 90, "2025-10-15", "2025-11-14")
        self.dispute(resolved_before, "2025-12-01")
        with on_day("2025-12-20"):
            resolved_before.recouvrement_dispute_id.action_resolve()
        with on_day("2026-01-12"):
            resolved_after.recouvrement_dispute_id.action_resolve()
        issued = self.company._recouvrement_d4416_tables(day(CLOSING))["issued"]
        # 300 disputed since 15/12 and the 150 resolved on 12/01
        self.assertEqual(
            (issued.excluded_count, str(issued.excluded_amount)), (2, "450.00")
        )
        # 47 days late at closing: 31-60 with the 480 and the 1 800
        self.assertEqual(self.figures(issued)["31_60"][:2], (3, "2370.00"))

    def test_a_payment_after_closing_still_counts_as_unpaid(self):
        """A payment received after closing leaves the table at closing as it was:
        the invoice paid in full on 10/01/2026 still counts for 1 800, and paying
        another one on 02/01/2026 changes nothing."""
        before = self.company._recouvrement_d4416_tables(day(CLOSING))["issued"]
        self.assertEqual(self.paid_after.payment_state, "paid")
        self.pay(self.late_91, 720, "2026-01-02")
        after = self.company._recouvrement_d4416_tables(day(CLOSING))["issued"]
        self.assertEqual(self.figures(after), self.figures(before))
        # at a closing after the payments, they are gone
        unpaid = self.company._recouvrement_d4416_unpaid
        at_closing = {row[0]: row[2] for row in unpaid("out_invoice", day(CLOSING))}
        self.assertEqual(at_closing[self.paid_after.id], 1800)
        self.assertEqual(at_closing[self.late_91.id], 720)
        later = {row[0] for row in unpaid("out_invoice", day("2026-01-31"))}
        self.assertNotIn(self.paid_after.id, later)
        self.assertNotIn(self.late_91.id, later)
        self.assertIn(self.late_90.id, later)

    def test_a_credit_note_reconciled_before_closing_reduces_the_invoice(self):
        refund = self.credit_note(self.b2b, 240, "2025-12-20")
        lines = (self.late_91 + refund).line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        lines.reconcile()
        issued = self.company._recouvrement_d4416_tables(day(CLOSING))["issued"]
        self.assertEqual(str(issued.column("91").amount), "480.00")
        self.assertEqual(issued.column("91").count, 1)
        # the credit notes are not counted as invoices anywhere
        self.assertEqual(issued.total.count, 8)

    def test_invoices_received(self):
        received = self.company._recouvrement_d4416_tables(day(CLOSING))["received"]
        # purchases HT of 2025: 900 + 500 + 100 + 400
        self.assertEqual(str(received.base), "1900.00")
        self.assertEqual(
            self.figures(received),
            {
                "0": (1, "500.00", "26.32"),
                "1_30": (1, "900.00", "47.37"),
                # 400 less 150 paid on the closing day (the 50 after closing do not
                # count)
                "31_60": (1, "250.00", "13.16"),
                "61_90": (0, "0.00", "0.00"),
                "91": (0, "0.00", "0.00"),
                "total": (2, "1150.00", "60.53"),
            },
        )

    def test_a_year_without_invoices_has_no_percentage_and_no_table_received(self):
        tables = self.company._recouvrement_d4416_tables(day("2024-12-31"))
        self.assertIsNone(tables["received"])
        issued = tables["issued"]
        self.assertEqual(issued.base, 0)
        self.assertTrue(all(c.count == 0 and c.percent is None for c in issued.columns))
        pdf = self.pdf(self.wizard("2024-12-31"))
        self.assertNotIn("Invoices received unpaid", pdf)
        self.assertIn("Invoices issued unpaid", pdf)
        self.assertIn("n/a", pdf)

    def test_other_companies_invoices_are_not_counted(self):
        other = self.setup_other_company(name="Autre Société")["company"]
        self.env.user.company_ids |= other
        self.invoice(self.b2b, 9600, "2025-09-01", "2025-10-01", company=other)
        issued = self.company._recouvrement_d4416_tables(day(CLOSING))["issued"]
        self.assertEqual(str(issued.column("91").amount), "720.00")
        theirs = other._recouvrement_d4416_tables(day(CLOSING))["issued"]
        self.assertEqual(str(theirs.column("91").amount), "9600.00")
        self.assertEqual(theirs.total.count, 1)

    # ------------------------------------------------------------------
    def pdf(self, wizard):
        # (the administrator is first asked to configure the document layout)
        action = wizard.with_context(discard_logo_check=True).action_print_pdf()
        self.assertEqual(action["report_name"], "recouvrement_amiable.report_d4416")
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "recouvrement_amiable.action_report_d4416", wizard.ids
        )
        self.assertEqual(kind, "pdf")
        self.last_pdf = content
        return pdf_text(content)

    def test_the_pdf_prints_both_tables_in_the_official_layout(self):
        text = self.pdf(self.wizard())
        self.assertIn(
            "Article D. 441-6 I.: Invoices received and issued unpaid at the closing "
            "date of the fiscal year and past due",
            text,
        )
        # received (1°) before issued (2°), as the official model
        received = text.index("Article D. 441-6 I. 1°: Invoices received unpaid")
        issued = text.index("Article D. 441-6 I. 2°: Invoices issued unpaid")
        self.assertLess(received, issued)
        for label in (
            "0 days (indicative)",
            "1 to 30 days",
            "91 days and more",
            "Total (1 day and more)",
            "Number of invoices concerned",
            "Total amount of the invoices concerned (incl. VAT)",
            "Percentage of the total purchases of the fiscal year (excl. VAT)",
            "Percentage of the turnover of the fiscal year (excl. VAT)",
            "Number of invoices excluded",
            "Contractual terms:",
            "Legal terms",
            "Fiscal year from 01/01/2025 to 31/12/2025",
            "Closing date: 31/12/2025",
            self.company.name,
        ):
            self.assertIn(label, text)
        # the issued figures, in the order of the columns (the test database's only
        # language is French: French number formats)
        self.assertIn("1 800,00 1 720,00 2 280,00 960,00 720,00 5 680,00", text)
        self.assertIn("24,66 % 23,56 % 31,23 % 13,15 % 9,86 % 77,81 %", text)
        self.assertIn("Turnover of the fiscal year (excl. VAT) 7 300,00", text)
        self.assertIn("Purchases of the fiscal year (excl. VAT) 1 900,00", text)
        self.assertIn("500,00 900,00 250,00 0,00 0,00 1 150,00", text)
        # row (B): the disputed invoice
        self.assertIn("Number of invoices excluded 0 1", text)
        self.assertIn(
            "Total amount of the invoices excluded (incl. VAT) 0,00 300,00", text
        )
        # A4 landscape
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "d4416.pdf")
            path.write_bytes(self.last_pdf)
            info = subprocess.run(
                ["pdfinfo", str(path)], check=True, capture_output=True
            ).stdout.decode()
        width, height = map(
            float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
        )
        self.assertGreater(width, height)

    def test_the_xlsx_holds_the_same_figures(self):
        wizard = self.wizard()
        action = wizard.action_download_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(
            re.search(r"/web/content/(\d+)\?download=true", action["url"]).group(1)
        )
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertTrue(attachment.name.endswith("_2025-12-31.xlsx"), attachment.name)
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        self.assertEqual(book.sheetnames, ["Invoices received", "Invoices issued"])

        def rows(sheet):
            return {
                row[0]: list(row[1:])
                for row in sheet.iter_rows(values_only=True)
                if row and isinstance(row[0], str)
            }

        issued = rows(book["Invoices issued"])
        header = next(
            r
            for r in book["Invoices issued"].iter_rows(values_only=True)
            if r[1] == "0 days (indicative)"
        )
        self.assertEqual(header[6], "Total (1 day and more)")
        self.assertEqual(issued["Number of invoices concerned"], [2, 4, 2, 1, 1, 8])
        self.assertEqual(
            issued["Total amount of the invoices concerned (incl. VAT)"],
            [1800, 1720, 2280, 960, 720, 5680],
        )
        percents = issued["Percentage of the turnover of the fiscal year (excl. VAT)"]
        self.assertEqual(
            [round(p * 100, 2) for p in percents],
            [24.66, 23.56, 31.23, 13.15, 9.86, 77.81],
        )
        self.assertEqual(issued["Number of invoices excluded"][0], 1)
        self.assertEqual(
            issued["Total amount of the invoices excluded (incl. VAT)"][0], 300
        )
        self.assertEqual(issued["Turnover of the fiscal year (excl. VAT)"][0], 7300)
        received = rows(book["Invoices received"])
        self.assertEqual(
            received["Total amount of the invoices concerned (incl. VAT)"],
            [500, 900, 250, 0, 0, 1150],
        )
        self.assertEqual(received["Purchases of the fiscal year (excl. VAT)"][0], 1900)

    def test_only_recovery_managers_get_the_table(self):
        accountant = new_test_user(
            self.env,
            login="d4416_accountant",
            groups="account.group_account_manager,"
            "recouvrement_amiable.group_recouvrement_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["recouvrement.d4416"].with_user(accountant).create(
                {"closing_date": CLOSING}
            )
        menu = self.env.ref("recouvrement_amiable.recouvrement_d4416_menu")
        visible = self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        manager = new_test_user(
            self.env,
            login="d4416_manager",
            groups="account.group_account_manager,"
            "recouvrement_amiable.group_recouvrement_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(manager)._visible_menu_ids()
        )
        wizard = (
            self.env["recouvrement.d4416"]
            .with_user(manager)
            .create({"closing_date": CLOSING})
        )
        self.assertIn("5 680,00", self.pdf(wizard))
