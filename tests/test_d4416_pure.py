"""The D441-6 table (art. D441-6 I. C. com., arrêté of 20 March 2017), pure: facts
in, table out. Every expected figure is computed by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.recouvrement_amiable import d4416

D = Decimal
CLOSING = date(2025, 12, 31)


def fact(days_late, amount, excluded=False, key=None):
    """An amount unpaid at closing, due ``days_late`` days before the closing."""
    return d4416.InvoiceFact(
        CLOSING - timedelta(days=days_late), D(amount), excluded, key
    )


def figures(table):
    """{column: (count, amount, percent)}."""
    return {c.code: (c.count, c.amount, c.percent) for c in table.columns}


@pytest.mark.parametrize(
    "late, column",
    [
        (-45, "0"),  # not yet due
        (-1, "0"),
        (0, "0"),  # due on the closing date: not late
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "91"),
        (400, "91"),
    ],
)
def test_bucket_boundaries(late, column):
    assert d4416.bucket(CLOSING - timedelta(days=late), CLOSING) == column
    table = d4416.table(CLOSING, [fact(late, "120.00")], D("1000"))
    assert table.column(column).count == 1
    assert table.column(column).amount == D("120.00")
    others = [c for c in table.columns if c.code not in (column, d4416.TOTAL)]
    assert all(c.count == 0 and c.amount == 0 for c in others)
    # the total is "1 jour et plus": the invoice not late is only indicative
    expected_total = (0, D("0")) if column == "0" else (1, D("120.00"))
    assert (table.total.count, table.total.amount) == expected_total


def test_days_late_is_the_closing_date_minus_the_due_date():
    assert d4416.days_late(date(2025, 12, 1), CLOSING) == 30
    assert d4416.days_late(date(2025, 11, 30), CLOSING) == 31
    # a leap year's 29 February counts
    assert d4416.days_late(date(2024, 2, 1), date(2024, 3, 1)) == 29
    assert d4416.bucket(date(2024, 2, 1), date(2024, 3, 1)) == "1_30"
    assert d4416.bucket(date(2024, 1, 31), date(2024, 3, 1)) == "1_30"
    assert d4416.bucket(date(2024, 1, 30), date(2024, 3, 1)) == "31_60"


def test_empty_input_gives_a_table_of_zeros():
    table = d4416.table(CLOSING, [], D("250000"))
    assert [c.code for c in table.columns] == [
        "0",
        "1_30",
        "31_60",
        "61_90",
        "91",
        "total",
    ]
    assert all(c.count == 0 for c in table.columns)
    # to the cent, as printed
    assert all(str(c.amount) == "0.00" for c in table.columns)
    assert all(str(c.percent) == "0.00" for c in table.columns)
    assert (table.excluded_count, str(table.excluded_amount)) == (0, "0.00")
    assert table.terms == d4416.TERMS_CONTRACTUAL


@pytest.mark.parametrize("base", [D("0"), None, D("-150.00")])
def test_no_turnover_gives_no_percentage_rather_than_a_crash(base):
    table = d4416.table(CLOSING, [fact(10, "100"), fact(0, "50")], base)
    assert all(c.percent is None for c in table.columns)
    assert table.total.amount == D("100.00")
    assert table.column("0").amount == D("50.00")


def test_a_full_table_worked_by_hand():
    facts = [
        fact(-10, "1000.00"),  # 0 jour
        fact(0, "200.00"),  # 0 jour
        fact(5, "1200.00"),  # 1-30
        fact(30, "300.50"),  # 1-30
        fact(45, "600.00"),  # 31-60
        fact(75, "240.00"),  # 61-90
        fact(91, "123.45"),  # 91+
        fact(365, "876.55"),  # 91+
        fact(20, "999.99", excluded=True),  # disputed: row B
        fact(-5, "10.01", excluded=True),  # disputed, not late: row B too
    ]
    table = d4416.table(CLOSING, facts, D("48000.00"))
    assert figures(table) == {
        "0": (2, D("1200.00"), D("2.50")),  # 1200 / 48000 = 2.5 %
        "1_30": (2, D("1500.50"), D("3.13")),  # 3.126041...
        "31_60": (1, D("600.00"), D("1.25")),
        "61_90": (1, D("240.00"), D("0.50")),
        "91": (2, D("1000.00"), D("2.08")),  # 2.08333...
        "total": (6, D("3340.50"), D("6.96")),  # 6.959375
    }
    assert table.excluded_count == 2
    assert table.excluded_amount == D("1010.00")
    assert table.base == D("48000.00")


def test_excluded_invoices_are_not_in_a():
    disputed = [fact(40, "500", excluded=True), fact(100, "700", excluded=True)]
    table = d4416.table(CLOSING, disputed, D("10000"))
    assert all(c.count == 0 and c.amount == 0 for c in table.columns)
    assert (table.excluded_count, table.excluded_amount) == (2, D("1200.00"))


def test_amounts_paid_at_closing_are_left_out():
    table = d4416.table(
        CLOSING,
        [fact(10, "0"), fact(10, "0.004"), fact(10, "-30"), fact(10, "0.005")],
        D("100"),
    )
    # rounded to the cent: 0.004 is nothing, 0.005 is one cent
    assert table.column("1_30").count == 1
    assert table.column("1_30").amount == D("0.01")
    assert table.column("1_30").percent == D("0.01")


def test_amounts_are_rounded_to_the_cent_half_up():
    table = d4416.table(
        CLOSING, [fact(10, "10.005"), fact(10, "10.004"), fact(10, 0.1)], D("3")
    )
    assert table.column("1_30").amount == D("20.11")
    # 20.11 / 3 = 670.3333 %
    assert table.column("1_30").percent == D("670.33")
    assert d4416.percentage(D("1"), D("8")) == D("12.50")
    assert d4416.percentage(D("1"), D("3")) == D("33.33")
    assert d4416.percentage(D("2"), D("3")) == D("66.67")


def test_installments_of_one_invoice_count_it_once():
    facts = [
        fact(10, "100", key="FAC/1"),
        fact(40, "100", key="FAC/1"),
        fact(-20, "100", key="FAC/1"),
        fact(15, "50", key="FAC/2"),
        fact(15, "60", key="FAC/3"),
    ]
    table = d4416.table(CLOSING, facts, D("1000"))
    assert table.column("1_30").count == 3
    assert table.column("31_60").count == 1
    assert table.column("0").count == 1
    # the total counts invoices: FAC/1 is late once
    assert table.total.count == 3
    assert table.total.amount == D("310.00")


def test_excluded_installments_count_the_invoice_once():
    facts = [
        fact(10, "100", excluded=True, key=7),
        fact(40, "100", excluded=True, key=7),
    ]
    table = d4416.table(CLOSING, facts, D("1000"))
    assert (table.excluded_count, table.excluded_amount) == (1, D("200.00"))


def test_reference_terms():
    table = d4416.table(
        CLOSING, [], D("1"), terms=d4416.TERMS_LEGAL, terms_detail="60 days"
    )
    assert (table.terms, table.terms_detail) == ("legal", "60 days")
    with pytest.raises(ValueError):
        d4416.table(CLOSING, [], D("1"), terms="whatever")


facts_strategy = st.lists(
    st.tuples(
        st.integers(min_value=-120, max_value=800),
        st.decimals(min_value=-100, max_value=100000, places=2),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.decimals(min_value=0, max_value=10**7, places=2))
def test_totals_are_the_sum_of_the_late_buckets(rows, base):
    facts = [fact(late, amount, excluded) for late, amount, excluded in rows]
    table = d4416.table(CLOSING, facts, base)
    late = [table.column(code) for code in d4416.LATE_COLUMNS]
    assert table.total.amount == sum(c.amount for c in late)
    assert table.total.count == sum(c.count for c in late)
    kept = [f for f in facts if d4416.round_cents(f.amount) > 0]
    assert table.excluded_count == sum(1 for f in kept if f.excluded)
    assert table.excluded_amount == sum(
        d4416.round_cents(f.amount) for f in kept if f.excluded
    )
    # every amount kept is in exactly one place: a column of (A) or row (B)
    assert table.column("0").amount + table.total.amount + table.excluded_amount == sum(
        d4416.round_cents(f.amount) for f in kept
    )
    if base > 0:
        assert table.total.percent == d4416.percentage(table.total.amount, base)
    else:
        assert table.total.percent is None
