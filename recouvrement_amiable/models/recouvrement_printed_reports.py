"""The printed claim breakdown and aged balance: values for their QWeb templates."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ReportClaimBreakdown(models.AbstractModel):
    _name = "report.recouvrement_amiable.report_claim_breakdown"
    _description = "Printed claim breakdown"

    @api.model
    def _get_report_values(self, docids, data=None):
        """One page per customer and company of the invoices, at ``data['date']``
        (the claim dialog's date) or today. The web client sends a report action
        carrying data without its records: the dialog gives them in
        ``data['move_ids']``."""
        Move = self.env["account.move"]
        moves = Move.browse(docids or (data or {}).get("move_ids") or []).filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not moves:
            raise UserError(_("Select posted customer invoices."))
        on_date = fields.Date.to_date((data or {}).get("date")) or (
            fields.Date.context_today(self)
        )
        groups = moves.grouped(lambda m: (m.company_id, m.commercial_partner_id))
        claims = Move._recouvrement_claims(groups, on_date)
        pages = []
        for key, group in groups.items():
            pages.append(
                {
                    "move": group[:1],
                    "partner": key[1],
                    "v": group._recouvrement_claim_qcontext(claims[key]),
                }
            )
        return {
            "doc_ids": moves.ids,
            "doc_model": "account.move",
            "docs": moves,
            "pages": pages,
            "on_date": on_date,
        }


class ReportClaimBreakdownDebtor(models.AbstractModel):
    _name = "report.recouvrement_amiable.report_claim_breakdown_debtor"
    _description = "Printed claim breakdown of a customer"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The claim breakdown of the customers' open invoices."""
        moves = (
            self.env["recouvrement.debtor"].browse(docids)._recouvrement_open_invoices()
        )
        return self.env[
            "report.recouvrement_amiable.report_claim_breakdown"
        ]._get_report_values(moves.ids, data)


class ReportAgedBalance(models.AbstractModel):
    _name = "report.recouvrement_amiable.report_aged_balance"
    _description = "Printed aged balance"

    @api.model
    def _get_report_values(self, docids, data=None):
        companies = self.env["res.company"].browse(docids)
        Report = self.env["recouvrement.report"]
        today = fields.Date.context_today(self)
        buckets = Report._fields["age_bucket"]._description_selection(self.env)
        pages = []
        for company in companies:
            by_partner, totals = Report._recouvrement_aged_balance(company)
            helpers = self.env["account.move"]._recouvrement_format_helpers(
                self.env.lang, company.currency_id
            )
            receivables, turnover, dso = company._recouvrement_dso(today)
            pages.append(
                {
                    "company": company,
                    "date": today,
                    "buckets": buckets,
                    "rows": sorted(
                        by_partner.items(), key=lambda item: -sum(item[1].values())
                    ),
                    "totals": totals,
                    "receivables": receivables,
                    "turnover": turnover,
                    "dso_text": _("%(days)s days", days=helpers["number"](dso, 1))
                    if dso is not None
                    else _("not computable (nothing invoiced over the last 365 days)"),
                    "amount": helpers["amount"],
                    "fdate": helpers["fdate"],
                }
            )
        return {
            "doc_ids": companies.ids,
            "doc_model": "res.company",
            "docs": companies,
            "pages": pages,
        }
