import io

import xlsxwriter

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .. import d4416

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RecouvrementD4416(models.TransientModel):
    """The D441-6 table of the management report (art. D441-6 I. C. com.): the
    invoices issued and received unpaid and past due at the closing date, printed
    (PDF) or downloaded (XLSX). The figures come from
    ``res.company._recouvrement_d4416_tables``."""

    _name = "recouvrement.d4416"
    _description = "Payment terms table (art. D441-6 C. com.)"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    closing_date = fields.Date(
        "Closing date",
        compute="_compute_closing_date",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        help="Closing date of the fiscal year: by default the end of the company's "
        "last closed fiscal year.",
    )
    date_from = fields.Date(
        "Fiscal year from",
        compute="_compute_fiscal_year",
        help="The fiscal year containing the closing date: its turnover and "
        "purchases, excluding taxes, are the base of the percentages.",
    )
    date_to = fields.Date("Fiscal year to", compute="_compute_fiscal_year")

    @api.depends("company_id")
    def _compute_closing_date(self):
        for wizard in self:
            wizard.closing_date = (
                wizard.company_id._recouvrement_d4416_default_closing()
                if wizard.company_id
                else False
            )

    @api.depends("company_id", "closing_date")
    def _compute_fiscal_year(self):
        for wizard in self:
            dates = {}
            if wizard.company_id and wizard.closing_date:
                dates = wizard.company_id.compute_fiscalyear_dates(wizard.closing_date)
            wizard.date_from = dates.get("date_from", False)
            wizard.date_to = dates.get("date_to", False)

    # ------------------------------------------------------------------
    # Figures and labels, shared by the PDF and the XLSX
    # ------------------------------------------------------------------
    def _d4416_company(self):
        self.ensure_one()
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(_("You have no access to this company."))
        return self.company_id.with_company(self.company_id)

    def _d4416_labels(self):
        return {
            "title": _(
                "Article D. 441-6 I.: Invoices received and issued unpaid at the "
                "closing date of the fiscal year and past due"
            ),
            "received": _(
                "Article D. 441-6 I. 1°: Invoices received unpaid at the closing date "
                "of the fiscal year and past due"
            ),
            "issued": _(
                "Article D. 441-6 I. 2°: Invoices issued unpaid at the closing date "
                "of the fiscal year and past due"
            ),
            "sheet_received": _("Invoices received"),
            "sheet_issued": _("Invoices issued"),
            "columns": {
                "0": _("0 days (indicative)"),
                "1_30": _("1 to 30 days"),
                "31_60": _("31 to 60 days"),
                "61_90": _("61 to 90 days"),
                "91": _("91 days and more"),
                "total": _("Total (1 day and more)"),
            },
            "section_a": _("(A) Late payment brackets"),
            "count": _("Number of invoices concerned"),
            "amount": _("Total amount of the invoices concerned (incl. VAT)"),
            "percent_received": _(
                "Percentage of the total purchases of the fiscal year (excl. VAT)"
            ),
            "percent_issued": _(
                "Percentage of the turnover of the fiscal year (excl. VAT)"
            ),
            "section_b": _(
                "(B) Invoices excluded from (A) relating to disputed or unbooked "
                "debts and receivables"
            ),
            "excluded_count": _("Number of invoices excluded"),
            "excluded_amount": _("Total amount of the invoices excluded (incl. VAT)"),
            "section_c": _(
                "(C) Reference payment terms used (contractual or legal terms, "
                "article L. 441-10 of the Commercial Code)"
            ),
            "terms": _("Payment terms used to compute the late payments"),
            "terms_legal": _(
                "Legal terms: 60 days from the invoice date, or 45 days end of month"
            ),
            "base_received": _("Purchases of the fiscal year (excl. VAT)"),
            "base_issued": _("Turnover of the fiscal year (excl. VAT)"),
            "no_percent": _("n/a"),
        }

    def _d4416_values(self):
        """Everything the PDF and the XLSX print, in the user's language."""
        self.ensure_one()
        company = self._d4416_company()
        data = company._recouvrement_d4416_tables(self.closing_date)
        labels = self._d4416_labels()
        helpers = self.env["account.move"]._recouvrement_format_helpers(
            self.env.lang, company.currency_id
        )
        sides = []
        for key in ("received", "issued"):
            table = data[key]
            if table is None:
                continue
            sides.append(
                {
                    "key": key,
                    "title": labels[key],
                    "sheet": labels[f"sheet_{key}"],
                    "percent_label": labels[f"percent_{key}"],
                    "base_label": labels[f"base_{key}"],
                    "table": table,
                    "terms_contractual": _(
                        "Contractual terms: %(terms)s",
                        terms=table.terms_detail or _("none"),
                    ),
                }
            )
        fdate = helpers["fdate"]
        return {
            "company": company,
            "currency": company.currency_id,
            "labels": labels,
            "columns": d4416.COLUMNS,
            "sides": sides,
            "closing_date": data["closing_date"],
            "fiscal_year": _(
                "Fiscal year from %(start)s to %(end)s",
                start=fdate(data["date_from"]),
                end=fdate(data["date_to"]),
            ),
            "closing": _("Closing date: %(date)s", date=fdate(data["closing_date"])),
            "units": _(
                "Amounts in %(currency)s: invoices including VAT, turnover and "
                "purchases excluding VAT.",
                currency=company.currency_id.name,
            ),
            "notes": [
                _(
                    "Amounts unpaid at the closing date: payments and credit notes "
                    "reconciled after that date are not deducted. Days late: closing "
                    "date minus due date; each installment counts from its own due "
                    "date."
                ),
                _(
                    "The form counts invoices: credit notes are not counted; an "
                    "invoice under a dispute open at the closing date is in (B), not "
                    "in (A). The 0-day column (not late at closing) is indicative and "
                    "not in the total."
                ),
            ],
            "amount": helpers["number"],
            "rate": helpers["rate"],
        }

    def _d4416_filename(self, extension):
        self.ensure_one()
        return "D441-6_{}_{}.{}".format(
            "".join(c if c.isalnum() else "_" for c in self.company_id.name),
            fields.Date.to_string(self.closing_date),
            extension,
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_print_pdf(self):
        self.ensure_one()
        self._d4416_company()
        return self.env.ref("recouvrement_amiable.action_report_d4416").report_action(
            self
        )

    def action_download_xlsx(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._d4416_filename("xlsx"),
                "raw": self._d4416_xlsx(),
                "mimetype": XLSX_MIMETYPE,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def _d4416_xlsx(self):
        """The table as a workbook: one sheet per table (received, then issued)."""
        values = self._d4416_values()
        labels = values["labels"]
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 12})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        head = book.add_format(
            {"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True}
        )
        section = book.add_format({"bold": True, "bg_color": "#F6F6F6", "border": 1})
        count = book.add_format({"border": 1, "num_format": "0"})
        money = book.add_format({"border": 1, "num_format": "#,##0.00"})
        percent = book.add_format({"border": 1, "num_format": "0.00%"})
        cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        columns = values["columns"]
        last = len(columns)
        for side in values["sides"]:
            table = side["table"]
            sheet = book.add_worksheet(side["sheet"][:31])
            sheet.set_column(0, 0, 55)
            sheet.set_column(1, last, 16)
            sheet.write(0, 0, labels["title"], title)
            sheet.write(1, 0, side["title"], bold)
            sheet.write(2, 0, values["company"].name)
            sheet.write(3, 0, values["fiscal_year"])
            sheet.write(4, 0, values["closing"])
            sheet.write(5, 0, values["units"])
            row = 7
            sheet.write(row, 0, "", head)
            for col, code in enumerate(columns, start=1):
                sheet.write(row, col, labels["columns"][code], head)
            row += 1
            sheet.merge_range(row, 0, row, last, labels["section_a"], section)
            row += 1
            sheet.write(row, 0, labels["count"], cell)
            for col, code in enumerate(columns, start=1):
                sheet.write_number(row, col, table.column(code).count, count)
            row += 1
            sheet.write(row, 0, labels["amount"], cell)
            for col, code in enumerate(columns, start=1):
                sheet.write_number(row, col, float(table.column(code).amount), money)
            row += 1
            sheet.write(row, 0, side["percent_label"], cell)
            for col, code in enumerate(columns, start=1):
                pct = table.column(code).percent
                if pct is None:
                    sheet.write(row, col, labels["no_percent"], cell)
                else:
                    sheet.write_number(row, col, float(pct / 100), percent)
            row += 1
            sheet.merge_range(row, 0, row, last, labels["section_b"], section)
            row += 1
            sheet.write(row, 0, labels["excluded_count"], cell)
            sheet.merge_range(row, 1, row, last, table.excluded_count, count)
            row += 1
            sheet.write(row, 0, labels["excluded_amount"], cell)
            sheet.merge_range(row, 1, row, last, float(table.excluded_amount), money)
            row += 1
            sheet.merge_range(row, 0, row, last, labels["section_c"], section)
            row += 1
            terms = [f"☒ {side['terms_contractual']}", f"☐ {labels['terms_legal']}"]
            sheet.merge_range(row, 0, row + 1, 0, labels["terms"], cell)
            sheet.merge_range(row, 1, row, last, terms[0], cell)
            sheet.merge_range(row + 1, 1, row + 1, last, terms[1], cell)
            row += 3
            sheet.write(row, 0, side["base_label"], bold)
            sheet.write_number(row, 1, float(table.base), money)
            row += 2
            for note in values["notes"]:
                sheet.merge_range(row, 0, row, last, note, wrap)
                sheet.set_row(row, 30)
                row += 1
        book.close()
        return buffer.getvalue()


class ReportD4416(models.AbstractModel):
    _name = "report.recouvrement_amiable.report_d4416"
    _description = "Payment terms table (art. D441-6 C. com.): report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["recouvrement.d4416"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "recouvrement.d4416",
            "docs": docs,
            "values": {doc.id: doc._d4416_values() for doc in docs},
        }
