"""The mock provider speaks enough OpenID Connect for Authlib: checked without a browser, in a second or two.

The code flow runs through Authlib's own client and ID-token claims class (what Streamlit's
``st.login`` uses on the server), so a failure of the browser test that is the mock's fault shows
up here first, with a plain message.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("authlib", reason="Authlib is not installed: Streamlit's st.login needs it (see requirements.txt)")

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.mock_provider import MockOidcProvider

CLIENT_ID = "dashboard-test"
REDIRECT_URI = "http://127.0.0.1:9/oauth2callback"
USER = {"sub": "u-42", "email": "analyytikko@thl.fi", "groups": ["thl-analyst", "staff"]}


@pytest.fixture(scope="module")
def provider() -> Iterator[MockOidcProvider]:
    with MockOidcProvider(
        client_id=CLIENT_ID, client_secret=secrets.token_urlsafe(16), redirect_uris=(REDIRECT_URI,), user=USER
    ) as mock:
        yield mock


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # straight to 127.0.0.1, whatever proxy the shell names
        yield session


def oauth_client(provider: MockOidcProvider, *, secret: str | None = None) -> OAuth2Session:
    client = OAuth2Session(
        CLIENT_ID,
        provider.client_secret if secret is None else secret,
        scope="openid email profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    client.trust_env = False
    return client


def authorize(
    provider: MockOidcProvider, http: requests.Session, client: OAuth2Session, **extra: str
) -> tuple[str, str]:
    """Run ``/authorize`` like a browser would; returns where the provider redirects to, and the state sent."""
    url, state = client.create_authorization_url(provider.metadata()["authorization_endpoint"], **extra)
    response = http.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return str(response.headers["Location"]), state


def query_of(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


def test_discovery_names_every_endpoint_on_the_issuer(provider: MockOidcProvider, http: requests.Session) -> None:
    metadata = http.get(provider.metadata_url, timeout=10).json()
    assert metadata["issuer"] == provider.issuer
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint"):
        assert metadata[name].startswith(provider.issuer + "/"), name
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = http.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    assert [(key["kty"], key["alg"]) for key in keys] == [("RSA", "RS256")]
    assert "d" not in keys[0], "the JWKS must not publish the private key"


def test_the_code_flow_gives_an_id_token_authlib_accepts(provider: MockOidcProvider, http: requests.Session) -> None:
    nonce, verifier = generate_token(20), generate_token(48)
    with oauth_client(provider) as client:
        callback, state = authorize(provider, http, client, nonce=nonce, code_verifier=verifier)
        assert callback.startswith(REDIRECT_URI + "?")
        assert query_of(callback)["state"] == state
        token: dict[str, Any] = client.fetch_token(
            provider.metadata()["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(provider.jwks()), algorithms=["RS256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [provider.issuer]}},
        {"nonce": nonce, "client_id": CLIENT_ID, "access_token": token["access_token"]},
    )
    claims.validate(leeway=60)  # iss, aud, exp, iat, nonce, at_hash: as Authlib checks them for st.login
    assert (claims["email"], claims["groups"], claims["aud"]) == (USER["email"], USER["groups"], CLIENT_ID)
    userinfo = http.get(
        provider.metadata()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo == USER


def test_a_code_is_redeemed_once_and_only_with_the_right_secret_and_verifier(
    provider: MockOidcProvider, http: requests.Session
) -> None:
    verifier = generate_token(48)
    with oauth_client(provider) as client:
        callback, _ = authorize(provider, http, client, nonce="n", code_verifier=verifier)
    code = query_of(callback)["code"]
    token_url = provider.metadata()["token_endpoint"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}

    wrong_secret = http.post(token_url, data=form | {"code_verifier": verifier}, auth=(CLIENT_ID, "nope"), timeout=10)
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    auth = (CLIENT_ID, provider.client_secret)
    wrong_verifier = http.post(token_url, data=form | {"code_verifier": "x" * 43}, auth=auth, timeout=10)
    assert (wrong_verifier.status_code, wrong_verifier.json()["error"]) == (400, "invalid_grant")
    # A refused verifier used the code up, as a real provider may; a fresh code works once, then never.
    with oauth_client(provider) as client:
        code = query_of(authorize(provider, http, client, nonce="n", code_verifier=verifier)[0])["code"]
    form["code"] = code
    assert http.post(token_url, data=form | {"code_verifier": verifier}, auth=auth, timeout=10).status_code == 200
    replay = http.post(token_url, data=form | {"code_verifier": verifier}, auth=auth, timeout=10)
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")


def test_unregistered_redirect_uris_are_refused_and_scope_errors_go_back_to_the_client(
    provider: MockOidcProvider, http: requests.Session
) -> None:
    endpoint = provider.metadata()["authorization_endpoint"]
    base = {"client_id": CLIENT_ID, "response_type": "code", "state": "s1"}
    elsewhere = http.get(
        endpoint,
        params=base | {"redirect_uri": "http://127.0.0.1:9/elsewhere", "scope": "openid"},
        allow_redirects=False,
        timeout=10,
    )
    assert elsewhere.status_code == 400, "an unregistered redirect_uri must not be redirected to"
    no_openid = http.get(
        endpoint, params=base | {"redirect_uri": REDIRECT_URI, "scope": "email"}, allow_redirects=False, timeout=10
    )
    assert no_openid.status_code == 302
    assert query_of(no_openid.headers["Location"]) | {"error_description": ""} == {
        "error": "invalid_scope",
        "error_description": "",
        "state": "s1",
    }


def test_logout_redirects_to_the_post_logout_uri_and_is_recorded(
    provider: MockOidcProvider, http: requests.Session
) -> None:
    before = len(provider.logouts)
    response = http.get(
        provider.metadata()["end_session_endpoint"],
        params={"client_id": CLIENT_ID, "post_logout_redirect_uri": REDIRECT_URI, "id_token_hint": "t"},
        allow_redirects=False,
        timeout=10,
    )
    assert (response.status_code, response.headers["Location"]) == (302, REDIRECT_URI)
    assert provider.logouts[before:] == [
        {"client_id": CLIENT_ID, "post_logout_redirect_uri": REDIRECT_URI, "id_token_hint": "t"}
    ]
