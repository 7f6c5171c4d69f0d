from odoo import api, models
from odoo.exceptions import UserError

from . import evidence


class RecouvrementGuarded(models.AbstractModel):
    """Records that only the recovery actions write (inside evidence.transition()):
    nobody creates, changes or deletes them by hand, whatever their rights. The
    inheriting model says why in ``_recouvrement_guard_message``."""

    _name = "recouvrement.guarded"
    _description = "Written by the recovery actions only"

    @api.model_create_multi
    def create(self, vals_list):
        self.browse()._recouvrement_check_transition("create")
        return super().create(vals_list)

    def write(self, vals):
        self._recouvrement_check_transition("write")
        return super().write(vals)

    def unlink(self):
        self._recouvrement_check_transition("unlink")
        return super().unlink()

    def _recouvrement_check_transition(self, operation):
        if not evidence.in_transition():
            self.check_access(operation)  # no right: an access error first
            raise UserError(self._recouvrement_guard_message())

    def _recouvrement_guard_message(self):
        raise NotImplementedError
