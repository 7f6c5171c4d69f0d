import os

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from . import evidence

# What makes a file the file: a letter, a receipt scan or a case file of a recovery
# event keeps them, outside the recovery actions
EVIDENCE_FIELDS = frozenset(
    {"datas", "raw", "db_datas", "store_fname", "res_model", "res_id", "checksum"}
)
# The records whose files are evidence: events (letters, receipts, proofs) and case
# files (their exhibits and ZIP)
EVIDENCE_MODELS = frozenset(
    {"recouvrement.event", "recouvrement.dossier", "recouvrement.dossier.exhibit"}
)
DOCUMENT_CATEGORIES = [
    ("contract", "Contract"),
    ("cgv", "Terms of sale (CGV)"),
    ("order", "Order form / signed quote"),
    ("delivery", "Delivery note / acceptance report"),
    ("deposit", "Proof of posting"),
    ("ar", "Acknowledgement of receipt"),
    ("correspondence", "Correspondence"),
]


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    recouvrement_category = fields.Selection(
        DOCUMENT_CATEGORIES,
        string="Recovery document",
        help="Documents with a category go into the case file handed to the "
        "commissaire "
        "de justice or the lawyer.",
    )

    def _recouvrement_file_available(self):
        """Whether the attachment's content can be read (its file may be lost from the
        filestore after a bad restore)."""
        self.ensure_one()
        if self.type != "binary":
            return False
        if self.db_datas:
            return True
        if not self.store_fname:
            return False
        return os.path.isfile(self._full_path(self.store_fname))

    def _recouvrement_evidence(self):
        return self.filtered(lambda a: a.res_model in EVIDENCE_MODELS)

    def write(self, vals):
        if (
            EVIDENCE_FIELDS & set(vals)
            and not evidence.in_transition()
            and self._recouvrement_evidence()
        ):
            raise UserError(
                _(
                    "This file is the evidence of what a recovery event sent or "
                    "received (a letter, an acknowledgement of receipt, a case file): "
                    "it cannot be replaced nor moved."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_recouvrement_evidence(self):
        if not evidence.in_transition() and self._recouvrement_evidence():
            raise UserError(
                _(
                    "This file is the evidence of what a recovery event sent or "
                    "received: it cannot be deleted."
                )
            )
