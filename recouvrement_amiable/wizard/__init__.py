from . import recouvrement_move_action
from . import recouvrement_call_outcome
from . import recouvrement_claim_view
from . import recouvrement_dossier_export
from . import recouvrement_payment_plan_create
from . import recouvrement_event_cancel
from . import recouvrement_event_correction
