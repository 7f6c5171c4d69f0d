from datetime import timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from .. import legal


class RecouvrementRate(models.Model):
    """Reference rates by period: the ECB main refinancing rate in force on the first
    day of each semester (default late-payment rate = ECB + 10 points, L441-10 C. com.)
    and the two categories of the French legal interest rate (art. L313-2 CMF).

    Shipped as data (Banque de France, Journal officiel) and editable: every figure
    is dated and sourced.
    """

    _name = "recouvrement.rate"
    _description = "Reference rate (ECB, legal interest rate)"
    _order = "kind, date_from desc"
    _inherit = ["mail.thread"]

    kind = fields.Selection(
        [
            (legal.RATE_ECB, "ECB main refinancing rate (1st day of the semester)"),
            (
                legal.RATE_LEGAL_PRO,
                "Legal interest rate - other cases (professional creditor)",
            ),
            (legal.RATE_LEGAL_INDIVIDUAL, "Legal interest rate - individual creditor"),
        ],
        required=True,
    )
    date_from = fields.Date("Valid from", required=True)
    date_to = fields.Date("Valid to", required=True)
    value = fields.Float("Rate (%)", digits=(7, 4), required=True, aggregator=None)
    source = fields.Char(
        help="Where the figure comes from (decree, ECB decision, ...)."
    )
    reliability = fields.Selection(
        [
            ("verified", "Verified on the official text"),
            ("secondary", "Serious secondary source"),
            ("unverified", "Not verified: confirm before use"),
        ],
        default="unverified",
        required=True,
        tracking=True,
        help="Letters claim no interest at a rate not verified: a recovery manager "
        "confirms it with its source first.",
    )
    confirmed_by_id = fields.Many2one(
        "res.users", string="Confirmed by", readonly=True, copy=False
    )
    confirmed_on = fields.Datetime("Confirmed on", readonly=True, copy=False)
    note = fields.Text()

    _sql_constraints = [
        (
            "dates_check",
            "CHECK (date_to >= date_from)",
            "The end of a rate period cannot be before its start.",
        ),
    ]

    @api.depends("kind", "date_from", "date_to", "value")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for rate in self:
            rate.display_name = _(
                "%(kind)s %(date_from)s-%(date_to)s: %(value)s %%",
                kind=kinds.get(rate.kind, ""),
                date_from=rate.date_from and rate.date_from.strftime("%d/%m/%Y"),
                date_to=rate.date_to and rate.date_to.strftime("%d/%m/%Y"),
                value=rate.value,
            )

    @api.constrains("kind", "date_from", "date_to")
    def _check_overlap(self):
        for rate in self:
            overlapping = self.search_count(
                [
                    ("id", "!=", rate.id),
                    ("kind", "=", rate.kind),
                    ("date_from", "<=", rate.date_to),
                    ("date_to", ">=", rate.date_from),
                ],
                limit=1,
            )
            if overlapping:
                raise ValidationError(
                    _(
                        "Two rates of the same kind overlap around %(date)s: "
                        "each day must have exactly one rate.",
                        date=rate.date_from.strftime("%d/%m/%Y"),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        if {"value", "date_from", "date_to", "kind"} & set(vals) and not vals.get(
            "reliability"
        ):
            # a figure changed: it must be confirmed again
            vals = dict(
                vals,
                reliability="unverified",
                confirmed_by_id=False,
                confirmed_on=False,
            )
        return super().write(vals)

    def action_confirm(self):
        """A recovery manager confirms the figure with its source: letters may then
        claim interest computed on it."""
        self.check_access("write")
        if not self.env.user.has_group(
            "recouvrement_amiable.group_recouvrement_manager"
        ):
            raise UserError(_("Only recovery managers can confirm a reference rate."))
        for rate in self:
            if not (rate.source or "").strip():
                raise UserError(
                    _(
                        "Give the source of the rate %(rate)s (decree, ECB decision, "
                        "Banque de France page) before confirming it.",
                        rate=rate.display_name,
                    )
                )
        self.write(
            {
                "reliability": "verified",
                "confirmed_by_id": self.env.user.id,
                "confirmed_on": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=_(
                "Rate confirmed with its source by %(user)s.", user=self.env.user.name
            )
        )
        return True

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    @tools.ormcache()
    def _rate_rows(self):
        rows = self.sudo().search_read(
            [], ["kind", "date_from", "date_to", "value", "source", "reliability"]
        )
        return tuple(
            (
                r["kind"],
                r["date_from"],
                r["date_to"],
                legal.percent(r["value"]),
                r["source"] or "",
                r["reliability"] != "unverified",
            )
            for r in rows
        )

    @api.model
    def _rate_book(self):
        """The rates as a ``legal.RateBook`` (cached; cleared when a rate changes)."""
        return legal.RateBook(legal.RatePeriod(*row) for row in self._rate_rows())

    @api.model
    def _get_rate(self, kind, day):
        """The rate record of ``kind`` that applies on ``day``.

        :raise UserError: naming the missing period when no rate is known.
        """
        rate = self.search(
            [("kind", "=", kind), ("date_from", "<=", day), ("date_to", ">=", day)],
            limit=1,
        )
        if not rate:
            start, end = legal.semester_bounds(day)
            raise UserError(self._missing_rate_message(kind, start, end))
        return rate

    @api.model
    def _missing_rate_message(self, kind, period_start, period_end):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return _(
            "No %(kind)s is known for the period from %(start)s to %(end)s. "
            "Add it under Configuration > Recovery > Reference rates "
            "(source: Banque de France / Journal officiel) before computing late "
            "interest.",
            kind=kinds.get(kind, kind),
            start=period_start.strftime("%d/%m/%Y"),
            end=period_end.strftime("%d/%m/%Y"),
        )

    @api.model
    def _user_error_from(self, error):
        """Turn an error of the pure legal module into a clear, translated UserError."""
        if isinstance(error, legal.MissingRateError):
            return UserError(
                self._missing_rate_message(
                    error.kind, error.period_start, error.period_end
                )
            )
        if isinstance(error, legal.PublicDebtorError):
            return UserError(
                _(
                    "Public bodies (State, local authorities, hospitals) follow the "
                    "public "
                    "procurement rules: their recovery is out of the scope of this "
                    "module."
                )
            )
        return UserError(str(error))

    @api.model
    def _recouvrement_unconfirmed_current(self, today):
        """The rates of the current semester (ECB, legal rate) no manager confirmed."""
        start = legal.semester_bounds(today)[0]
        return self.search(
            [
                ("kind", "in", (legal.RATE_ECB, legal.RATE_LEGAL_PRO)),
                ("date_from", "<=", start),
                ("date_to", ">=", start),
                ("reliability", "=", "unverified"),
            ]
        )

    @api.model
    def _recouvrement_rates_label(self, rates):
        """ "ECB rate, semester from 01/07/2026 (not confirmed)" for (kind, semester
        start, "missing" | "unconfirmed") items."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        labels = []
        for kind, start, status in rates:
            state = _("missing") if status == "missing" else _("not confirmed")
            labels.append(
                _(
                    "%(kind)s, semester from %(start)s (%(state)s)",
                    kind=kinds.get(kind, kind),
                    start=start.strftime("%d/%m/%Y"),
                    state=state,
                )
            )
        return "; ".join(labels)

    @api.model
    def _missing_upcoming_semesters(self, today, horizon_days):
        """Semesters starting within ``horizon_days`` whose rates are missing."""
        book = self._rate_book()
        next_start = legal.semester_bounds(today)[1] + timedelta(days=1)
        if (next_start - today).days > horizon_days:
            return []
        missing = []
        for kind in (legal.RATE_ECB, legal.RATE_LEGAL_PRO):
            for start, end in book.missing_semesters(kind, next_start, next_start):
                missing.append((kind, start, end))
        return missing
