from odoo import _, fields, models
from odoo.exceptions import UserError

from . import evidence

CHECK_KINDS = [
    ("notice", "Formal notice"),
    ("proof", "Proof of a registered letter"),
    ("missing", "Missing exhibit"),
    ("rate", "Reference rate"),
    ("debtor", "Debtor's identity"),
    ("invoice", "Invoices"),
]


class RecouvrementDossierCheck(models.Model):
    """What to do before a case file is ready, one line each. A blocking check is
    solved (then it disappears at the next check) or, when the law allows a
    judgement, overridden by a recovery manager with a written reason."""

    _name = "recouvrement.dossier.check"
    _inherit = ["recouvrement.guarded"]
    _description = "Case file check"
    _order = "dossier_id, sequence, id"

    dossier_id = fields.Many2one(
        "recouvrement.dossier", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="dossier_id.company_id", store=True)
    sequence = fields.Integer()
    key = fields.Char(required=True)
    kind = fields.Selection(CHECK_KINDS, required=True)
    message = fields.Text(required=True)
    blocking = fields.Boolean()
    overridable = fields.Boolean()
    state = fields.Selection(
        [("open", "To solve"), ("overridden", "Overridden")],
        default="open",
        required=True,
    )
    reason = fields.Text("Reason of the override", readonly=True)
    overridden_by_id = fields.Many2one("res.users", readonly=True)
    overridden_on = fields.Datetime(readonly=True)

    def _recouvrement_guard_message(self):
        return _("A check is solved, or overridden with a reason: not edited.")

    def action_override(self):
        self.ensure_one()
        self.dossier_id._recouvrement_check_manager()
        if not self.overridable or self.state != "open":
            raise UserError(_("This check cannot be overridden: solve it."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Override with a reason"),
            "res_model": "recouvrement.dossier.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_check_id": self.id},
        }

    def _recouvrement_override(self, reason):
        """Go on despite this check: the reason is kept on the check and in the
        case file's history, and printed on its cover note."""
        self.ensure_one()
        self.dossier_id._recouvrement_check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the override."))
        if not self.overridable or self.state != "open":
            raise UserError(_("This check cannot be overridden: solve it."))
        if self.dossier_id.state != "draft":
            raise UserError(_("Only the checks of a draft case file are overridden."))
        with evidence.transition():
            self.write(
                {
                    "state": "overridden",
                    "reason": reason,
                    "overridden_by_id": self.env.user.id,
                    "overridden_on": fields.Datetime.now(),
                }
            )
        self.dossier_id.message_post(
            body=_(
                "Check overridden: %(check)s Reason: %(reason)s",
                check=self.message,
                reason=reason,
            )
        )
        return True
