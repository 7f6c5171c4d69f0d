"""Daily watches: payment plans, debtor profiles, prescription, reference rates."""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models

from .. import legal
from .constants import OPEN_PAYMENT_STATES


class RecouvrementWatchMixin(models.AbstractModel):
    """Daily watches on customer invoices (mixed into account.move)."""

    _name = "recouvrement.watch.mixin"
    _description = "Recovery daily watches"

    @api.model
    def _cron_recouvrement_daily(self):
        """Nightly checks that do not climb the ladder."""
        today = fields.Date.context_today(self)
        self.env["recouvrement.payment.plan"]._cron_check_plans(today)
        self._recouvrement_close_paid_sweep()
        # statistics of every company, per company (the cron user is the superuser)
        Partner = self.env["res.partner"].sudo()
        for company in self.env["res.company"].sudo().search([]):
            Partner._recouvrement_compute_profiles(company, today)
        self._recouvrement_prescription_watch(today)
        self._recouvrement_rate_watch(today)

    @api.model
    def _recouvrement_close_paid_sweep(self, limit=5000):
        """Invoices paid by a path that skipped the paid hook still leave recovery."""
        moves = self.search(
            [
                ("move_type", "=", "out_invoice"),
                ("recouvrement_state", "not in", (False, "closed")),
                ("payment_state", "in", ("paid", "in_payment", "reversed")),
            ],
            limit=limit,
        )
        moves._recouvrement_close_paid()
        return moves

    @api.model
    def _recouvrement_prescription_watch(self, today):
        """One activity per invoice whose prescription is near, never twice."""
        activity_type = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_prescription"
        )
        companies = self.env["res.company"].search([])
        max_days = max(companies.mapped("recouvrement_prescription_alert_days") or [90])
        # Shortest period is 2 years (B2C): older invoices only, then the exact date in
        # Python.
        horizon = today + timedelta(days=max_days) - timedelta(days=2 * 366)
        moves = self.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", OPEN_PAYMENT_STATES),
                ("recouvrement_prescription_alerted", "=", False),
                ("invoice_date", "<=", horizon),
            ]
        )
        near = moves.filtered(
            lambda m: m.recouvrement_prescription_date
            and legal.prescription_is_near(
                m.recouvrement_prescription_date,
                today,
                m.company_id.recouvrement_prescription_alert_days,
            )
        )
        if not near:
            return near
        model_id = self.env["ir.model"]._get_id("account.move")
        vals_list = []
        for move in near:
            user = (
                move.invoice_user_id
                or move.company_id.recouvrement_collector_id
                or self.env.user
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": move.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": min(
                        move.recouvrement_prescription_date, today + timedelta(days=7)
                    ),
                    "summary": _(
                        "Time-barred on %(date)s",
                        date=move.recouvrement_prescription_date.strftime("%d/%m/%Y"),
                    ),
                    "note": Markup("<p>%s</p>")
                    % _(
                        "Invoice %(invoice)s becomes time-barred on %(date)s. "
                        "Reminders and formal "
                        "notices do not interrupt the prescription: only an "
                        "acknowledgement by "
                        "the debtor (payment, signed payment plan) or a claim in court "
                        "does "
                        "(art. 2240, 2241 C. civ.).",
                        invoice=move.name,
                        date=move.recouvrement_prescription_date.strftime("%d/%m/%Y"),
                    ),
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)
        near.write({"recouvrement_prescription_alerted": True})
        return near

    @api.model
    def _recouvrement_rate_watch(self, today):
        """Before a semester starts, ask the recovery manager to record its rates
        (once)."""
        Rate = self.env["recouvrement.rate"]
        company = self.env.company
        missing = Rate._missing_upcoming_semesters(
            today, company.recouvrement_rate_alert_days
        )
        if not missing:
            return []
        activity_type = self.env.ref(
            "recouvrement_amiable.mail_activity_type_recouvrement_rate"
        )
        group = self.env.ref("recouvrement_amiable.group_recouvrement_manager")
        user = company.recouvrement_collector_id.filtered(
            lambda u: group in u.groups_id
        )
        user = (
            user
            or group.users.filtered(lambda u: company in u.company_ids)[:1]
            or self.env.user
        )
        kinds = dict(Rate._fields["kind"]._description_selection(self.env))
        summary_key = f"rates-{missing[0][1].isoformat()}"
        existing = (
            self.env["mail.activity"]
            .sudo()
            .search_count(
                [
                    ("activity_type_id", "=", activity_type.id),
                    ("summary", "like", summary_key),
                ]
            )
        )
        if existing:
            return missing
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % _(
                "%(kind)s from %(start)s to %(end)s",
                kind=kinds.get(kind, kind),
                start=start.strftime("%d/%m/%Y"),
                end=end.strftime("%d/%m/%Y"),
            )
            for kind, start, end in missing
        )
        self.env["mail.activity"].sudo().create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": company.partner_id.id,
                "activity_type_id": activity_type.id,
                "user_id": user.id,
                "date_deadline": missing[0][1] - timedelta(days=1),
                "summary": _("Record the reference rates (%(key)s)", key=summary_key),
                "note": Markup("<p>%s</p><ul>%s</ul>")
                % (
                    _(
                        "Late interest cannot be computed for the coming semester "
                        "until these "
                        "rates are recorded (Banque de France, Journal officiel):"
                    ),
                    lines,
                ),
            }
        )
        return missing
