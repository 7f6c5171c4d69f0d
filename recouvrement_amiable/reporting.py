"""Reporting rules, without the ORM: age buckets of an unpaid invoice and the days
sales outstanding (DSO). The SQL report and the printed aged balance take their
buckets from here."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# (key, first day late, last day late or None): the aged balance's columns
AGE_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91", 91, None),
)


def days_late(on_date: date, due_date: date) -> int:
    """Days past the due date on ``on_date`` (0 or less: not due yet)."""
    return (on_date - due_date).days


def age_bucket(late: int) -> str:
    """The aged balance column of an invoice ``late`` days past due."""
    for key, first, last in AGE_BUCKETS:
        if (first is None or late >= first) and (last is None or late <= last):
            return key
    raise AssertionError(late)  # the buckets cover every integer


def age_bucket_sql(expression: str) -> str:
    """The same rule as a SQL CASE on an integer ``expression`` (days late)."""
    whens = []
    for key, first, last in AGE_BUCKETS:
        conditions = []
        if first is not None:
            conditions.append(f"({expression}) >= {int(first)}")
        if last is not None:
            conditions.append(f"({expression}) <= {int(last)}")
        whens.append(f"WHEN {' AND '.join(conditions)} THEN '{key}'")
    return "CASE " + " ".join(whens) + " END"


def dso(receivables: Decimal, turnover: Decimal, days: int = 365) -> Decimal | None:
    """Days sales outstanding, ratio method: customer receivables (incl. VAT) at
    the date divided by the turnover incl. VAT invoiced over the ``days`` before
    it, times ``days``. None when nothing was invoiced."""
    receivables, turnover = Decimal(receivables), Decimal(turnover)
    if turnover <= 0:
        return None
    return (receivables / turnover * days).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
