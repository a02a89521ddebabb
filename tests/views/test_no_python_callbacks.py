"""No Python function runs inside polars in the server: views, charts, the UI layer, the pages, and what
the pages call (exports, imports and their metrics, refreshes).

Polars runs such a function (``map_elements``, ``map_batches``, ...) on its worker threads, which then
wait for the interpreter lock. With several sessions, one session's script thread can hold that lock
inside polars while waiting for the same workers, and the whole server stops answering. Python writers
run on the caller's thread instead (``views.text``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
#: The packages a page load runs through (an upload on the Data page runs the import and its metrics).
REQUEST_PATH = (
    "views",
    "charts",
    "ui",
    "pages",
    "exports",
    "pipeline",
    "store",
    "metrics",
    "data_sources",
    "i18n",
    "core",
)
#: Polars' ways of calling back into Python (methods of frames, series and expressions, and functions of ``pl``).
CALLBACKS = frozenset(
    {
        "map_elements",
        "map_batches",
        "map_rows",
        "map_groups",
        "map_dict",
        "apply",
        "fold",
        "reduce",
        "cum_fold",
        "cum_reduce",
        "cumfold",
        "cumreduce",
    }
)


def callbacks_in(source: str, file_name: str = "<test>") -> list[str]:
    """'file:line name' for each attribute named like a polars callback (``x.map_elements``, ``pl.fold``)."""
    tree = ast.parse(source, filename=file_name)
    return [
        f"{file_name}:{node.lineno} {node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in CALLBACKS
    ]


def request_path_modules() -> list[Path]:
    modules = sorted(path for package in REQUEST_PATH for path in (PROJECT / package).rglob("*.py"))
    return [*modules, PROJECT / "app.py"]


def test_the_request_path_is_scanned() -> None:
    names = {path.relative_to(PROJECT).as_posix() for path in request_path_modules()}
    assert {
        "views/data.py",
        "views/investments.py",
        "charts/builders.py",
        "ui/render.py",
        "pages/data.py",
        "metrics/continuity.py",
        "app.py",
    } <= names


def test_no_module_on_the_request_path_calls_python_from_polars() -> None:
    found = [
        hit
        for path in request_path_modules()
        for hit in callbacks_in(path.read_text(encoding="utf-8"), path.relative_to(PROJECT).as_posix())
    ]
    assert found == [], "Python callbacks inside polars (write the values in Python, see views.text):\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    "source",
    [
        'pl.col("a").map_elements(str, return_dtype=pl.String)',
        'frame.select(pl.col("a").map_batches(lambda s: s))',
        "pl.struct('a', 'b').map_elements(lambda row: row['a'])",
        "frame.map_rows(lambda row: row)",
        "frame.group_by('a').map_groups(len)",
        "pl.fold(pl.lit(0), lambda acc, x: acc + x, pl.all())",
        "series.apply(str)",
        "writer = pl.Expr.map_elements",  # passed around rather than called
    ],
)
def test_the_scan_finds_each_kind_of_callback(source: str) -> None:
    assert callbacks_in(source) != []


@pytest.mark.parametrize(
    "source",
    [
        'pl.col("a").replace_strict({"x": "y"}, return_dtype=pl.String)',
        "frame.pipe(add_labels)",  # runs in Python on the whole frame, on the caller's thread
        "[write(value) for value in frame['a'].to_list()]",
    ],
)
def test_the_scan_lets_plain_polars_and_python_through(source: str) -> None:
    assert callbacks_in(source) == []


def table_calls_in(source: str, file_name: str = "<test>") -> list[str]:
    """'file:function' for each ``st.dataframe``/``st.table``/``st.data_editor`` (``<module>`` at the top level)."""
    tree = ast.parse(source, filename=file_name)
    owner: dict[ast.AST, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                owner.setdefault(node, function.name)  # the outermost function that holds it
    return [
        f"{file_name}:{owner.get(node, '<module>')}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"dataframe", "table", "data_editor"}
        and isinstance(node.value, ast.Name)
        and node.value.id == "st"
    ]


def test_tables_reach_streamlit_only_through_show_table() -> None:
    """``st.dataframe`` converts a polars frame with ``to_pandas``, on polars' worker threads; ``show_table``
    (a data grid) and ``show_static_table`` (sentences that wrap) hand it over as Arrow and are the only places
    that call Streamlit's tables."""
    found = [
        hit
        for path in request_path_modules()
        for hit in table_calls_in(path.read_text(encoding="utf-8"), path.relative_to(PROJECT).as_posix())
    ]
    assert sorted(found) == ["ui/render.py:show_static_table", "ui/render.py:show_table"], found


def test_the_table_scan_finds_calls_at_the_top_and_inside_functions() -> None:
    source = "st.dataframe(a)\ndef page():\n    st.table(b)\n"
    assert table_calls_in(source) == ["<test>:<module>", "<test>:page"]
