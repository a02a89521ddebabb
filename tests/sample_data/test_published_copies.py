"""``published_copies.py``: the committed Sotkanet copies are what it writes from THL's published values.

The file of published values is looked for as in ``tests/pipeline/test_published_copies.py`` (skip without it,
fail when ``DASHBOARD_REQUIRE_SEEDS=1``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sample_data.recorded import published_copies
from tests.pipeline.test_published_copies import published_csv_path

BUNDLED = Path(published_copies.__file__).resolve().parent / "sotkanet"
HEADER = "sotkanet_indicator,region_code,sotkanet_region,region_name_fi,year,gender,value,abs_value,unit,name_fi,"
HEADER += "direction,retrieved"


def test_the_committed_copies_are_what_the_script_writes(tmp_path: Path) -> None:
    written = published_copies.write(published_csv_path(), tmp_path)
    assert written == [1080, 4909, 5081, 5186, 5502, 6411]
    names = [f"data_{indicator}.json" for indicator in written] + [published_copies.MANIFEST]
    for name in names:
        assert (tmp_path / name).read_bytes() == (BUNDLED / name).read_bytes(), name


def test_rows_keep_sotkanets_decimals_and_absvalue_only_where_published(tmp_path: Path) -> None:
    published_copies.write(published_csv_path(), tmp_path)
    with published_csv_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first = next(row for row in rows if row["sotkanet_indicator"] == "1080")
    body = json.loads((tmp_path / "data_1080.json").read_text(encoding="utf-8"))
    row = next(r for r in body if r["region"] == int(first["sotkanet_region"]) and r["year"] == int(first["year"]))
    assert row == {
        "indicator": 1080,
        "region": int(first["sotkanet_region"]),
        "year": int(first["year"]),
        "gender": "total",
        "value": float(first["value"]),
        "absValue": int(first["abs_value"]),
    }
    assert all("absValue" not in r for r in json.loads((tmp_path / "data_5502.json").read_text(encoding="utf-8")))


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


ROW = "6411,01,961,Itä-Uudenmaan hyvinvointialue,2024,total,35.1,1200,PERCENT,x,lower_is_better,2026-08-18"


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ([ROW.replace(",961,", ",123456,")], "region 123456 is not in regions.csv"),
        ([ROW.replace(",total,", ",male,")], "gender 'male'"),
        ([ROW, ROW], "a second row for the same indicator, region and year"),
        ([ROW.replace(",35.1,", ",,")], "no value"),
        ([ROW, ROW.replace(",2024,", ",2025,").replace("2026-08-18", "2026-08-19")], "retrieved 2026-08-19"),
    ],
)
def test_a_row_the_copy_could_not_hold_faithfully_is_refused(tmp_path: Path, lines: list[str], fragment: str) -> None:
    source = write_csv(tmp_path / "published.csv", *lines)
    with pytest.raises(ValueError, match=fragment):
        published_copies.write(source, tmp_path)
    assert list(tmp_path.glob("*.json")) == []  # nothing written
