"""Daily watches: payment plans, debtor profiles, prescription, reference rates."""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models

from .. import legal


class RecouvrementWatchMixin(models.AbstractModel):
    """Daily watches on customer invoices (mixed into account.move)."""

    _name = "recouvrement.watch.mixin"
    _description = "Recovery daily watches"

    @api.model
    def _cron_recouvrement_daily(self):
        """Nightly checks that do not climb the ladder, company by company."""
        today = fields.Date.context_today(self)
        self.env["recouvrement.payment.plan"]._cron_check_plans(today)
        self._recouvrement_close_paid_sweep()
        self._recouvrement_prescription_watch(today)
        companies = (
            self.env["res.company"].search([])
            if self.env.su
            else self.env.user.company_ids
        )
        for company in companies:
            env = (
                self.with_company(company)
                .with_context(lang=company.partner_id.lang or self.env.lang)
                .env
            )
            env["recouvrement.debtor"]._recouvrement_compute_profiles(company, today)
            env["account.move"]._recouvrement_rate_watch(today, company)

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
            self._recouvrement_open_domain()
            + [
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
            user = move.company_id._recouvrement_responsible_user(
                "collector", move.invoice_user_id
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
    def _recouvrement_rate_watch(self, today, company=None):
        """Before a semester starts, ask a recovery manager to record its rates; when
        it has started, to confirm them with their source (letters claim no interest
        on a rate no manager confirmed). One activity per company and semester."""
        company = company or self.env.company
        Rate = self.env["recouvrement.rate"]
        missing = Rate._missing_upcoming_semesters(
            today, company.recouvrement_rate_alert_days
        )
        unconfirmed = Rate._recouvrement_unconfirmed_current(today)
        items = []
        user = company._recouvrement_responsible_user("manager")
        kinds = dict(Rate._fields["kind"]._description_selection(self.env))
        if missing:
            summary_key = f"rates-{missing[0][1].isoformat()}"
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
            items.append(
                {
                    "record": company.partner_id,
                    "type": "recouvrement_amiable.mail_activity_type_recouvrement_rate",
                    "summary": _(
                        "Record the reference rates (%(key)s)", key=summary_key
                    ),
                    "note": Markup("<p>%s</p><ul>%s</ul>")
                    % (
                        _(
                            "Late interest cannot be computed for the coming semester "
                            "until these rates are recorded (Banque de France, "
                            "Journal officiel):"
                        ),
                        lines,
                    ),
                    "user": user,
                    "deadline": missing[0][1] - timedelta(days=1),
                }
            )
        if unconfirmed:
            items.append(
                company._recouvrement_rates_activity(
                    [(rate.kind, rate.date_from, "unconfirmed") for rate in unconfirmed]
                )
            )
        self.env["mail.activity"]._recouvrement_notify(items)
        return missing
