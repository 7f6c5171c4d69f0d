"""French legal computations for the amicable collection of unpaid invoices.

Pure functions: no ORM, no database, no translation. Amounts are ``Decimal``;
rates are annual percentages (``Decimal("12.15")`` means 12.15 %). The models,
the letters and the case file all call these functions, so the figures a
debtor reads are the figures the invoice form shows.

Sources: art. L441-10 and D441-5 C. com. (penalties, 40 EUR indemnity), art.
1231-6 and 1344 C. civ. (interest, formal notice), art. L110-4 C. com. and 2224 C.
civ. (prescription), art. 642 CPC (deadlines).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Debtor types
B2B_COMMERCANT = "b2b_commercant"
B2B_NON_COMMERCANT = "b2b_non_commercant"
B2C = "b2c"
PUBLIC = "public"
B2B_TYPES = frozenset({B2B_COMMERCANT, B2B_NON_COMMERCANT})
DEBTOR_TYPES = (B2B_COMMERCANT, B2B_NON_COMMERCANT, B2C, PUBLIC)

# Kinds of reference rates (recouvrement.rate.kind)
RATE_ECB = "ecb"  # ECB main refinancing rate in force on the 1st day of the semester
RATE_LEGAL_PRO = "legal_pro"  # taux de l'intérêt légal, « tous les autres cas »
RATE_LEGAL_INDIVIDUAL = "legal_individual"  # taux légal, créancier personne physique
RATE_KINDS = (RATE_ECB, RATE_LEGAL_PRO, RATE_LEGAL_INDIVIDUAL)

# Rate modes
MODE_PER_SEMESTER = "per_semester"
MODE_FROZEN = "frozen_at_due_date"

# Imputation of partial payments (art. 1343-1 C. civ.)
IMPUTE_PRINCIPAL_FIRST = "principal_first"
IMPUTE_INTEREST_FIRST = "interest_first"  # art. 1343-1 C. civ.

ECB_MARGIN = Decimal("10")  # L441-10 II: ECB rate + 10 points
CONTRACT_FLOOR_FACTOR = Decimal("3")  # L441-10 II: >= 3 x legal rate
DEFAULT_INDEMNITY = Decimal("40.00")  # D441-5
PRESCRIPTION_YEARS = {B2B_COMMERCANT: 5, B2B_NON_COMMERCANT: 5, B2C: 2}
SUSPENSION_MIN_RESTART = 6  # months (art. 2238 C. civ.)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class LegalComputationError(ValueError):
    """Base class of the errors the model layer turns into user messages."""


class MissingRateError(LegalComputationError):
    """No rate of ``kind`` is known for the semester starting at ``period_start``."""

    def __init__(self, kind: str, period_start: date, period_end: date):
        self.kind = kind
        self.period_start = period_start
        self.period_end = period_end
        super().__init__(
            f"missing {kind} rate for the period "
            f"{period_start:%d/%m/%Y}-{period_end:%d/%m/%Y}"
        )


class PublicDebtorError(LegalComputationError):
    """Public bodies follow the public procurement rules: out of scope."""


class UnknownDebtorTypeError(LegalComputationError):
    def __init__(self, debtor_type):
        self.debtor_type = debtor_type
        super().__init__(f"unknown debtor type {debtor_type!r}")


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------
def round_cents(amount: Decimal) -> Decimal:
    """Round half up to the cent."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def days_late(due_date: date | None, on_date: date) -> int:
    """Days between the due date and ``on_date`` (first day excluded, last included).

    0 when not yet due. A debtor is late from the day after the due date (L441-10 II).
    """
    if not due_date or on_date <= due_date:
        return 0
    return (on_date - due_date).days


def semester_bounds(day: date) -> tuple[date, date]:
    """First and last day of the calendar semester containing ``day``."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def year_basis(year: int) -> int:
    """Days of the calendar year: 366 in a leap year."""
    return 366 if calendar.isleap(year) else 365


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of the month."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` (Gregorian calendar, anonymous algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lv = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lv) // 451
    month, day_ = divmod(h + lv - 7 * m + 114, 31)
    return date(year, month, day_ + 1)


def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of art. L3133-1 C. trav. (mainland France).

    Alsace-Moselle's Good Friday and 26 December are not included: a registered
    letter dated on them is still valid, only the post office may be closed.
    """
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter + timedelta(days=1),  # lundi de Pâques
            date(year, 5, 1),
            date(year, 5, 8),
            easter + timedelta(days=39),  # Ascension
            easter + timedelta(days=50),  # lundi de Pentecôte
            date(year, 7, 14),
            date(year, 8, 15),
            date(year, 11, 1),
            date(year, 11, 11),
            date(year, 12, 25),
        }
    )


def is_posting_day(day: date) -> bool:
    """Whether a registered letter can be dated and posted on ``day``: not a Sunday,
    not a French public holiday."""
    return day.weekday() != 6 and day not in french_public_holidays(day.year)


def next_posting_day(day: date) -> date:
    """``day`` or the first day after it on which a registered letter can be posted."""
    while not is_posting_day(day):
        day += timedelta(days=1)
    return day


def roll_to_working_day(day: date) -> date:
    """A deadline falling on a Saturday, a Sunday or a public holiday moves to the
    next working day.

    Art. 642 CPC does so for procedural deadlines; applying it to the notice
    deadline only ever gives the debtor more time, never less.
    """
    while day.weekday() >= 5 or day in french_public_holidays(day.year):
        day += timedelta(days=1)
    return day


# A registered letter's number: La Poste's 13 characters (1A 448 293 0201 1), or the
# UPU S10 form of international items (RR 123 456 789 FR).
_REGISTERED_DOMESTIC = re.compile(r"^\d[A-Z]\d{11}$")
_REGISTERED_S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")
REGISTERED_OK, REGISTERED_UNUSUAL, REGISTERED_INVALID = "ok", "unusual", "invalid"


def registered_number(raw: str | None) -> tuple[str, str]:
    """(the number as stored: upper case, no spaces nor dots nor dashes; "ok",
    "unusual" — alphanumeric, 8 to 20 characters with digits, kept with a warning —
    or "invalid")."""
    number = re.sub(r"[\s.\-]", "", raw or "").upper()
    if _REGISTERED_DOMESTIC.match(number) or _REGISTERED_S10.match(number):
        return number, REGISTERED_OK
    if (
        8 <= len(number) <= 20
        and number.isascii()
        and number.isalnum()
        and sum(c.isdigit() for c in number) >= 6
    ):
        return number, REGISTERED_UNUSUAL
    return number, REGISTERED_INVALID


def stated_deadline(letter_date: date, delivery_days: int, deadline_days: int) -> date:
    """The "au plus tard le" date a letter prints: the letter's date, plus the days
    the post needs to deliver it, plus the deadline, moved off a weekend.

    The deadline legally runs from the receipt (first presentation), unknown when
    the letter is printed: the date written is never earlier than the legal one for
    a normal delivery.
    """
    return notice_deadline(letter_date + timedelta(days=delivery_days), deadline_days)


def end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def max_legal_due_date(invoice_date: date) -> date:
    """The latest due date L441-10 I C. com. allows between professionals: 60 days
    from the invoice date, or 45 days end of month (both ways of counting it), the
    most favourable to the creditor being taken since the contract is not known."""
    return max(
        invoice_date + timedelta(days=60),
        end_of_month(invoice_date) + timedelta(days=45),
        end_of_month(invoice_date + timedelta(days=45)),
    )


# Data errors found on an invoice before it is claimed (see invoice_data_error)
DUE_BEFORE_INVOICE = "due_before_invoice"
TERM_TOO_LONG = "term_too_long"


def invoice_data_error(
    debtor_type: str, invoice_date: date | None, due_date: date | None
) -> str | None:
    """What makes an invoice's dates unfit to be claimed, or None.

    A due date before the invoice date would claim interest for days before the
    invoice existed; a payment term beyond the L441-10 maximum between professionals
    is an infringement the creditor must correct, not claim on.
    """
    if not invoice_date or not due_date:
        return None
    if due_date < invoice_date:
        return DUE_BEFORE_INVOICE
    if debtor_type in B2B_TYPES and due_date > max_legal_due_date(invoice_date):
        return TERM_TOO_LONG
    return None


def notice_deadline(receipt_date: date, days: int, roll_weekend: bool = True) -> date:
    """Last day to pay after a mise en demeure received on ``receipt_date``.

    ``days`` calendar days counted from the receipt:
    the day of receipt is excluded, the last day included.
    """
    if days < 0:
        raise LegalComputationError("a notice deadline cannot be negative")
    deadline = receipt_date + timedelta(days=days)
    return roll_to_working_day(deadline) if roll_weekend else deadline


# --------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RatePeriod:
    """One row of recouvrement.rate: the rate of ``kind`` from ``date_from`` to
    ``date_to``."""

    kind: str
    date_from: date
    date_to: date
    value: Decimal
    source: str = ""
    confirmed: bool = True  # a manager confirmed the figure and its source


class RateBook:
    """The reference rates, by kind and period, as loaded from recouvrement.rate."""

    def __init__(self, periods: Iterable[RatePeriod] = ()):
        self._by_kind: dict[str, list[RatePeriod]] = {}
        for period in periods:
            self._by_kind.setdefault(period.kind, []).append(period)
        for rows in self._by_kind.values():
            rows.sort(key=lambda p: p.date_from)

    def __bool__(self) -> bool:
        return bool(self._by_kind)

    def period_on(self, kind: str, day: date) -> RatePeriod:
        """The rate period of ``kind`` covering ``day``; MissingRateError otherwise."""
        for period in reversed(self._by_kind.get(kind, ())):
            if period.date_from <= day:
                if day <= period.date_to:
                    return period
                break
        start, end = semester_bounds(day)
        raise MissingRateError(kind, start, end)

    def rate_on(self, kind: str, day: date) -> Decimal:
        return self.period_on(kind, day).value

    def missing_semesters(
        self, kind: str, start: date, end: date
    ) -> list[tuple[date, date]]:
        """Semesters between ``start`` and ``end`` that no period of ``kind`` covers."""
        missing = []
        cursor = semester_bounds(start)[0]
        while cursor <= end:
            sem_start, sem_end = semester_bounds(cursor)
            try:
                self.period_on(kind, sem_start)
                self.period_on(kind, sem_end)
            except MissingRateError:
                missing.append((sem_start, sem_end))
            cursor = sem_end + timedelta(days=1)
        return missing


@dataclass(frozen=True)
class InterestPolicy:
    """How late interest is computed for one debtor.

    ``contractual_rate``: the rate of the terms of sale (percent a year), B2B only;
    ``contractual_legal_factor``: terms of sale stating "N times the legal rate"
    (the legal rate of each semester, times N);
    neither means the default rate of L441-10 (ECB + 10 points).
    ``indemnity_blocked``: a collective procedure is open and the date of its opening
    judgment is not known: no fixed indemnity at all.
    ``procedure_opened``: the date of the first judgment opening a collective
    procedure (safeguard, receivership, liquidation). On the claims born before it
    (delivery or service before the judgment, not the invoice date), interest
    stops the day before (art. L622-28, L631-14, L641-3 C. com.: the judgment takes
    effect from the first hour of its day) and the fixed indemnity is lost on those
    that fell due on or after it, since the procedure forbids paying them at their
    due date (art. L441-10 II in fine, L622-7); those already late keep theirs.
    """

    debtor_type: str
    contractual_rate: Decimal | None = None
    contractual_legal_factor: Decimal | None = None
    rate_mode: str = MODE_PER_SEMESTER
    imputation: str = IMPUTE_PRINCIPAL_FIRST
    indemnity_blocked: bool = False
    indemnity_amount: Decimal = DEFAULT_INDEMNITY
    procedure_opened: date | None = None

    def __post_init__(self):
        if self.debtor_type == PUBLIC:
            raise PublicDebtorError("public bodies are out of scope")
        if self.debtor_type not in DEBTOR_TYPES:
            raise UnknownDebtorTypeError(self.debtor_type)

    @property
    def is_b2b(self) -> bool:
        return self.debtor_type in B2B_TYPES

    def under_procedure(self, born_on: date, on_date: date) -> bool:
        """A claim born on ``born_on`` is caught by the collective procedure opened
        by ``on_date``."""
        opened = self.procedure_opened
        return opened is not None and born_on < opened <= on_date

    def interest_stop(self, born_on: date, on_date: date) -> date | None:
        """The last day interest runs on a claim born on ``born_on``: the day before
        the opening judgment, or None when no procedure stops it."""
        if self.under_procedure(born_on, on_date):
            return self.procedure_opened - timedelta(days=1)
        return None


@dataclass(frozen=True)
class AppliedRate:
    """The annual rate applied to a period and how it was obtained."""

    rate: Decimal  # percent a year
    kind: str  # "ecb_plus_10", "contract" or "legal_pro"
    reference: Decimal | None = None  # the ECB or legal rate behind it
    semester_start: date | None = None
    source: str = ""
    confirmed: bool = True  # the reference rate was confirmed by a manager
    reference_kind: str = ""  # RATE_ECB or RATE_LEGAL_PRO; "" for a contractual rate


@dataclass(frozen=True)
class FloorWarning:
    """A contractual rate below 3 x the legal rate of a semester (L441-10 II)."""

    semester_start: date
    semester_end: date
    contractual_rate: Decimal
    floor: Decimal


def applied_rate(policy: InterestPolicy, rates: RateBook, day: date) -> AppliedRate:
    """The annual rate applying to the day ``day`` under ``policy``."""
    sem_start, _sem_end = semester_bounds(day)
    if policy.is_b2b:
        if policy.contractual_rate is not None:
            return AppliedRate(
                Decimal(policy.contractual_rate), "contract", None, sem_start
            )
        if policy.contractual_legal_factor is not None:
            period = rates.period_on(RATE_LEGAL_PRO, sem_start)
            factor = Decimal(policy.contractual_legal_factor)
            return AppliedRate(
                period.value * factor,
                "contract_legal",
                period.value,
                sem_start,
                period.source,
                period.confirmed,
                RATE_LEGAL_PRO,
            )
        period = rates.period_on(RATE_ECB, sem_start)
        return AppliedRate(
            period.value + ECB_MARGIN,
            "ecb_plus_10",
            period.value,
            sem_start,
            period.source,
            period.confirmed,
            RATE_ECB,
        )
    period = rates.period_on(RATE_LEGAL_PRO, sem_start)
    return AppliedRate(
        period.value,
        "legal_pro",
        period.value,
        sem_start,
        period.source,
        period.confirmed,
        RATE_LEGAL_PRO,
    )


def contractual_floor_warnings(
    policy: InterestPolicy, rates: RateBook, start: date, end: date
) -> list[FloorWarning]:
    """Semesters of ]start, end] where the contractual rate is below the legal floor.

    The rate is not changed (the consequence is not settled by law): the
    caller shows the warning.
    """
    if not policy.is_b2b or policy.contractual_rate is None or end <= start:
        return []
    warnings = []
    cursor = start + timedelta(days=1)
    while cursor <= end:
        sem_start, sem_end = semester_bounds(cursor)
        legal = rates.rate_on(RATE_LEGAL_PRO, sem_start)
        floor = legal * CONTRACT_FLOOR_FACTOR
        if Decimal(policy.contractual_rate) < floor:
            warnings.append(
                FloorWarning(
                    sem_start, sem_end, Decimal(policy.contractual_rate), floor
                )
            )
        cursor = sem_end + timedelta(days=1)
    return warnings


# --------------------------------------------------------------------------
# Interest on one invoice
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Payment:
    """Money received against one invoice, at its value date (L441-9)."""

    date: date
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class InterestPeriod:
    """Interest of one period: ``days`` days, ``start`` to ``end`` both counted."""

    start: date
    end: date
    days: int
    basis: int
    principal: Decimal
    rate: AppliedRate
    amount: Decimal  # exact, not rounded
    printed: Decimal | None = None  # to the cent, the lines adding up to the total

    @property
    def amount_rounded(self) -> Decimal:
        """The amount a breakdown prints for the period: the periods' cumulated
        amounts rounded, less what the lines above already print. The lines then add
        up to the total (rounded once) and each stays within a cent of its exact
        amount; rounding each line alone could miss the total by a cent or more."""
        return self.printed if self.printed is not None else round_cents(self.amount)


@dataclass
class InterestResult:
    """Late interest of one invoice at a date."""

    periods: list[InterestPeriod] = field(default_factory=list)
    runs_from: date | None = None  # interest runs from the day after this date
    total: Decimal = ZERO  # rounded once, half up
    interest_paid: Decimal = ZERO  # part of the payments imputed on interest
    principal_left: Decimal = ZERO
    fully_paid_on: date | None = None
    warnings: list[FloorWarning] = field(default_factory=list)

    @property
    def interest_left(self) -> Decimal:
        return round_cents(self.total - self.interest_paid)


def late_interest(
    *,
    principal: Decimal,
    due_date: date,
    on_date: date,
    policy: InterestPolicy,
    rates: RateBook,
    payments: Sequence[Payment] = (),
    notice_date: date | None = None,
    interest_until: date | None = None,
) -> InterestResult:
    """Late interest on one invoice from its due date (B2B) or the notice (B2C) to
    ``on_date``, or to ``interest_until`` when that comes first (a collective
    procedure stopped it); payments up to ``on_date`` reduce the principal.

    Simple interest, split at 1 January / 1 July and at each payment, base 365 or
    366 by calendar year, rounded once at the end.
    Payments are imputed on the principal first (ledger view) or, with
    ``IMPUTE_INTEREST_FIRST``, on the accrued interest first (art. 1343-1 C. civ.):
    accrued interest is then rounded to the cent when a payment settles it.
    """
    principal = original = Decimal(principal)
    payments = sorted((p for p in payments if p.amount), key=lambda p: p.date)
    result = InterestResult(principal_left=principal)
    start = due_date if policy.is_b2b else notice_date
    if policy.is_b2b is False and notice_date is None:
        # B2C: interest at the legal rate only from the notice (art. 1231-6 C. civ.)
        result.principal_left = original - sum((p.amount for p in payments), ZERO)
        result.fully_paid_on = _paid_on(original, payments)
        return result
    result.runs_from = start
    # Payments up to the start date reduce the principal before any interest runs.
    remaining_payments = []
    for payment in payments:
        if payment.date <= start:
            principal -= payment.amount
        else:
            remaining_payments.append(payment)
    if principal <= 0:
        result.principal_left = principal
        result.fully_paid_on = _paid_on(original, payments)
        return result

    frozen: AppliedRate | None = None
    if policy.rate_mode == MODE_FROZEN:
        frozen = applied_rate(policy, rates, start)

    accrued = ZERO  # exact accrued interest not yet settled
    settled = ZERO  # interest settled by payments (interest-first imputation)
    cursor = start  # last day already counted
    stop = on_date if interest_until is None else min(on_date, interest_until)
    pay_index = 0
    while cursor < stop and principal > 0:
        sem_end = semester_bounds(cursor + timedelta(days=1))[1]
        segment_end = min(sem_end, stop)
        next_payment = (
            remaining_payments[pay_index]
            if pay_index < len(remaining_payments)
            else None
        )
        if next_payment and next_payment.date <= segment_end:
            segment_end = next_payment.date
        days = (segment_end - cursor).days
        if days > 0:
            first_day = cursor + timedelta(days=1)
            rate = frozen or applied_rate(policy, rates, first_day)
            basis = year_basis(first_day.year)
            amount = principal * rate.rate / HUNDRED * days / basis
            result.periods.append(
                InterestPeriod(
                    first_day, segment_end, days, basis, principal, rate, amount
                )
            )
            accrued += amount
        cursor = segment_end
        # Apply every payment of that day.
        while (
            pay_index < len(remaining_payments)
            and remaining_payments[pay_index].date == cursor
        ):
            paid = remaining_payments[pay_index].amount
            if policy.imputation == IMPUTE_INTEREST_FIRST and accrued > 0:
                on_interest = min(paid, round_cents(accrued))
                settled += on_interest
                accrued = max(ZERO, round_cents(accrued) - on_interest)
                paid -= on_interest
            principal -= paid
            pay_index += 1
            if principal <= 0:
                result.fully_paid_on = cursor
    # payments after on_date are ignored; any left before on_date and after the
    # principal was settled only reduce the principal further (overpayment).
    for payment in remaining_payments[pay_index:]:
        if payment.date <= on_date:
            principal -= payment.amount
    result.principal_left = principal
    result.periods = _printed_periods(result.periods)
    result.total = round_cents(sum((p.amount for p in result.periods), ZERO))
    result.interest_paid = settled
    if policy.is_b2b and policy.contractual_rate is not None and result.periods:
        result.warnings = contractual_floor_warnings(
            policy, rates, start, result.periods[-1].end
        )
    return result


def _printed_periods(periods: list[InterestPeriod]) -> list[InterestPeriod]:
    cumulated, printed_so_far, out = ZERO, ZERO, []
    for period in periods:
        cumulated += period.amount
        printed = round_cents(cumulated) - printed_so_far
        printed_so_far += printed
        out.append(replace(period, printed=printed))
    return out


def _paid_on(amount: Decimal, payments: Sequence[Payment]) -> date | None:
    running = Decimal(amount)
    for payment in payments:
        running -= payment.amount
        if running <= 0:
            return payment.date
    return None


def indemnity(
    *,
    policy: InterestPolicy,
    due_date: date,
    on_date: date,
    paid_on: date | None,
    born_on: date | None = None,
) -> Decimal:
    """The fixed 40 EUR indemnity of one invoice (L441-10 II, D441-5).

    B2B only, no VAT, one per late invoice, still due after a partial payment.
    A collective procedure takes it from the invoices born (``born_on``, else the due
    date) before the judgment that fall due on or after it; when the judgment's date
    is unknown, from every invoice.
    """
    if not policy.is_b2b or policy.indemnity_blocked:
        return ZERO
    if (
        policy.under_procedure(born_on or due_date, on_date)
        and due_date >= policy.procedure_opened
    ):
        return ZERO
    late = (paid_on is None and on_date > due_date) or (
        paid_on is not None and paid_on > due_date
    )
    return round_cents(policy.indemnity_amount) if late else ZERO


# --------------------------------------------------------------------------
# Claim breakdown (décompte de créance)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class InvoiceInput:
    """What the breakdown needs to know of one invoice (amounts incl. VAT)."""

    ref: str
    invoice_date: date | None
    due_date: date
    amount: Decimal
    payments: tuple[Payment, ...] = ()
    notice_date: date | None = None
    disputed: bool = False
    key: object = None  # the caller's id (e.g. account.move id)
    delivery_date: date | None = None

    @property
    def born_on(self) -> date:
        """When the claim was born: the delivery or the service (its operative
        event), else the invoice date, else the due date. A collective procedure
        reads this date, not the invoice's (art. L622-7, L622-17 C. com.)."""
        return self.delivery_date or self.invoice_date or self.due_date


@dataclass
class InvoiceClaim:
    invoice: InvoiceInput
    days_late: int
    paid: Decimal
    principal_left: Decimal
    interest: InterestResult
    indemnity: Decimal

    @property
    def interest_left(self) -> Decimal:
        return self.interest.interest_left

    @property
    def total(self) -> Decimal:
        return round_cents(self.principal_left + self.interest_left + self.indemnity)


@dataclass(frozen=True)
class Credit:
    """A credit not allocated to any invoice: unreconciled credit note or payment."""

    ref: str
    date: date | None
    amount: Decimal  # positive: reduces the claim


@dataclass
class Claim:
    on_date: date
    policy: InterestPolicy
    lines: list[InvoiceClaim]
    credits: list[Credit]
    disputed_lines: list[InvoiceClaim]

    @property
    def principal(self) -> Decimal:
        return round_cents(sum((line.principal_left for line in self.lines), ZERO))

    @property
    def amount(self) -> Decimal:
        return round_cents(sum((line.invoice.amount for line in self.lines), ZERO))

    @property
    def paid(self) -> Decimal:
        return round_cents(sum((line.paid for line in self.lines), ZERO))

    @property
    def interest(self) -> Decimal:
        return round_cents(sum((line.interest_left for line in self.lines), ZERO))

    @property
    def indemnities(self) -> Decimal:
        return round_cents(sum((line.indemnity for line in self.lines), ZERO))

    @property
    def credits_total(self) -> Decimal:
        return round_cents(sum((c.amount for c in self.credits), ZERO))

    @property
    def total(self) -> Decimal:
        """What the debtor owes on undisputed invoices, net of unallocated credits."""
        return round_cents(
            self.principal + self.interest + self.indemnities - self.credits_total
        )

    @property
    def disputed_total(self) -> Decimal:
        return round_cents(sum((line.total for line in self.disputed_lines), ZERO))

    @property
    def unconfirmed_rates(self) -> list[tuple[str, date]]:
        """(rate kind, semester start) of every reference rate the claim applies that
        no manager confirmed yet: a letter must not claim interest on it."""
        found = {
            (period.rate.reference_kind, period.rate.semester_start)
            for line in self.lines
            for period in line.interest.periods
            if not period.rate.confirmed
        }
        return sorted(found, key=lambda item: (item[1], item[0]))

    @property
    def warnings(self) -> list[FloorWarning]:
        seen, out = set(), []
        for line in self.lines + self.disputed_lines:
            for warning in line.interest.warnings:
                if warning.semester_start not in seen:
                    seen.add(warning.semester_start)
                    out.append(warning)
        return sorted(out, key=lambda w: w.semester_start)


def invoice_claim(
    invoice: InvoiceInput, on_date: date, policy: InterestPolicy, rates: RateBook
) -> InvoiceClaim:
    payments = tuple(p for p in invoice.payments if p.date <= on_date)
    born_on = invoice.born_on
    interest = late_interest(
        principal=invoice.amount,
        due_date=invoice.due_date,
        on_date=on_date,
        policy=policy,
        rates=rates,
        payments=payments,
        notice_date=invoice.notice_date,
        interest_until=policy.interest_stop(born_on, on_date),
    )
    paid = sum((p.amount for p in payments), ZERO)
    paid_on = interest.fully_paid_on or _paid_on(invoice.amount, payments)
    principal_left = max(ZERO, interest.principal_left)
    return InvoiceClaim(
        invoice=invoice,
        days_late=days_late(invoice.due_date, paid_on or on_date),
        paid=round_cents(paid),
        principal_left=round_cents(principal_left),
        interest=interest,
        indemnity=indemnity(
            policy=policy,
            due_date=invoice.due_date,
            on_date=on_date,
            paid_on=paid_on,
            born_on=born_on,
        ),
    )


def claim_breakdown(
    invoices: Iterable[InvoiceInput],
    on_date: date,
    policy: InterestPolicy,
    rates: RateBook,
    credits: Iterable[Credit] = (),
) -> Claim:
    """The claim on a debtor at ``on_date``: per invoice principal left, interest by
    period with the rate used, indemnity, payments; disputed invoices apart;
    unallocated credits netted."""
    lines, disputed = [], []
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.ref)):
        claim = invoice_claim(invoice, on_date, policy, rates)
        (disputed if invoice.disputed else lines).append(claim)
    return Claim(on_date, policy, lines, list(credits), disputed)


# --------------------------------------------------------------------------
# Prescription (art. L110-4 C. com., 2224 C. civ., L218-2 C. conso.)
# --------------------------------------------------------------------------
def prescription_start(
    debtor_type: str,
    due_date: date,
    invoice_date: date | None = None,
    delivery_date: date | None = None,
) -> date:
    """When the limitation period starts.

    B2B: exigibility of the claim, i.e. the due date (art. 2224 C. civ., L110-4).
    B2C: the completion of the work or service (Cass. 1re civ. 19 mai 2021),
    approximated by the delivery date, else the invoice date, else the due date:
    the earliest known date, so that the alert is never late.
    """
    if debtor_type == PUBLIC:
        raise PublicDebtorError("public bodies are out of scope")
    if debtor_type in B2B_TYPES:
        return due_date
    candidates = [d for d in (delivery_date, invoice_date, due_date) if d]
    return min(candidates)


def may_be_time_barred(on_date: date, *dates: date | None) -> bool:
    """Whether an invoice with these dates (due, invoice, delivery) can be time-barred
    at ``on_date``: the shortest period (2 years) from the earliest of them has run.
    Interruptions and suspensions only push the end later, so when this is False the
    full computation is not needed (the nightly run skips it for recent invoices)."""
    known = [d for d in dates if d]
    if not known:
        return False
    return add_years(min(known), min(PRESCRIPTION_YEARS.values())) <= on_date


def prescription_date(
    debtor_type: str,
    start: date,
    interruptions: Iterable[date] = (),
    suspensions: Iterable[tuple[date, date]] = (),
) -> date:
    """The day the claim becomes time-barred.

    5 years B2B, 2 years B2C. An interruption (acknowledgement by the debtor: partial
    payment, signed payment plan, art. 2240) starts a new period of the same length.
    A suspension (mediation, art. 2238) stops the clock for its duration, and the
    period cannot end less than 6 months after the suspension ends.
    """
    if debtor_type == PUBLIC:
        raise PublicDebtorError("public bodies are out of scope")
    if debtor_type not in PRESCRIPTION_YEARS:
        raise UnknownDebtorTypeError(debtor_type)
    years = PRESCRIPTION_YEARS[debtor_type]
    relevant = [d for d in interruptions if d and d > start]
    if relevant:
        start = max(relevant)
    end = add_years(start, years)
    for susp_start, susp_end in sorted(suspensions):
        if not susp_start or not susp_end or susp_end < susp_start:
            continue
        if susp_end <= start or susp_start >= end:
            continue
        effective_start = max(susp_start, start)
        end += susp_end - effective_start
        end = max(end, add_months(susp_end, SUSPENSION_MIN_RESTART))
    return end


def prescription_is_near(
    prescribed_on: date, on_date: date, threshold_days: int = 90
) -> bool:
    """True when the claim becomes time-barred within ``threshold_days`` (or already
    is)."""
    return (prescribed_on - on_date).days <= threshold_days


def day_rate(principal: Decimal, rate: Decimal, basis: int) -> Decimal:
    """Interest of one day, rounded to the cent (shown in letters)."""
    return round_cents(Decimal(principal) * Decimal(rate) / HUNDRED / basis)


def percent(value: float | str | Decimal) -> Decimal:
    """A rate from the database (float) as an exact Decimal with 4 decimals."""
    return (
        Decimal(str(value))
        .quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        .normalize()
    )


RateLookup = Callable[[str, date], Decimal]
