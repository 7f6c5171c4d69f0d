"""The upgrade to 18.0.1.1.0 keeps what users entered under 18.0.1.0.0: the plans'
acceptance dates (a renamed column) and the day resolved disputes closed."""

import importlib.util
from pathlib import Path

from .common import RecouvrementCase, on_day

MIGRATIONS = (
    Path(__file__).resolve().parents[1]
    / "recouvrement_amiable"
    / "migrations"
    / "18.0.1.1.0"
)


def _script(name):
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


class TestMigration(RecouvrementCase):
    def test_a_plan_signed_before_the_upgrade_keeps_its_acceptance_date(self):
        cr = self.env.cr
        # the 18.0.1.0.0 table: the date in "signed_on"
        self.env.flush_all()
        cr.execute(
            "ALTER TABLE recouvrement_payment_plan RENAME COLUMN accepted_on "
            "TO signed_on"
        )
        cr.execute(
            """INSERT INTO recouvrement_payment_plan
                   (company_id, partner_id, date, signed_on, amount_start,
                interest_mode, state)
               VALUES (%s, %s, '2026-03-01', '2026-03-04', 1200, 'waived',
                       'active')
               RETURNING id""",
            (self.company.id, self.b2b.id),
        )
        plan_id = cr.fetchone()[0]
        _script("pre-migrate")(cr, "18.0.1.0.0")
        cr.execute(
            "SELECT accepted_on::text FROM recouvrement_payment_plan WHERE id = %s",
            (plan_id,),
        )
        self.assertEqual(cr.fetchone()[0], "2026-03-04")

    def test_a_dispute_resolved_before_the_upgrade_gets_its_closing_day(self):
        move = self.invoice(self.b2b_2, 150, "2025-10-02", "2025-11-01")
        self.dispute(move, "2025-12-10")
        dispute = move.recouvrement_dispute_id
        with on_day("2026-01-12"):
            dispute.action_resolve()
        self.env.flush_all()
        # as 18.0.1.0.0 left it: no closing day
        self.env.cr.execute(
            "UPDATE recouvrement_dispute SET date_closed = NULL, write_date = "
            "'2026-01-12 10:00' WHERE id = %s",
            (dispute.id,),
        )
        _script("post-migrate")(self.env.cr, "18.0.1.0.0")
        dispute.invalidate_recordset()
        self.assertEqual(str(dispute.date_closed), "2026-01-12")
