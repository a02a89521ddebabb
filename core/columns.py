"""Column names of the canonical tables, defined once.

Connectors translate every outside format into these names at the boundary;
nothing downstream uses a source-specific name.
"""

from typing import Final

# Shared by several tables.
REGION_CODE: Final = "region_code"  # wellbeing services county code as in regions.csv ("01".."21", "90")
UNIT_ID: Final = "unit_id"  # health centre or other service unit
PROFESSION: Final = "profession"  # doctor | nurse | other

# Visits.
VISIT_ID: Final = "visit_id"
PATIENT_ID: Final = "patient_id"  # pseudonymised; never shown
PROFESSIONAL_ID: Final = "professional_id"  # pseudonymised; nullable; never shown
VISIT_AT: Final = "visit_at"
ASSESSMENT_AT: Final = "assessment_at"  # care-need assessment; nullable
URGENT: Final = "urgent"
CONTACT_MODE: Final = "contact_mode"  # in_person | phone | video | message | home
SERVICE_TYPE: Final = "service_type"
AGE_YEARS: Final = "age_years"  # the patient's age in whole years at the visit; optional, nullable

# Appointment slots (snapshots of the books).
CAPTURED_AT: Final = "captured_at"
BOOK_ID: Final = "book_id"
SLOT_AT: Final = "slot_at"
STATUS: Final = "status"  # free | booked | held
SLOT_TYPE: Final = "slot_type"  # non_urgent | urgent

# Survey answers.
RESPONSE_ID: Final = "response_id"
ANSWERED_AT: Final = "answered_at"
SCORE: Final = "score"  # 0..10, nullable
RESPONDENT: Final = "respondent"  # patient | staff
WEIGHT: Final = "weight"  # optional survey weight

# Indicator values (long format, published series).
SOURCE: Final = "source"
INDICATOR_ID: Final = "indicator_id"
PERIOD: Final = "period"  # "2024", "2024Q3" or "2024-03"
SEX: Final = "sex"  # total | male | female
VALUE: Final = "value"
NUMERATOR: Final = "numerator"
DENOMINATOR: Final = "denominator"
UNIT: Final = "unit"

# Columns the metrics add to their outputs.
SUPPRESSED: Final = "suppressed"
MEASURED_AT: Final = "measured_at"

#: Columns that identify a person. They may enter the metrics, never an output.
IDENTIFIER_COLUMNS: Final = frozenset({PATIENT_ID, PROFESSIONAL_ID, VISIT_ID, RESPONSE_ID})
