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
# Stages whose letter or email states the debt and asks for payment
LETTER_STAGE_KINDS = ("relance_1", "relance_2", "mise_en_demeure", "pre_reminder")
# Stages whose letter gives a payment deadline ("au plus tard le ...")
DEADLINE_STAGE_KINDS = ("relance_2", "mise_en_demeure")
# Event states of a contact that happened or is under way (the ladder counts them)
CONTACT_EVENT_STATES = ("to_post", "pending", "queued", "done")
# Event states not finished yet: a closing or a collective procedure cancels them
OPEN_EVENT_STATES = ("to_validate", "to_post", "pending")
