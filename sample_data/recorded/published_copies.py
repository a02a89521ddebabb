"""Write the bundled copies of THL's published Sotkanet series from the published-values CSV (no network).

    python sample_data/recorded/published_copies.py [CSV]

CSV defaults to ``../shared/reference/sotkanet_published_2020_2025.csv`` beside the repository: THL's own
published values, as the live Sotkanet API served them on the date in its ``retrieved`` column (columns
``sotkanet_indicator``, ``sotkanet_region``, ``year``, ``gender``, ``value``, ``abs_value``, ``retrieved``).
For each indicator it writes ``sotkanet/data_{id}.json`` in the wire format of Sotkanet's ``GET /json``
(one object per row: ``indicator``, ``region``, ``year``, ``gender``, ``value`` and ``absValue`` where the
CSV has one; a missing (area, year) row stays missing), and ``sotkanet/published_copies.json``, the list of
the real copies with their retrieval date, which the app's loader reads. The values are written as the CSV
gives them (Sotkanet's decimals); nothing is rounded, filled or derived. Stand-alone on purpose: it reads
only the CSV and ``reference_data/regions.csv`` (to check the region ids).

The indicators' metadata (``indicator_{id}.json``: titles, descriptions, decimals, limits) is not in the
CSV: it stays the constructed example written by ``construct.py``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
DEFAULT_CSV = REPOSITORY.parent / "shared" / "reference" / "sotkanet_published_2020_2025.csv"
REGIONS_CSV = REPOSITORY / "reference_data" / "regions.csv"
MANIFEST = "published_copies.json"
WHOLE_COUNTRY = 658


def _number(text: str) -> int | float:
    """The CSV's number as Sotkanet writes it: an integer count stays an integer, a value keeps its decimals."""
    number = float(text)
    return int(number) if "." not in text and number.is_integer() else number


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def known_regions() -> set[int]:
    return {int(row["sotkanet_id"]) for row in read_rows(REGIONS_CSV)} | {WHOLE_COUNTRY}


def wire_rows(rows: list[dict[str, str]]) -> tuple[dict[int, list[dict[str, object]]], dict[int, str]]:
    """Data rows per indicator in Sotkanet's wire format, and each indicator's retrieval date.

    Raises ValueError on a row the copy could not hold faithfully: an unknown region, a gender other than
    ``total``, a duplicate (indicator, region, year), an empty value or two retrieval dates for one indicator.
    """
    regions = known_regions()
    data: dict[int, list[dict[str, object]]] = {}
    retrieved: dict[int, str] = {}
    seen: set[tuple[int, int, int]] = set()
    for line, row in enumerate(rows, start=2):
        indicator, region, year = int(row["sotkanet_indicator"]), int(row["sotkanet_region"]), int(row["year"])
        where = f"CSV line {line} (indicator {indicator}, region {region}, year {year})"
        if region not in regions:
            raise ValueError(f"{where}: region {region} is not in regions.csv nor the whole country ({WHOLE_COUNTRY})")
        if row["gender"] != "total":
            raise ValueError(f"{where}: gender {row['gender']!r}; the copies hold only 'total'")
        if (indicator, region, year) in seen:
            raise ValueError(f"{where}: a second row for the same indicator, region and year")
        if not row["value"]:
            raise ValueError(f"{where}: no value; a row Sotkanet did not publish is left out, not written empty")
        if retrieved.setdefault(indicator, row["retrieved"]) != row["retrieved"]:
            raise ValueError(f"{where}: retrieved {row['retrieved']}, but {retrieved[indicator]} on an earlier row")
        seen.add((indicator, region, year))
        body: dict[str, object] = {
            "indicator": indicator,
            "region": region,
            "year": year,
            "gender": "total",
            "value": _number(row["value"]),
        }
        if row["abs_value"]:
            body["absValue"] = _number(row["abs_value"])
        data.setdefault(indicator, []).append(body)
    return data, retrieved


def write(csv_path: Path, folder: Path = HERE / "sotkanet") -> list[int]:
    """Write every indicator's copy and the manifest; returns the indicator ids written."""
    data, retrieved = wire_rows(read_rows(csv_path))
    for indicator, rows in sorted(data.items()):
        text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        (folder / f"data_{indicator}.json").write_text(text, encoding="utf-8")
    manifest = {
        "about": "THL's published Sotkanet values (CC BY 4.0), copied from the live API on the date given; "
        "the indicator metadata beside them is constructed",
        "copies": [{"indicator": key, "retrieved": retrieved[key]} for key in sorted(data)],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return sorted(data)


def main(argv: list[str]) -> int:
    csv_path = Path(argv[0]) if argv else DEFAULT_CSV
    if not csv_path.is_file():
        print(f"error: {csv_path.name} not found; give the published-values CSV as the argument", file=sys.stderr)
        return 2
    written = write(csv_path)
    print("wrote the copies of Sotkanet indicators " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
