from odoo import _, fields, models

EXHIBIT_KINDS = [
    ("debtor", "Debtor identification"),
    ("terms", "Terms of sale, contract"),
    ("document", "Commercial document"),
    ("invoice", "Invoice"),
    ("statement", "Statement of account"),
    ("log", "Recovery log"),
    ("letter", "Letter or email"),
    ("deposit", "Proof of posting"),
    ("receipt", "Proof of delivery"),
    ("messages", "Messages exchanged"),
    ("claim", "Claim breakdown"),
]
# The exhibits the case file writes itself (rendered when it is made ready)
GENERATED_KINDS = frozenset({"debtor", "statement", "log", "messages", "claim"})


class RecouvrementDossierExhibit(models.Model):
    """One numbered exhibit (pièce) of a case file, as listed on its bordereau."""

    _name = "recouvrement.dossier.exhibit"
    _inherit = ["recouvrement.guarded"]
    _description = "Case file exhibit"
    _order = "dossier_id, number"

    dossier_id = fields.Many2one(
        "recouvrement.dossier", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="dossier_id.company_id", store=True)
    number = fields.Integer("No.", required=True)
    key = fields.Char(
        required=True, help="What the exhibit is, stable from one check to the next."
    )
    title = fields.Char(required=True)
    date = fields.Date()
    kind = fields.Selection(EXHIBIT_KINDS, required=True)
    missing = fields.Boolean(
        help="The document is not available: a page stands in for it, marked "
        "MISSING, so that the numbering stays continuous."
    )
    expected = fields.Text("What is expected")
    regenerated = fields.Boolean(
        "Duplicate", help="No PDF sent to the customer was found: printed now."
    )
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="Stored document",
        help="The document as stored (letter, scan, invoice sent): put in the case "
        "file byte for byte.",
    )
    event_id = fields.Many2one("recouvrement.event", string="Event")
    move_id = fields.Many2one("account.move", string="Invoice")
    file = fields.Binary(
        attachment=True,
        copy=False,
        groups="recouvrement_amiable.group_recouvrement_manager",
    )
    filename = fields.Char("File name")
    size = fields.Integer()
    sha256 = fields.Char("SHA-256")

    def _recouvrement_heading(self):
        """Its heading, as on its first page and on the cover note."""
        self.ensure_one()
        heading = _(
            "Exhibit No. %(number)s: %(title)s", number=self.number, title=self.title
        )
        if self.missing:
            heading += " - " + _("MISSING")
        return heading

    def _recouvrement_guard_message(self):
        """The exhibits are the case file's own doing: planned when it is checked,
        filled when it is made ready, never edited by hand."""
        return _(
            "The exhibits of a case file follow from its invoices, events "
            "and documents: check the case file again instead."
        )
