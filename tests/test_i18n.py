"""French first: every user-facing term of the addon has a French translation."""

import re
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "recouvrement_amiable" / "i18n"


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    def test_every_term_of_the_code_is_translated(self):
        """Terms read from the installed module (models, views, reports, templates,
        Python
        messages) all have a French translation."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "recouvrement_amiable")]
        )._update_translations(["fr_FR"])
        po = polib.pofile(str(I18N / "fr.po"))
        same = {
            e.msgid for e in po if e.msgstr == e.msgid
        }  # "Total", "SIREN"... stay as they are
        reader = TranslationModuleReader(
            self.env.cr, modules=["recouvrement_amiable"], lang="fr_FR"
        )
        missing = sorted(
            {
                source
                for _m, _t, _n, _r, source, value, _c in reader
                if source and not value
            }
            - same
        )
        self.assertEqual(missing, [], "untranslated: run bash scripts/i18n")

    def test_po_file_is_complete_and_matches_the_template(self):
        pot = polib.pofile(str(I18N / "recouvrement_amiable.pot"))
        po = polib.pofile(str(I18N / "fr.po"))
        translated = {e.msgid for e in po if e.msgstr and "fuzzy" not in e.flags}
        self.assertEqual(sorted(e.msgid for e in pot if e.msgid not in translated), [])
        for entry in po:  # placeholders survive the translation
            for placeholder in ("%(", "%s", "{{"):
                self.assertEqual(
                    entry.msgid.count(placeholder),
                    entry.msgstr.count(placeholder),
                    entry.msgid,
                )

    def test_french_typography_of_the_translations(self):
        """French rules in every French text the addon prints or shows: a
        non-breaking space before : ; ! ? and %, never a plain one nor none, no
        double space."""
        po = polib.pofile(str(I18N / "fr.po"))
        faults = []
        for entry in po:
            # markup and its attributes apart
            text = re.sub(r"<[^>]*>", "X", entry.msgstr)
            text = re.sub(r"https?://\S+", "", text)
            if (
                re.search(r"[ \t][:;!?]", text)
                or re.search(r"[^\s\u00a0\u202f>][;!?:](?=\s|$)", text)
                or re.search(r"\S  +\S", text)
                or re.search(r"\d %", text)
            ):
                faults.append(entry.msgstr)
        self.assertEqual(faults, [])
