"""A part of a page the viewer's role does not cover: what it is and who sees it, with a sign-in button where
signing in could open it. Where sign-in is not configured, nobody can sign in, so the note says only that the
part is not shown in this service."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui.session import settings

LOCK_ICON = ":material/lock:"


def locked_text_key(key: str, *, sign_in: bool) -> str:
    """The catalogue key of the note: ``key`` names who may see the part (and so mentions signing in); its
    ``_public`` twin, for a service without sign-in, does not."""
    return key if sign_in else f"{key}_public"


def locked_notice(key: str, language: str) -> None:
    """The note ``key`` (``county.units_need_role`` …) under a lock, and "Sign in" beside it for a viewer who
    has not signed in where sign-in is configured."""
    sign_in = settings().sign_in
    st.info(t(locked_text_key(key, sign_in=sign_in), language), icon=LOCK_ICON)
    if sign_in and not st.user.is_logged_in:
        st.button(t("auth.sign_in", language), on_click=st.login, icon=":material/login:", key=f"sign_in_{key}")
