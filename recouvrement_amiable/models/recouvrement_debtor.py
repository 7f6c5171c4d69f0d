"""The debtor: a customer in one company, the unit of escalation.

Its open invoices climb the ladder together: one level, one voice, every contact
covering all of its overdue invoices. The rules are in ``decision.py`` (pure); this
model gathers the facts, keeps the debtor's state (level, next date, last contact,
deadline given) and carries the decisions out.
"""

import hashlib
import logging
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import psycopg2

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize, format_date, split_every

from .. import decision, legal
from . import evidence
from .constants import ACTIVE_STATES, CONTACT_EVENT_STATES, SUSPENDED_STATES

_logger = logging.getLogger(__name__)
QUIET_CREATE = {"mail_create_nolog": True, "mail_create_nosubscribe": True}
ISSUE_ACTIVITY = "recouvrement_amiable.mail_activity_type_recouvrement_issue"
# Seconds a cron call may spend taking a failed batch's debtors one at a time
FALLBACK_SECONDS = 60


class DebtorFacts:
    """What is known of one debtor before deciding (decision.Debtor and its records)."""

    def __init__(self, debtor):
        self.debtor = debtor
        self.moves = debtor.env["account.move"]  # its open invoices
        self.chased = debtor.env["account.move"]  # those the ladder may chase
        self.gate = None  # (message, next date, activity record) when not chased
        self.invoice_issues = []  # (invoice, message, kind "data" | "invoice")
        self.stages = {}  # decision key -> recouvrement.stage
        self.data = None  # decision.Debtor
        self.deadline = None
        self.last_contact = None


class RecouvrementDebtor(models.Model):
    _name = "recouvrement.debtor"
    _description = "Debtor in recovery"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "next_date, id"
    _check_company_auto = True
    # its state is the engine's (written with sudo); people read it and talk on it
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        help="The commercial entity: all its contacts' invoices climb together.",
    )
    stage_id = fields.Many2one(
        "recouvrement.stage",
        string="Level",
        readonly=True,
        tracking=True,
        help="The highest stage its open invoices reached: the next contact is the "
        "stage after it.",
    )
    next_date = fields.Date(
        "Next step",
        readonly=True,
        index="btree_not_null",
        help="Day the nightly run looks at this customer again; empty when nothing "
        "is planned (a person must act, or nothing is open).",
    )
    last_contact_date = fields.Date(
        "Last contact",
        readonly=True,
        help="Last reminder, letter or call, whatever the channel: the next contact "
        "waits the company's minimum spacing.",
    )
    deadline_date = fields.Date(
        "Deadline given",
        readonly=True,
        help="The latest payment deadline a letter gave: no contact before the day "
        "after it.",
    )
    issue = fields.Char(
        "Problem", readonly=True, help="Why the recovery of this customer waits."
    )
    move_ids = fields.One2many(
        "account.move", "recouvrement_debtor_id", string="Invoices", readonly=True
    )
    open_move_ids = fields.Many2many(
        "account.move",
        compute="_compute_open_figures",
        string="Invoices left to pay",
    )
    event_ids = fields.One2many(
        "recouvrement.event", "debtor_id", string="Recovery log", readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    open_amount = fields.Monetary(
        "Open amount", compute="_compute_open_figures", currency_field="currency_id"
    )
    open_count = fields.Integer("Open invoices", compute="_compute_open_figures")
    oldest_due_date = fields.Date("Oldest due date", compute="_compute_open_figures")
    claim_interest = fields.Monetary(
        "Late interest",
        compute="_compute_claim_figures",
        currency_field="currency_id",
        help="Late interest accrued today on its undisputed open invoices.",
    )
    claim_indemnity = fields.Monetary(
        "Indemnities",
        compute="_compute_claim_figures",
        currency_field="currency_id",
        help="Fixed recovery indemnities (40 EUR per late invoice of a business "
        "customer) not waived.",
    )
    claim_total = fields.Monetary(
        "Total claimed",
        compute="_compute_claim_figures",
        currency_field="currency_id",
        help="Principal left, interest and indemnities, less unallocated credits: "
        "what a letter sent today would claim.",
    )
    claim_error = fields.Char(compute="_compute_claim_figures")
    next_action = fields.Char(
        "Next action",
        compute="_compute_next_action",
        help="What happens next for this customer, and when.",
    )
    collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_collector_id",
        help="Who gets this customer's calls and tasks: the company's collector, "
        "else its invoices' salesperson, else a recovery manager.",
    )
    waiting_validation = fields.Boolean(
        "Waiting for validation", compute="_compute_next_action"
    )
    suspended = fields.Boolean(
        compute="_compute_next_action",
        help="All its open invoices are paused, disputed, under a payment plan or "
        "in mediation.",
    )

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE (company_id, partner_id)",
            "A customer has one recovery record per company.",
        ),
    ]

    @api.depends("partner_id", "company_id")
    def _compute_display_name(self):
        multi = len(self.env.companies) > 1
        for debtor in self:
            name = debtor.partner_id.display_name or ""
            if multi and debtor.company_id:
                name = f"{name} ({debtor.company_id.name})"
            debtor.display_name = name

    def _compute_open_figures(self):
        Move = self.env["account.move"]
        groups = Move._read_group(
            Move._recouvrement_open_domain()
            + [("recouvrement_debtor_id", "in", self.ids)],
            ["recouvrement_debtor_id"],
            ["amount_residual_signed:sum", "__count", "invoice_date_due:min"],
        )
        figures = {
            debtor.id: (amount, count, due) for debtor, amount, count, due in groups
        }
        moves = Move.search(
            Move._recouvrement_open_domain()
            + [("recouvrement_debtor_id", "in", self.ids)],
            order="invoice_date_due, id",
        ).grouped("recouvrement_debtor_id")
        for debtor in self:
            debtor.open_move_ids = moves.get(debtor, Move)
            amount, count, due = figures.get(debtor.id, (0.0, 0, False))
            debtor.open_amount = amount
            debtor.open_count = count
            debtor.oldest_due_date = due

    # ------------------------------------------------------------------
    # Records
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_get(self, pairs):
        """{(company id, commercial partner id): debtor}, created when missing.

        INSERT ... ON CONFLICT: two transactions posting the first invoices of the
        same customer both get the one debtor, neither fails. Sudo: the debtor is the
        engine's bookkeeping, created as a side effect of posting an invoice.
        """
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return {}
        self.env.cr.execute(
            SQL(
                """INSERT INTO recouvrement_debtor
                          (company_id, partner_id, create_uid, create_date,
                           write_uid, write_date)
                   SELECT v.company_id, v.partner_id, %(uid)s, NOW() AT TIME ZONE 'UTC',
                          %(uid)s, NOW() AT TIME ZONE 'UTC'
                     FROM (VALUES %(rows)s) AS v(company_id, partner_id)
              ON CONFLICT (company_id, partner_id) DO NOTHING""",
                uid=self.env.uid,
                rows=SQL(", ").join(SQL("(%s, %s)", c, p) for c, p in sorted(pairs)),
            )
        )
        companies = {c for c, _p in pairs}
        partners = {p for _c, p in pairs}
        found = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "in", list(companies)),
                    ("partner_id", "in", list(partners)),
                ]
            )
        )
        return {
            (d.company_id.id, d.partner_id.id): d
            for d in found
            if (d.company_id.id, d.partner_id.id) in pairs
        }

    def _recouvrement_lock(self, nowait=False):
        """Lock the debtors' rows: two runs, or a run and a click, never act on the
        same debtor at once. The nightly run skips the debtors someone holds
        (SKIP LOCKED, as res.company._with_locked_records); a click waits for nobody:
        NOWAIT raises, and Odoo retries the request once the other one is done."""
        if not self:
            return self
        mode = SQL("NOWAIT") if nowait else SQL("SKIP LOCKED")
        self.env.cr.execute(
            SQL(
                "SELECT id FROM recouvrement_debtor WHERE id IN %s FOR UPDATE %s",
                tuple(self.ids),
                mode,
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        return self.filtered(lambda d: d.id in locked)

    @api.model
    def _recouvrement_due_domain(self, today):
        """Debtors whose next step is due (the nightly run's selection)."""
        return [
            ("next_date", "<=", today),
            ("partner_id.recouvrement_excluded", "=", False),
            ("partner_id.recouvrement_procedure", "=", False),
        ]

    @api.model
    def _recouvrement_replan(self, domain, size=1000):
        """Plan every debtor of ``domain`` again (a ladder or a setting changed), a
        chunk at a time."""
        debtors = self.sudo().search(domain)
        for chunk in split_every(size, debtors.ids, debtors.browse):
            chunk._recouvrement_plan()

    def _recouvrement_ladder(self):
        """The ladder this debtor follows: its own, its profile class's, the
        company's default one."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        if partner.recouvrement_ladder_id and partner.recouvrement_ladder_id.active:
            return partner.recouvrement_ladder_id
        if self.profile_class:
            ladder = self.company_id.recouvrement_ladder_ids.filtered(
                lambda lad: lad.active and lad.profile_class == self.profile_class
            )
            if ladder:
                return ladder[:1]
        return self.company_id._recouvrement_default_ladder()

    # ------------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------------
    def _recouvrement_facts(self, today):
        """{debtor id: DebtorFacts} for all these debtors, in a fixed number of
        queries whatever their number."""
        Move = self.env["account.move"]
        Event = self.env["recouvrement.event"]
        result = {debtor.id: DebtorFacts(debtor) for debtor in self}
        if not self:
            return result
        moves = Move.search(
            Move._recouvrement_open_domain()
            + [("recouvrement_debtor_id", "in", self.ids)],
            order="invoice_date_due, id",
        )
        for debtor, debtor_moves in moves.grouped("recouvrement_debtor_id").items():
            result[debtor.id].moves = debtor_moves
        waiting = {
            debtor.id
            for (debtor,) in Event._read_group(
                [("debtor_id", "in", self.ids), ("state", "=", "to_validate")],
                ["debtor_id"],
            )
        }
        contacts = {
            debtor.id: values
            for debtor, *values in Event._read_group(
                [
                    ("debtor_id", "in", self.ids),
                    ("event_type", "in", ("stage", "call", "correction")),
                    ("state", "in", CONTACT_EVENT_STATES),
                ],
                ["debtor_id"],
                [
                    "date:max",
                    "sent_date:max",
                    "call_date:max",
                    "deadline_date:max",
                    "notice_deadline:max",
                ],
            )
        }
        credits = Move._recouvrement_unallocated_credits(
            self.partner_id, self.company_id
        )
        active = moves.filtered(
            lambda m: m.recouvrement_state in ACTIVE_STATES
            and not m.recouvrement_excluded
        )
        old = active.filtered(
            lambda m: legal.may_be_time_barred(
                today, m.invoice_date_due, m.invoice_date, m.delivery_date
            )
        )
        prescription = {move.id: move.recouvrement_prescription_date for move in old}
        shared = {
            "today": today,
            "contacts": contacts,
            "credits": credits,
            "active": active,
            "prescription": prescription,
            "waiting": waiting,
            "stages": {},
        }
        for debtor in self:
            facts = result[debtor.id]
            try:
                debtor._recouvrement_fill_facts(facts, shared)
            except Exception as error:  # noqa: BLE001 - one debtor must not stop all
                _logger.exception("Recovery facts of %s failed", debtor.display_name)
                facts.data = decision.Debtor(stages=(), invoices=())
                facts.gate = (
                    self._recouvrement_failure_message(error),
                    today + timedelta(days=1),
                    debtor,
                )
        return result

    def _recouvrement_fill_facts(self, facts, shared):
        """The facts of one debtor from what was read for the whole batch."""
        self.ensure_one()
        debtor = self
        Move = self.env["account.move"]
        today = shared["today"]
        contacts, credits = shared["contacts"], shared["credits"]
        active, prescription = shared["active"], shared["prescription"]
        waiting, stage_cache = shared["waiting"], shared["stages"]
        company, partner = debtor.company_id, debtor.partner_id
        dates = contacts.get(debtor.id, [False] * 5)
        contact_dates = [d for d in dates[:3] if d]
        deadlines = [d for d in dates[3:] if d]
        facts.last_contact = max(contact_dates) if contact_dates else None
        facts.deadline = max(deadlines) if deadlines else None
        facts.gate = debtor._recouvrement_gate(today)
        chased = []
        for move in facts.moves & active:
            problem = move._recouvrement_check(company, prescription, today)
            if problem is False:
                continue  # below the threshold: not chased, nothing to say
            if problem:
                facts.invoice_issues.append((move, *problem))
                continue
            chased.append(move.id)
        facts.chased = Move.browse(chased)
        ladder = debtor._recouvrement_ladder()
        stages = ladder._active_stages() if ladder else self.env["recouvrement.stage"]
        decision_stages = []
        for stage in stages:
            key = (stage.id, partner.debtor_type, company.id)
            if key not in stage_cache:
                stage_cache[key] = stage._recouvrement_decision_stage(
                    partner.debtor_type, company
                )
            decision_stages.append(stage_cache[key])
            facts.stages[stage.id] = stage
        debtor_credits = credits.get((company.id, partner.id), ())
        facts.data = decision.Debtor(
            stages=tuple(decision_stages),
            invoices=tuple(
                decision.Invoice(
                    key=move.id,
                    due_date=move._recouvrement_due_date(),
                    residual=legal.round_cents(legal.percent(move.amount_residual)),
                    reached=(
                        move.recouvrement_stage_id.sequence,
                        move.recouvrement_stage_id.id,
                    )
                    if move.recouvrement_stage_id
                    else None,
                )
                for move in facts.chased
            ),
            credits=sum((c.amount for c in debtor_credits), legal.ZERO),
            last_contact=facts.last_contact,
            deadline=facts.deadline,
            waiting_validation=debtor.id in waiting,
            spacing_days=company.recouvrement_spacing_days,
            min_residual=legal.round_cents(
                legal.percent(company.recouvrement_min_residual)
            ),
            catch_up=company.recouvrement_catch_up,
        )

    def _recouvrement_gate(self, today):
        """Why this debtor is not chased at all, or None: (message, next date,
        activity record)."""
        self.ensure_one()
        partner = self.partner_id
        if partner.debtor_type == legal.PUBLIC:
            return (
                _(
                    "%(partner)s is a public body: its recovery is out of the scope "
                    "of this module (public procurement rules).",
                    partner=partner.display_name,
                ),
                False,
                self,
            )
        if not partner.active:
            return (
                _(
                    "%(partner)s is archived: unarchive the customer or close the "
                    "recovery of its invoices.",
                    partner=partner.display_name,
                ),
                today + timedelta(days=self.company_id.recouvrement_spacing_days or 1),
                self,
            )
        if partner.recouvrement_procedure:
            return (
                _(
                    "%(partner)s is under a collective procedure: individual "
                    "recovery is forbidden (art. L622-21 C. com.).",
                    partner=partner.display_name,
                ),
                False,
                None,
            )
        if partner.recouvrement_excluded:
            return (False, False, None)
        return None

    def _recouvrement_unsure_rates(self, facts_by, steps, today):
        """Check the rates of the claims the steps would send: {debtor id: unsure
        rates}, and the claims computed ({debtor id: legal.Claim}) for reuse."""
        Move = self.env["account.move"]
        groups = {
            debtor_id: Move.browse(step.claimed)
            for debtor_id, step in steps.items()
            if step.stage.claims
        }
        claims, errors = Move._recouvrement_claims_raw(groups, today)
        unsure = {}
        for debtor_id, claim in claims.items():
            rates = tuple(
                (kind, start, "unconfirmed") for kind, start in claim.unconfirmed_rates
            )
            if rates:
                unsure[debtor_id] = rates
        for debtor_id, error in errors.items():
            if isinstance(error, legal.MissingRateError):
                unsure[debtor_id] = ((error.kind, error.period_start, "missing"),)
        return unsure, claims

    # ------------------------------------------------------------------
    # Planning (no contact): after a payment, a posting, a suspension...
    # ------------------------------------------------------------------
    def _recouvrement_plan(self, today=None):
        """Store each debtor's level, next date, last contact, deadline and problem
        as the rules see them now. Writes nothing else and contacts nobody.

        The problems are written in the company's language, as the nightly run
        writes them, whoever triggers the planning."""
        today = today or fields.Date.context_today(self)
        # sudo: planning is a side effect of what any accounting user does (posting,
        # registering a payment), including those who may not read the recovery
        for company, debtors in self.sudo().exists().grouped("company_id").items():
            lang = company.partner_id.lang or self.env.lang
            debtors.with_context(lang=lang)._recouvrement_plan_company(today)

    def _recouvrement_plan_company(self, today):
        debtors = self
        facts_by = debtors._recouvrement_facts(today)
        values = {}
        for debtor in debtors:
            facts = facts_by[debtor.id]
            if facts.gate:
                message, next_date, _target = facts.gate
                values[debtor.id] = (
                    facts,
                    decision.level_of(facts.data),
                    next_date,
                    message or False,
                )
                continue
            result = decision.decide(facts.data, today)
            # a step due now (or to prepare) is taken by tonight's run
            next_date = today if result.step else result.next_date
            if any(
                move.recouvrement_issue != message[:250]
                for move, message, _kind in facts.invoice_issues
            ):
                next_date = today  # tonight's run tells someone
            message = (
                debtor._recouvrement_reason_message(result, facts)
                if result.reason in decision.ATTENTION_REASONS
                else False
            )
            if message and message[:250] != debtor.issue:
                next_date = today  # a new problem: tonight's run tells someone
            level = decision.level_of(facts.data)
            values[debtor.id] = facts, level, next_date, message
        debtors._recouvrement_write_state(values)
        debtors._recouvrement_write_invoice_issues(facts_by)

    def _recouvrement_write_state(self, values):
        """Write {debtor id: (facts, level, next date, issue)} grouped by value (no
        write per debtor). Sudo: the debtor's state is the engine's, written as a
        side effect of what any accounting user does (post, pay, suspend)."""
        groups = defaultdict(list)
        for debtor in self:
            if debtor.id not in values:
                continue
            facts, level, next_date, issue = values[debtor.id]
            stage = facts.stages.get(level.key) if level else False
            vals = {
                "stage_id": stage.id if stage else False,
                "next_date": next_date or False,
                "last_contact_date": facts.last_contact or False,
                "deadline_date": facts.deadline or False,
                "issue": (issue or "")[:250] or False,
            }
            current = {
                "stage_id": debtor.stage_id.id,
                "next_date": debtor.next_date,
                "last_contact_date": debtor.last_contact_date,
                "deadline_date": debtor.deadline_date,
                "issue": debtor.issue,
            }
            changed = {k: v for k, v in vals.items() if current[k] != v}
            if changed:
                groups[tuple(sorted(changed.items()))].append(debtor.id)
        # a problem gone, or replaced by another one (the list of invoices in it
        # changed): its task is done, the run opens the new problem's task
        solved = {
            debtor.id: debtor.issue[:200]
            for debtor in self
            if debtor.issue
            and debtor.id in values
            and (values[debtor.id][3] or "")[:250] != debtor.issue
        }
        for vals, ids in groups.items():
            # the level is told by the note of each step: no tracking message
            self.browse(ids).sudo().with_context(mail_notrack=True).write(dict(vals))
        self._recouvrement_close_solved(solved)

    def _recouvrement_close_solved(self, solved):
        """Mark done the tasks about a customer's problem that is gone ({debtor id:
        the problem's text}, the task's summary): nobody is left to act on a task
        a payment plan, a payment or a case file made pointless."""
        if not solved:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", list(solved))])
            .filtered(lambda a: a.summary and a.summary == solved[a.res_id])
        )
        if activities:
            activities.action_feedback(
                feedback=_("Nothing left to do: the customer's situation changed.")
            )

    def _recouvrement_write_invoice_issues(self, facts_by):
        """The invoices' own problems (data, currency, prescription) written on the
        invoices, cleared on the chased ones (the run's notifications tell people:
        _recouvrement_notify_invoice_issues)."""
        Move = self.env["account.move"]
        by_message = defaultdict(list)
        clear = []
        for facts in facts_by.values():
            for move, message, _kind in facts.invoice_issues:
                if move.recouvrement_issue != message[:250]:
                    by_message[message[:250]].append(move.id)
            clear += facts.chased.filtered("recouvrement_issue").ids
        for message, ids in by_message.items():
            Move.browse(ids).write({"recouvrement_issue": message})
        if clear:
            Move.browse(clear).write({"recouvrement_issue": False})

    def _recouvrement_notify_invoice_issues(self, facts_by):
        """One activity per invoice problem, on the invoice; one "invoices to
        correct" activity per company, for the accounting manager."""
        items = []
        data_by_company = defaultdict(list)
        for facts in facts_by.values():
            for move, message, kind in facts.invoice_issues:
                if kind == "data":
                    data_by_company[move.company_id].append(message)
                    continue
                items.append(
                    {
                        "record": move,
                        "type": ISSUE_ACTIVITY,
                        "summary": message,
                        "note": message,
                        "user": move.company_id._recouvrement_responsible_user(
                            "collector", move.invoice_user_id
                        ),
                    }
                )
        for company, messages in data_by_company.items():
            items.append(company._recouvrement_data_activity(messages))
        self.env["mail.activity"]._recouvrement_notify(items)

    # ------------------------------------------------------------------
    # The nightly run's batches (the cron's, or queue_job's jobs)
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_in_company(self, company):
        """This model as a batch of ``company`` runs: its rules and defaults, its
        messages and activities in its language (the cron user has none)."""
        return self.with_company(company).with_context(
            lang=company.partner_id.lang or self.env.lang
        )

    def _recouvrement_run_batch(self, today):
        """Lock these debtors (those another run or a person holds are left to the
        next call) and take their next steps; a failure nobody can blame on one
        debtor makes the batch go one debtor at a time. Returns the debtors taken."""
        locked = self._recouvrement_lock()
        if locked:
            try:
                with self.env.cr.savepoint():
                    locked._recouvrement_run(today)
            except psycopg2.OperationalError:
                raise  # a concurrent update: the runner tries again later
            except Exception:  # noqa: BLE001 - an unforeseen failure of the batch
                _logger.exception("Recovery batch failed, debtors taken one by one")
                locked._recouvrement_run_one_by_one(today)
        return locked

    @api.model
    def _recouvrement_queue_mode(self):
        """True when OCA queue_job runs the nightly batches (installed, and not
        switched off by the system parameter recouvrement_amiable.queue_job = 0)."""
        if "queue.job" not in self.env:
            return False
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("recouvrement_amiable.queue_job", "1")
        )
        return value.strip().lower() not in ("0", "false", "no", "")

    @api.model
    def _recouvrement_delay_run(self, debtor_ids, today, eta=None):
        """A job of the night for these debtors (queue mode)."""
        key = f"recouvrement:{self.env.company.id}:{today}:" + ",".join(
            str(i) for i in debtor_ids
        )
        return self.with_delay(
            channel="root.recouvrement",
            eta=eta,
            identity_key=hashlib.sha256(key.encode()).hexdigest(),
            description=_(
                "Recovery night of %(date)s: %(count)s customers",
                date=self._recouvrement_fdate(today),
                count=len(debtor_ids),
            ),
        )._recouvrement_run_job(
            debtor_ids,
            fields.Date.to_string(today),
            # a run without emails or letters (tests, benchmark) stays so in its jobs
            no_channels=bool(self.env.context.get("recouvrement_no_channels")),
        )

    @api.model
    def _recouvrement_run_job(self, debtor_ids, today, no_channels=False):
        """A queue_job job: those of ``debtor_ids`` still due ``today`` take their
        step. Those another worker or a person holds right now get a job of their
        own a minute later: none is lost, none is contacted twice."""
        today = fields.Date.to_date(today)
        Debtor = self
        if no_channels:
            Debtor = self.with_context(recouvrement_no_channels=True)
        debtors = Debtor.search(
            self._recouvrement_due_domain(today) + [("id", "in", list(debtor_ids))],
            order="next_date, id",
        )
        taken = debtors._recouvrement_run_batch(today)
        held = debtors - taken
        if held:
            Debtor._recouvrement_delay_run(held.ids, today, eta=60)
        return _(
            "%(taken)s customers handled, %(held)s postponed (held elsewhere).",
            taken=len(taken),
            held=len(held),
        )

    # ------------------------------------------------------------------
    # The run: decide and act
    # ------------------------------------------------------------------
    @evidence.event_transition
    def _recouvrement_run(self, today, force=False):
        """Climb the ladder for these debtors (locked by the caller): decide for
        each, create one event per debtor that gets a step, run its channels, then
        write the invoices' stage and the debtors' state.

        A debtor that fails is recorded (problem, retried tomorrow) and skipped: its
        writes are rolled back to a savepoint and nothing is done twice for it.
        Returns (events, {debtor id: decision.Decision}).
        """
        Event = self.env["recouvrement.event"]
        facts_by = self._recouvrement_facts(today)
        decisions, values, steps = {}, {}, {}
        for debtor in self:
            facts = facts_by[debtor.id]
            if facts.gate:
                message, next_date, _target = facts.gate
                values[debtor.id] = (
                    facts,
                    decision.level_of(facts.data),
                    next_date,
                    message or False,
                )
                continue
            result = decision.decide(facts.data, today, force=force)
            decisions[debtor.id] = result
            if result.step:
                steps[debtor.id] = result.step
        # a letter that states the debt waits while a rate it applies is unsure
        unsure, claims = self._recouvrement_unsure_rates(facts_by, steps, today)
        for debtor_id, rates in unsure.items():
            facts = facts_by[debtor_id]
            facts.data = replace(facts.data, unsure_rates=rates)
            result = decision.decide(facts.data, today, force=force)
            decisions[debtor_id] = result
            steps.pop(debtor_id, None)
        events = Event
        failed = {}  # debtor id: (message, next date, record to tell)
        if steps:
            events, failed = self._recouvrement_create_events(facts_by, steps, today)
        prepared = events.filtered(lambda e: e.state == "to_validate")
        prepared._recouvrement_set_amounts(today, claims)  # shown to the manager
        prepared._recouvrement_ask_signatory()
        if events - prepared:
            failed.update((events - prepared)._recouvrement_execute(today, claims))
        done = events.filtered(lambda e: e.state not in ("failed", "to_validate"))
        for debtor in self:
            if debtor.id in values or debtor.id not in decisions:
                continue
            facts, result = facts_by[debtor.id], decisions[debtor.id]
            level = result.level
            if debtor.id in failed:
                message, next_date, _record = failed[debtor.id]
                values[debtor.id] = (
                    facts,
                    decision.level_of(facts.data),
                    next_date,
                    message,
                )
                continue
            if result.step and not result.step.stage.needs_validation:
                after = decision.after_step(facts.data, result.step)
                facts.last_contact, facts.deadline = after.last_contact, after.deadline
            elif result.step:
                level = decision.level_of(facts.data)
            message = (
                debtor._recouvrement_reason_message(result, facts)
                if result.reason in decision.ATTENTION_REASONS
                else False
            )
            values[debtor.id] = facts, level, result.next_date, message
        if done:
            self._recouvrement_after_contact(done, facts_by)
        self._recouvrement_write_state(values)
        self._recouvrement_write_invoice_issues(facts_by)
        if not force:
            self._recouvrement_notify(facts_by, decisions, values, failed)
        return events, decisions

    def _recouvrement_run_one_by_one(self, today, seconds=FALLBACK_SECONDS):
        """The batch failed where no debtor could be blamed: each debtor alone, in
        its own savepoint, within ``seconds`` (the others stay due for the next
        call, so a call never outlives a cron worker's time limit)."""
        started = time.monotonic()
        for debtor in self:
            if time.monotonic() - started > seconds:
                break
            try:
                with self.env.cr.savepoint():
                    debtor._recouvrement_run(today)
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - recorded, retried tomorrow
                _logger.exception("Recovery of %s failed", debtor.display_name)
                debtor._recouvrement_record_failure(error, today)

    def _recouvrement_record_failure(self, error, today):
        """A debtor failed: say why, on the debtor and to its collector, and retry
        tomorrow (it leaves today's selection)."""
        self.ensure_one()
        message = self._recouvrement_failure_message(error)
        self.sudo().write(
            {"issue": message[:250], "next_date": today + timedelta(days=1)}
        )
        self.env["mail.activity"]._recouvrement_notify(
            [
                {
                    "record": self,
                    "type": ISSUE_ACTIVITY,
                    "summary": message,
                    "note": message,
                    "user": self.company_id._recouvrement_responsible_user("collector"),
                }
            ]
        )

    def _recouvrement_create_events(self, facts_by, steps, today):
        """One event per debtor with a step, with the channels that can carry it.

        Returns (events, {debtor id: problem}): a debtor whose channels cannot carry
        the step (no email and no letter, no postal address, no IBAN) is retried
        after the spacing; one that fails here is rolled back alone.
        """
        Event = self.env["recouvrement.event"].with_context(**QUIET_CREATE)
        contacts = self.env["account.move"]._recouvrement_invoice_contacts(
            self.partner_id
        )
        refused = self._recouvrement_refused_emails()
        vals_list, problems = [], {}
        for debtor in self.filtered(lambda d: d.id in steps):
            step, facts = steps[debtor.id], facts_by[debtor.id]
            stage = facts.stages[step.stage.key]
            contact = contacts.get(debtor.partner_id.id, debtor.partner_id)
            channels, problem = Event._recouvrement_channels(
                debtor.company_id,
                debtor.partner_id,
                contact,
                stage,
                refused_emails=refused.get(debtor.id, frozenset()),
            )
            if problem:
                message, company_level = problem
                retry = today + timedelta(
                    days=debtor.company_id.recouvrement_spacing_days or 1
                )
                record = debtor.company_id.partner_id if company_level else debtor
                problems[debtor.id] = (message, retry, record)
                continue
            vals_list.append(
                debtor._recouvrement_event_vals(step, stage, contact, channels)
            )
        try:
            with self.env.cr.savepoint():
                return Event.create(vals_list), problems
        except psycopg2.OperationalError:
            raise
        except Exception:  # noqa: BLE001 - find the debtor whose values fail
            _logger.info("Recovery events created one by one", exc_info=True)
        events = Event.browse()
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    events |= Event.create([vals])
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - one debtor must not stop all
                problems[vals["debtor_id"]] = (
                    self._recouvrement_failure_message(error),
                    today + timedelta(days=1),
                    self.browse(vals["debtor_id"]),
                )
        return events, problems

    def _recouvrement_refused_emails(self):
        """{debtor id: addresses (normalised) whose last reminder email was not
        delivered}: an address is refused when an email to it failed after the
        last one delivered to it. One query for the batch."""
        rows = self.env["recouvrement.event"]._read_group(
            [
                ("debtor_id", "in", self.ids),
                ("channel_email", "=", True),
                ("email_to", "!=", False),
                ("state", "in", ("failed", "done")),
            ],
            ["debtor_id", "email_to", "state"],
            ["id:max"],
        )
        last = defaultdict(dict)  # debtor id -> address -> state -> last event id
        for debtor, email, state, last_id in rows:
            address = email_normalize(email) or email
            states = last[debtor.id].setdefault(address, {})
            states[state] = max(states.get(state, 0), last_id)
        return {
            debtor_id: frozenset(
                address
                for address, states in addresses.items()
                if states.get("failed", 0) > states.get("done", 0)
            )
            for debtor_id, addresses in last.items()
        }

    def _recouvrement_event_vals(self, step, stage, contact, channels):
        self.ensure_one()
        partner = self.partner_id
        email = contact.email or partner.email
        vals = {
            "company_id": self.company_id.id,
            "partner_id": partner.id,
            "debtor_id": self.id,
            "contact_id": contact.id,
            "move_ids": [Command.set(list(step.claimed))],
            "upcoming_move_ids": [Command.set(list(step.upcoming))],
            "stage_id": stage.id,
            "event_type": "stage",
            "date": step.date,
            "deadline_date": step.deadline or False,
            "state": self.env["recouvrement.event"]._recouvrement_state_for(
                channels, stage.needs_validation
            ),
            "lang": contact._recouvrement_letter_lang(),
            "email_to": email if "email" in channels else False,
        }
        for channel in ("email", "letter", "registered", "phone", "manual"):
            vals[f"channel_{channel}"] = channel in channels
        return vals

    @api.model
    def _recouvrement_failure_message(self, error):
        return _(
            "The recovery run failed on this customer: %(error)s",
            error=str(error) or error.__class__.__name__,
        )

    def _recouvrement_after_contact(self, events, facts_by=None):
        """Events sent: their invoices reach the stage (never a lower one), the
        debtors' state follows, one note per event in the debtor's chatter."""
        Move = self.env["account.move"]
        by_stage = defaultdict(list)
        for event in events:
            stage = event.stage_id
            for move in event.move_ids:
                current = move.recouvrement_stage_id
                if not current or (current.sequence, current.id) < (
                    stage.sequence,
                    stage.id,
                ):
                    by_stage[stage].append(move.id)
        # the event and its note on the customer are the log: no tracking message
        # per invoice (most of a batch's queries otherwise)
        untracked = Move.with_context(mail_notrack=True)
        for stage, move_ids in by_stage.items():
            moves = untracked.browse(move_ids)
            moves.filtered(lambda m: not m.recouvrement_state).write(
                {"recouvrement_state": "in_progress"}
            )
            moves.write({"recouvrement_stage_id": stage.id})
        for day, day_events in events.grouped("date").items():
            day_events.move_ids.with_env(untracked.env).write(
                {"recouvrement_last_date": day, "recouvrement_issue": False}
            )
        bodies = {}
        for event in events:
            # the note in the company's language, as the nightly run writes it,
            # whoever sends the step (names and sentence alike)
            env = self.with_context(
                lang=event.company_id.partner_id.lang or self.env.lang
            ).env
            event = event.with_env(env)
            bodies[event.debtor_id.id] = env._(
                "%(stage)s (%(channels)s): event %(event)s, %(count)s invoice(s).",
                stage=event.stage_id.name,
                channels=event.channel_summary or "",
                event=event._get_html_link(),
                count=len(event.move_ids),
            )
        if bodies:
            events.debtor_id._message_log_batch(bodies=bodies)

    def _recouvrement_notify(self, facts_by, decisions, values, failed):
        """The activities of the run: one per debtor and problem (collector), one
        per company for rates and data to fix (manager)."""
        items = []
        rates_by_company = defaultdict(set)
        issue_type = ISSUE_ACTIVITY
        for debtor in self:
            facts = facts_by[debtor.id]
            company = debtor.company_id

            def collector(company=company, facts=facts):
                return company._recouvrement_responsible_user(
                    "collector", facts.moves.invoice_user_id
                )

            if facts.gate and facts.gate[0] and facts.gate[2]:
                items.append(
                    {
                        "record": facts.gate[2],
                        "type": issue_type,
                        "summary": facts.gate[0],
                        "note": facts.gate[0],
                        "user": collector(),
                    }
                )
                continue
            result = decisions.get(debtor.id)
            message = values.get(debtor.id, (None, None, None, None))[3]
            if debtor.id in failed:
                message, _next_date, record = failed[debtor.id]
                items.append(
                    {
                        "record": record,
                        "type": issue_type,
                        "summary": message,
                        "note": message,
                        "user": collector(),
                    }
                )
            elif result and result.reason == decision.RATES:
                rates_by_company[company] |= set(result.details)
            elif result and result.reason == decision.MANUAL:
                stage = facts.stages[result.stage.key]
                items.append(
                    {
                        "record": debtor,
                        "type": stage.activity_type_id or issue_type,
                        "summary": message,
                        "note": message,
                        "user": collector(),
                    }
                )
            elif message:
                items.append(
                    {
                        "record": debtor,
                        "type": issue_type,
                        "summary": message,
                        "note": message,
                        "user": collector(),
                    }
                )
        for company, rates in rates_by_company.items():
            items.append(company._recouvrement_rates_activity(sorted(rates)))
        self.env["mail.activity"]._recouvrement_notify(items)
        self._recouvrement_notify_invoice_issues(facts_by)

    def _recouvrement_reason_message(self, result, facts):
        """The sentence a person reads for a decision's reason."""
        self.ensure_one()
        partner = self.partner_id.display_name
        stage = facts.stages.get(result.stage.key) if result.stage else None
        stage_name = stage.name if stage else ""
        fdate = self._recouvrement_fdate
        if result.reason == decision.IN_CREDIT:
            return _(
                "The unallocated credits of %(partner)s cover its overdue invoices: "
                "it is not chased. Reconcile the credit notes or payments with the "
                "invoices.",
                partner=partner,
            )
        if result.reason == decision.MANUAL:
            invoices = ", ".join(facts.chased.mapped("name"))
            return _(
                "Stage %(stage)s is due for %(partner)s (invoices %(invoices)s): "
                "decide and escalate by hand.",
                stage=stage_name,
                partner=partner,
                invoices=invoices,
            )
        if result.reason == decision.RATES:
            return _(
                "The %(stage)s letter to %(partner)s waits: it would claim interest "
                "at a reference rate a recovery manager has not confirmed (%(rates)s).",
                stage=stage_name,
                partner=partner,
                rates=self.env["recouvrement.rate"]._recouvrement_rates_label(
                    result.details
                ),
            )
        if result.reason == decision.WAITING_VALIDATION:
            return _(
                "A step for %(partner)s is waiting for a manager's validation: "
                "validate or cancel it first.",
                partner=partner,
            )
        if result.reason == decision.SAME_DAY:
            return _(
                "%(partner)s was already contacted today: one contact a day at most.",
                partner=partner,
            )
        if result.reason == decision.DEADLINE:
            return _(
                "A letter gave %(partner)s until %(deadline)s to pay: the next step "
                "is possible from %(date)s.",
                partner=partner,
                deadline=fdate(facts.data.deadline),
                date=fdate(result.next_date),
            )
        if result.reason == decision.SPACING:
            return _(
                "%(partner)s was contacted on %(last)s: the next contact is possible "
                "from %(date)s.",
                partner=partner,
                last=fdate(facts.data.last_contact),
                date=fdate(result.next_date),
            )
        if result.reason == decision.NOT_POSTING_DAY:
            return _(
                "A letter is not dated nor posted on a Sunday or a public holiday: "
                "next possible day %(date)s.",
                date=fdate(result.next_date),
            )
        if result.reason == decision.END:
            return _(
                "%(partner)s has reached the last stage of its ladder.", partner=partner
            )
        if result.reason == decision.NOT_DUE:
            return _(
                "%(partner)s has no overdue invoice to claim yet.", partner=partner
            )
        return _("%(partner)s has no open invoice to chase.", partner=partner)

    def _recouvrement_fdate(self, value):
        return format_date(self.env, value) if value else ""

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_recouvrement_escalate_now(self):
        """The next stage now, whatever its delay: one step per debtor, refused
        with the reason when the rules forbid it (validation pending, deadline
        given, contacted today, in credit, collective procedure)."""
        self._recouvrement_escalate_now()
        return True

    def _recouvrement_escalate_now(self, today=None):
        today = today or fields.Date.context_today(self)
        for debtor in self:
            if debtor.partner_id.recouvrement_procedure:
                raise UserError(debtor._recouvrement_gate(today)[0])
        debtors = self._recouvrement_lock(nowait=True)
        events, decisions = debtors._recouvrement_run(today, force=True)
        if events.filtered(lambda e: e.state != "failed"):
            return events
        facts_by = debtors._recouvrement_facts(today)
        messages = []
        for debtor in debtors:
            gate, result = facts_by[debtor.id].gate, decisions.get(debtor.id)
            if gate and gate[0]:
                messages.append(gate[0])
            elif result and not result.step:
                messages.append(
                    debtor._recouvrement_reason_message(result, facts_by[debtor.id])
                )
            elif debtor.issue:  # the step could not be carried (channels, letter)
                messages.append(debtor.issue)
        raise UserError("\n".join(messages) or _("Nothing to do."))

    def action_open_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_move_action"
        )
        action["domain"] = [("recouvrement_debtor_id", "=", self.id)]
        return action

    def action_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_event_action"
        )
        action["domain"] = [("debtor_id", "=", self.id)]
        return action

    def action_recouvrement_claim(self):
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m._recouvrement_is_open())
        if not moves:
            raise UserError(
                _("%(partner)s has no open invoice.", partner=self.display_name)
            )
        return moves.action_recouvrement_claim()

    # ------------------------------------------------------------------
    # The worklist: what the customer owes today, what comes next, who is on it,
    # and every invoice action applied to all of its open invoices at once
    # ------------------------------------------------------------------
    def _compute_claim_figures(self):
        """One claim computation for all the debtors shown (a list page at once)."""
        Move = self.env["account.move"]
        groups = {debtor.id: debtor.open_move_ids for debtor in self}
        claims, errors = Move._recouvrement_claims_tolerant(
            groups, fields.Date.context_today(self)
        )
        for debtor in self:
            claim = claims.get(debtor.id)
            debtor.claim_interest = float(claim.interest) if claim else 0.0
            debtor.claim_indemnity = float(claim.indemnities) if claim else 0.0
            debtor.claim_total = float(claim.total) if claim else 0.0
            debtor.claim_error = errors.get(debtor.id, False)

    @api.depends("stage_id", "next_date", "issue")
    def _compute_next_action(self):
        Event = self.env["recouvrement.event"]
        waiting = {
            debtor.id
            for (debtor,) in Event._read_group(
                [("debtor_id", "in", self.ids), ("state", "=", "to_validate")],
                ["debtor_id"],
            )
        }
        to_post = {
            debtor.id
            for (debtor,) in Event._read_group(
                [("debtor_id", "in", self.ids), ("state", "=", "to_post")],
                ["debtor_id"],
            )
        }
        for debtor in self:
            debtor.waiting_validation = debtor.id in waiting
            debtor.suspended = bool(debtor.open_move_ids) and all(
                move.recouvrement_state in SUSPENDED_STATES
                for move in debtor.open_move_ids
            )
            debtor.next_action = debtor._recouvrement_next_action(
                debtor.id in waiting, debtor.id in to_post
            )

    def _recouvrement_next_action(self, waiting, to_post):
        """The next action in plain words (the one rule the list and form show), in
        the language of the record's environment, like the stage's name in it."""
        self.ensure_one()
        if waiting:
            return self.env._("A stage waits for a recovery manager's validation.")
        if to_post:
            return self.env._("A letter is to be posted.")
        if self.issue:
            return self.env._("A person must act (see the problem).")
        if self.open_move_ids and self.claim_total <= 0 and not self.claim_error:
            return self.env._("Its credits cover what it owes: nothing to claim.")
        if not self.next_date:
            if self.suspended:
                return self.env._(
                    "Suspended (pause, dispute, payment plan or mediation)."
                )
            return False
        stage = self._recouvrement_next_stage()
        date = self._recouvrement_fdate(self.next_date)
        if stage:
            return self.env._("%(stage)s from %(date)s", stage=stage.name, date=date)
        return self.env._("Review on %(date)s", date=date)

    def _recouvrement_next_stage(self):
        """The stage after the customer's level on its ladder, if any."""
        self.ensure_one()
        ladder = self._recouvrement_ladder()
        if not ladder:
            return self.env["recouvrement.stage"]
        stages = ladder._active_stages()
        if not self.stage_id:
            return stages[:1]
        level = (self.stage_id.sequence, self.stage_id.id)
        return stages.filtered(lambda s: (s.sequence, s.id) > level)[:1]

    def _compute_collector_id(self):
        cache = {}
        for debtor in self:
            salespeople = debtor.open_move_ids.invoice_user_id
            key = (debtor.company_id.id, tuple(salespeople.ids))
            if key not in cache:
                cache[key] = debtor.company_id._recouvrement_responsible_user(
                    "collector", salespeople
                )
            debtor.collector_id = cache[key]

    # ------------------------------------------------------------------
    # Actions on the whole debtor
    # ------------------------------------------------------------------
    def _recouvrement_open_invoices(self):
        """Every open invoice of these customers: an action on a debtor is the
        invoice action on all of them."""
        moves = self.open_move_ids
        if not moves:
            raise UserError(
                _(
                    "%(customers)s: no open invoice.",
                    customers=", ".join(self.mapped("display_name")),
                )
            )
        return moves

    @api.model
    def _recouvrement_active_invoices(self):
        """The open invoices of the customers an action was started from (the
        wizards' default), or None when it was not started from customers."""
        context = self.env.context
        if context.get("active_model") != self._name or not context.get("active_ids"):
            return None
        return self.browse(context["active_ids"])._recouvrement_open_invoices()

    def action_recouvrement_payment_plan(self):
        if len(self) != 1:
            raise UserError(_("A payment plan concerns the invoices of one customer."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recouvrement_amiable.recouvrement_payment_plan_create_action"
        )
        action["context"] = {"default_move_ids": self._recouvrement_open_invoices().ids}
        return action

    def action_recouvrement_resume(self):
        """Resume the customer's suspended invoices."""
        return self._recouvrement_open_invoices().action_recouvrement_resume()

    # ------------------------------------------------------------------
    # Installation
    # ------------------------------------------------------------------
    @api.model
    def _recouvrement_init(self, companies):
        """Create the debtors of every open customer invoice of ``companies`` and
        link the invoices, in SQL (installation on a database with hundreds of
        thousands of invoices); each debtor's first step is planned from its oldest
        invoice and the first stage of the default ladder (the run refines it)."""
        if not companies:
            return
        cr = self.env.cr
        self.env.flush_all()
        open_moves = SQL(
            """m.company_id IN %(companies)s AND m.move_type = 'out_invoice'
               AND m.state = 'posted' AND m.payment_state IN ('not_paid', 'partial')
               AND m.commercial_partner_id IS NOT NULL""",
            companies=tuple(companies.ids),
        )
        cr.execute(
            SQL(
                """INSERT INTO recouvrement_debtor
                          (company_id, partner_id, create_uid, create_date,
                           write_uid, write_date)
                   SELECT DISTINCT m.company_id, m.commercial_partner_id, %(uid)s,
                          NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                     FROM account_move m
                    WHERE %(open)s
              ON CONFLICT (company_id, partner_id) DO NOTHING""",
                uid=self.env.uid,
                open=open_moves,
            )
        )
        cr.execute(
            SQL(
                """UPDATE account_move m SET recouvrement_debtor_id = d.id
                     FROM recouvrement_debtor d
                    WHERE d.company_id = m.company_id
                      AND d.partner_id = m.commercial_partner_id
                      AND m.recouvrement_debtor_id IS NULL AND %(open)s""",
                open=open_moves,
            )
        )
        for company in companies:
            stage = company._recouvrement_default_ladder()._active_stages()[:1]
            if not stage:
                continue
            cr.execute(
                SQL(
                    """UPDATE recouvrement_debtor d
                          SET next_date = o.oldest + %(delay)s
                         FROM (SELECT m.recouvrement_debtor_id AS debtor,
                                      MIN(m.invoice_date_due) AS oldest
                                 FROM account_move m
                                WHERE %(open)s AND m.company_id = %(company)s
                                  AND m.invoice_date_due IS NOT NULL
                             GROUP BY m.recouvrement_debtor_id) AS o
                        WHERE d.id = o.debtor AND d.next_date IS NULL""",
                    delay=stage.delay_days,
                    company=company.id,
                    open=open_moves,
                )
            )
        self.env.invalidate_all()
