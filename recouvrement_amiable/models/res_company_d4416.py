from datetime import timedelta
from decimal import Decimal

from odoo import _, fields, models
from odoo.tools import SQL

from .. import d4416

# (invoice type counted, types making the year's base HT, sign of the base)
ISSUED = ("out_invoice", ("out_invoice", "out_refund"), 1)
RECEIVED = ("in_invoice", ("in_invoice", "in_refund"), -1)


class RecouvrementD4416Mixin(models.AbstractModel):
    """Mixed into res.company: the facts of the company's D441-6 table (art. D441-6
    I. C. com.) at a closing date; the table itself is computed by ``d4416.table``.

    Rules: the invoices (customer invoices for the table of invoices issued, vendor
    bills for the table of invoices received) posted and dated on or before the
    closing date, for what was still unpaid at that date: the receivable (payable)
    line minus its reconciliations dated on or before the closing date (a
    reconciliation's date is that of its later line: a payment or a credit note
    booked after closing does not reduce it). Each installment of an invoice falls
    in the column of its own due date; the invoice is counted once per column. The
    form counts invoices: credit notes are not counted; they reduce an invoice only
    once reconciled with it. An invoice with a dispute opened on or before the
    closing date and still open (or ended after closing) goes to row (B). The base
    of the percentages is the turnover (purchases) excluding taxes of the fiscal year
    containing the closing date: invoices less credit notes, posted, by accounting
    date. Amounts in the company's currency."""

    _name = "recouvrement.d4416.mixin"
    _description = "Payment terms table (art. D441-6 C. com.): a company's figures"

    def _recouvrement_d4416_default_closing(self, today=None):
        """The closing date of the last closed fiscal year: the day before the
        current fiscal year starts."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return self.compute_fiscalyear_dates(today)["date_from"] - timedelta(days=1)

    def _recouvrement_d4416_tables(self, closing_date):
        """The tables of the invoices issued and received at ``closing_date``:
        ``{"date_from", "date_to", "closing_date", "issued", "received"}``, the tables
        being ``d4416.Table``; "received" is None when the company has no vendor bill
        posted by that date."""
        self.ensure_one()
        closing_date = fields.Date.to_date(closing_date)
        year = self.compute_fiscalyear_dates(closing_date)
        disputed = self._recouvrement_d4416_disputed(closing_date)
        has_bills = self.env["account.move"].search_count(
            [
                ("company_id", "=", self.id),
                ("move_type", "=", "in_invoice"),
                ("state", "=", "posted"),
                ("invoice_date", "<=", closing_date),
            ],
            limit=1,
        )
        return {
            "date_from": year["date_from"],
            "date_to": year["date_to"],
            "closing_date": closing_date,
            "issued": self._recouvrement_d4416_table(ISSUED, closing_date, disputed),
            "received": self._recouvrement_d4416_table(RECEIVED, closing_date, disputed)
            if has_bills
            else None,
        }

    def _recouvrement_d4416_table(self, kind, closing_date, disputed):
        move_type, base_types, sign = kind
        year = self.compute_fiscalyear_dates(closing_date)
        facts = [
            d4416.InvoiceFact(due, Decimal(str(unpaid)), move_id in disputed, move_id)
            for move_id, due, unpaid in self._recouvrement_d4416_unpaid(
                move_type, closing_date
            )
        ]
        [(base,)] = self.env["account.move"]._read_group(
            [
                ("company_id", "=", self.id),
                ("move_type", "in", base_types),
                ("state", "=", "posted"),
                ("date", ">=", year["date_from"]),
                ("date", "<=", year["date_to"]),
            ],
            aggregates=["amount_untaxed_signed:sum"],
        )
        in_a = {f.key for f in facts if not f.excluded}
        return d4416.table(
            closing_date,
            facts,
            sign * Decimal(str(base or 0)),
            d4416.TERMS_CONTRACTUAL,
            self._recouvrement_d4416_terms(in_a),
        )

    def _recouvrement_d4416_unpaid(self, move_type, closing_date):
        """``[(move id, due date, amount unpaid at closing)]``: one row per
        installment of the posted invoices of ``move_type`` dated on or before the
        closing date that was not fully paid at that date, in one query."""
        self.env["account.move"].flush_model(
            ["company_id", "state", "move_type", "invoice_date", "invoice_date_due"]
        )
        self.env["account.move.line"].flush_model(
            ["move_id", "display_type", "balance", "date_maturity"]
        )
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount", "max_date"]
        )
        return self.env.execute_query(
            SQL(
                """
                SELECT line.move_id,
                       COALESCE(line.date_maturity, move.invoice_date_due),
                       ABS(line.balance) - COALESCE(SUM(part.amount), 0)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  LEFT JOIN account_partial_reconcile part
                         ON (part.debit_move_id = line.id
                             OR part.credit_move_id = line.id)
                        AND part.max_date <= %(closing)s
                 WHERE move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.move_type = %(move_type)s
                   AND move.invoice_date <= %(closing)s
                   AND line.display_type = 'payment_term'
              GROUP BY line.id, move.id
                HAVING ABS(line.balance) - COALESCE(SUM(part.amount), 0) > 0
              ORDER BY line.move_id, 2, line.id
                """,
                closing=closing_date,
                company=self.id,
                move_type=move_type,
            )
        )

    def _recouvrement_d4416_disputed(self, closing_date):
        """Ids of the invoices disputed at the closing date: a dispute opened on or
        before it, still open, or closed (resolved, or its review date reached)
        after it."""
        disputes = self.env["recouvrement.dispute"].search(
            [
                ("company_id", "=", self.id),
                ("date", "<=", closing_date),
                "|",
                ("state", "=", "open"),
                ("date_closed", ">", closing_date),
            ]
        )
        return set(disputes.move_ids.ids)

    def _recouvrement_d4416_terms(self, move_ids):
        """Row (C): the payment terms of the invoices of (A), by name."""
        groups = self.env["account.move"]._read_group(
            [("id", "in", list(move_ids))], ["invoice_payment_term_id"]
        )
        names = sorted(term.display_name for (term,) in groups if term)
        if any(not term for (term,) in groups):
            names.append(_("due date set on the invoice"))
        return ", ".join(names)
