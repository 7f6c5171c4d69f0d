"""The documents a case file writes itself, one per exhibit: the debtor sheet, the
statement of account, the recovery log, the messages exchanged and the claim
breakdown; and the values of its bordereau and cover note."""

from odoo import _, api, models

from .. import legal, procedure
from .recouvrement_dossier_exhibit import GENERATED_KINDS


class ReportDossierExhibit(models.AbstractModel):
    """The exhibits a case file writes, one document each (Odoo splits them at
    their title); the values of each case file computed once."""

    _name = "report.recouvrement_amiable.report_dossier_exhibit"
    _description = "Case file documents"

    @api.model
    def _get_report_values(self, docids, data=None):
        exhibits = self.env["recouvrement.dossier.exhibit"].browse(docids)
        claims = (data or {}).get("recouvrement_claims") or {}
        values = {
            dossier.id: self._recouvrement_document_values(
                dossier, claims.get(dossier.id)
            )
            for dossier in exhibits.dossier_id
        }
        return {
            "doc_ids": docids,
            "doc_model": "recouvrement.dossier.exhibit",
            "docs": exhibits,
            "values": values,
            "generated_kinds": GENERATED_KINDS,
        }

    def _recouvrement_debtor_sheet(self, dossier):
        """[(label, value, warning)]: who the debtor is, for the request's art. 57
        mentions and the enforcement."""
        partner = dossier.partner_id
        rows = []
        siren = partner._recouvrement_siren()
        digits = "".join(c for c in siren if c.isdigit())
        business = partner.debtor_type != "b2c"
        rows.append(
            (
                _("Legal name") if business else _("Surname and first names"),
                partner.name,
                False,
            )
        )
        if business:
            rows.append(
                (
                    _("Legal form"),
                    partner.legal_form or _("not known"),
                    not partner.legal_form,
                )
            )
            if len(digits) == 9:
                rows.append((_("SIREN"), procedure.format_registration(digits), False))
            else:
                rows.append(
                    (
                        _("SIREN"),
                        _("NOT KNOWN: to complete before any request"),
                        True,
                    )
                )
            raw_siret = (
                (partner._fields.get("siret") and partner.siret)
                or partner.company_registry
                or ""
            )
            siret = "".join(c for c in raw_siret if c.isdigit())
            if len(siret) == 14:
                rows.append(
                    (
                        _("SIRET (registered office)"),
                        procedure.format_registration(siret),
                        False,
                    )
                )
            if partner.debtor_type == "b2b_commercant" and len(digits) == 9:
                if partner.recouvrement_rcs_city:
                    rcs = _(
                        "RCS %(city)s %(siren)s",
                        city=partner.recouvrement_rcs_city,
                        siren=procedure.format_registration(digits),
                    )
                else:
                    rcs = _("registry town not known")
                rows.append(
                    (_("Trade register"), rcs, not partner.recouvrement_rcs_city)
                )
            rows.append((_("VAT number"), partner.vat or "-", False))
            representative = partner.recouvrement_representative_id
            if representative:
                text = representative.name
                if representative.function:
                    text += ", " + representative.function
            else:
                text = _("not known")
            rows.append((_("Legal representative"), text, not representative))
        category = dossier.debtor_category and dict(
            dossier._fields["debtor_category"]._description_selection(self.env)
        ).get(dossier.debtor_category)
        if category:
            rows.append((_("For the court"), category, False))
        if partner.recouvrement_procedure:
            rows.append(
                (
                    _("Collective procedure"),
                    dict(
                        partner._fields[
                            "recouvrement_procedure"
                        ]._description_selection(self.env)
                    ).get(partner.recouvrement_procedure),
                    True,
                )
            )
        rows.append(
            (
                _("Email, phone"),
                " ".join(x for x in (partner.email, partner.phone) if x) or "-",
                False,
            )
        )
        rows.append((_("Customer reference"), partner.ref or "-", False))
        return rows

    @api.model
    def _recouvrement_entry_label(self, line):
        """The French word for what a receivable entry is (never the label a user
        typed in another language, such as "Manual Payment")."""
        move = line.move_id
        if move.move_type == "out_refund":
            return _("Credit note %(name)s", name=move.name)
        if move.move_type == "out_invoice":
            return _("Invoice %(name)s", name=move.name)
        if move.statement_line_id:
            return _(
                "Bank transfer received (%(ref)s)",
                ref=move.statement_line_id.payment_ref or move.name,
            )
        if move.origin_payment_id:
            payment = move.origin_payment_id
            return _(
                "Payment %(ref)s",
                ref=payment.memo or payment.name or move.name,
            )
        return _("Accounting entry %(name)s", name=move.name)

    def _recouvrement_statement(self, dossier):
        """The customer's account reduced to the claimed invoices (each with what
        paid it), the other open items apart, and the reconciliation with the
        ledger's balance."""
        moves = dossier.move_ids.sorted(
            lambda m: (m.invoice_date_due or m.invoice_date, m.name)
        )
        receivable = moves.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        blocks, claimed, disputed = [], 0.0, 0.0
        for move in moves:
            lines = receivable.filtered(lambda line, m=move: line.move_id == m)
            rows = [
                {
                    "date": move.invoice_date,
                    "label": self._recouvrement_entry_label(lines[:1]),
                    "due": move.invoice_date_due,
                    "debit": sum(lines.mapped("balance")),
                    "credit": 0.0,
                }
            ]
            partials = (lines.matched_credit_ids).sorted(
                lambda p: (p.max_date or p.create_date.date(), p.id)
            )
            for partial in partials:
                rows.append(
                    {
                        "date": partial.credit_move_id.date,
                        "label": self._recouvrement_entry_label(partial.credit_move_id),
                        "due": False,
                        "debit": 0.0,
                        "credit": partial.amount,
                    }
                )
            residual = sum(lines.mapped("amount_residual"))
            is_disputed = move.recouvrement_state == "disputed"
            if is_disputed:
                disputed += residual
            else:
                claimed += residual
            blocks.append(
                {
                    "move": move,
                    "rows": rows,
                    "residual": residual,
                    "disputed": is_disputed,
                }
            )
        Line = self.env["account.move.line"]
        domain = [
            ("company_id", "=", dossier.company_id.id),
            ("partner_id", "child_of", dossier.partner_id.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]
        open_lines = Line.search(
            domain + [("reconciled", "=", False), ("id", "not in", receivable.ids)],
            order="date_maturity, date, id",
        ).filtered(
            lambda line: not line.company_currency_id.is_zero(line.amount_residual)
        )
        others, not_claimed, credits = [], 0.0, 0.0
        for line in open_lines:
            amount = line.amount_residual
            if amount < 0:
                credits -= amount
            else:
                not_claimed += amount
            others.append(
                {
                    "date": line.date,
                    "label": self._recouvrement_entry_label(line),
                    "due": line.date_maturity if amount > 0 else False,
                    "amount": amount,
                    "note": (
                        _("not due yet")
                        if amount > 0
                        and line.date_maturity
                        and line.date_maturity >= dossier.date
                        else _("not in this case file")
                        if amount > 0
                        else _("credit not allocated, deducted from the claim")
                    ),
                }
            )
        [(ledger,)] = Line._read_group(domain, aggregates=["balance:sum"])
        ledger = ledger or 0.0
        computed = claimed + disputed + not_claimed - credits
        currency = dossier.currency_id
        return {
            "blocks": blocks,
            "others": others,
            "claimed": claimed,
            "disputed": disputed,
            "not_claimed": not_claimed,
            "credits": credits,
            "ledger": ledger,
            "gap": 0.0 if currency.is_zero(ledger - computed) else ledger - computed,
        }

    def _recouvrement_claim_details(self, dossier, claim):
        """Per claimed invoice: the interest of one more day and the day it becomes
        time-barred; the indemnities of invoices paid late, waived."""
        prescription = {
            m.id: m.recouvrement_prescription_date for m in dossier.move_ids
        }
        details = {}
        for line in claim.lines + claim.disputed_lines:
            daily = legal.ZERO
            periods = line.interest.periods
            if line.principal_left and periods:
                last = periods[-1]
                daily = legal.day_rate(line.principal_left, last.rate.rate, last.basis)
            details[line.invoice.key] = {
                "daily": daily,
                "prescription": prescription.get(line.invoice.key),
            }
        return {"lines": details, "waived": self._recouvrement_waived(dossier, claim)}

    def _recouvrement_waived(self, dossier, claim):
        """Invoices of the customer paid late in the last five years and not in the
        case file: their fixed indemnity (and late interest) are not claimed, which
        the breakdown says."""
        if not claim.policy.is_b2b or claim.policy.indemnity_blocked:
            return []
        Move = self.env["account.move"]
        paid = Move.search(
            [
                ("company_id", "=", dossier.company_id.id),
                ("commercial_partner_id", "=", dossier.partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("invoice_date_due", ">=", legal.add_years(dossier.date, -5)),
                ("id", "not in", dossier.move_ids.ids),
            ],
            order="invoice_date_due, name",
        )
        if not paid:
            return []
        claims, errors = Move._recouvrement_claims_raw(
            {0: paid}, dossier.date, with_credits=False
        )
        if 0 in errors:
            return []
        waived = []
        for line in claims[0].lines:
            if line.days_late > 0 and line.indemnity:
                waived.append(
                    {
                        "ref": line.invoice.ref,
                        "due": line.invoice.due_date,
                        "days_late": line.days_late,
                        "interest": line.interest_left,
                        "indemnity": line.indemnity,
                    }
                )
        return waived

    def _recouvrement_document_values(self, dossier, claim=None):
        """What the documents of the case file show, computed once per case file."""
        claim = claim or dossier._recouvrement_claim()
        values = dict(dossier._recouvrement_helpers())
        values.update(
            {
                "dossier": dossier,
                "company": dossier.company_id,
                "partner": dossier.partner_id,
                "claim": claim,
                "show_interest": True,
            }
        )
        kinds = set(dossier.exhibit_ids.mapped("kind"))
        if "debtor" in kinds:
            values["sheet"] = self._recouvrement_debtor_sheet(dossier)
            values["contacts"] = dossier.partner_id.child_ids.filtered("active")
        if "statement" in kinds:
            values["statement"] = self._recouvrement_statement(dossier)
        if "claim" in kinds:
            values["details"] = self._recouvrement_claim_details(dossier, claim)
        if "log" in kinds:
            values["events"] = dossier._recouvrement_log_events()
        if "messages" in kinds:
            values["messages"] = dossier._recouvrement_messages()
        return values


class ReportDossier(models.AbstractModel):
    """The bordereau and the cover note of a case file."""

    _name = "report.recouvrement_amiable.report_dossier_bordereau"
    _description = "Case file exhibit list"

    @api.model
    def _get_report_values(self, docids, data=None):
        dossiers = self.env["recouvrement.dossier"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "recouvrement.dossier",
            "docs": dossiers,
            "values": {
                d.id: dict(d._recouvrement_helpers(), dossier=d) for d in dossiers
            },
        }


class ReportDossierCover(models.AbstractModel):
    _name = "report.recouvrement_amiable.report_dossier_cover"
    _inherit = "report.recouvrement_amiable.report_dossier_bordereau"
    _description = "Case file cover note"
