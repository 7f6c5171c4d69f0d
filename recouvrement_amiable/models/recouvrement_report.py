"""Recovery analysis: one row per customer invoice that is open or went through the
recovery, for the graph and pivot views (amount by level, by age bucket, by month
of escalation and of recovery; recovered amounts per stage; the aged balance)."""

from odoo import api, fields, models
from odoo.tools import SQL

from .. import reporting
from .constants import RECOUVREMENT_STATES

AGE_BUCKET_LABELS = [
    ("not_due", "Not due"),
    ("1_30", "1-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("91", "91 days and more"),
]


class RecouvrementReport(models.Model):
    _name = "recouvrement.report"
    _description = "Recovery analysis"
    _auto = False
    _order = "due_date, id"
    _rec_name = "move_id"
    _depends = {
        "account.move": [
            "move_type",
            "state",
            "company_id",
            "commercial_partner_id",
            "recouvrement_debtor_id",
            "recouvrement_stage_id",
            "recouvrement_state",
            "invoice_date",
            "invoice_date_due",
            "amount_total_signed",
            "amount_residual_signed",
            "payment_state",
        ],
        "account.partial.reconcile": ["max_date", "debit_move_id"],
        "recouvrement.event": ["date", "event_type", "state"],
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    debtor_id = fields.Many2one(
        "recouvrement.debtor", string="Customer in recovery", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    stage_id = fields.Many2one("recouvrement.stage", string="Level", readonly=True)
    state = fields.Selection(
        RECOUVREMENT_STATES, string="Recovery state", readonly=True
    )
    invoice_date = fields.Date(readonly=True)
    due_date = fields.Date(readonly=True)
    escalation_date = fields.Date(
        "Entered recovery",
        readonly=True,
        help="Date of the first reminder, letter or call on this invoice.",
    )
    recovery_date = fields.Date(
        "Last payment", readonly=True, help="Date of the last payment received."
    )
    days_late = fields.Integer(
        "Days late", readonly=True, aggregator="max", help="Today, past the due date."
    )
    age_bucket = fields.Selection(AGE_BUCKET_LABELS, string="Age", readonly=True)
    is_open = fields.Boolean("Open", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary("Invoiced", readonly=True)
    amount_residual = fields.Monetary("Outstanding", readonly=True)
    amount_recovered = fields.Monetary(
        "Recovered",
        readonly=True,
        help="Paid on an invoice that went through the recovery (any channel).",
    )
    invoice_count = fields.Integer("Invoices", readonly=True)

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        late = SQL("(%s::date - m.invoice_date_due)", today)
        return SQL(
            """
            SELECT sub.*, %(bucket)s AS age_bucket FROM (
            SELECT m.id AS id, m.id AS move_id, m.company_id,
                   m.commercial_partner_id AS partner_id,
                   m.recouvrement_debtor_id AS debtor_id,
                   m.invoice_user_id AS user_id,
                   m.recouvrement_stage_id AS stage_id,
                   m.recouvrement_state AS state,
                   m.invoice_date, m.invoice_date_due AS due_date,
                   first_step.date AS escalation_date,
                   last_payment.date AS recovery_date,
                   %(late)s AS days_late,
                   m.payment_state IN ('not_paid', 'partial') AS is_open,
                   m.amount_total_signed AS amount_total,
                   m.amount_residual_signed AS amount_residual,
                   CASE WHEN first_step.date IS NOT NULL
                        THEN m.amount_total_signed - m.amount_residual_signed
                        ELSE 0 END AS amount_recovered,
                   1 AS invoice_count
              FROM account_move m
              LEFT JOIN LATERAL (
                   SELECT MIN(e.date) AS date
                     FROM recouvrement_event_account_move_rel r
                     JOIN recouvrement_event e ON e.id = r.event_id
                    WHERE r.move_id = m.id
                      AND e.event_type IN ('stage', 'call')
                      AND e.state NOT IN ('to_validate', 'cancelled', 'failed')
                   ) first_step ON TRUE
              LEFT JOIN LATERAL (
                   SELECT MAX(p.max_date) AS date
                     FROM account_move_line l
                     JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                    WHERE l.move_id = m.id
                   ) last_payment ON TRUE
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.invoice_date_due IS NOT NULL
               AND (m.payment_state IN ('not_paid', 'partial')
                    OR m.recouvrement_stage_id IS NOT NULL)
            ) sub
            """,
            late=late,
            # constants only (bucket bounds and a column name): no user input
            bucket=SQL(reporting.age_bucket_sql("sub.days_late")),
        )

    @api.model
    def _recouvrement_aged_balance(self, company):
        """{partner: {bucket: amount}} and the totals of the company's open invoices
        today (the printed aged balance)."""
        rows = self._read_group(
            [("company_id", "=", company.id), ("is_open", "=", True)],
            ["partner_id", "age_bucket"],
            ["amount_residual:sum"],
        )
        by_partner, totals = {}, dict.fromkeys(dict(AGE_BUCKET_LABELS), 0.0)
        for partner, bucket, amount in rows:
            by_partner.setdefault(partner, dict.fromkeys(totals, 0.0))[bucket] += amount
            totals[bucket] += amount
        return by_partner, totals
