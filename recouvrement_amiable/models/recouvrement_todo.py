"""Today: what people must do in the recovery, one row per thing to do.

A read-only SQL view over what already exists (no second copy of a rule): the
recovery's open activities due today or before (calls, problems and data to fix,
broken plans, transfers, prescriptions, rates), the letters waiting to be posted and
the stages waiting for a manager's validation (these two are the team's: no one
person is assigned). Opening a row opens the record to work on."""

from odoo import api, fields, models
from odoo.tools import SQL

TODO_KINDS = [
    ("call", "Calls to make"),
    ("letter", "Letters to post"),
    ("registered", "Registered letters to post"),
    ("validate", "Notices to validate"),
    ("promise", "Broken promises and plans"),
    ("data", "Data to fix"),
    ("task", "Other tasks"),
]
# activity type (xml id in this addon) -> kind; other types of the recovery's
# records are "task"
ACTIVITY_KINDS = {
    "mail_activity_type_recouvrement_call": "call",
    "mail_activity_type_recouvrement_issue": "data",
    "mail_activity_type_recouvrement_rate": "data",
    "mail_activity_type_recouvrement_plan_broken": "promise",
}
# the records whose activities belong to the recovery, and how they lead to a debtor
ACTIVITY_MODELS = (
    "recouvrement.debtor",
    "recouvrement.event",
    "recouvrement.payment.plan",
    "recouvrement.dossier",
    "recouvrement.dispute",
    "recouvrement.mediation",
    "recouvrement.rate",
    "account.move",
    "res.company",
)


class RecouvrementTodo(models.Model):
    _name = "recouvrement.todo"
    _description = "Recovery: to do today"
    _auto = False
    _order = "date, kind, id"
    _rec_name = "summary"
    # flushed before each read
    _depends = {
        "mail.activity": [
            "res_model",
            "res_id",
            "activity_type_id",
            "summary",
            "date_deadline",
            "user_id",
        ],
        "recouvrement.event": [
            "state",
            "channel_registered",
            "name",
            "date",
            "company_id",
            "debtor_id",
            "partner_id",
            "amount_due",
        ],
        "recouvrement.debtor": ["company_id", "partner_id"],
    }

    kind = fields.Selection(TODO_KINDS, readonly=True)
    summary = fields.Char("What", readonly=True)
    date = fields.Date("Due on", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    debtor_id = fields.Many2one(
        "recouvrement.debtor", string="Customer in recovery", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        "Amount claimed", readonly=True, currency_field="currency_id"
    )
    res_model = fields.Char(readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True)
    event_id = fields.Many2one("recouvrement.event", readonly=True)

    @property
    def _table_query(self):
        return self._todo_query()

    @api.model
    def _todo_query(self):
        types = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "recouvrement_amiable"),
                    ("model", "=", "mail.activity.type"),
                ]
            )
        )
        kind_case = SQL(
            "CASE %s ELSE 'task' END",
            SQL(" ").join(
                SQL(
                    "WHEN a.activity_type_id = %s THEN %s",
                    t.res_id,
                    ACTIVITY_KINDS[t.name],
                )
                for t in types
                if t.name in ACTIVITY_KINDS
            )
            or SQL("WHEN FALSE THEN 'task'"),
        )
        today = fields.Date.context_today(self)
        return SQL(
            """
            SELECT a.id * 2 AS id, %(kind)s AS kind, a.summary AS summary,
                   a.date_deadline AS date, a.user_id AS user_id,
                   COALESCE(d.company_id, e.company_id, p.company_id, m.company_id,
                            c.id, ds.company_id, dp.company_id, md.company_id)
                       AS company_id,
                   d.id AS debtor_id, d.partner_id AS partner_id,
                   e.amount_due AS amount, a.res_model AS res_model,
                   a.res_id AS res_id, a.id AS activity_id, e.id AS event_id
              FROM mail_activity a
              LEFT JOIN recouvrement_event e
                     ON a.res_model = 'recouvrement.event' AND e.id = a.res_id
              LEFT JOIN recouvrement_payment_plan p
                     ON a.res_model = 'recouvrement.payment.plan' AND p.id = a.res_id
              LEFT JOIN account_move m
                     ON a.res_model = 'account.move' AND m.id = a.res_id
              LEFT JOIN recouvrement_dossier ds
                     ON a.res_model = 'recouvrement.dossier' AND ds.id = a.res_id
              LEFT JOIN recouvrement_dispute dp
                     ON a.res_model = 'recouvrement.dispute' AND dp.id = a.res_id
              LEFT JOIN recouvrement_mediation md
                     ON a.res_model = 'recouvrement.mediation' AND md.id = a.res_id
              LEFT JOIN res_company c
                     ON a.res_model = 'res.company' AND c.id = a.res_id
              LEFT JOIN recouvrement_debtor d
                     ON d.id = CASE
                        WHEN a.res_model = 'recouvrement.debtor' THEN a.res_id
                        WHEN a.res_model = 'recouvrement.event' THEN e.debtor_id
                        WHEN a.res_model = 'account.move' THEN m.recouvrement_debtor_id
                        END
                     OR (d.company_id = COALESCE(p.company_id, ds.company_id,
                                                 dp.company_id, md.company_id)
                         AND d.partner_id = COALESCE(p.partner_id, ds.partner_id,
                                                 dp.partner_id, md.partner_id))
             WHERE a.res_model IN %(models)s
               AND a.date_deadline <= %(today)s
               AND (a.res_model != 'account.move' OR a.activity_type_id IN %(types)s)
               AND (a.res_model != 'res.company' OR a.activity_type_id IN %(types)s)
            UNION ALL
            SELECT e.id * 2 + 1 AS id,
                   CASE WHEN e.state = 'to_validate' THEN 'validate'
                        WHEN e.channel_registered THEN 'registered'
                        ELSE 'letter' END AS kind,
                   e.name AS summary, e.date AS date,
                   NULL::integer AS user_id,
                   e.company_id AS company_id, e.debtor_id AS debtor_id,
                   e.partner_id AS partner_id, e.amount_due AS amount,
                   'recouvrement.event' AS res_model, e.id AS res_id,
                   NULL AS activity_id, e.id AS event_id
              FROM recouvrement_event e
             WHERE e.state IN ('to_validate', 'to_post')
            """,
            kind=kind_case,
            models=ACTIVITY_MODELS,
            today=today,
            types=tuple(types.mapped("res_id")) or (0,),
        )

    @api.model
    def action_today(self):
        """Today's list, opened on the user's own and the team's (unassigned)
        to-dos; a user with none of them, such as a manager looking over the
        collectors, gets everyone's instead of an empty list."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_todo_action"
        )
        if not self.search_count([("user_id", "in", (self.env.uid, False))], limit=1):
            action["context"] = {"search_default_group_user": 1}
        return action

    def action_open(self):
        """Open what the row is about: the event, else the activity's record."""
        self.ensure_one()
        if self.event_id and not self.activity_id:
            return self.event_id._get_records_action(name=self.summary)
        record = self.env[self.res_model].browse(self.res_id)
        return record._get_records_action(name=self.summary)
