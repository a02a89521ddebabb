"""Orchestration: first-run bootstrap of the store and refreshes from remote sources.

Glue between ``data_sources`` (reading the outside world), ``metrics`` and
``store`` (keeping results). No Streamlit here: pages call these functions.
"""
