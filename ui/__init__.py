"""The Streamlit side shared by the pages: context, filters and URL state, chart rendering, errors.

Only this package, ``app.py`` and ``pages/`` import Streamlit.
"""
