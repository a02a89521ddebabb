"""Exports for slides and reports: chart images, data tables (CSV, XLSX) and PowerPoint decks.

Everything here takes what a page already shows (a framed Plotly figure and
its suppressed, identifier-free data) and writes it in another form; nothing
here computes a statistic or reads the store.

* ``images``: PNG and SVG through one headless Chromium per process;
* ``tables``: CSV (data only, in the reader's conventions, with a ``.check.txt``
  beside it) and XLSX (table, description and check sheets); ``disclosure``: the
  output check report every export carries; ``dataset``: the full data set
  download;
* ``pptx``: decks (``Deck``, ``Slide``, ``build_pptx``), with ``native`` mapping
  Plotly figures to editable PowerPoint charts;
* ``slides``: the slides of a deck assembled from chart views;
* ``titles``: slide titles that fit one line (measured in the deck's font);
  ``pdf``: a deck's slides as PDF, converted by LibreOffice headless;
* ``deck``: the old address of ``python -m pipeline deck`` (an alias);
* ``names``: file names; ``provenance``: source, licence, filters and date;
* ``safety``: the two guards every export passes (no identifier columns, no
  spreadsheet formulas); ``workbook``: the one XLSX writer (tables and the
  deck's embedded chart workbooks), whose text cells all pass the formula
  guard and which writes no formula or link; ``errors``: the export errors.
"""
