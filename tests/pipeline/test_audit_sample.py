"""The disclosure audit of the bundled sample store (issue 17): no role sees a count under the threshold or can
narrow one down from the linked tables. The indicators' cells and the COC bins, as ``python -m pipeline audit``
reads them by default; minutes per role, so marked slow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from core.settings import Settings
from pipeline.audit import RoleReport, audit_store, format_text
from pipeline.bootstrap import bootstrap

SCALE = 0.03
THRESHOLD = 5


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path_factory.mktemp("audit-sample"))})
    assert settings.suppression_threshold == THRESHOLD
    engine = bootstrap(settings, sample_scale=SCALE)
    yield engine
    engine.dispose()


def audited(engine: sa.Engine, role: str) -> RoleReport:
    [report] = audit_store(engine, threshold=THRESHOLD, roles=(role,), measures=False)
    return report


@pytest.mark.slow
def test_the_public_can_narrow_down_no_count_of_the_sample(sample_store: sa.Engine) -> None:
    report = audited(sample_store, "public")
    outcome = report.outcome

    # the audit read what the pages show and hide: thousands of counts of each at this scale
    assert outcome.seen > 1_000
    assert outcome.hidden > 1_000
    assert outcome.relations > 1_000
    assert not {key.unit for key in outcome.intervals} - {""}, "the public sees no health centre"
    assert not outcome.findings, format_text([report], threshold=THRESHOLD)


@pytest.mark.slow
def test_a_county_can_narrow_down_no_count_of_its_health_centres(sample_store: sa.Engine) -> None:
    report = audited(sample_store, "county")
    outcome = report.outcome

    assert outcome.seen > 1_000
    assert outcome.hidden > 1_000
    # the health centres audited are the county's own, and only its own
    assert {key.region for key in outcome.intervals if key.unit} == {report.scope}
    assert not outcome.findings, format_text([report], threshold=THRESHOLD)
