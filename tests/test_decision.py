"""The escalation rules of one debtor (decision.py), pure: facts in, decision out.

Examples first, each named after the rule it checks; then properties over simulated
quarters (hypothesis): whatever the invoices, payments, credits and settings, a
debtor never gets two contacts a day, never a contact before the deadline a letter
gave nor inside the minimum spacing, never two formal notices inside a notice's
deadline, never a letter while its credits cover the debt, and every contact covers
all of its overdue invoices.
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.recouvrement_amiable import decision, legal

D = Decimal
DELIVERY = 3


def ladder(pre_reminder=False):
    """The default French ladder as the models hand it to the rules."""
    stages = [
        decision.Stage(1, 10, "call", 3),
        decision.Stage(2, 20, "relance_1", 7, claims=True),
        decision.Stage(
            3, 30, "relance_2", 20, claims=True, deadline_days=8, delivery_days=DELIVERY
        ),
        decision.Stage(
            4,
            40,
            "mise_en_demeure",
            30,
            needs_validation=True,
            registered=True,
            claims=True,
            deadline_days=8,
            delivery_days=DELIVERY,
        ),
        decision.Stage(5, 50, "transfer", 45, automatic=False),
    ]
    if pre_reminder:
        stages.insert(0, decision.Stage(0, 5, "pre_reminder", -5, claims=True))
    return tuple(stages)


STAGES = ladder()
BY_KIND = {s.kind: s for s in ladder(pre_reminder=True)}


def inv(key, due, residual="1000", reached=None):
    stage = BY_KIND[reached] if reached else None
    return decision.Invoice(
        key, due, D(residual), stage.order if stage is not None else None
    )


def debtor(*invoices, **values):
    values.setdefault("stages", STAGES)
    return decision.Debtor(invoices=tuple(invoices), **values)


# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------
def test_the_oldest_open_invoice_sets_the_pace():
    facts = debtor(inv("A", date(2026, 3, 31)), inv("B", date(2026, 4, 4)))
    assert decision.decide(facts, date(2026, 4, 2)).next_date == date(2026, 4, 3)
    result = decision.decide(facts, date(2026, 4, 3))
    assert result.step.stage.kind == "call"
    assert result.step.claimed == ("A",)  # B is not due yet
    assert result.step.upcoming == ("B",)


def test_every_contact_covers_all_overdue_invoices():
    facts = debtor(
        inv("A", date(2026, 3, 31), reached="call"),
        inv("B", date(2026, 4, 4)),
        last_contact=date(2026, 4, 3),
    )
    result = decision.decide(facts, date(2026, 4, 10))
    assert result.step.stage.kind == "relance_1"
    assert set(result.step.claimed) == {"A", "B"}
    assert result.level.kind == "relance_1"


def test_the_level_is_the_highest_stage_reached_by_an_open_invoice():
    facts = debtor(
        inv("A", date(2026, 3, 1), reached="relance_2"),
        inv("B", date(2026, 3, 20), reached="relance_1"),
    )
    assert decision.level_of(facts).kind == "relance_2"
    # the stages after it only: never a second reminder 2
    assert [s.kind for s in decision.pending_stages(facts, date(2026, 4, 1))] == [
        "mise_en_demeure",
        "transfer",
    ]


def test_a_stage_removed_from_the_ladder_counts_as_the_one_below():
    facts = debtor(decision.Invoice("A", date(2026, 3, 1), D(100), (25, 99)))
    assert decision.level_of(facts).kind == "relance_1"


def test_no_contact_before_the_deadline_the_last_letter_gave():
    # reminder 2 of 20/04 (a Monday) gave until 20/04 + 3 days of post + 8 days,
    # moved off the 1 May holiday and the weekend: Monday 4 May
    sent = date(2026, 4, 20)
    deadline = decision.step_deadline(BY_KIND["relance_2"], sent)
    assert deadline == date(2026, 5, 4)
    facts = debtor(
        inv("A", date(2026, 3, 31), reached="relance_2"),
        last_contact=sent,
        deadline=deadline,
    )
    for day in (date(2026, 4, 30), date(2026, 5, 4)):
        result = decision.decide(facts, day)
        assert result.step is None
        assert result.reason == decision.DEADLINE
        assert result.next_date == date(2026, 5, 5)
    assert decision.decide(facts, date(2026, 5, 5)).step.stage.kind == (
        "mise_en_demeure"
    )


def test_forcing_skips_delays_and_spacing_but_keeps_promises():
    facts = debtor(
        inv("A", date(2026, 3, 31), reached="relance_2"),
        last_contact=date(2026, 4, 20),
        deadline=date(2026, 5, 4),
    )
    refused = decision.decide(facts, date(2026, 4, 22), force=True)
    assert refused.step is None and refused.reason == decision.DEADLINE
    spaced = replace(facts, deadline=None)
    assert decision.decide(spaced, date(2026, 4, 22), force=True).step
    same_day = decision.decide(spaced, date(2026, 4, 20), force=True)
    assert same_day.step is None and same_day.reason == decision.SAME_DAY


def test_the_spacing_counts_from_the_last_contact_whatever_its_channel():
    facts = debtor(
        inv("A", date(2026, 3, 31), reached="call"), last_contact=date(2026, 4, 8)
    )
    result = decision.decide(facts, date(2026, 4, 10))
    assert result.reason == decision.SPACING
    assert result.next_date == date(2026, 4, 15)


def test_nothing_while_a_step_waits_for_validation():
    facts = debtor(
        inv("A", date(2026, 3, 1), reached="relance_2"), waiting_validation=True
    )
    result = decision.decide(facts, date(2026, 5, 1), force=True)
    assert result.step is None
    assert result.reason == decision.WAITING_VALIDATION
    assert result.next_date is None


def test_a_debtor_in_credit_is_not_chased():
    facts = debtor(inv("A", date(2026, 3, 1), "500"), credits=D("600"))
    result = decision.decide(facts, date(2026, 4, 1))
    assert result.step is None and result.reason == decision.IN_CREDIT
    assert result.next_date == date(2026, 4, 8)
    partly = replace(facts, credits=D("200"))
    assert decision.decide(partly, date(2026, 4, 1)).step


def test_the_notice_is_prepared_then_dated_on_a_posting_day():
    facts = debtor(
        inv("A", date(2026, 3, 1), reached="relance_2"), last_contact=date(2026, 3, 21)
    )
    # Sunday 5 April 2026: prepared (a manager validates it)
    prepared = decision.decide(facts, date(2026, 4, 5))
    assert prepared.step.stage.kind == "mise_en_demeure"
    assert prepared.reason == decision.WAITING_VALIDATION
    # validated on Easter Monday: dated Tuesday, the deadline counts from it
    validated = decision.validate(facts, prepared.step.stage, date(2026, 4, 6))
    assert validated.step.date == date(2026, 4, 7)
    assert validated.step.deadline == date(2026, 4, 20)  # 7 + 3 + 8 = Saturday 18


def test_an_automatic_registered_letter_waits_for_a_posting_day():
    stages = tuple(
        replace(s, needs_validation=False) if s.registered else s for s in STAGES
    )
    facts = debtor(
        inv("A", date(2026, 3, 1), reached="relance_2"),
        last_contact=date(2026, 3, 21),
        stages=stages,
    )
    sunday = decision.decide(facts, date(2026, 4, 5))
    assert sunday.reason == decision.NOT_POSTING_DAY
    assert sunday.next_date == date(2026, 4, 7)  # Monday 6 is Easter Monday
    assert decision.decide(facts, date(2026, 4, 7)).step.date == date(2026, 4, 7)


def test_a_posted_letter_waits_for_a_posting_day_an_email_does_not():
    """A plain letter (relance 2 on paper) is never dated on a Sunday or a public
    holiday either; the same stage sent by email goes out on the day."""
    by_post = tuple(replace(s, letter=s.kind == "relance_2") for s in STAGES)
    facts = debtor(
        inv("A", date(2026, 3, 1), reached="relance_1"),
        last_contact=date(2026, 3, 14),
        stages=by_post,
    )
    sunday = decision.decide(facts, date(2026, 4, 5))
    assert sunday.reason == decision.NOT_POSTING_DAY
    assert sunday.next_date == date(2026, 4, 7)  # Monday 6 is Easter Monday
    step = decision.decide(facts, date(2026, 4, 7)).step
    assert (step.stage.kind, step.date) == ("relance_2", date(2026, 4, 7))
    # its deadline counts the post's days: 7 + 3 + 8 = Saturday 18 -> Monday 20
    assert step.deadline == date(2026, 4, 20)
    by_email = replace(facts, stages=STAGES)
    email = decision.decide(by_email, date(2026, 4, 5)).step
    assert (email.stage.kind, email.date) == ("relance_2", date(2026, 4, 5))


def test_letters_wait_for_confirmed_rates_calls_do_not():
    unsure = ((legal.RATE_ECB, date(2026, 7, 1), "unconfirmed"),)
    first = debtor(inv("A", date(2026, 7, 1)), unsure_rates=unsure)
    assert decision.decide(first, date(2026, 7, 4)).step.stage.kind == "call"
    later = replace(
        first,
        invoices=(inv("A", date(2026, 7, 1), reached="call"),),
        last_contact=date(2026, 7, 4),
    )
    result = decision.decide(later, date(2026, 7, 11))
    assert result.reason == decision.RATES
    assert result.details == unsure
    assert result.next_date == date(2026, 7, 12)


def test_pre_reminder_only_while_nothing_is_late():
    stages = ladder(pre_reminder=True)
    soon = debtor(inv("A", date(2026, 4, 10)), stages=stages)
    result = decision.decide(soon, date(2026, 4, 5))
    assert result.step.stage.kind == "pre_reminder"
    assert result.step.claimed == ("A",)
    late = debtor(
        inv("A", date(2026, 4, 10)), inv("Z", date(2026, 3, 1)), stages=stages
    )
    assert decision.decide(late, date(2026, 4, 5)).step.stage.kind == "call"


def test_catch_up_never_jumps_to_a_stage_a_person_decides():
    facts = debtor(inv("A", date(2026, 1, 31)), catch_up=True)
    result = decision.decide(facts, date(2026, 3, 20))  # J+48: everything is due
    assert result.step.stage.kind == "relance_2"
    facts = decision.after_step(facts, result.step)
    after = decision.decide(facts, result.step.deadline + timedelta(days=1))
    assert after.step.stage.kind == "mise_en_demeure"


def test_the_transfer_is_left_to_a_person():
    facts = debtor(
        inv("A", date(2026, 1, 31), reached="mise_en_demeure"),
        last_contact=date(2026, 3, 2),
        deadline=date(2026, 3, 16),
    )
    result = decision.decide(facts, date(2026, 3, 20))
    assert result.step is None
    assert result.reason == decision.MANUAL
    assert result.stage.kind == "transfer"
    assert decision.decide(facts, date(2026, 3, 20), force=True).step


def test_a_new_cycle_starts_when_only_never_chased_invoices_remain():
    # A reached the notice, then was paid; B fell due afterwards: it starts at the call
    facts = debtor(
        inv("B", date(2026, 5, 20)),
        last_contact=date(2026, 4, 1),
        deadline=date(2026, 4, 14),
    )
    assert decision.level_of(facts) is None
    assert decision.decide(facts, date(2026, 5, 23)).step.stage.kind == "call"


def test_validation_cancels_when_the_debt_is_covered():
    facts = debtor(
        inv("A", date(2026, 3, 1), "300", reached="relance_2"), credits=D("300")
    )
    result = decision.validate(facts, BY_KIND["mise_en_demeure"], date(2026, 4, 1))
    assert result.step is None and result.reason == decision.IN_CREDIT


# --------------------------------------------------------------------------
# Properties over a simulated quarter
# --------------------------------------------------------------------------
START = date(2026, 3, 2)
DAYS = 92


@st.composite
def scenarios(draw):
    count = draw(st.integers(1, 6))
    invoices = []
    for index in range(count):
        due = START + timedelta(days=draw(st.integers(-70, 80)))
        issued = due - timedelta(days=draw(st.integers(0, 45)))
        paid = draw(
            st.one_of(
                st.none(), st.integers(-10, DAYS).map(lambda d: START + timedelta(d))
            )
        )
        amount = D(draw(st.integers(20, 5000)))
        invoices.append((f"F{index}", issued, due, paid, amount))
    return {
        "invoices": invoices,
        "credits": D(draw(st.sampled_from([0, 0, 0, 50, 400, 3000]))),
        "spacing": draw(st.integers(1, 10)),
        "catch_up": draw(st.booleans()),
        "pre_reminder": draw(st.booleans()),
        "validate_after": draw(st.integers(0, 4)),
        "min_residual": D(draw(st.sampled_from([1, 1, 100]))),
    }


def open_on(scenario, day):
    return {
        key: (due, amount)
        for key, issued, due, paid, amount in scenario["invoices"]
        if issued <= day and (paid is None or paid > day)
    }


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def quarter(scenario):
    """The steps of the quarter (decision.simulate), the facts of each morning
    rebuilt from the scenario: the invoices issued and not paid yet, each keeping
    the stage the earlier steps made it reach."""

    def morning(day, current):
        reached = {i.key: i.reached for i in current.invoices}
        invoices = tuple(
            decision.Invoice(key, due, amount, reached.get(key))
            for key, (due, amount) in open_on(scenario, day).items()
        )
        return replace(current, invoices=invoices)

    facts = decision.Debtor(
        stages=ladder(pre_reminder=scenario["pre_reminder"]),
        invoices=(),
        credits=scenario["credits"],
        spacing_days=scenario["spacing"],
        catch_up=scenario["catch_up"],
        min_residual=scenario["min_residual"],
    )
    return decision.simulate(
        facts, START, DAYS, events=morning, validate_after=scenario["validate_after"]
    )


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_one_contact_a_day_spaced_and_after_every_deadline(scenario):
    steps = quarter(scenario)
    for (_d1, first), (_d2, second) in zip(steps, steps[1:], strict=False):
        assert second.date > first.date, "two contacts the same day"
        assert (second.date - first.date).days >= scenario["spacing"], "spacing"
        if first.deadline:
            assert second.date > first.deadline, "contact before the deadline given"


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_never_two_notices_inside_a_notice_deadline(scenario):
    notices = [s for _d, s in quarter(scenario) if s.stage.kind == "mise_en_demeure"]
    for first, second in zip(notices, notices[1:], strict=False):
        assert second.date > first.deadline


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_every_contact_claims_all_overdue_invoices_and_never_in_credit(
    scenario,
):
    for day, step in quarter(scenario):
        open_invoices = open_on(scenario, day)
        if step.stage.kind == "pre_reminder":
            assert all(open_invoices[k][0] >= day for k in step.claimed)
            continue
        overdue = {k for k, (due, _a) in open_invoices.items() if due < day}
        assert set(step.claimed) == overdue
        assert not set(step.upcoming) & overdue
        owed = sum(open_invoices[k][1] for k in step.claimed) - scenario["credits"]
        assert owed >= scenario["min_residual"]


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_registered_letters_on_posting_days_and_stages_climb(scenario):
    steps = quarter(scenario)
    for _day, step in steps:
        if step.stage.registered:
            assert legal.is_posting_day(step.date)
    # within a cycle (the same invoices still open), the stages only climb
    for (_d1, first), (_d2, second) in zip(steps, steps[1:], strict=False):
        if set(first.claimed) & set(second.claimed):
            assert second.stage.order > first.stage.order
