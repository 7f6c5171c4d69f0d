"""The web client in a real browser (Debian's Chromium, through Odoo's HttpCase):
a recovery manager works one customer from the worklist to its case file, in
French; then the main screens are photographed for the addon's description.

The screenshots go to $RA_SCREENSHOTS_DIR when set (scripts/screenshots sets it to
recouvrement_amiable/static/description), else to Odoo's screenshots directory."""

import base64
import datetime as dt
import json
import os
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

import odoo
from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import RecouvrementCase, on_day

# a Tuesday that is no public holiday: the registered letter is dated and posted
# that day whatever the day the tests run
TOUR_DAY = dt.datetime(2026, 12, 1, 9, 0)
LOGIN = "recouvreur"


@tagged("post_install", "-at_install")
class TestCockpitTour(RecouvrementCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company.partner_id.lang = "fr_FR"
        cls.manager = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Claire Recouvrement",
                    "login": LOGIN,
                    "password": LOGIN,
                    "email": "claire@creancier.example.fr",
                    "lang": "fr_FR",
                    "tz": "Europe/Paris",
                    "company_id": cls.company.id,
                    "company_ids": [Command.set(cls.company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                cls.env.ref("base.group_user").id,
                                cls.env.ref("account.group_account_invoice").id,
                                cls.env.ref(
                                    "recouvrement_amiable.group_recouvrement_manager"
                                ).id,
                            ]
                        )
                    ],
                }
            )
        )
        cls.company.recouvrement_signatory_id = cls.manager
        cls.company.external_report_layout_id = cls.env.ref(
            "web.external_layout_standard"
        )

    def _customer_at_reminder_2(self):
        """A customer whose second reminder's deadline has passed: its next step
        is the formal notice."""
        today = TOUR_DAY.date()
        moves = self.invoice(
            self.b2b, 2400, today - timedelta(days=75), today - timedelta(days=45)
        )
        moves |= self.invoice(
            self.b2b, 960, today - timedelta(days=60), today - timedelta(days=30)
        )
        self.invoice(
            self.b2b_2, 1380, today - timedelta(days=40), today - timedelta(days=10)
        )
        # reminder 2 on Friday 13 November (the call on the 11th, a public
        # holiday, is no letter)
        self.escalate_to(moves, "relance_2", today - timedelta(days=18))
        # the reminders were posted the day they were printed
        for event in self.events(self.b2b, state="to_post"):
            with on_day(event.date):
                event.action_mark_posted()
        return moves

    def test_recovery_manager_goes_from_the_worklist_to_the_case_file(self):
        moves = self._customer_at_reminder_2()
        with freeze_time(TOUR_DAY, tick=True):
            self.start_tour(
                "/odoo/action-recouvrement_amiable.recouvrement_debtor_action",
                "recouvrement_amiable_cockpit",
                login=LOGIN,
                timeout=240,
            )
        notice = self.env["recouvrement.event"].search(
            [("move_ids", "in", moves.ids), ("stage_id.kind", "=", "mise_en_demeure")]
        )
        self.assertEqual(notice.state, "done")
        self.assertEqual(notice.tracking_number, "1A44829302011")
        self.assertEqual(notice.receipt_date, TOUR_DAY.date())
        self.assertEqual(notice.validated_by_id, self.manager)
        dossier = self.env["recouvrement.dossier"].search(
            [("partner_id", "=", self.b2b.id)]
        )
        self.assertEqual(dossier.move_ids, moves)
        self.assertEqual(dossier.create_uid, self.manager)
        self._photograph_main_screens(dossier)

    # ------------------------------------------------------------------
    # Screenshots of the main screens
    # ------------------------------------------------------------------
    def _screenshot_dir(self, keep=True):
        target = os.environ.get("RA_SCREENSHOTS_DIR") if keep else None
        if target:
            path = Path(target)
        else:
            path = Path(odoo.tools.config["screenshots"]) / "recouvrement_amiable"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _photograph(self, url_path, ready, name, login=LOGIN, keep=True):
        """Open ``url_path`` as ``login`` (the recovery manager), wait until an
        element matches ``ready`` (a CSS selector), and save the page as
        ``name``.png (``keep``: in the addon's description when asked)."""
        browser = ChromeBrowser(self)
        try:
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(self.base_url() + url_path, wait_stop=False)
            found = f"!!document.querySelector({json.dumps(ready)})"
            self.assertTrue(browser._wait_ready(found, timeout=60), name)
            # let the last rendering (fonts, avatars) settle
            browser._wait_ready(
                "new Promise((resolve) => setTimeout(() => resolve(true), 800))"
            )
            shot = browser._websocket_request("Page.captureScreenshot", timeout=30)
            png = base64.b64decode(shot["data"])
            self.assertTrue(png.startswith(b"\x89PNG"), name)
            (self._screenshot_dir(keep) / f"{name}.png").write_bytes(png)
        finally:
            browser.stop()
            self._wait_remaining_requests()

    def _photograph_main_screens(self, dossier):
        action = "/odoo/action-recouvrement_amiable"
        debtor = self.debtor(self.b2b)
        # the manager collects too; the night's run gives her today's calls
        self.company.recouvrement_collector_id = self.manager
        self.run_cron(TOUR_DAY.date())
        screens = [
            (
                f"{action}.recouvrement_debtor_action",
                ".o_list_view .o_data_row",
                "screenshot_worklist",
            ),
            (
                f"{action}.recouvrement_debtor_action?view_type=kanban",
                ".o_kanban_record",
                "screenshot_worklist_kanban",
            ),
            (
                f"{action}.recouvrement_debtor_action/{debtor.id}",
                ".o_form_view .o_field_widget[name=claim_total]",
                "screenshot_customer",
            ),
            (
                f"{action}.recouvrement_todo_action",
                ".o_action_manager .o_view_controller",
                "screenshot_today",
            ),
            (
                f"{action}.recouvrement_report_action",
                ".o_pivot table",
                "screenshot_analysis",
            ),
            (
                f"{action}.recouvrement_dossier_action/{dossier.id}",
                ".o_form_view .o_field_widget[name=check_ids]",
                "screenshot_case_file",
            ),
        ]
        with freeze_time(TOUR_DAY, tick=True):
            for url_path, ready, name in screens:
                self._photograph(url_path, ready, name)
            # the Apps screen as an administrator sees the addon: its icon and page
            module = self.env["ir.module.module"].search(
                [("name", "=", "recouvrement_amiable")]
            )
            self.assertTrue(module.icon_image)
            self.assertIn("Screenshots", module.description_html)
            self._photograph(
                f"/odoo/action-base.open_module_tree/{module.id}",
                ".o_form_view .o_field_widget[name=description_html]",
                "screenshot_apps",
                login="admin",
                keep=False,
            )
