"""The pure legal computations (rates, indemnity, notice, prescription, interest),
to the cent.

No ORM here: the functions are called with a rate book built in the test, so every
expected figure below is computed by hand from the spec's formulas.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.recouvrement_amiable import legal

D = Decimal
B2B = legal.InterestPolicy(legal.B2B_COMMERCANT)
B2C = legal.InterestPolicy(legal.B2C)


def cents(value):
    return D(value).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def book(*extra):
    rows = [
        # ECB rate in force on the first day of each semester (spec §3.5)
        (legal.RATE_ECB, "2023-01-01", "2023-06-30", "2.50"),
        (legal.RATE_ECB, "2023-07-01", "2023-12-31", "4.00"),
        (legal.RATE_ECB, "2024-01-01", "2024-06-30", "4.50"),
        (legal.RATE_ECB, "2024-07-01", "2024-12-31", "4.25"),
        (legal.RATE_ECB, "2025-01-01", "2025-06-30", "3.15"),
        (legal.RATE_ECB, "2025-07-01", "2025-12-31", "2.15"),
        (legal.RATE_ECB, "2026-01-01", "2026-06-30", "2.15"),
        (legal.RATE_ECB, "2026-07-01", "2026-12-31", "2.40"),
        (legal.RATE_LEGAL_PRO, "2024-01-01", "2024-06-30", "5.07"),
        (legal.RATE_LEGAL_PRO, "2024-07-01", "2024-12-31", "4.92"),
        (legal.RATE_LEGAL_PRO, "2025-01-01", "2025-06-30", "3.71"),
        (legal.RATE_LEGAL_PRO, "2025-07-01", "2025-12-31", "2.76"),
        (legal.RATE_LEGAL_PRO, "2026-01-01", "2026-06-30", "2.62"),
        (legal.RATE_LEGAL_PRO, "2026-07-01", "2026-12-31", "2.75"),
    ] + list(extra)
    return legal.RateBook(
        legal.RatePeriod(kind, date.fromisoformat(f), date.fromisoformat(t), D(v))
        for kind, f, t, v in rows
    )


RATES = book()
DUE = date(2026, 3, 31)
ON = date(2026, 11, 23)


def interest(
    policy=B2B, principal="1200", due=DUE, on=ON, payments=(), notice=None, rates=RATES
):
    return legal.late_interest(
        principal=D(principal),
        due_date=due,
        on_date=on,
        policy=policy,
        rates=rates,
        payments=[legal.Payment(date.fromisoformat(d), D(a)) for d, a in payments],
        notice_date=notice,
    )


# ----------------------------------------------------------------------------------
# Three worked examples of the interest computation
# ----------------------------------------------------------------------------------
def test_worked_example_a_b2b_default_rate():
    result = interest()
    assert [(p.start, p.end, p.days, p.basis, p.rate.rate) for p in result.periods] == [
        (date(2026, 4, 1), date(2026, 6, 30), 91, 365, D("12.15")),
        (date(2026, 7, 1), date(2026, 11, 23), 146, 365, D("12.40")),
    ]
    assert [p.amount_rounded for p in result.periods] == [D("36.35"), D("59.52")]
    assert result.total == D("95.87")
    assert legal.days_late(DUE, ON) == 237
    claim = legal.claim_breakdown(
        [legal.InvoiceInput("FAC-1", date(2026, 3, 1), DUE, D("1200.00"))],
        ON,
        B2B,
        RATES,
    )
    assert claim.indemnities == D("40.00")
    assert claim.total == D("1335.87")
    # daily interest printed in letters
    assert legal.day_rate(D("1200"), D("12.15"), 365) == D("0.40")
    assert legal.day_rate(D("1200"), D("12.40"), 365) == D("0.41")


def test_printed_period_lines_add_up_to_the_total():
    # 107 EUR late from 15/12/2025: exact amounts 0.5699, 6.4468 and 5.3072 make
    # 12.32; each rounded alone, the lines would print 0.57 + 6.45 + 5.31 = 12.33
    result = interest(principal="107", due=date(2025, 12, 15))
    assert result.total == D("12.32")
    assert [p.amount_rounded for p in result.periods] == [
        D("0.57"),
        D("6.45"),
        D("5.30"),
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=1, max_value=500000, places=2),
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 11, 1)),
    st.integers(min_value=0, max_value=1400),
)
def test_printed_lines_always_add_up_within_a_cent_each(principal, due, days):
    on = min(due + timedelta(days=days), date(2026, 12, 31))
    result = interest(principal=principal, due=due, on=on)
    assert sum((p.amount_rounded for p in result.periods), D(0)) == result.total
    assert all(abs(p.amount_rounded - p.amount) <= D("0.01") for p in result.periods)


def test_worked_example_a_frozen_at_due_date():
    policy = legal.InterestPolicy(legal.B2B_COMMERCANT, rate_mode=legal.MODE_FROZEN)
    assert interest(policy).total == D("94.67")


def test_worked_example_b_three_times_legal_rate():
    policy = legal.InterestPolicy(legal.B2B_COMMERCANT, contractual_legal_factor=D("3"))
    result = interest(policy)
    assert [p.rate.rate for p in result.periods] == [D("7.86"), D("8.25")]
    assert [p.amount_rounded for p in result.periods] == [D("23.52"), D("39.60")]
    assert result.total == D("63.12")
    assert result.warnings == []  # 3 x legal rate is exactly the floor


def test_worked_example_c_consumer_from_the_notice():
    result = interest(B2C, notice=date(2026, 5, 12))
    assert [(p.days, p.rate.rate) for p in result.periods] == [
        (49, D("2.62")),
        (146, D("2.75")),
    ]
    assert result.total == D("17.42")
    claim = legal.claim_breakdown(
        [
            legal.InvoiceInput(
                "FAC-1", None, DUE, D("1200"), notice_date=date(2026, 5, 12)
            )
        ],
        ON,
        B2C,
        RATES,
    )
    assert claim.indemnities == D("0")
    assert claim.total == D("1217.42")


def test_consumer_before_the_notice_owes_no_interest():
    result = interest(B2C, notice=None)
    assert result.periods == [] and result.total == D("0")
    assert legal.indemnity(policy=B2C, due_date=DUE, on_date=ON, paid_on=None) == D("0")


# ----------------------------------------------------------------------------------
# Periods: leap year, semester boundaries, payments
# ----------------------------------------------------------------------------------
def test_leap_year_uses_366_days():
    result = interest(principal="1000", due=date(2024, 1, 31), on=date(2024, 3, 1))
    assert [(p.days, p.basis, p.rate.rate) for p in result.periods] == [
        (30, 366, D("14.50"))
    ]
    assert result.total == cents(D("1000") * D("0.145") * 30 / 366)  # 11.89


def test_period_crossing_two_semester_boundaries():
    result = interest(principal="1000", due=date(2025, 5, 31), on=date(2026, 2, 15))
    assert [(p.start, p.end, p.days, p.rate.rate) for p in result.periods] == [
        (date(2025, 6, 1), date(2025, 6, 30), 30, D("13.15")),
        (date(2025, 7, 1), date(2025, 12, 31), 184, D("12.15")),
        (date(2026, 1, 1), date(2026, 2, 15), 46, D("12.15")),
    ]
    exact = D("1000") * (D("0.1315") * 30 + D("0.1215") * 184 + D("0.1215") * 46) / 365
    assert result.total == cents(exact) == D("87.37")


def test_partial_payments_on_two_dates():
    result = interest(payments=[("2026-05-15", "400"), ("2026-08-10", "300")])
    assert [(p.start, p.end, p.principal, p.rate.rate) for p in result.periods] == [
        (date(2026, 4, 1), date(2026, 5, 15), D("1200"), D("12.15")),
        (date(2026, 5, 16), date(2026, 6, 30), D("800"), D("12.15")),
        (date(2026, 7, 1), date(2026, 8, 10), D("800"), D("12.40")),
        (date(2026, 8, 11), date(2026, 11, 23), D("500"), D("12.40")),
    ]
    exact = (
        D(1200) * D("0.1215") * 45
        + D(800) * D("0.1215") * 46
        + D(800) * D("0.124") * 41
        + D(500) * D("0.124") * 105
    ) / 365
    assert result.total == cents(exact) == D("59.20")
    assert result.principal_left == D("500")
    claim = legal.claim_breakdown(
        [
            legal.InvoiceInput(
                "F",
                None,
                DUE,
                D("1200"),
                payments=(
                    legal.Payment(date(2026, 5, 15), D("400")),
                    legal.Payment(date(2026, 8, 10), D("300")),
                ),
            )
        ],
        ON,
        B2B,
        RATES,
    )
    line = claim.lines[0]
    assert (line.paid, line.principal_left, line.indemnity) == (
        D("700.00"),
        D("500.00"),
        D("40.00"),
    )
    assert claim.total == D("500") + D("59.20") + D("40")


def test_invoice_paid_late_stops_interest_at_payment_date():
    result = interest(payments=[("2026-05-15", "1200")])
    assert result.fully_paid_on == date(2026, 5, 15)
    assert result.periods[-1].end == date(2026, 5, 15)
    assert result.total == cents(D(1200) * D("0.1215") * 45 / 365) == D("17.98")
    # same figure whatever the computation date afterwards
    assert interest(
        payments=[("2026-05-15", "1200")],
        on=date(2027, 1, 1),
        rates=book((legal.RATE_ECB, "2027-01-01", "2027-06-30", "2.65")),
    ).total == D("17.98")
    assert legal.indemnity(
        policy=B2B, due_date=DUE, on_date=ON, paid_on=date(2026, 5, 15)
    ) == D("40.00")


def test_payment_before_due_date_reduces_principal_from_the_start():
    result = interest(payments=[("2026-03-20", "200")])
    assert result.periods[0].principal == D("1000")


def test_interest_first_imputation_art_1343_1():
    policy = legal.InterestPolicy(
        legal.B2B_COMMERCANT, imputation=legal.IMPUTE_INTEREST_FIRST
    )
    result = interest(policy, payments=[("2026-05-15", "500")])
    accrued = cents(D(1200) * D("0.1215") * 45 / 365)  # 17.98
    assert result.interest_paid == accrued
    assert result.periods[1].principal == D("1200") - (D("500") - accrued)


def test_credit_notes_and_unallocated_payments_are_netted():
    claim = legal.claim_breakdown(
        [legal.InvoiceInput("F1", None, DUE, D("1200"))],
        ON,
        B2B,
        RATES,
        credits=[legal.Credit("AVOIR-1", date(2026, 6, 1), D("150.00"))],
    )
    assert claim.credits_total == D("150.00")
    assert claim.total == D("1200") + D("95.87") + D("40") - D("150")


def test_disputed_invoices_are_shown_apart():
    claim = legal.claim_breakdown(
        [
            legal.InvoiceInput("F1", None, DUE, D("1200")),
            legal.InvoiceInput("F2", None, DUE, D("300"), disputed=True),
        ],
        ON,
        B2B,
        RATES,
    )
    assert [line.invoice.ref for line in claim.lines] == ["F1"]
    assert [line.invoice.ref for line in claim.disputed_lines] == ["F2"]
    assert claim.total == D("1335.87")
    assert claim.disputed_total > D("300")


# ----------------------------------------------------------------------------------
# Rates: contractual floor, missing rate
# ----------------------------------------------------------------------------------
def test_contractual_rate_below_the_floor_is_flagged_not_changed():
    policy = legal.InterestPolicy(legal.B2B_COMMERCANT, contractual_rate=D("8.00"))
    result = interest(policy)
    assert {p.rate.rate for p in result.periods} == {D("8.00")}
    assert [(w.semester_start, w.floor) for w in result.warnings] == [
        (date(2026, 7, 1), D("8.25"))
    ]


def test_missing_rate_names_the_period():
    with pytest.raises(legal.MissingRateError) as error:
        interest(on=date(2027, 2, 1))
    assert (error.value.kind, error.value.period_start, error.value.period_end) == (
        legal.RATE_ECB,
        date(2027, 1, 1),
        date(2027, 6, 30),
    )
    assert "01/01/2027-30/06/2027" in str(error.value)


def test_rate_lookup_on_boundaries():
    assert RATES.rate_on(legal.RATE_ECB, date(2025, 12, 31)) == D("2.15")
    assert RATES.rate_on(legal.RATE_ECB, date(2026, 6, 30)) == D("2.15")
    assert RATES.rate_on(legal.RATE_ECB, date(2026, 7, 1)) == D("2.40")
    assert RATES.rate_on(legal.RATE_LEGAL_PRO, date(2025, 12, 31)) == D("2.76")
    assert RATES.rate_on(legal.RATE_LEGAL_PRO, date(2026, 1, 1)) == D("2.62")
    assert RATES.missing_semesters(
        legal.RATE_ECB, date(2026, 1, 1), date(2027, 3, 1)
    ) == [(date(2027, 1, 1), date(2027, 6, 30))]


def test_public_bodies_are_out_of_scope():
    with pytest.raises(legal.PublicDebtorError):
        legal.InterestPolicy(legal.PUBLIC)
    with pytest.raises(legal.PublicDebtorError):
        legal.prescription_date(legal.PUBLIC, DUE)


# ----------------------------------------------------------------------------------
# Indemnity, days late, deadlines, prescription
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "policy, paid_on, on_date, expected",
    [
        (B2B, None, ON, "40.00"),  # unpaid and late
        (B2B, None, DUE, "0"),  # due today: not late yet
        (B2B, date(2026, 3, 31), ON, "0"),  # paid on the due date
        (B2B, date(2026, 4, 1), ON, "40.00"),  # paid one day late
        (legal.InterestPolicy(legal.B2B_NON_COMMERCANT), None, ON, "40.00"),
        (
            legal.InterestPolicy(legal.B2B_COMMERCANT, indemnity_blocked=True),
            None,
            ON,
            "0",
        ),  # collective procedure
        (B2C, None, ON, "0"),
    ],
)
def test_indemnity(policy, paid_on, on_date, expected):
    assert legal.indemnity(
        policy=policy, due_date=DUE, on_date=on_date, paid_on=paid_on
    ) == D(expected)


JUDGMENT = date(2026, 6, 1)
UNDER_PROCEDURE = legal.InterestPolicy(legal.B2B_COMMERCANT, procedure_opened=JUDGMENT)


def procedure_claim(on_date, payments=()):
    """Invoices issued before a judgment of 01/06/2026 (one late, one falling due
    after it) and one issued after it."""
    return legal.claim_breakdown(
        [
            legal.InvoiceInput(
                "FAC-1",
                date(2026, 3, 1),
                DUE,
                D("1200"),
                payments=tuple(payments),
            ),
            legal.InvoiceInput("FAC-2", date(2026, 5, 15), date(2026, 6, 14), D("900")),
            legal.InvoiceInput("FAC-3", date(2026, 7, 1), date(2026, 7, 31), D("600")),
        ],
        on_date,
        UNDER_PROCEDURE,
        RATES,
    )


def test_collective_procedure_stops_interest_the_day_before_the_judgment():
    lines = {line.invoice.ref: line for line in procedure_claim(ON).lines}
    # FAC-1: 01/04 to 31/05, 61 days at 12.15 %, then nothing
    assert [(p.start, p.end, p.days) for p in lines["FAC-1"].interest.periods] == [
        (date(2026, 4, 1), date(2026, 5, 31), 61)
    ]
    assert lines["FAC-1"].interest_left == D("24.37")
    assert lines["FAC-1"].indemnity == D("40.00")  # late before the judgment
    # FAC-2: issued before, due after: no interest, no indemnity (L441-10 II)
    assert lines["FAC-2"].interest_left == D("0")
    assert lines["FAC-2"].indemnity == D("0")
    assert lines["FAC-2"].principal_left == D("900.00")
    # FAC-3: issued after the judgment, a claim like any other: 115 days at 12.40 %
    assert lines["FAC-3"].interest_left == D("23.44")
    assert lines["FAC-3"].indemnity == D("40.00")


@settings(deadline=None)
@given(st.dates(min_value=JUDGMENT, max_value=date(2040, 12, 31)))
def test_interest_under_procedure_is_the_same_at_any_later_date(on_date):
    # no rate is needed after the judgment: the book stops at 2026
    result = legal.late_interest(
        principal=D("1200"),
        due_date=DUE,
        on_date=on_date,
        policy=UNDER_PROCEDURE,
        rates=RATES,
        interest_until=UNDER_PROCEDURE.interest_stop(date(2026, 3, 1), on_date),
    )
    assert result.total == D("24.37")


def test_collective_procedure_changes_nothing_before_the_judgment():
    before = procedure_claim(date(2026, 5, 20))
    same = legal.claim_breakdown(
        [line.invoice for line in before.lines], date(2026, 5, 20), B2B, RATES
    )
    assert before.total == same.total
    assert before.interest == D("19.97")  # 50 days, still running


def test_the_delivery_not_the_invoice_date_tells_when_a_claim_was_born():
    # invoiced after the judgment for a delivery made before it: caught
    before = legal.InvoiceInput(
        "FAC-4",
        date(2026, 6, 5),
        date(2026, 6, 20),
        D("500"),
        delivery_date=date(2026, 5, 28),
    )
    # invoiced in advance before the judgment, delivered after it: not caught
    after = legal.InvoiceInput(
        "FAC-5",
        date(2026, 5, 20),
        date(2026, 6, 19),
        D("500"),
        delivery_date=date(2026, 6, 10),
    )
    claim = legal.claim_breakdown([before, after], ON, UNDER_PROCEDURE, RATES)
    lines = {line.invoice.ref: line for line in claim.lines}
    assert lines["FAC-4"].interest_left == D("0")
    assert lines["FAC-4"].indemnity == D("0")
    assert lines["FAC-5"].interest_left > D("0")
    assert lines["FAC-5"].indemnity == D("40.00")


def test_a_payment_after_the_judgment_reduces_the_principal_not_the_interest():
    paid = procedure_claim(ON, [legal.Payment(date(2026, 9, 1), D("200"))])
    line = paid.lines[0]
    assert line.principal_left == D("1000.00")
    assert line.interest_left == D("24.37")


def test_procedure_without_its_judgment_date_claims_no_indemnity():
    policy = legal.InterestPolicy(legal.B2B_COMMERCANT, indemnity_blocked=True)
    claim = legal.claim_breakdown(
        [legal.InvoiceInput("FAC-1", date(2026, 3, 1), DUE, D("1200"))],
        ON,
        policy,
        RATES,
    )
    assert claim.indemnities == D("0")
    assert claim.interest == D("95.87")  # runs on: the judgment's date is unknown


@pytest.mark.parametrize(
    "due, on, expected",
    [
        (DUE, DUE, 0),
        (DUE, date(2026, 4, 1), 1),
        (DUE, ON, 237),
        (DUE, date(2026, 3, 1), 0),
        (None, ON, 0),
        (date(2024, 2, 28), date(2024, 3, 1), 2),
    ],
)
def test_days_late(due, on, expected):
    assert legal.days_late(due, on) == expected


@pytest.mark.parametrize(
    "receipt, days, expected",
    [
        (date(2026, 11, 23), 8, date(2026, 12, 1)),  # Monday + 8 = Tuesday
        (date(2026, 11, 20), 8, date(2026, 11, 30)),  # Friday + 8 = Saturday -> Monday
        (date(2026, 11, 22), 15, date(2026, 12, 7)),  # Sunday + 15 = Monday
        (date(2026, 12, 21), 6, date(2026, 12, 28)),  # Sunday 27 -> Monday 28
    ],
)
def test_notice_deadline(receipt, days, expected):
    assert legal.notice_deadline(receipt, days) == expected


def test_notice_deadline_without_weekend_rule():
    assert legal.notice_deadline(date(2026, 11, 20), 8, roll_weekend=False) == date(
        2026, 11, 28
    )


@pytest.mark.parametrize(
    "debtor, start, interruptions, suspensions, expected",
    [
        (legal.B2B_COMMERCANT, date(2026, 3, 31), [], [], date(2031, 3, 31)),
        (legal.B2B_NON_COMMERCANT, date(2024, 2, 29), [], [], date(2029, 2, 28)),
        (legal.B2C, date(2026, 3, 15), [], [], date(2028, 3, 15)),
        # a partial payment acknowledges the debt: a new period starts
        (
            legal.B2B_COMMERCANT,
            date(2026, 3, 31),
            [date(2026, 9, 1)],
            [],
            date(2031, 9, 1),
        ),
        # a mediation of 3 months suspends the clock for its duration
        (
            legal.B2B_COMMERCANT,
            date(2026, 3, 31),
            [],
            [(date(2026, 6, 1), date(2026, 9, 1))],
            date(2031, 7, 1),
        ),
        # ... and the period cannot end less than 6 months after the suspension ends
        (
            legal.B2C,
            date(2024, 1, 10),
            [],
            [(date(2025, 12, 1), date(2026, 1, 5))],
            date(2026, 7, 5),
        ),
    ],
)
def test_prescription_date(debtor, start, interruptions, suspensions, expected):
    assert (
        legal.prescription_date(debtor, start, interruptions, suspensions) == expected
    )


def test_prescription_start_b2c_uses_the_service_date():
    assert legal.prescription_start(
        legal.B2C, DUE, date(2026, 3, 1), date(2026, 2, 20)
    ) == date(2026, 2, 20)
    assert legal.prescription_start(legal.B2B_COMMERCANT, DUE, date(2026, 3, 1)) == DUE


@pytest.mark.parametrize(
    "days_left, near", [(120, False), (91, False), (90, True), (10, True), (-3, True)]
)
def test_prescription_is_near(days_left, near):
    on = date(2026, 11, 23)
    assert legal.prescription_is_near(on + timedelta(days=days_left), on, 90) is near


def test_may_be_time_barred_from_the_earliest_date():
    on = date(2026, 11, 23)
    assert legal.may_be_time_barred(on, date(2024, 11, 23)) is True
    assert legal.may_be_time_barred(on, date(2024, 11, 24)) is False
    # the earliest known date counts (B2C starts at the service date)
    assert legal.may_be_time_barred(on, date(2025, 6, 1), None, date(2024, 1, 5))
    assert legal.may_be_time_barred(on) is False


@settings(max_examples=300, deadline=None)
@given(
    debtor=st.sampled_from(sorted(legal.PRESCRIPTION_YEARS)),
    due=st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 12, 31)),
    lead=st.integers(min_value=0, max_value=90),
    on=st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)),
    interruption=st.none() | st.dates(min_value=date(2018, 1, 1)),
)
def test_not_time_barred_when_the_prefilter_says_so(
    debtor, due, lead, on, interruption
):
    """The nightly run skips the full computation when the prefilter says the invoice
    cannot be time-barred yet: it must never hide a time-barred invoice."""
    invoice_date = due - timedelta(days=lead)
    start = legal.prescription_start(debtor, due, invoice_date)
    end = legal.prescription_date(debtor, start, [interruption] if interruption else [])
    if not legal.may_be_time_barred(on, due, invoice_date):
        assert end > on


# ----------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------
DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
AMOUNTS = st.decimals(min_value=D("1"), max_value=D("1000000"), places=2)


@settings(max_examples=150, deadline=None)
@given(due=DATES, d1=DATES, d2=DATES, amount=AMOUNTS)
def test_interest_is_monotonic_in_time(due, d1, d2, amount):
    early, late = sorted((d1, d2))
    assert (
        interest(principal=amount, due=due, on=early).total
        <= interest(principal=amount, due=due, on=late).total
    )


@settings(max_examples=150, deadline=None)
@given(due=DATES, on=DATES, a1=AMOUNTS, a2=AMOUNTS)
def test_interest_is_monotonic_in_amount(due, on, a1, a2):
    small, big = sorted((a1, a2))
    assert (
        interest(principal=small, due=due, on=on).total
        <= interest(principal=big, due=due, on=on).total
    )


@settings(max_examples=150, deadline=None)
@given(due=DATES, d1=DATES, d2=DATES, amount=AMOUNTS)
def test_interest_is_additive_over_split_periods(due, d1, d2, amount):
    mid, end = sorted((max(due, d1), max(due, d2)))
    whole = interest(principal=amount, due=due, on=end).total
    first = interest(principal=amount, due=due, on=mid).total
    second = interest(principal=amount, due=mid, on=end).total
    assert abs(whole - (first + second)) <= D("0.01")


# --------------------------------------------------------------------------
# Calendar: public holidays, posting days, deadlines stated in letters
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "year, easter",
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday(year, easter):
    assert legal.easter_sunday(year) == easter


def test_french_public_holidays_2026():
    assert sorted(legal.french_public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # lundi de Pâques
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # lundi de Pentecôte
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 4, 4), date(2026, 4, 4)),  # Saturday: the post works
        (date(2026, 4, 5), date(2026, 4, 7)),  # Easter Sunday, then Easter Monday
        (date(2026, 12, 25), date(2026, 12, 26)),  # Christmas, a Friday
        (date(2026, 11, 1), date(2026, 11, 2)),  # All Saints', a Sunday
        (date(2026, 11, 30), date(2026, 11, 30)),
    ],
)
def test_next_posting_day(day, expected):
    assert legal.next_posting_day(day) == expected
    assert legal.is_posting_day(expected)


def test_deadlines_roll_over_public_holidays_too():
    # 23/04 + 8 = Friday 1 May (holiday), then the weekend: Monday 4 May
    assert legal.notice_deadline(date(2026, 4, 23), 8) == date(2026, 5, 4)
    # letter of Monday 20/04, 3 days of post, 8 days: the same Monday 4 May
    assert legal.stated_deadline(date(2026, 4, 20), 3, 8) == date(2026, 5, 4)
    assert legal.stated_deadline(date(2026, 11, 30), 0, 8) == date(2026, 12, 8)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_rolled_deadlines_are_working_days_never_earlier(day):
    rolled = legal.roll_to_working_day(day)
    assert rolled >= day
    assert rolled.weekday() < 5
    assert rolled not in legal.french_public_holidays(rolled.year)
    assert (rolled - day).days <= 4


@pytest.mark.parametrize(
    "invoice_date, latest",
    [
        (date(2026, 1, 15), date(2026, 3, 31)),  # 45 days end of month beats 60 days
        (date(2026, 1, 31), date(2026, 4, 1)),  # 60 days
        (date(2026, 2, 10), date(2026, 4, 14)),  # end of Feb + 45 days
        (date(2026, 12, 1), date(2027, 2, 14)),  # end of December + 45 days
        (date(2026, 11, 20), date(2027, 1, 31)),  # +45 days, then end of month
    ],
)
def test_max_legal_due_date(invoice_date, latest):
    assert legal.max_legal_due_date(invoice_date) == latest


def test_invoice_data_errors():
    check = legal.invoice_data_error
    assert check(legal.B2B_COMMERCANT, date(2026, 9, 1), date(2026, 8, 10)) == (
        legal.DUE_BEFORE_INVOICE
    )
    assert check(legal.B2C, date(2026, 9, 1), date(2026, 8, 10)) == (
        legal.DUE_BEFORE_INVOICE
    )
    assert check(legal.B2B_COMMERCANT, date(2026, 1, 15), date(2026, 4, 1)) == (
        legal.TERM_TOO_LONG
    )
    # consumers: L441-10 binds professionals only
    assert check(legal.B2C, date(2026, 1, 15), date(2026, 4, 1)) is None
    assert check(legal.B2B_COMMERCANT, date(2026, 1, 15), date(2026, 3, 31)) is None
    assert check(legal.B2B_COMMERCANT, None, date(2026, 3, 31)) is None


def test_claim_lists_the_unconfirmed_rates_it_applies():
    rows = [
        legal.RatePeriod(
            legal.RATE_ECB, date(2026, 1, 1), date(2026, 6, 30), D("2.15")
        ),
        legal.RatePeriod(
            legal.RATE_ECB, date(2026, 7, 1), date(2026, 12, 31), D("2.40"), "", False
        ),
        legal.RatePeriod(
            legal.RATE_LEGAL_PRO, date(2026, 1, 1), date(2026, 12, 31), D("2.62")
        ),
    ]
    invoice = legal.InvoiceInput("F1", date(2026, 3, 1), date(2026, 3, 31), D(1200))
    claim = legal.claim_breakdown(
        [invoice], date(2026, 11, 23), B2B, legal.RateBook(rows)
    )
    assert claim.unconfirmed_rates == [(legal.RATE_ECB, date(2026, 7, 1))]
    before = legal.claim_breakdown(
        [invoice], date(2026, 6, 30), B2B, legal.RateBook(rows)
    )
    assert before.unconfirmed_rates == []
    # a contractual rate needs no reference rate
    fixed = legal.InterestPolicy(legal.B2B_COMMERCANT, contractual_rate=D("12"))
    claim = legal.claim_breakdown(
        [invoice], date(2026, 11, 23), fixed, legal.RateBook(rows)
    )
    assert claim.unconfirmed_rates == []
