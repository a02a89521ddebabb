"""Metrics computed from raw extracts: pure polars, no I/O, no Streamlit."""
