"""Which procedure and which court fit a claim: a suggestion printed on the case
file's cover note for the lawyer or the commissaire de justice to confirm, with no
ORM. Codes only: the model words them in the user's language.

- Procedure: the simplified recovery of small claims (art. L125-1 CPCE), led by a
  commissaire de justice with the debtor's agreement, for a contractual claim of at
  most 5 000 EUR in principal and interest (art. R125-1); otherwise the order for
  payment (injonction de payer, art. 1405 s. CPC), which has no ceiling. A disputed
  claim is not "certaine": a summons on the merits fits it better.
- Court of the order for payment (art. 1406 CPC: the debtor's domicile, a rule no
  clause can set aside): the commercial court for traders, commercial companies and
  craftsmen (the latter since 15 May 2022); in the twelve experimental jurisdictions,
  since 1 January 2025, the tribunal des activités économiques; the judicial court
  for anyone else; in Alsace-Moselle, the commercial chamber of the judicial court.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

SMALL_CLAIMS_CEILING = Decimal("5000")
LAWYER_THRESHOLD = Decimal("10000")  # opposition above it: lawyer required

# How the court sees the debtor
COMMERCIAL_COMPANY = "commercial_company"
TRADER = "trader"  # commerçant or artisan in their own name
NON_TRADER = "non_trader"  # liberal profession, association, SCI, farmer...
INDIVIDUAL = "individual"  # consumer
CATEGORIES = (COMMERCIAL_COMPANY, TRADER, NON_TRADER, INDIVIDUAL)

# Procedures
SMALL_CLAIMS = "small_claims"
ORDER_FOR_PAYMENT = "order_for_payment"
MERITS = "merits"

# Courts
COURT_TAE = "tae"
COURT_COMMERCE = "commerce"
COURT_JUDICIAIRE = "judiciaire"
COURT_JUDICIAIRE_COMMERCIAL = "judiciaire_commercial"

# Forms of the order for payment's request
FORM_COMMERCE = "Cerfa 12946*02"
FORM_JUDICIAIRE = "Cerfa 12948*06"

# Companies commercial by their form (art. L210-1 C. com.); an SEL (SELARL, SELAS)
# has a civil object and is left to the judicial court
COMMERCIAL_FORMS = frozenset({"SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCS", "SCA"})
TAE_SEATS = frozenset(
    {
        "avignon",
        "auxerre",
        "le havre",
        "le mans",
        "limoges",
        "lyon",
        "marseille",
        "nancy",
        "nanterre",
        "paris",
        "saint brieuc",
        "versailles",
    }
)
ALSACE_MOSELLE = ("57", "67", "68")


def _norm(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", " ", text.decode().lower()).strip()


def format_registration(digits):
    """A SIREN in groups of three (732 829 320), a SIRET with its NIC apart
    (732 829 320 00074); anything else as given."""
    digits = "".join(c for c in digits or "" if c.isdigit())
    if len(digits) == 9:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if len(digits) == 14:
        return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
    return digits


def category(debtor_type, legal_form=""):
    """How the court sees the debtor, from the addon's debtor type and legal form."""
    if debtor_type == "b2c":
        return INDIVIDUAL
    if debtor_type == "b2b_non_commercant":
        return NON_TRADER
    form = _norm(legal_form).upper().replace(" ", "")
    return COMMERCIAL_COMPANY if form in COMMERCIAL_FORMS else TRADER


@dataclass(frozen=True)
class Suggestion:
    procedure: str
    court: str
    seat: str  # the town of the registered office, "" when unknown
    form: str
    small_claims_possible: bool
    lawyer_on_opposition: bool
    disputed: bool


def suggest(debtor_category, principal_and_interest, disputed, city="", zip_code=""):
    """The procedure and court to suggest for a claim of ``principal_and_interest``
    (indemnities apart) on a debtor of ``debtor_category`` whose registered office is
    in ``city`` (``zip_code``)."""
    amount = Decimal(principal_and_interest)
    small = amount <= SMALL_CLAIMS_CEILING
    if disputed:
        procedure = MERITS
    elif small:
        procedure = SMALL_CLAIMS
    else:
        procedure = ORDER_FOR_PAYMENT
    commercial = debtor_category in (COMMERCIAL_COMPANY, TRADER)
    zip_code = (zip_code or "").strip()
    seat = city.strip() if city else ""
    if commercial and zip_code[:2] in ALSACE_MOSELLE:
        court = COURT_JUDICIAIRE_COMMERCIAL
    elif commercial:
        town = _norm(seat)
        in_tae = town in TAE_SEATS or (
            town.startswith("paris") and zip_code[:2] == "75"
        )
        court = COURT_TAE if in_tae else COURT_COMMERCE
    else:
        court = COURT_JUDICIAIRE
    form = FORM_COMMERCE if court in (COURT_TAE, COURT_COMMERCE) else FORM_JUDICIAIRE
    return Suggestion(
        procedure=procedure,
        court=court,
        seat=seat,
        form=form,
        small_claims_possible=small,
        lawyer_on_opposition=amount > LAWYER_THRESHOLD,
        disputed=bool(disputed),
    )
