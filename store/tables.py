"""The current table definitions, used by every query.

Migrations (``store/migrations.py``) build the same schema step by step; a
test checks that the migrated database matches these definitions.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: The data set of the generated synthetic sample; any other name is a data set of imported extracts. Results of
#: two data sets are never blended: every result table keys its cells by data set (:data:`DATASET`).
SAMPLE_DATASET = "sample"
#: The data set column of ``imports`` and of every result table (added by migration 8).
DATASET = "dataset"

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("code", sa.String(4), primary_key=True),
    sa.Column("name_fi", sa.Text, nullable=False),
    sa.Column("name_sv", sa.Text, nullable=False),
    sa.Column("name_en", sa.Text, nullable=False),
    sa.Column("sotkanet_id", sa.Integer, nullable=False),
    sa.Column("sotkanet_id_old", sa.Integer),
)

investments = sa.Table(
    "investments",
    metadata,
    sa.Column("round", sa.String(16), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pillar", sa.Integer),
    sa.Column("name_fi", sa.Text, nullable=False),
    sa.Column("name_sv", sa.Text),
    sa.Column("name_en", sa.Text),
    sa.Column("funding_eur", sa.Float),
    sa.Column("description_en", sa.Text),
    sa.Column("seed_file", sa.Text),
    sa.Column("seed_line", sa.Integer),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("round", sa.String(16), primary_key=True),
    sa.Column("investment", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("start", sa.Text),
    sa.Column("seed_file", sa.Text),
    sa.Column("seed_line", sa.Integer),
)

status_reports = sa.Table(
    "status_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("round", sa.String(16), nullable=False),
    sa.Column("investment", sa.Integer, nullable=False),
    sa.Column("section", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("region_code", sa.String(4)),
    sa.Column("text_fi", sa.Text, nullable=False),
    sa.Column("traffic_light", sa.String(8)),
    sa.Column("seed_file", sa.Text),
    sa.Column("seed_line", sa.Integer),
)

reported_figures = sa.Table(
    "reported_figures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seed_file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("region", sa.Text),
    sa.Column("investment", sa.Text),
    sa.Column("indicator_fi", sa.Text),
    sa.Column("indicator_en", sa.Text),
    sa.Column("period", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("note", sa.Text),
)

indicators = sa.Table(
    "indicators",
    metadata,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("indicator_id", sa.String(64), primary_key=True),
    sa.Column("title_fi", sa.Text),
    sa.Column("title_sv", sa.Text),
    sa.Column("title_en", sa.Text),
    sa.Column("description_fi", sa.Text),
    sa.Column("description_sv", sa.Text),
    sa.Column("description_en", sa.Text),
    sa.Column("organization", sa.Text),
    sa.Column("data_updated", sa.Date),
    sa.Column("decimals", sa.Integer),
    sa.Column("limits", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("licence", sa.Text),
    sa.Column("fetched_at", sa.DateTime, nullable=False),
    # True for the copies bundled with the app (constructed numbers in the real format, loaded on the first
    # start); a live refresh stores False. Charts of recorded series carry the sample-data badge.
    sa.Column("recorded", sa.Boolean, nullable=False, server_default=sa.false()),
    # For a bundled copy of THL's published values: the day it was copied from the live API. Null for a
    # constructed example (made-up numbers: sample badge) and for a live refresh (its ``fetched_at`` says when).
    sa.Column("retrieved", sa.Date),
)

indicator_values = sa.Table(
    "indicator_values",
    metadata,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("indicator_id", sa.String(64), primary_key=True),
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("sex", sa.String(8), primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
    sa.Column("unit", sa.Text),
)

source_status = sa.Table(
    "source_status",
    metadata,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("last_success_at", sa.DateTime),
    sa.Column("last_attempt_at", sa.DateTime, nullable=False),
    sa.Column("last_error", sa.Text),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("layout", sa.String(16), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("parquet_path", sa.Text, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    # The data set the import belongs to (added by migration 8): the synthetic sample, or a named imported one.
    sa.Column("dataset", sa.String(64), nullable=False, server_default=SAMPLE_DATASET),
    sa.UniqueConstraint("table_name", "checksum", name="uq_imports_table_checksum"),
)

#: Imports that failed or were interrupted (added by migration 4; before it, each lived in a marker file).
#: ``error`` is the message the user saw; ``error_id`` the id logged with it.
import_failures = sa.Table(
    "import_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("failed_at", sa.DateTime, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("error_id", sa.String(16), nullable=False),
)

# Aggregates computed from the extracts: no identifiers, one row per cell.
# unit_id '' means all units of the region; profession 'all' means every profession.
# ``dataset`` comes first: a table built from _cell_columns() keys its cells by data set without saying so.
_CELL = (
    (DATASET, sa.String(64)),
    ("region_code", sa.String(4)),
    ("unit_id", sa.String(64)),
    ("profession", sa.String(8)),
    ("period", sa.String(16)),
)


def _cell_columns() -> list[sa.Column[object]]:
    return [sa.Column(name, kind, primary_key=True) for name, kind in _CELL]


def _scope_column() -> sa.Column[str]:
    """The service types a visit aggregate covers (``T11``, ``T11+unrecorded``, ``all``: see metrics/scope.py).

    Added by migration 6; the rows stored before it were computed on every service type, hence the default.
    """
    return sa.Column("service_types", sa.String(64), nullable=False, server_default="all")


def _min_visits_column() -> sa.Column[int]:
    """The fewest visits to a known professional a patient needed to count in a continuity figure (added by
    migration 7; every figure stored before it used 2)."""
    return sa.Column("min_visits", sa.Integer, nullable=False, server_default="2")


access_results = sa.Table(
    "access_results",
    metadata,
    *_cell_columns(),
    sa.Column("days", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n_visits", sa.Integer, nullable=False),
    sa.Column("n_eligible", sa.Integer, nullable=False),
    sa.Column("n_within", sa.Integer, nullable=False),
    sa.Column("share", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("median_wait_days", sa.Float),
    sa.Column("n_urgent", sa.Integer, nullable=False),
    sa.Column("n_missing_urgency", sa.Integer, nullable=False),
    sa.Column("n_missing_assessment", sa.Integer, nullable=False),
    sa.Column("n_negative_wait", sa.Integer, nullable=False),
    _scope_column(),
)

continuity_results = sa.Table(
    "continuity_results",
    metadata,
    *_cell_columns(),
    sa.Column("n_patients", sa.Integer, nullable=False),
    sa.Column("n_eligible", sa.Integer, nullable=False),
    sa.Column("n_visits", sa.Integer, nullable=False),
    sa.Column("n_missing_provider", sa.Integer, nullable=False),
    sa.Column("mean_coc", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("visit_weighted_coc", sa.Float),
    sa.Column("mean_upc", sa.Float),
    sa.Column("mean_secon", sa.Float),
    _scope_column(),
    _min_visits_column(),
)

t3_results = sa.Table(
    "t3_results",
    metadata,
    *_cell_columns(),
    sa.Column("n_books", sa.Integer, nullable=False),
    sa.Column("n_censored", sa.Integer, nullable=False),
    sa.Column("t3_median_days", sa.Float),
    sa.Column("t3_median_days_thl", sa.Float),
)

nps_results = sa.Table(
    "nps_results",
    metadata,
    *_cell_columns(),
    sa.Column("respondent", sa.String(8), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("n_invalid", sa.Integer, nullable=False),
    sa.Column("promoters", sa.Integer, nullable=False),
    sa.Column("passives", sa.Integer, nullable=False),
    sa.Column("detractors", sa.Integer, nullable=False),
    sa.Column("nps", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
)

#: Eligible patients per COC bin (tenths of the index), per county and the whole country, year and
#: profession: the county page's distribution, read instead of recomputing patients' indices. Added by
#: migration 2. Stored unsuppressed like every result table; suppression is applied where it is shown.
coc_distribution_results = sa.Table(
    "coc_distribution_results",
    metadata,
    sa.Column(DATASET, sa.String(64), primary_key=True),
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("profession", sa.String(8), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("bin", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer, nullable=False),
    _scope_column(),
    _min_visits_column(),
)

#: The data set of an audit that does not say which it audited (some from before migration 11): it matches no
#: data set, so no export reports it as its audit.
UNATTRIBUTED_AUDIT = ""

#: One row per disclosure audit of a role (``python -m pipeline audit``, ``store/audits.py``): counts only, with
#: the store version and the data set audited. Added by migration 10; ``dataset`` by migration 11.
audits = sa.Table(
    "audits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column(DATASET, sa.String(64), nullable=False, server_default=UNATTRIBUTED_AUDIT),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("cells_seen", sa.Integer, nullable=False),
    sa.Column("cells_hidden", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("findings_by_kind", sa.Text, nullable=False),
    sa.Column("store_version", sa.Text, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("ran_at", sa.DateTime, nullable=False),
)

#: The linked step's decisions for the counties' and the country's access and NPS cells (``views/kept_decisions.py``):
#: which cell is hidden and by which rule, per data set, family and threshold, with the fingerprint of the counts
#: and rules they were decided on (``inputs``). Written when the figures are (``python -m pipeline bootstrap``, an
#: import, ``aggregate``) so that no visitor's page run waits for the interval check; used only for those very
#: counts. Added by migration 12.
linked_suppression = sa.Table(
    "linked_suppression",
    metadata,
    sa.Column(DATASET, sa.String(64), primary_key=True),
    sa.Column("family", sa.String(16), primary_key=True),
    sa.Column("threshold", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("profession", sa.String(8), primary_key=True),
    sa.Column("respondent", sa.String(8), primary_key=True),
    sa.Column("grain", sa.String(8), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("suppressed_by", sa.String(16)),
    sa.Column("inputs", sa.String(64), nullable=False),
)

RESULT_TABLES = (access_results, continuity_results, t3_results, nps_results)
