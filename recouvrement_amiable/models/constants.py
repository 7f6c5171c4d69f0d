"""Values shared by the recovery models (no model is defined here)."""

RECOUVREMENT_STATES = [
    ("in_progress", "In progress"),
    ("paused", "Paused"),
    ("disputed", "Disputed"),
    ("payment_plan", "Payment plan"),
    ("mediation", "Mediation"),
    ("transferred", "Transferred"),
    ("closed", "Closed"),
]
CLOSE_REASONS = [
    ("paid", "Paid"),
    ("plan_completed", "Payment plan completed"),
    ("written_off", "Written off"),
    ("agreement", "Settled by agreement"),
    ("procedure", "Collective procedure"),
    ("manual", "Closed by hand"),
]
# States in which the nightly run may climb the ladder
ACTIVE_STATES = (False, "in_progress")
# States that suspend the ladder until a date or an event
SUSPENDED_STATES = ("paused", "disputed", "payment_plan", "mediation")
OPEN_PAYMENT_STATES = ("not_paid", "partial")
PAID_STATES = ("paid", "in_payment", "reversed")
