"""What each page shows, as pure functions: store results and filters in, tidy frames and figures out.

Pages (and the deck exports) call these; nothing here imports Streamlit.
"""
