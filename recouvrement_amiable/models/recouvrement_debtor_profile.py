"""The debtor profile: how a customer paid over 24 months, and its class (good
payer, occasional delays, temporary difficulty, recurrent bad payer), which may
choose its ladder. Recomputed in one batch per company by the daily run."""

from odoo import _, api, fields, models
from odoo.tools import SQL

from .. import legal
from .recouvrement_ladder import PROFILE_CLASSES

# profile field -> column of the VALUES list that computes it
PROFILE_COLUMNS = [
    ("late_count", "late_count"),
    ("avg_days_late", "avg_days"),
    ("max_days_late", "max_days"),
    ("last_payment_date", "last_payment"),
    ("overdue_amount", "overdue"),
    ("overdue_1_30", "b1"),
    ("overdue_31_60", "b2"),
    ("overdue_61_90", "b3"),
    ("overdue_91", "b4"),
    ("max_stage_id", "max_stage"),
    ("dispute_count", "disputes"),
    ("broken_plan_count", "broken"),
    ("profile_date", "computed_on"),
    ("profile_class", "profile_class"),
    ("profile_reason", "reason"),
]
PROFILE_FIELDS = [f for f, _alias in PROFILE_COLUMNS]


class RecouvrementDebtor(models.Model):
    _inherit = "recouvrement.debtor"

    profile_class = fields.Selection(
        PROFILE_CLASSES, string="Debtor profile", copy=False, readonly=True
    )
    profile_reason = fields.Char("Profile reason", copy=False, readonly=True)
    profile_date = fields.Date("Profile computed on", copy=False, readonly=True)
    late_count = fields.Integer(
        "Invoices paid late (24 months)", copy=False, readonly=True
    )
    avg_days_late = fields.Float(
        "Average days late",
        digits=(6, 1),
        copy=False,
        readonly=True,
        aggregator="avg",
    )
    max_days_late = fields.Integer(
        "Worst days late", copy=False, readonly=True, aggregator="max"
    )
    overdue_amount = fields.Float(
        "Overdue now", digits="Account", copy=False, readonly=True
    )
    overdue_1_30 = fields.Float(
        "1-30 days", digits="Account", copy=False, readonly=True
    )
    overdue_31_60 = fields.Float(
        "31-60 days", digits="Account", copy=False, readonly=True
    )
    overdue_61_90 = fields.Float(
        "61-90 days", digits="Account", copy=False, readonly=True
    )
    overdue_91 = fields.Float("91+ days", digits="Account", copy=False, readonly=True)
    last_payment_date = fields.Date("Last payment", copy=False, readonly=True)
    max_stage_id = fields.Many2one(
        "recouvrement.stage", string="Highest stage reached", copy=False, readonly=True
    )
    dispute_count = fields.Integer("Disputes", copy=False, readonly=True)
    broken_plan_count = fields.Integer(
        "Broken payment plans", copy=False, readonly=True
    )

    @api.model
    def _recouvrement_compute_profiles(self, company, today=None):
        """Recompute the debtor profile of every customer of ``company`` in a few
        queries; the customers' recovery records are created when missing."""
        today = today or fields.Date.context_today(self)
        since = legal.add_months(today, -24)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH paid AS (
                    SELECT m.commercial_partner_id AS partner_id,
                           m.invoice_date_due AS due,
                           MAX(apr.max_date) AS paid_on
                      FROM account_move m
                      JOIN account_move_line l ON l.move_id = m.id
                      JOIN account_account a
                        ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                     WHERE m.company_id = %(company)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.payment_state IN ('paid', 'in_payment')
                       AND m.invoice_date_due >= %(since)s
                  GROUP BY m.id
                )
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE paid_on > due),
                       COALESCE(AVG(paid_on - due) FILTER (WHERE paid_on > due), 0),
                       COALESCE(MAX(paid_on - due) FILTER (WHERE paid_on > due), 0),
                       MAX(paid_on)
                  FROM paid
              GROUP BY partner_id
                """,
                company=company.id,
                since=since,
            )
        )
        history = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       SUM(a.left_due),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 1 AND 30),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 31 AND 60),
                       SUM(a.left_due) FILTER (WHERE a.age BETWEEN 61 AND 90),
                       SUM(a.left_due) FILTER (WHERE a.age > 90),
                       MAX(a.age)
                  FROM account_move m
            CROSS JOIN LATERAL (
                    SELECT %(today)s - m.invoice_date_due AS age,
                           m.amount_residual_signed AS left_due
                ) AS a
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('not_paid', 'partial')
                   AND m.invoice_date_due < %(today)s
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
                today=today,
            )
        )
        overdue = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       (ARRAY_AGG(s.id ORDER BY s.sequence DESC, s.id DESC))[1]
                  FROM account_move m
                  JOIN recouvrement_stage s ON s.id = m.recouvrement_stage_id
                 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
            )
        )
        max_stage = dict(cr.fetchall())
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id, MAX(apr.max_date)
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                  JOIN account_account a
                    ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                  JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
              GROUP BY m.commercial_partner_id
                """,
                company=company.id,
            )
        )
        last_payment = dict(cr.fetchall())
        disputes = dict(
            self.env["recouvrement.dispute"]._read_group(
                [("company_id", "=", company.id)], ["partner_id"], ["__count"]
            )
        )
        broken = dict(
            self.env["recouvrement.payment.plan"]._read_group(
                [("company_id", "=", company.id), ("state", "=", "broken")],
                ["partner_id"],
                ["__count"],
            )
        )
        partner_ids = set(history) | set(overdue) | set(max_stage) | set(last_payment)
        partner_ids |= {p.id for p in disputes} | {p.id for p in broken}
        # customers profiled before whose figures are now empty are reset too
        partner_ids |= set(
            self.with_context(active_test=False)
            .search([("profile_date", "!=", False), ("company_id", "=", company.id)])
            .partner_id.ids
        )
        Partner = self.env["res.partner"]
        rows = []
        for partner_id in sorted(partner_ids):
            late_count, avg_days, max_days, last_paid = history.get(
                partner_id, (0, 0, 0, None)
            )
            amount, b1, b2, b3, b4, oldest = overdue.get(partner_id, (0,) * 6)
            dispute_count = disputes.get(Partner.browse(partner_id), 0)
            broken_count = broken.get(Partner.browse(partner_id), 0)
            classification = self._recouvrement_classify(
                company,
                late_count=late_count,
                avg_days=float(avg_days or 0),
                oldest_overdue=int(oldest or 0),
                broken_plans=broken_count,
            )
            rows.append(
                SQL(
                    "(%s, %s::int, %s::numeric, %s::int, %s::date, %s::numeric, "
                    "%s::numeric, "
                    "%s::numeric, %s::numeric, %s::numeric, %s::int, %s::int, %s::int, "
                    "%s::date, "
                    "%s::varchar, %s::varchar)",
                    partner_id,
                    late_count or 0,
                    float(avg_days or 0),
                    int(max_days or 0),
                    last_payment.get(partner_id) or last_paid,
                    amount or 0,
                    b1 or 0,
                    b2 or 0,
                    b3 or 0,
                    b4 or 0,
                    max_stage.get(partner_id),
                    dispute_count,
                    broken_count,
                    today,
                    classification["profile_class"],
                    classification["profile_reason"],
                )
            )
        if rows:
            # One statement for every customer: the figures are statistics, not user
            # input (no tracking, no business rule on write); the customer's own row
            # is never written, so a person editing it never waits for the run.
            self.flush_model(PROFILE_FIELDS)
            columns = SQL(", ").join(SQL.identifier(f) for f, _a in PROFILE_COLUMNS)
            cr.execute(
                SQL(
                    """
                    INSERT INTO recouvrement_debtor AS d
                           (company_id, partner_id, create_uid, create_date,
                            write_uid, write_date, %(columns)s)
                    SELECT %(company)s, v.id, %(uid)s, NOW() AT TIME ZONE 'UTC',
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(values)s
                      FROM (VALUES %(rows)s)
                        AS v(id, late_count, avg_days, max_days, last_payment,
                             overdue, b1, b2, b3, b4, max_stage, disputes, broken,
                             computed_on, profile_class, reason)
                      JOIN res_partner p ON p.id = v.id
               ON CONFLICT (company_id, partner_id) DO UPDATE SET %(updates)s
                    """,
                    columns=columns,
                    company=company.id,
                    uid=self.env.uid,
                    values=SQL(", ").join(
                        SQL("v.%s", SQL.identifier(alias))
                        for _f, alias in PROFILE_COLUMNS
                    ),
                    rows=SQL(", ").join(rows),
                    updates=SQL(", ").join(
                        SQL("%s = EXCLUDED.%s", SQL.identifier(f), SQL.identifier(f))
                        for f, _a in PROFILE_COLUMNS
                    ),
                )
            )
            self.invalidate_model(PROFILE_FIELDS)
        return self.search(
            [("company_id", "=", company.id), ("partner_id", "in", sorted(partner_ids))]
        )

    @api.model
    def _recouvrement_classify(
        self, company, late_count, avg_days, oldest_overdue, broken_plans
    ):
        """Profile class and its reason, from the company's thresholds."""
        if broken_plans or (
            late_count >= company.recouvrement_profile_bad_late
            and avg_days >= company.recouvrement_profile_bad_avg_days
        ):
            reason = _(
                "%(count)s invoices paid late in 24 months, %(days)s days late on "
                "average",
                count=late_count,
                days=round(avg_days),
            )
            if broken_plans:
                reason = _(
                    "%(reason)s; %(plans)s broken payment plan(s)",
                    reason=reason,
                    plans=broken_plans,
                )
            return {
                "profile_class": "bad",
                "profile_reason": reason,
            }
        if oldest_overdue > company.recouvrement_profile_temporary_days:
            return {
                "profile_class": "temporary",
                "profile_reason": _(
                    "Overdue for %(days)s days now; %(count)s late payment(s) in 24 "
                    "months before",
                    days=oldest_overdue,
                    count=late_count,
                ),
            }
        if late_count >= company.recouvrement_profile_occasional_late:
            return {
                "profile_class": "occasional",
                "profile_reason": _(
                    "%(count)s invoice(s) paid late in 24 months, %(days)s days late "
                    "on average",
                    count=late_count,
                    days=round(avg_days),
                ),
            }
        return {
            "profile_class": "good",
            "profile_reason": _("No late payment in 24 months"),
        }
