"""The jobs: bootstrap, imports, aggregation, refreshes from remote sources, county decks, and the command line.

Glue between ``data_sources`` (reading the outside world), ``metrics``,
``store`` (keeping results) and ``exports`` (decks). No Streamlit here: the
pages call these functions, and so does ``python -m pipeline`` (:mod:`pipeline.cli`).
"""
