from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import decision
from .constants import DEADLINE_STAGE_KINDS

STAGE_KINDS = [
    ("pre_reminder", "Pre-reminder"),
    ("call", "Reminder call"),
    ("relance_1", "Reminder 1 (courteous)"),
    ("relance_2", "Reminder 2 (warning)"),
    ("mise_en_demeure", "Formal notice (mise en demeure)"),
    ("transfer", "Transfer to a commissaire de justice / lawyer"),
    ("custom", "Other"),
]
CHANNEL_FIELDS = (
    "channel_email",
    "channel_letter",
    "channel_registered",
    "channel_phone",
    "channel_manual",
)


class RecouvrementStage(models.Model):
    """One rung of a recovery ladder.

    Delays, channels, templates and the validation flag are data: a company edits
    its ladder without touching code (practice, not law).
    """

    _name = "recouvrement.stage"
    _description = "Recovery stage"
    _order = "ladder_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, required=True)
    active = fields.Boolean(default=True)
    ladder_id = fields.Many2one(
        "recouvrement.ladder",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        related="ladder_id.company_id",
        store=True,
        index=True,
        precompute=True,
    )
    kind = fields.Selection(
        STAGE_KINDS,
        required=True,
        default="custom",
        help="What the stage means legally: it chooses the letter's wording.",
    )
    delay_days = fields.Integer(
        "Delay (days after due date)",
        aggregator=None,
        help="The stage is due this many days after the invoice's due date (negative: "
        "before).",
    )
    channel_email = fields.Boolean("Email")
    channel_letter = fields.Boolean("Letter")
    channel_registered = fields.Boolean("Registered letter (LRAR)")
    channel_phone = fields.Boolean("Phone call")
    channel_manual = fields.Boolean("Manual action")
    auto_execute = fields.Boolean(
        "Automatic",
        default=True,
        help="The nightly run executes the stage when it is due. Otherwise the invoice "
        "waits at the previous stage and the collector gets an activity to act by "
        "hand.",
    )
    needs_validation = fields.Boolean(
        help="The nightly run prepares the stage but a recovery manager validates it "
        "before anything is sent.",
    )
    payment_deadline_days = fields.Integer(
        "Payment deadline (business debtors)",
        aggregator=None,
        default=8,
        help="Days the reminder 2 or the formal notice gives to pay. They run from "
        "the letter's first presentation: the letter states its date plus the "
        "company's delivery allowance plus these days, and the next stage waits "
        "until the day after.",
    )
    payment_deadline_days_b2c = fields.Integer(
        "Payment deadline (consumers)",
        aggregator=None,
        default=15,
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        string="Letter template",
        domain=[("model", "=", "recouvrement.event")],
        help="The QWeb letter printed for the letter channels (and attached to "
        "emails).",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "recouvrement.event")],
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity type",
        help="Activity created for the phone and manual channels.",
    )
    call_script = fields.Html(translate=True, sanitize=True)
    color = fields.Integer()

    @api.constrains(*CHANNEL_FIELDS)
    def _check_channels(self):
        for stage in self:
            if not any(stage[f] for f in CHANNEL_FIELDS):
                raise ValidationError(
                    _("Stage %(stage)s needs at least one channel.", stage=stage.name)
                )

    @api.constrains("payment_deadline_days", "payment_deadline_days_b2c")
    def _check_deadlines(self):
        for stage in self:
            if stage.payment_deadline_days < 0 or stage.payment_deadline_days_b2c < 0:
                raise ValidationError(_("A payment deadline cannot be negative."))

    def _channels(self):
        self.ensure_one()
        return {f[len("channel_") :] for f in CHANNEL_FIELDS if self[f]}

    def _recouvrement_decision_stage(self, debtor_type, company):
        """The stage as the pure rules see it (decision.Stage) for a debtor of
        ``debtor_type`` in ``company``."""
        self.ensure_one()
        channels = self._channels()
        letter = bool(channels & {"letter", "registered"})
        return decision.Stage(
            key=self.id,
            sequence=self.sequence,
            order_key=self.id,
            kind=self.kind,
            delay_days=self.delay_days,
            automatic=self.auto_execute,
            needs_validation=self.needs_validation,
            registered="registered" in channels,
            letter="letter" in channels,
            claims=bool(self.report_id or self.mail_template_id),
            deadline_days=self._payment_deadline(debtor_type)
            if self.kind in DEADLINE_STAGE_KINDS
            else None,
            # a deadline runs from the letter's first presentation: the post's
            # days are counted for every letter that gives one, even sent by email
            # (it may be printed and posted, and more time never harms the debtor)
            delivery_days=company.recouvrement_notice_delivery_days
            if letter or self.kind in DEADLINE_STAGE_KINDS
            else 0,
        )

    def _letter_possible(self):
        """Whether the stage has a letter to print (used as the email fallback)."""
        self.ensure_one()
        return bool(self.report_id)

    def _payment_deadline(self, debtor_type):
        self.ensure_one()
        return (
            self.payment_deadline_days_b2c
            if debtor_type == "b2c"
            else self.payment_deadline_days
        )

    def write(self, vals):
        res = super().write(vals)
        if {
            "delay_days",
            "sequence",
            "active",
            "auto_execute",
            "needs_validation",
            "payment_deadline_days",
            "payment_deadline_days_b2c",
            "ladder_id",
        } & set(vals):
            self.env["recouvrement.debtor"]._recouvrement_replan(
                [("company_id", "in", self.company_id.ids)]
            )
        return res
