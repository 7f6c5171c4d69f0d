"""Who is contacted, when, and about which invoices: the escalation rules of one debtor.

Pure functions, like ``legal.py``: facts in, a decision out, no ORM. The nightly run,
"Escalate now", the validation of a prepared notice and the planning after a payment
all ask ``decide()``; the models only gather the facts and carry the decision out.

The rules (README, "How a debtor climbs the ladder"):

- the **debtor** (a customer in one company) is the unit: one level, one voice. Its
  level is the highest stage its open invoices have reached; the next stage is due
  when the **oldest** open invoice is that stage's delay past its due date;
- every contact covers **all** the debtor's overdue invoices (newer ones ride along
  with the current step); invoices not yet due are mentioned apart, never claimed;
- no contact before the deadline the previous letter gave (its day + 1), nor before
  the minimum spacing after the last contact (whatever the channel), never two
  contacts on the same day, never a step while a prepared step waits for validation;
- a debtor whose unallocated credits cover its overdue invoices is not chased;
- a registered letter is dated on a day the post works (not a Sunday, not a public
  holiday);
- a letter that claims interest waits while a reference rate it would apply is not
  confirmed by a manager (or missing).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from . import legal

# Why no step is taken today (Decision.reason). The models turn them into messages.
STEP = "step"
NOTHING_OPEN = "nothing_open"  # no open invoice the ladder may chase
NOT_DUE = "not_due"  # the next stage is not due yet
SPACING = "spacing"  # the minimum spacing after the last contact runs
DEADLINE = "deadline"  # the deadline the last letter gave runs
SAME_DAY = "same_day"  # already contacted today
WAITING_VALIDATION = "waiting_validation"  # a prepared step waits for a manager
IN_CREDIT = "in_credit"  # credits cover the overdue invoices
MANUAL = "manual"  # the stage due is done by a person
END = "end"  # no stage left on the ladder
NOT_POSTING_DAY = "not_posting_day"  # no registered letter on Sundays or holidays
RATES = "rates"  # a rate the letter would apply is missing or unconfirmed
# Reasons a person must see (the others are the ladder's normal waiting)
ATTENTION_REASONS = frozenset({IN_CREDIT, MANUAL, RATES})


@dataclass(frozen=True)
class Stage:
    """One active stage of the debtor's ladder."""

    key: Hashable
    sequence: int
    kind: str
    delay_days: int
    automatic: bool = True
    needs_validation: bool = False
    registered: bool = False
    # the step prints a letter to post (dated on a posting day, like a registered one)
    letter: bool = False
    # the step sends a letter or an email that states the debt (rates must be sure)
    claims: bool = False
    # days the letter gives to pay (None: the letter states no deadline)
    deadline_days: int | None = None
    # days the post needs before the deadline starts to run (letters)
    delivery_days: int = 0
    order_key: int = 0  # tie-break of equal sequences (the record id)

    @property
    def order(self) -> tuple[int, int]:
        return (self.sequence, self.order_key)

    @property
    def posted(self) -> bool:
        """The step puts a letter in the post."""
        return self.registered or self.letter

    @property
    def before_due(self) -> bool:
        """A stage before the due date (pre-reminder): only while nothing is late."""
        return self.delay_days < 0


@dataclass(frozen=True)
class Invoice:
    """One open invoice the ladder may chase (checked, not suspended, not excluded)."""

    key: Hashable
    due_date: date
    residual: Decimal
    reached: tuple[int, int] | None = None  # order of the highest stage reached


@dataclass(frozen=True)
class Debtor:
    """Everything the rules need to know of one debtor in one company."""

    stages: tuple[Stage, ...]  # the active stages of its ladder, in order
    invoices: tuple[Invoice, ...]
    credits: Decimal = Decimal(0)  # unallocated credit notes and payments
    last_contact: date | None = None  # any channel
    deadline: date | None = None  # latest payment deadline given by a letter
    waiting_validation: bool = False
    spacing_days: int = 7
    min_residual: Decimal = Decimal(1)
    catch_up: bool = False
    # (rate kind, semester start) of rates a claim today would apply, unconfirmed
    # or missing; the models compute them with legal.claim_breakdown
    unsure_rates: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class Step:
    """A contact to make today."""

    stage: Stage
    date: date  # the letter's date
    claimed: tuple[Hashable, ...]  # invoice keys the step claims (or announces)
    upcoming: tuple[Hashable, ...]  # not yet due: mentioned apart, not claimed
    deadline: date | None  # the deadline the letter states, if any


@dataclass(frozen=True)
class Decision:
    step: Step | None
    next_date: date | None  # when to look at the debtor again (None: nothing planned)
    reason: str
    stage: Stage | None = None  # the stage the reason is about
    level: Stage | None = None  # the debtor's level (after the step, if any)
    details: tuple = field(default=())  # e.g. the unsure rates


def level_of(debtor: Debtor) -> Stage | None:
    """The debtor's level: the highest stage of its ladder its open invoices reached.

    A stage no longer on the ladder counts as the ladder stage just below it."""
    reached = [i.reached for i in debtor.invoices if i.reached is not None]
    if not reached:
        return None
    top = max(reached)
    below = [s for s in debtor.stages if s.order <= top]
    return below[-1] if below else None


def pending_stages(debtor: Debtor, today: date) -> list[Stage]:
    """Stages after the debtor's level that can still apply: a stage before the due
    date (pre-reminder) no longer applies once an invoice is late."""
    level = level_of(debtor)
    stages = [s for s in debtor.stages if level is None or s.order > level.order]
    if any(i.due_date < today for i in debtor.invoices):
        stages = [s for s in stages if not s.before_due]
    return stages


def stage_due_date(debtor: Debtor, stage: Stage) -> date:
    """The day ``stage`` is due: its delay after the oldest open invoice's due date."""
    oldest = min(i.due_date for i in debtor.invoices)
    return oldest + timedelta(days=stage.delay_days)


def not_before(debtor: Debtor, force: bool = False) -> tuple[date | None, str]:
    """The first day a new contact is allowed, and what sets it.

    The deadline a letter gave is kept even when a person forces the next step;
    forcing skips the minimum spacing, never the one-contact-a-day rule."""
    limits = []
    if debtor.last_contact:
        spacing = 1 if force else max(debtor.spacing_days, 1)
        limits.append((debtor.last_contact + timedelta(days=spacing), SPACING))
    if debtor.deadline:
        limits.append((debtor.deadline + timedelta(days=1), DEADLINE))
    if not limits:
        return None, ""
    return max(limits)


def covered_invoices(
    debtor: Debtor, stage: Stage, today: date
) -> tuple[list[Invoice], list[Invoice]]:
    """(claimed, upcoming) of a step of ``stage`` today: every overdue invoice is
    claimed; a stage before the due date announces the invoices within its window."""
    if stage.before_due:
        window = today - timedelta(days=stage.delay_days)
        claimed = [i for i in debtor.invoices if i.due_date <= window]
    else:
        claimed = [i for i in debtor.invoices if i.due_date < today]
    keys = {i.key for i in claimed}
    upcoming = [i for i in debtor.invoices if i.key not in keys]
    return claimed, upcoming


def letter_date(stage: Stage, today: date) -> date:
    """The date of the step's letter: a letter, registered or not, on a posting day
    (never a Sunday nor a public holiday); an email or a call today."""
    return legal.next_posting_day(today) if stage.posted else today


def step_deadline(stage: Stage, day: date) -> date | None:
    """The payment deadline a letter of ``stage`` dated ``day`` states."""
    if stage.deadline_days is None:
        return None
    return legal.stated_deadline(day, stage.delivery_days, stage.deadline_days)


def due_stage(debtor: Debtor, pending: Sequence[Stage], today: date) -> Stage | None:
    """The stage due today: the next one when its delay has run; with catch-up, the
    highest automatic stage already due. A stage a person decides (validation,
    manual) is never jumped over nor jumped to: only reached as the very next one."""
    target = None
    for stage in pending:
        if stage_due_date(debtor, stage) > today:
            break
        if target and (stage.needs_validation or not stage.automatic):
            break
        target = stage
        if not debtor.catch_up or stage.needs_validation or not stage.automatic:
            break
    return target


def decide(debtor: Debtor, today: date, force: bool = False) -> Decision:
    """What to do with the debtor today: a step, or why not and when to look again.

    ``force`` ("Escalate now"): the next stage now, whatever its delay and the
    spacing; deadlines given, validation, net position and rates still apply.
    """
    if not debtor.invoices:
        return Decision(None, None, NOTHING_OPEN)
    level = level_of(debtor)
    if debtor.waiting_validation:
        return Decision(None, None, WAITING_VALIDATION, level=level)
    pending = pending_stages(debtor, today)
    if not pending:
        return Decision(None, None, END, level=level)
    target = pending[0] if force else due_stage(debtor, pending, today)
    if target is None:
        first, why = not_before(debtor)
        due = stage_due_date(debtor, pending[0])
        return Decision(
            None,
            max(due, first) if first else due,
            NOT_DUE,
            stage=pending[0],
            level=level,
        )
    first, why = not_before(debtor, force)
    if first and first > today:
        if debtor.last_contact == today:
            why = SAME_DAY
        next_date = first if force else max(first, stage_due_date(debtor, target))
        return Decision(None, next_date, why, stage=target, level=level)
    claimed, upcoming = covered_invoices(debtor, target, today)
    if not claimed:
        # a pre-reminder whose window holds no invoice yet
        due = min(i.due_date for i in debtor.invoices)
        return Decision(
            None,
            due + timedelta(days=target.delay_days),
            NOT_DUE,
            stage=target,
            level=level,
        )
    owed = sum((i.residual for i in claimed), Decimal(0)) - debtor.credits
    if owed < debtor.min_residual:
        retry = today + timedelta(days=max(debtor.spacing_days, 1))
        return Decision(None, retry, IN_CREDIT, stage=target, level=level)
    if not target.automatic and not force:
        return Decision(None, None, MANUAL, stage=target, level=level)
    if target.claims and debtor.unsure_rates:
        return Decision(
            None,
            today + timedelta(days=1),
            RATES,
            stage=target,
            level=level,
            details=debtor.unsure_rates,
        )
    if (
        target.posted
        and not target.needs_validation
        and not legal.is_posting_day(today)
    ):
        return Decision(
            None, legal.next_posting_day(today), NOT_POSTING_DAY, target, level
        )
    day = letter_date(target, today)
    step = Step(
        stage=target,
        date=day,
        claimed=tuple(i.key for i in claimed),
        upcoming=tuple(i.key for i in upcoming),
        deadline=None if target.needs_validation else step_deadline(target, day),
    )
    if target.needs_validation:
        return Decision(step, None, WAITING_VALIDATION, stage=target, level=level)
    after = after_step(debtor, step)
    return Decision(step, plan(after, day), STEP, stage=target, level=target)


def after_step(debtor: Debtor, step: Step) -> Debtor:
    """The debtor once ``step`` is done: its invoices reached the stage, it was
    contacted on the step's date, and the letter's deadline is promised."""
    claimed = set(step.claimed)
    stage_order = step.stage.order
    invoices = tuple(
        replace(i, reached=max(i.reached or stage_order, stage_order))
        if i.key in claimed
        else i
        for i in debtor.invoices
    )
    deadlines = [d for d in (debtor.deadline, step.deadline) if d]
    return replace(
        debtor,
        invoices=invoices,
        last_contact=step.date,
        deadline=max(deadlines) if deadlines else None,
        waiting_validation=False,
    )


def plan(debtor: Debtor, today: date) -> date | None:
    """The day the debtor's next step may be taken, seen from ``today`` (after a
    contact, a payment, a suspension...): today when a step is due now."""
    decision = decide(debtor, today)
    if decision.step is not None:
        return today
    return decision.next_date


def simulate(
    debtor: Debtor,
    start: date,
    days: int,
    events: Callable[[date, Debtor], Debtor] | None = None,
    validate_after: int = 0,
) -> list[tuple[date, Step]]:
    """The steps a debtor gets from ``start`` over ``days`` nightly runs: (the day
    the step was decided, the step).

    ``events(day, debtor)`` changes the facts each morning (payments, new
    invoices); a step that needs validation is validated ``validate_after`` days
    after it was prepared. Used by the property tests and to explain the ladder.
    """
    steps: list[tuple[date, Step]] = []
    waiting: tuple[date, Step] | None = None
    for offset in range(days + 1):
        today = start + timedelta(days=offset)
        if events:
            debtor = events(today, debtor)
        if waiting and today >= waiting[0]:
            prepared = waiting[1]
            waiting = None
            debtor = replace(debtor, waiting_validation=False)
            decision = validate(debtor, prepared.stage, today)
            if decision.step:
                steps.append((today, decision.step))
                debtor = after_step(debtor, decision.step)
            continue
        decision = decide(debtor, today)
        if decision.step is None:
            continue
        if decision.step.stage.needs_validation:
            waiting = (today + timedelta(days=validate_after), decision.step)
            debtor = replace(debtor, waiting_validation=True)
            continue
        steps.append((today, decision.step))
        debtor = after_step(debtor, decision.step)
    return steps


def validate(debtor: Debtor, stage: Stage, today: date) -> Decision:
    """A manager validates a prepared step of ``stage`` today: it covers the
    invoices overdue today, is dated on a posting day for a registered letter, and
    states its deadline from that date. Nothing is sent when credits now cover the
    invoices, or when the debtor was contacted today."""
    level = level_of(debtor)
    claimed, upcoming = covered_invoices(debtor, stage, today)
    owed = sum((i.residual for i in claimed), Decimal(0)) - debtor.credits
    if not claimed or owed < debtor.min_residual:
        return Decision(None, None, IN_CREDIT, stage=stage, level=level)
    if debtor.last_contact and debtor.last_contact >= today:
        return Decision(None, None, SAME_DAY, stage=stage, level=level)
    if stage.claims and debtor.unsure_rates:
        return Decision(
            None, None, RATES, stage=stage, level=level, details=debtor.unsure_rates
        )
    day = letter_date(stage, today)
    step = Step(
        stage=stage,
        date=day,
        claimed=tuple(i.key for i in claimed),
        upcoming=tuple(i.key for i in upcoming),
        deadline=step_deadline(stage, day),
    )
    after = after_step(debtor, step)
    return Decision(step, plan(after, day), STEP, stage=stage, level=stage)
