"""Exports for slides and reports: chart images, data tables (CSV, XLSX) and PowerPoint decks.

Everything here takes what a page already shows (a framed Plotly figure and
its suppressed, identifier-free data) and writes it in another form; nothing
here computes a statistic or reads the store. ``images`` renders figures
through one headless Chromium per process, ``tables`` writes CSV and XLSX,
``pptx`` builds decks, ``names`` makes file names and ``safety`` holds the
two guards every export passes (no identifier columns, no spreadsheet formulas).
"""
