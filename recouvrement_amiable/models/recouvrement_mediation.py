from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class RecouvrementMediation(models.Model):
    """A referral to the Médiateur des entreprises (free, confidential,
    business-to-business). Recovery is suspended from the referral; the
    prescription only from the day the debtor accepts to mediate (art. 2238 C.
    civ.)."""

    _name = "recouvrement.mediation"
    _description = "Referral to the Médiateur des entreprises"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char("Reference", required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "recouvrement_mediation_account_move_rel",
        "mediation_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    mediator_id = fields.Many2one("res.partner", string="Mediator")
    date_start = fields.Date(
        "Referred on", required=True, default=fields.Date.context_today
    )
    date_agreed = fields.Date(
        "Mediation agreed on",
        tracking=True,
        help="The day both parties agreed in writing to mediate, else the day of "
        "the first meeting with the mediator. The prescription is suspended from "
        "that day, not from the referral, until the mediation ends (art. 2238 C. "
        "civ.).",
    )
    date_end = fields.Date(
        "Suspended until",
        compute="_compute_date_end",
        store=True,
        readonly=False,
        help="Recovery resumes on this date if no outcome was recorded. Once the "
        "mediation is over, the day a party or the mediator declared it over: the "
        "prescription's suspension ends then (art. 2238 C. civ.); correct it when "
        "the outcome is recorded late.",
    )
    state = fields.Selection(
        [("open", "In progress"), ("agreement", "Agreement"), ("failure", "Failure")],
        default="open",
        required=True,
        tracking=True,
    )
    outcome = fields.Text()

    @api.depends("date_start", "company_id.recouvrement_mediation_months")
    def _compute_date_end(self):
        for mediation in self:
            if mediation.date_start:
                months = mediation.company_id.recouvrement_mediation_months or 3
                mediation.date_end = mediation.date_start + relativedelta(months=months)

    @api.constrains("date_start", "date_agreed")
    def _check_date_start(self):
        today = fields.Date.context_today(self)
        for mediation in self:
            if mediation.date_start and mediation.date_start > today:
                raise ValidationError(
                    _(
                        "A referral to the mediator is recorded once made: "
                        "%(date)s is in the future.",
                        date=mediation.date_start.strftime("%d/%m/%Y"),
                    )
                )
            if mediation.date_agreed and mediation.date_agreed > today:
                raise ValidationError(
                    _(
                        "The debtor's acceptance of the mediation is recorded once "
                        "given: %(date)s is in the future.",
                        date=mediation.date_agreed.strftime("%d/%m/%Y"),
                    )
                )

    def _recouvrement_suspension(self, today):
        """(first day, last day) the mediation suspends the prescription, or None
        while the debtor has not accepted it (art. 2238 C. civ.)."""
        self.ensure_one()
        if not self.date_agreed:
            return None
        return (self.date_agreed, min(self.date_end or today, today))

    @api.model_create_multi
    def create(self, vals_list):
        mediations = super().create(vals_list)
        for mediation in mediations:
            moves = mediation.move_ids
            if not moves:
                raise UserError(_("Select the invoices the mediation is about."))
            if len(moves.commercial_partner_id) > 1:
                raise UserError(_("A mediation concerns the invoices of one customer."))
            moves._recouvrement_suspend(
                "mediation",
                mediation.date_end,
                _(
                    "Referred to the Médiateur des entreprises on %(date)s (ref. "
                    "%(ref)s).",
                    date=mediation.date_start.strftime("%d/%m/%Y"),
                    ref=mediation.name,
                ),
                "mediation",
            )
        return mediations

    def action_failure(self):
        for mediation in self.filtered(lambda m: m.state == "open"):
            mediation.write(
                {"state": "failure", "date_end": fields.Date.context_today(self)}
            )
            moves = mediation.move_ids.filtered(
                lambda m: m.recouvrement_state == "mediation"
                and m._recouvrement_is_open()
            )
            moves._recouvrement_resume(
                _("Mediation failed: %(outcome)s", outcome=mediation.outcome or "-")
            )
        return True

    def action_agreement(self):
        """Agreement: record it and propose the payment plan the parties agreed on."""
        self.ensure_one()
        self.write({"state": "agreement", "date_end": fields.Date.context_today(self)})
        moves = self.move_ids.filtered(lambda m: m._recouvrement_is_open())
        if not moves:
            return True
        return {
            "type": "ir.actions.act_window",
            "res_model": "recouvrement.payment.plan.create",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": moves.ids},
        }
