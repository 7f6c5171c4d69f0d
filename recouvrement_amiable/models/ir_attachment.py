import os

from odoo import fields, models

DOCUMENT_CATEGORIES = [
    ("contract", "Contract"),
    ("cgv", "Terms of sale (CGV)"),
    ("order", "Order form / signed quote"),
    ("delivery", "Delivery note / acceptance report"),
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
