"""Who can do what, over real XML-RPC (issue 13 §7).

Every model of the addon (the wizards aside: Odoo keeps a wizard to the user who
opened it) is tried by every role, through Odoo's XML-RPC endpoint as an outside
client would: read, write, create, unlink, and the public actions that move the
evidence. Each outcome is compared with ``access_matrix.csv`` (one readable table,
reviewed by hand): ``ok``; ``denied`` (an access error: no right, or another
company's record); ``refused`` (a clear message from a business rule). An
unexpected error, a traceback, is always a failure.

``RA_WRITE_MATRIX=1`` writes the observed table instead, to review a change.
"""

import csv
import datetime as dt
import os
import xmlrpc.client
from pathlib import Path

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

MATRIX = Path(__file__).resolve().parent / "access_matrix.csv"
ROLES = {
    # role: groups (comma-separated xml ids); all in company A but the last
    "plain": "base.group_user",
    "billing": "account.group_account_invoice",
    "billing_admin": "account.group_account_manager",
    "accountant": "account.group_account_user",
    "manager": "account.group_account_manager,"
    "recouvrement_amiable.group_recouvrement_manager",
    "portal": "base.group_portal",
    "other_company_manager": "account.group_account_manager,"
    "recouvrement_amiable.group_recouvrement_manager",
}
FAULTS = {2: "refused", 3: "denied", 4: "denied"}


def set_ids(ids):
    """An x2many value as an outside XML-RPC client sends it (the command's
    number: Odoo's Command enum is not marshalled)."""
    return [(int(Command.SET), 0, list(ids))]


def at(day):
    return freeze_time(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9)))


@tagged("post_install", "-at_install")
class TestAccessMatrix(HttpCase):
    def setUp(self):
        super().setUp()
        env = self.env(context=dict(self.env.context, recouvrement_no_channels=True))
        self.env = env
        self.company = env.company
        self.company_b = env["res.company"].create({"name": "Autre société"})
        self.users = {}
        for role, groups in ROLES.items():
            company = (
                self.company_b if role == "other_company_manager" else self.company
            )
            self.users[role] = new_test_user(
                env,
                login=f"matrix_{role}",
                password=f"matrix_{role}_pw",
                groups=groups,
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
        self.journal = env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "sale")], limit=1
        )
        env["recouvrement.rate"].search([("reliability", "=", "unverified")]).write(
            {"reliability": "verified", "source": "Matrix"}
        )
        env["res.partner.bank"].create(
            {
                "partner_id": self.company.partner_id.id,
                "acc_number": "FR7630006000011234567890189",
            }
        )
        self.samples = self._samples()
        self.db = self.env.cr.dbname

    # ------------------------------------------------------------------ fixtures
    def _customer(self, name):
        return self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": f"{name.lower().replace(' ', '.')}@example.fr",
                "street": "1 rue",
                "zip": "75001",
                "city": "Paris",
            }
        )

    def _invoice(self, partner):
        with at("2026-03-01"):
            move = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": self.journal.id,
                    "invoice_date": "2026-03-01",
                    "invoice_date_due": "2026-03-31",
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "price_unit": 500.0, "tax_ids": []}
                        )
                    ],
                }
            )
            move.action_post()
        return move

    def _escalate(self, move, *days):
        for day in days:
            with at(day):
                move.recouvrement_debtor_id._recouvrement_escalate_now()

    def _notice(self, name):
        """A formal notice prepared for a new customer (waiting for validation)."""
        move = self._invoice(self._customer(name))
        self._escalate(move, "2026-04-01", "2026-04-02", "2026-04-03", "2026-04-15")
        return self.env["recouvrement.event"].search(
            [("move_ids", "in", move.ids), ("state", "=", "to_validate")]
        )

    def _dossier(self, name):
        """A draft case file of a new customer's overdue invoice."""
        move = self._invoice(self._customer(name))
        return self.env["recouvrement.dossier"]._recouvrement_create_for(
            move.commercial_partner_id, move
        )

    def _rate(self, year):
        return self.env["recouvrement.rate"].create(
            {
                "kind": "ecb",
                "date_from": f"{year}-01-01",
                "date_to": f"{year}-06-30",
                "value": 1.0,
                "source": "Matrix",
            }
        )

    def _samples(self):
        """One record of each model in company A to read and write; per role, what
        an action consumes (a customer whose next step is due, prepared notices, a
        rate to confirm) and what it may delete."""
        env = self.env
        ladder = self.company._recouvrement_default_ladder()
        samples = {
            "per_role": {},
            "recouvrement.ladder": ladder,
            "recouvrement.stage": ladder.stage_ids[:1],
            "recouvrement.rate": env["recouvrement.rate"].search([], limit=1),
        }
        for index, role in enumerate(ROLES):
            partner = self._customer(f"Client {role}")
            victims = self._records(partner)
            # an instalment of another plan (deleting the plan deletes its lines)
            victims["recouvrement.payment.plan.line"] = self._records(partner)[
                "recouvrement.payment.plan.line"
            ]
            victim_ladder = env["recouvrement.ladder"].create(
                {
                    "name": f"Échelle à supprimer {role}",
                    "company_id": self.company.id,
                    "stage_ids": [
                        Command.create(
                            {"name": "Appel", "kind": "call", "channel_phone": True}
                        )
                    ],
                }
            )
            victims.update(
                {
                    "recouvrement.ladder": victim_ladder,
                    "recouvrement.stage": env["recouvrement.stage"].create(
                        {
                            "name": "Étape à supprimer",
                            "ladder_id": ladder.id,
                            "sequence": 99,
                            "active": False,
                            "channel_phone": True,
                        }
                    ),
                    "recouvrement.rate": self._rate(1900 + index),
                    "recouvrement.event": self._notice(f"Client supprimé {role}"),
                    "recouvrement.debtor": self._invoice(
                        self._customer(f"Client débiteur {role}")
                    ).recouvrement_debtor_id,
                }
            )
            with at("2026-04-20"):
                victim_dossier = self._dossier(f"Client dossier supprimé {role}")
            victims.update(
                {
                    "recouvrement.dossier": victim_dossier,
                    "recouvrement.dossier.exhibit": victim_dossier.exhibit_ids[:1],
                    "recouvrement.dossier.check": victim_dossier.check_ids[:1],
                }
            )
            samples["per_role"][role] = {
                "move": self._invoice(partner),
                "create_move": self._invoice(partner),
                "to_validate": self._notice(f"Client à valider {role}"),
                "to_cancel": self._notice(f"Client à annuler {role}"),
                "rate": self._rate(1950 + index),
                "victims": victims,
            }
        first = self._invoice(self._customer("Client témoin"))
        self._escalate(first, "2026-04-03")
        samples["recouvrement.debtor"] = first.recouvrement_debtor_id
        samples["recouvrement.event"] = env["recouvrement.event"].search(
            [("move_ids", "in", first.ids)], limit=1
        )
        with at("2026-04-20"):
            dossier = env["recouvrement.dossier"]._recouvrement_create_for(
                first.commercial_partner_id, first
            )
        samples["recouvrement.dossier"] = dossier
        samples["recouvrement.dossier.exhibit"] = dossier.exhibit_ids[:1]
        samples["recouvrement.dossier.check"] = dossier.check_ids[:1]
        records = self._records(first.commercial_partner_id)
        for model in (
            "recouvrement.dispute",
            "recouvrement.payment.plan",
            "recouvrement.payment.plan.line",
            "recouvrement.mediation",
        ):
            samples[model] = records[model]
        return samples

    def _records(self, partner):
        """A dispute, a plan and its line, a mediation of company A."""
        env = self.env
        other = self._invoice(partner)
        dispute = env["recouvrement.dispute"].create(
            {
                "company_id": self.company.id,
                "partner_id": partner.id,
                "move_ids": [Command.set(other.ids)],
                "category": "quality",
                "description": "Contestation",
            }
        )
        plan_move = self._invoice(partner)
        plan = env["recouvrement.payment.plan"].create(
            {
                "company_id": self.company.id,
                "partner_id": partner.id,
                "move_ids": [Command.set(plan_move.ids)],
                "amount_start": 500,
                "line_ids": [Command.create({"date": "2026-06-01", "amount": 500})],
            }
        )
        mediation_move = self._invoice(partner)
        mediation = env["recouvrement.mediation"].create(
            {
                "name": "MED-1",
                "company_id": self.company.id,
                "partner_id": partner.id,
                "move_ids": [Command.set(mediation_move.ids)],
            }
        )
        return {
            "recouvrement.dispute": dispute,
            "recouvrement.payment.plan": plan,
            "recouvrement.payment.plan.line": plan.line_ids,
            "recouvrement.mediation": mediation,
        }

    # ------------------------------------------------------------------ RPC
    def rpc(self, role, model, method, *args, **kwargs):
        user = self.users[role]
        password = f"matrix_{role}_pw"
        try:
            result = self.xmlrpc_object.execute_kw(
                self.db, user.id, password, model, method, list(args), kwargs
            )
        except xmlrpc.client.Fault as fault:
            outcome = FAULTS.get(fault.faultCode)
            if os.environ.get("RA_WRITE_MATRIX"):
                print("FAULT", role, model, method, outcome, fault.faultString[:150])
            self.assertTrue(
                outcome,
                f"{role} {model}.{method}: unexpected error\n{fault.faultString}",
            )
            return outcome
        if method == "search_count":  # the reports: what the role sees of them
            return "ok" if result else "none"
        return "ok"

    def operations(self):
        """(model/operation, callable(role) -> outcome)."""
        s = self.samples
        writes = {
            "recouvrement.debtor": {"issue": "Réécrit"},
            "recouvrement.event": {"note": "<p>Appel du client</p>"},
            "recouvrement.ladder": {"note": "Note"},
            "recouvrement.stage": {"color": 3},
            "recouvrement.rate": {"note": "Note"},
            "recouvrement.dispute": {"resolution": "Vu"},
            "recouvrement.payment.plan": {"note": "Note"},
            "recouvrement.payment.plan.line": {"date": "2026-06-02"},
            "recouvrement.mediation": {"outcome": "En cours"},
            "recouvrement.dossier": {"recipient_kind": "avocat"},
            "recouvrement.dossier.exhibit": {"title": "Pièce réécrite"},
            "recouvrement.dossier.check": {"message": "Contrôle réécrit"},
        }

        def creates(model, role):
            mine = s["per_role"][role]
            move = mine["create_move"]
            partner = move.commercial_partner_id
            return {
                "recouvrement.debtor": {
                    "company_id": self.company.id,
                    "partner_id": self.env.ref("base.main_partner").id,
                },
                "recouvrement.event": {
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "move_ids": set_ids(move.ids),
                    "event_type": "stage",
                    "state": "done",
                    "channel_registered": True,
                    "tracking_number": "1A99999999999",
                },
                "recouvrement.ladder": {"name": f"Échelle {role}"},
                "recouvrement.stage": {
                    "name": f"Étape {role}",
                    "ladder_id": s["recouvrement.ladder"].id,
                    "channel_phone": True,
                },
                "recouvrement.rate": {
                    "kind": "legal_pro",
                    "date_from": f"19{50 + list(ROLES).index(role)}-01-01",
                    "date_to": f"19{50 + list(ROLES).index(role)}-06-30",
                    "value": 1.0,
                },
                "recouvrement.dispute": {
                    "partner_id": partner.id,
                    "move_ids": set_ids(move.ids),
                    "category": "price",
                    "description": "Prix",
                },
                "recouvrement.payment.plan": {
                    "partner_id": partner.id,
                    "move_ids": set_ids(move.ids),
                    "amount_start": 500,
                },
                "recouvrement.payment.plan.line": {
                    "plan_id": s["recouvrement.payment.plan"].id,
                    "date": "2026-09-01",
                    "amount": 0.0,
                },
                "recouvrement.mediation": {
                    "name": f"MED-{role}",
                    "partner_id": partner.id,
                    "move_ids": set_ids(move.ids),
                },
                "recouvrement.dossier": {
                    "debtor_id": move.recouvrement_debtor_id.id,
                    "move_ids": set_ids(move.ids),
                },
                "recouvrement.dossier.exhibit": {
                    "dossier_id": s["recouvrement.dossier"].id,
                    "number": 99,
                    "key": "forged",
                    "title": "Pièce ajoutée",
                    "kind": "document",
                },
                "recouvrement.dossier.check": {
                    "dossier_id": s["recouvrement.dossier"].id,
                    "key": "forged",
                    "kind": "notice",
                    "message": "Levé",
                    "state": "overridden",
                },
            }[model]

        ops = []
        for model in writes:
            sample = s[model]
            ops.append(
                (
                    f"{model}:read",
                    lambda role, m=model, r=sample: self.rpc(
                        role, m, "read", r.ids, fields=["display_name"]
                    ),
                )
            )
            ops.append(
                (
                    f"{model}:write",
                    lambda role, m=model, r=sample: self.rpc(
                        role, m, "write", r.ids, writes[m]
                    ),
                )
            )
            ops.append(
                (
                    f"{model}:create",
                    lambda role, m=model: self.rpc(role, m, "create", creates(m, role)),
                )
            )
        for model in writes:
            ops.append(
                (
                    f"{model}:unlink",
                    lambda role, m=model: self.rpc(
                        role, m, "unlink", s["per_role"][role]["victims"][m].ids
                    ),
                )
            )
        ops += [
            (
                "recouvrement.event:action_validate",
                lambda role: self.rpc(
                    role,
                    "recouvrement.event",
                    "action_validate",
                    s["per_role"][role]["to_validate"].ids,
                ),
            ),
            (
                "recouvrement.event:action_cancel",
                lambda role: self.rpc(
                    role,
                    "recouvrement.event",
                    "action_cancel",
                    s["per_role"][role]["to_cancel"].ids,
                ),
            ),
            (
                "recouvrement.rate:action_confirm",
                lambda role: self.rpc(
                    role,
                    "recouvrement.rate",
                    "action_confirm",
                    s["per_role"][role]["rate"].ids,
                ),
            ),
            (
                "recouvrement.debtor:action_recouvrement_escalate_now",
                lambda role: self.rpc(
                    role,
                    "recouvrement.debtor",
                    "action_recouvrement_escalate_now",
                    s["per_role"][role]["move"].recouvrement_debtor_id.ids,
                ),
            ),
            (
                "recouvrement.dossier:action_check",
                lambda role: self.rpc(
                    role,
                    "recouvrement.dossier",
                    "action_check",
                    s["recouvrement.dossier"].ids,
                ),
            ),
            (
                "recouvrement.dossier:action_send",
                lambda role: self.rpc(
                    role,
                    "recouvrement.dossier",
                    "action_send",
                    s["recouvrement.dossier"].ids,
                ),
            ),
            (
                "recouvrement.todo:search_count",
                lambda role: self.rpc(role, "recouvrement.todo", "search_count", []),
            ),
            (
                "recouvrement.report:search_count",
                lambda role: self.rpc(role, "recouvrement.report", "search_count", []),
            ),
            (
                "account.move:action_recouvrement_escalate_now",
                lambda role: self.rpc(
                    role,
                    "account.move",
                    "action_recouvrement_escalate_now",
                    s["per_role"][role]["move"].ids,
                ),
            ),
        ]
        return ops

    # ------------------------------------------------------------------ the test
    def test_access_matrix_over_xmlrpc(self):
        observed = {}
        with at("2026-04-20"):
            for name, operation in self.operations():
                observed[name] = {role: operation(role) for role in ROLES}
        if os.environ.get("RA_WRITE_MATRIX"):
            with MATRIX.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["model:operation", *ROLES])
                for name, row in observed.items():
                    writer.writerow([name, *(row[role] for role in ROLES)])
        with MATRIX.open(newline="") as handle:
            expected = {row["model:operation"]: row for row in csv.DictReader(handle)}
        differences = [
            f"{name} {role}: expected {expected.get(name, {}).get(role)}, got {got}"
            for name, row in observed.items()
            for role, got in row.items()
            if expected.get(name, {}).get(role) != got
        ]
        self.assertEqual(differences, [], "\n".join(differences))
        # every model of the addon is in the table (the wizards are the user's own)
        models = {
            name
            for name, model in self.env.registry.items()
            if model._original_module == "recouvrement_amiable"
            and not model._abstract
            and not model._transient
        }
        listed = {name.split(":")[0] for name in observed}
        self.assertEqual(models - listed, set())
