"""The store: reference data, published indicator values, computed aggregates and the import catalogue.

SQLite in a local file by default, PostgreSQL when a URL is configured. It
holds nothing patient-level: visit, slot and answer extracts stay as Parquet
files in the data directory, which the import catalogue points to.
"""
