"""Adding a chart to the deck: the callback draws nothing (in a fragment's rerun it would land at the top of the
app); the run after it says the basket's size once, in the reader's language and plural."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from ui import basket

    def add_another() -> None:
        basket.add(f"chart-{len(basket.basket())}", object(), "en")  # type: ignore[arg-type]

    st.button("add", on_click=add_another)
    basket.announce("en")


def test_an_added_chart_is_announced_once_with_the_baskets_size() -> None:
    app = AppTest.from_function(_page, default_timeout=120).run()
    assert not app.toast
    app.button[0].click().run()
    assert [toast.value for toast in app.toast] == ["Added to the deck (1 slide)."]
    app.run()
    assert not app.toast
    app.button[0].click().run()
    assert [toast.value for toast in app.toast] == ["Added to the deck (2 slides)."]
