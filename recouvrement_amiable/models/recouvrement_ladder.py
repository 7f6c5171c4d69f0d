from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

PROFILE_CLASSES = [
    ("good", "Good payer"),
    ("occasional", "Occasional delays"),
    ("temporary", "Temporary difficulty"),
    ("bad", "Recurrent bad payer"),
]


class RecouvrementLadder(models.Model):
    """An escalation ladder: the ordered stages a customer's overdue invoices climb.

    Each company has a default ladder; other ladders serve a debtor profile class
    (e.g. recurrent bad payers skip the courtesy stages) or single partners (key
    accounts with slower delays).
    """

    _name = "recouvrement.ladder"
    _description = "Recovery ladder"
    _order = "company_id, is_default desc, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    is_default = fields.Boolean(
        "Default ladder", help="The ladder of every customer that has no other one."
    )
    profile_class = fields.Selection(
        PROFILE_CLASSES,
        help="Customers of this debtor profile class follow this ladder, unless they "
        "have "
        "a ladder of their own.",
    )
    stage_ids = fields.One2many("recouvrement.stage", "ladder_id", string="Stages")
    stage_count = fields.Integer(compute="_compute_stage_count")
    note = fields.Text()

    _sql_constraints = [
        (
            "default_unique",
            "EXCLUDE (company_id WITH =) WHERE (is_default AND active)",
            "A company can have only one default ladder.",
        ),
        (
            "profile_unique",
            "EXCLUDE (company_id WITH =, profile_class WITH =) WHERE (profile_class IS "
            "NOT NULL AND active)",
            "A company can have only one ladder per debtor profile class.",
        ),
    ]

    @api.depends("stage_ids")
    def _compute_stage_count(self):
        counts = dict(
            self.env["recouvrement.stage"]._read_group(
                [("ladder_id", "in", self.ids)], ["ladder_id"], ["__count"]
            )
        )
        for ladder in self:
            ladder.stage_count = counts.get(ladder, 0)

    @api.constrains("is_default", "active")
    def _check_default_active(self):
        for ladder in self:
            if ladder.is_default and not ladder.active:
                raise ValidationError(
                    _("The default ladder of a company cannot be archived.")
                )

    def _active_stages(self):
        """Active stages of the ladder, in order."""
        self.ensure_one()
        return self.stage_ids.filtered("active").sorted(lambda s: (s.sequence, s.id))

    def action_open_stages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_stage_action"
        )
        action["domain"] = [("ladder_id", "=", self.id)]
        action["context"] = {"default_ladder_id": self.id}
        return action
