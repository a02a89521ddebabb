"""The reader's shortcuts change its speed, never its outcome: the same rows, the same report, the same errors.

A chunk whose bytes prove that no value holds a control character skips those checks
(:func:`data_sources.extracts.reader._control_free`); these tests pin down the proof byte by byte and
compare whole reads with the shortcut and without it.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core.errors import DashboardError
from data_sources.extracts import ExtractError, ExtractResult, read_extract, read_visits, reader
from tests.data_sources.extract_fixtures import (
    TODAY,
    avohilmo_rows,
    canonical_answer,
    write_avohilmo,
    write_canonical_csv,
)
from tests.data_sources.fuzz_files import READERS, csv_files

SLICE = 1 << 20
CONTROL_BYTES = [*(code for code in range(0x20) if code != 0x0A), 0x7F]


# --------------------------------------------------------------------------- the proof, byte by byte


@pytest.mark.parametrize(
    ("data", "free"),
    [
        # plain records: only line feeds between them
        (b"a;b\nc;d\n", True),
        (b"", True),
        (b"no line feed at the end", True),
        # non-ASCII text in UTF-8 (latin-1 transcoded, C1 controls as two bytes) holds no byte below 0x80
        ("Jyväskylän terveysasema;Åland\n".encode(), True),
        ("\x85 \x9f\n".encode(), True),
        # a quote may hide a line feed inside a value: the values are checked
        (b'"a\nb";c\n', False),
        (b'a;"b"\n', False),
        # a carriage return (CRLF line ends, or inside a value)
        (b"a;b\r\nc;d\r\n", False),
        # space and the first printable bytes are not control characters
        (b" !\x21\x2f;0\n", True),
    ],
)
def test_a_chunk_is_control_free_exactly_when_its_bytes_prove_it(data: bytes, free: bool) -> None:
    assert reader._control_free(data) is free


@pytest.mark.parametrize("code", CONTROL_BYTES)
def test_any_control_byte_but_the_line_feed_disproves_it(code: int) -> None:
    assert reader._control_free(b"a;b\nc" + bytes([code]) + b";d\n") is False


@pytest.mark.parametrize("position", [0, SLICE - 1, SLICE, SLICE + 1, 3 * SLICE - 1])
def test_a_control_byte_in_any_slice_of_a_large_chunk_is_found(position: int) -> None:
    data = bytearray(b"abcdefg\n" * (3 * SLICE // 8))
    data[position] = 0x01
    assert reader._control_free(bytes(data)) is False
    data[position] = ord("x")
    assert reader._control_free(bytes(data)) is True


# --------------------------------------------------------------------------- whole reads, with and without


def _read(name: str, data: bytes) -> tuple[str, object, pl.DataFrame | None]:
    """The outcome of reading ``data`` with the reader ``name``: the error's type and message, or the report
    (as JSON) and the kept rows."""
    _layout, _table, read = READERS[name]
    with tempfile.TemporaryDirectory(prefix="fast-paths-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(data)
        try:
            result = read(path)
        except DashboardError as exc:
            return type(exc).__name__, str(exc).replace(folder, "<folder>"), None
        assert isinstance(result, ExtractResult)  # the readers named here give a result with a report
        return "report", result.report.to_json(), result.data.collect()


def _without_shortcut(read: Callable[[], object]) -> object:
    with mock.patch.object(reader, "_control_free", return_value=False):
        return read()


@pytest.mark.parametrize(
    "name", ["read_visits, canonical layout", "read_slots", "read_answers", "read_visits, avohilmo layout"]
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_skipping_the_control_checks_changes_neither_rows_nor_report(name: str, data: st.DataObject) -> None:
    content = data.draw(csv_files(READERS[name][0], mild=True), label="file")
    fast = _read(name, content)
    slow = _without_shortcut(lambda: _read(name, content))
    assert isinstance(slow, tuple)
    assert fast[:2] == slow[:2]
    if fast[2] is not None:
        assert slow[2] is not None
        assert_frame_equal(fast[2], slow[2])


AVOHILMO_HEADER = (
    "AVOHILMO_ID;TNRO;PALVELUNTUOTTAJA_YKSIKKO;HYVINVOINTIALUE;KAYNTI_ALKOI;HOIDONTARVE_AJANKOHTA;"
    "KAYNTI_KIIREELLISYYS;KAYNTI_AMMATTI;KAYNTI_YHTEYSTAPA;PERUUTUS_AJANKOHTA\n"
)


@st.composite
def avohilmo_files(draw: st.DrawFn) -> bytes:
    """Valid Avohilmo rows in latin-1, now and then with a control character or a quote in a unit id."""
    units = st.sampled_from(["Jyväskylän terveysasema", "TK", "Äänekoski\x01", "Pälkäne\x7f", '"Mänttä"', "a\tb"])
    rows = []
    for number in range(draw(st.integers(1, 8))):
        unit = draw(units)
        rows.append(f"{number + 1};FR{number % 3};{unit};02;10.03.2025 09:00;01.03.2025 08:00;E;22213;R10;\n")
    return (AVOHILMO_HEADER + "".join(rows)).encode("latin-1")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=avohilmo_files())
def test_avohilmo_files_read_the_same_with_and_without_the_shortcut(
    content: bytes,
) -> None:
    name = "read_visits, avohilmo layout"
    assert name in READERS
    fast = _read(name, content)
    slow = _without_shortcut(lambda: _read(name, content))
    assert isinstance(slow, tuple)
    assert fast[:2] == slow[:2]
    if fast[2] is not None:
        assert slow[2] is not None
        assert_frame_equal(fast[2], slow[2])


def test_a_control_character_in_a_clean_looking_chunk_is_still_rejected() -> None:
    """The hand-checked case: one of three rows holds U+0001 in its unit id and is rejected for it."""
    content = (
        AVOHILMO_HEADER
        + "1;FR1;TK;02;10.03.2025 09:00;01.03.2025 08:00;E;22213;R10;\n"
        + "2;FR2;T\x01K;02;10.03.2025 09:00;01.03.2025 08:00;E;22213;R10;\n"
        + "3;FR3;TK;02;10.03.2025 09:00;01.03.2025 08:00;E;22213;R10;\n"
    ).encode("latin-1")
    kind, report, rows = _read("read_visits, avohilmo layout", content)
    assert kind == "report"
    assert rows is not None
    assert rows.get_column("visit_id").to_list() == ["1", "3"]
    assert '"control_character"' in str(report)


# --------------------------------------------------------------------------- four threads, the same outcome


@st.composite
def avohilmo_rows_with_defects(draw: st.DrawFn) -> list[dict[str, str | None]]:
    """Valid rows, some repeating an earlier id (the same values or not), some with a bad date or region."""
    rows = avohilmo_rows(draw(st.integers(2, 40)))
    for index in range(1, len(rows)):
        change = draw(st.sampled_from(["none"] * 6 + ["repeat", "conflict", "bad date", "region", "cancelled"]))
        earlier = draw(st.integers(0, index - 1))
        if change == "repeat":
            rows[index] = dict(rows[earlier])
        elif change == "conflict":
            rows[index] = dict(rows[earlier], TNRO="FR-other")
        elif change == "bad date":
            rows[index] = dict(rows[index], KAYNTI_ALKOI="32.01.2025 10:00")
        elif change == "region":
            rows[index] = dict(rows[index], HYVINVOINTIALUE="91")
        elif change == "cancelled":
            rows[index] = dict(rows[index], PERUUTUS_AJANKOHTA=rows[index]["KAYNTI_ALKOI"])
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=avohilmo_rows_with_defects(), chunk=st.integers(150, 900))
def test_a_file_read_in_chunks_on_four_threads_gives_what_one_chunk_gives(
    rows: list[dict[str, str | None]], chunk: int
) -> None:
    with tempfile.TemporaryDirectory(prefix="fast-paths-") as folder:
        path = write_avohilmo(Path(folder) / "avohilmo.csv", rows)
        whole = read_visits(path, today=TODAY)
        with mock.patch.object(reader, "CHUNK_BYTES", chunk):  # smaller than the file: the threaded path
            chunked = read_visits(path, today=TODAY)
        assert chunked.report == whole.report
        assert_frame_equal(chunked.data.collect(), whole.data.collect())


def test_an_error_in_a_later_chunk_is_raised_typed_and_leaves_no_thread_behind(tmp_path: Path) -> None:
    """Row 30's weight is written with a comma in a ','-separated file: the converting thread refuses the file."""
    answers = [canonical_answer(response_id=f"r{index}", weight="1.5") for index in range(1, 401)]
    answers[29] = canonical_answer(response_id="r30", weight="1,5")
    path = write_canonical_csv(tmp_path / "answers.csv", answers)
    before = {thread.ident for thread in threading.enumerate()}

    with mock.patch.object(reader, "CHUNK_BYTES", 400), pytest.raises(ExtractError) as caught:
        read_extract(path, table="survey_answers", today=TODAY)

    assert (caught.value.key, caught.value.row, caught.value.column) == ("comma_in_number", 30, "weight")
    left = [thread.name for thread in threading.enumerate() if thread.ident not in before]
    assert not [name for name in left if name.startswith("extract-")]
