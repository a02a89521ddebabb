"""The Streamlit side shared by the pages: ``session`` (settings, the store, the viewer), ``cache`` (everything
read from the store, kept per store version), ``filters`` (view state in the URL, sidebar, pickers), ``render``
(charts, tables, downloads, errors), ``basket`` (the deck basket), ``actions`` (refresh and upload) and
``serve`` (the launcher).

Only this package, ``app.py`` and ``pages/`` import Streamlit.
"""
