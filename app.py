"""Entry point: page configuration, the global filters (kept in the URL) and navigation, nothing more."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui import cache, filters, session
from ui.render import ICON, handled_errors, layout_css

tab_language = session.linked_language()  # the browser tab speaks the link's language
# A bundled image, sent inline: a ":material/...:" tab icon is fetched by every browser from a third-party host.
st.set_page_config(page_title=t("app.title", tab_language), page_icon=ICON, layout="wide")

layout_css()  # one column under 1,200 px (ui/assets/layout.css)

with handled_errors():  # the sidebar, and any page's failure outside its own handler
    session.store_or_stop()
    state = filters.sidebar_filters(cache.results().years())
    language = state.lang
    if language != tab_language:  # chosen in the sidebar on this run: the URL says so only from now on
        st.set_page_config(page_title=t("app.title", language))
    navigation = st.navigation(
        [
            st.Page(
                "pages/overview.py",
                title=t("nav.overview", language),
                icon=":material/dashboard:",
                default=True,
                url_path="overview",
            ),
            st.Page(
                "pages/compare.py", title=t("nav.compare", language), icon=":material/leaderboard:", url_path="compare"
            ),
            st.Page(
                "pages/county.py", title=t("nav.county", language), icon=":material/location_on:", url_path="county"
            ),
            st.Page(
                "pages/investments.py",
                title=t("nav.investments", language),
                icon=":material/account_balance:",
                url_path="investments",
            ),
            st.Page("pages/deck.py", title=t("nav.deck", language), icon=":material/slideshow:", url_path="deck"),
            st.Page("pages/data.py", title=t("nav.data", language), icon=":material/database:", url_path="data"),
            st.Page(
                "pages/methods.py", title=t("nav.methods", language), icon=":material/menu_book:", url_path="methods"
            ),
        ],
        # In the sidebar: at the top, a window under some 1,400 px folds pages into Streamlit's English "N more".
        position="sidebar",
    )
    navigation.run()
