"""Shared foundations: the error family, canonical schemas and settings.

Nothing here imports Streamlit; every other layer may import from here.
"""
