"""The table of art. D441-6 I. C. com.: invoices issued and received, unpaid at the
closing date of the fiscal year and past due, by bucket of lateness.

Model table of the arrêté of 20 March 2017 (annex 4-1 of the Code de commerce),
published in the management report (art. L441-14 C. com.):

- columns: "0 jour (indicatif)" (not late at closing), "1 à 30 jours",
  "31 à 60 jours", "61 à 90 jours", "91 jours et plus", "Total (1 jour et plus)";
- (A) the invoices concerned: their number, their total amount, and that amount as a
  percentage of the fiscal year's purchases (invoices received) or turnover
  (invoices issued);
- (B) the invoices excluded from (A) because they relate to disputed or unbooked
  debts: their number and total amount;
- (C) the reference payment terms used to compute the lateness: contractual, or legal
  (art. L441-10 C. com.).

Pure functions: no ORM, no database, no translation (the labels are the report's).
Amounts are ``Decimal`` rounded half up to the cent; percentages to 2 decimals.
Days late = closing date - due date: an invoice due on the closing date is 0 days
late, due the day before 1 day late.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Columns of the table: (code, first day late, last day late or None).
NOT_LATE = "0"
BUCKETS = (
    (NOT_LATE, None, 0),  # not yet due at closing, or due that day ("indicatif")
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91", 91, None),
)
TOTAL = "total"  # "Total (1 jour et plus)"
COLUMNS = tuple(code for code, _first, _last in BUCKETS) + (TOTAL,)
LATE_COLUMNS = COLUMNS[1:-1]

# (C) reference payment terms
TERMS_CONTRACTUAL = "contractual"
TERMS_LEGAL = "legal"


def round_cents(amount) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def days_late(due_date: date, closing_date: date) -> int:
    """Closing date - due date, in days (0 or less: not late at closing)."""
    return (closing_date - due_date).days


def bucket(due_date: date, closing_date: date) -> str:
    """The column of an amount falling due on ``due_date``."""
    late = days_late(due_date, closing_date)
    for code, _first, last in BUCKETS:
        if last is None or late <= last:
            return code
    raise AssertionError("unreachable: the last bucket is open-ended")


def percentage(amount: Decimal, base: Decimal | None) -> Decimal | None:
    """``amount`` as a percentage of ``base``, to 2 decimals; None without a base
    (no turnover nor purchases in the fiscal year: no percentage to give)."""
    if base is None or base <= ZERO:
        return None
    return (Decimal(amount) * HUNDRED / Decimal(base)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class InvoiceFact:
    """One amount due by an invoice, unpaid at the closing date.

    ``amount``: what was still unpaid at closing, taxes included (payments and
    credit notes reconciled after closing do not reduce it). ``excluded``: the debt
    was disputed at closing (row B). ``key`` names the invoice: the installments of
    one invoice (several due dates) share it, so that the invoice is counted once per
    column and once in the total; without a key every fact is its own invoice.
    """

    due_date: date
    amount: Decimal
    excluded: bool = False
    key: Hashable | None = None


@dataclass(frozen=True)
class Column:
    code: str
    count: int
    amount: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class Table:
    closing_date: date
    base: Decimal  # turnover HT (issued) or purchases HT (received) of the year
    columns: tuple[Column, ...]  # in COLUMNS' order, the total last
    excluded_count: int
    excluded_amount: Decimal
    terms: str  # TERMS_CONTRACTUAL or TERMS_LEGAL
    terms_detail: str = ""

    def column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)

    @property
    def total(self) -> Column:
        return self.column(TOTAL)


def table(
    closing_date: date,
    facts: Iterable[InvoiceFact],
    base,
    terms: str = TERMS_CONTRACTUAL,
    terms_detail: str = "",
) -> Table:
    """The D441-6 table at ``closing_date``.

    ``facts``: the amounts unpaid at closing; amounts of zero or less (paid at
    closing) are left out. ``base``: the fiscal year's turnover (or purchases),
    excluding taxes. The excluded facts go to row (B) whatever their lateness, and
    never to (A). The total column adds up the late columns (1 day and more): its
    amount is their sum; its count is the number of late invoices (their sum unless
    an invoice has installments in two columns).
    """
    if terms not in (TERMS_CONTRACTUAL, TERMS_LEGAL):
        raise ValueError(f"unknown reference payment terms: {terms!r}")
    base = round_cents(base or ZERO)
    amounts = {code: ZERO for code in COLUMNS}
    keys = {code: set() for code in COLUMNS}
    excluded_keys = set()
    excluded_amount = ZERO
    for index, fact in enumerate(facts):
        amount = round_cents(fact.amount)
        if amount <= ZERO:
            continue
        key = ("invoice", fact.key) if fact.key is not None else ("fact", index)
        if fact.excluded:
            excluded_keys.add(key)
            excluded_amount += amount
            continue
        code = bucket(fact.due_date, closing_date)
        amounts[code] += amount
        keys[code].add(key)
        if code != NOT_LATE:
            amounts[TOTAL] += amount
            keys[TOTAL].add(key)
    columns = tuple(
        Column(
            code,
            len(keys[code]),
            round_cents(amounts[code]),
            percentage(amounts[code], base),
        )
        for code in COLUMNS
    )
    return Table(
        closing_date=closing_date,
        base=base,
        columns=columns,
        excluded_count=len(excluded_keys),
        excluded_amount=round_cents(excluded_amount),
        terms=terms,
        terms_detail=terms_detail,
    )
