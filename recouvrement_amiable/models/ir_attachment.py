import os

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from . import evidence

# What makes a file the file: a letter, a receipt scan or a case file of a recovery
# event keeps them, outside the recovery actions
EVIDENCE_FIELDS = frozenset(
    {"datas", "raw", "db_datas", "store_fname", "res_model", "res_id", "checksum"}
)
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

    def _recouvrement_evidence(self):
        return self.filtered(lambda a: a.res_model == "recouvrement.event")

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

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """The files of a recovery event's restricted fields (the case file, for
        recovery managers) are found only by those who may read the field: the
        event's other readers, who could otherwise open it by its id, do not see
        them. Odoo already hides the files of binary fields from the searches that
        do not ask for them (its ``res_field = False`` condition)."""
        if not self.env.su and (
            self.env.context.get("skip_res_field_check")
            or any(
                isinstance(leaf, list | tuple) and leaf[0] in ("id", "res_field")
                for leaf in domain
            )
        ):
            restricted = self._recouvrement_restricted_fields()
            if restricted:
                domain = expression.AND(
                    [
                        domain,
                        [
                            "!",
                            "&",
                            ("res_model", "=", "recouvrement.event"),
                            ("res_field", "in", restricted),
                        ],
                    ]
                )
        return super()._search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def _recouvrement_restricted_fields(self):
        Event = self.env["recouvrement.event"]
        return [
            name
            for name, field in Event._fields.items()
            if field.type == "binary"
            and field.attachment
            and not field.is_accessible(self.env)
        ]
