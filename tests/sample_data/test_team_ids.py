"""The sample's named teams: one per health centre, with the same id on every machine and polars version."""

from __future__ import annotations

import polars as pl

from core import columns as c
from sample_data.generate import generate
from sample_data.measures import team_id


def test_a_team_id_is_the_xxh3_hash_of_the_unit_id_modulo_a_million() -> None:
    # XXH3-64 (seed 0) as the xxHash specification lists it: "" → 0x2D06800538D394C2, "abc" → 0x78AF5F94892F3950.
    units = pl.DataFrame({c.UNIT_ID: ["", "abc", "abc"]})
    ids = units.select(team_id(pl.col(c.UNIT_ID))).to_series().to_list()
    assert ids == ["SYN-T-603138", "SYN-T-89104", "SYN-T-89104"]


def test_every_health_centre_of_the_sample_has_a_team_of_its_own() -> None:
    teams = generate(scale=0.02).assignments.filter(pl.col("provider_kind") == "team")
    per_unit = teams.select(c.UNIT_ID, "provider_id").unique()
    assert per_unit.height == per_unit[c.UNIT_ID].n_unique() == per_unit["provider_id"].n_unique()
    assert per_unit["provider_id"].str.starts_with("SYN-T-").all()
