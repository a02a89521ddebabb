"""A small OpenID Connect provider on 127.0.0.1 for sign-in tests: real HTTP, real RS256 signatures.

It implements just enough of OpenID Connect Core and Discovery for Streamlit's
``st.login`` (Authlib's Starlette client) to sign a user in with the
authorization-code flow:

* ``GET /.well-known/openid-configuration`` - the discovery document;
* ``GET /authorize`` - no login form: it checks the request (client, redirect
  URI, ``openid`` scope, state, PKCE challenge) and at once redirects back to
  ``redirect_uri`` with a one-time ``code`` and the caller's ``state``;
* ``POST /token`` - exchanges the code (client secret by HTTP Basic or in the
  form, same redirect URI, PKCE verifier) for an access token and an RS256
  ``id_token`` carrying ``iss``, ``aud``, ``sub``, ``email``, the authorize
  request's ``nonce``, ``iat``/``exp``, ``at_hash`` and the user's other claims;
* ``GET /jwks`` - the public key;
* ``GET /userinfo`` - the user's claims for a bearer access token;
* ``GET /logout`` - RP-initiated logout: records the call and redirects to
  ``post_logout_redirect_uri``.

Who signs in is :attr:`MockOidcProvider.user` (claims, e.g. ``email`` and
``groups``), read when ``/authorize`` is called; change it between sign-ins.
Every request is recorded in :attr:`MockOidcProvider.requests` and every
refused one in :attr:`MockOidcProvider.errors`, so a test can say what went
wrong. The RSA key is generated at start.

>>> with MockOidcProvider(client_id="app", client_secret="s3cret") as provider:  # doctest: +SKIP
...     provider.user = {"sub": "u1", "email": "someone@example.fi", "groups": ["staff"]}
...     print(provider.metadata_url)
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from joserfc import jwt
from joserfc.jwk import KeySetSerialization, RSAKey

ID_TOKEN_LIFETIME = 3600
CODE_LIFETIME = 120


@dataclass(frozen=True)
class Grant:
    """What one ``/authorize`` call allowed: redeemed once at ``/token``."""

    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    claims: Mapping[str, Any]
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int = 0


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class OidcError(Exception):
    """A refused request: an OAuth error code, a description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _half_hash(value: str) -> str:
    """``at_hash`` for RS256: base64url of the left half of SHA-256."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _single(values: Mapping[str, list[str]]) -> dict[str, str]:
    return {key: items[-1] for key, items in values.items()}


class MockOidcProvider:
    """The provider, served from a background thread on ``host`` and a free port (or ``port``)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uris: tuple[str, ...] = (),
        user: Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        #: Allowed redirect URIs; empty allows any (the app's port is often chosen after the provider's).
        self.redirect_uris = redirect_uris
        #: The claims of whoever signs in next; ``sub`` defaults to the e-mail.
        self.user: dict[str, Any] = dict(user or {"sub": "user-1", "email": "user@example.fi"})
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.logouts: list[dict[str, str]] = []
        self._host = host
        self._port = port
        self._key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self._grants: dict[str, Grant] = {}
        self._access_tokens: dict[str, Mapping[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- addresses ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the mock provider is not running")
        return int(self._server.server_address[1])

    @property
    def issuer(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "aud", "sub", "exp", "iat", "nonce", "email", "name", "groups"],
        }

    def jwks(self) -> KeySetSerialization:
        """The JSON Web Key Set: the public half of the signing key only."""
        return {"keys": [self._key.as_dict(private=False)]}

    def paths_requested(self) -> list[str]:
        return [request.path for request in self.requests]

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the mock provider is already running")
        handler = type("BoundHandler", (_Handler,), {"provider": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="mock-oidc", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- endpoints ----------------------------------------------------------------------------

    def authorize(self, query: Mapping[str, str]) -> _Reply:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id:
            raise OidcError("invalid_client", f"unknown client_id {query.get('client_id')!r}")
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            raise OidcError("invalid_request", f"redirect_uri {redirect_uri!r} is not registered")
        state = query.get("state")
        try:
            if query.get("response_type") != "code":
                raise OidcError("unsupported_response_type", "only response_type=code is supported")
            if "openid" not in query.get("scope", "").split():
                raise OidcError("invalid_scope", "the scope must include openid")
            method = query.get("code_challenge_method")
            if query.get("code_challenge") and method not in (None, "S256"):
                raise OidcError("invalid_request", f"code_challenge_method {method!r} is not supported")
        except OidcError as error:  # errors after a valid redirect URI go back to the client
            params = {"error": error.error, "error_description": error.description}
            if state:
                params["state"] = state
            self.errors.append(str(error))
            return _Reply(HTTPStatus.FOUND, headers={"Location": _with_query(redirect_uri, params)})
        code = secrets.token_urlsafe(24)
        with self._lock:
            claims = dict(self.user)
            claims.setdefault("sub", str(claims.get("email") or "user"))
            self._grants[code] = Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                scope=query.get("scope", ""),
                nonce=query.get("nonce"),
                claims=claims,
                code_challenge=query.get("code_challenge"),
                code_challenge_method=query.get("code_challenge_method") or None,
                issued_at=time.time(),
            )
        params = {"code": code} | ({"state": state} if state else {})
        return _Reply(HTTPStatus.FOUND, headers={"Location": _with_query(redirect_uri, params)})

    def token(self, form: Mapping[str, str], authorization: str | None) -> _Reply:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode("utf-8")
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            raise OidcError("invalid_client", "client authentication failed", HTTPStatus.UNAUTHORIZED)
        if form.get("grant_type") != "authorization_code":
            raise OidcError("unsupported_grant_type", "only authorization_code is supported")
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None or time.time() - grant.issued_at > CODE_LIFETIME:
            raise OidcError("invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OidcError("invalid_grant", "redirect_uri differs from the authorize request's")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier") or ""
            expected = _s256(verifier) if grant.code_challenge_method == "S256" else verifier
            if not verifier or expected != grant.code_challenge:
                raise OidcError("invalid_grant", "PKCE code_verifier does not match the challenge")
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        claims: dict[str, Any] = {
            **grant.claims,
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "at_hash": _half_hash(access_token),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        header = {"alg": "RS256", "typ": "JWT", "kid": str(self._key.kid)}
        id_token = jwt.encode(header, claims, self._key, algorithms=["RS256"])
        with self._lock:
            self._access_tokens[access_token] = grant.claims
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ID_TOKEN_LIFETIME,
            "scope": grant.scope,
            "id_token": id_token,
        }
        return _Reply(HTTPStatus.OK, json.dumps(body).encode(), headers={"Cache-Control": "no-store"})

    def userinfo(self, authorization: str | None) -> _Reply:
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self._lock:
            claims = self._access_tokens.get(token)
        if claims is None:
            raise OidcError("invalid_token", "unknown access token", HTTPStatus.UNAUTHORIZED)
        return _Reply(HTTPStatus.OK, json.dumps(dict(claims)).encode())

    def logout(self, query: Mapping[str, str]) -> _Reply:
        self.logouts.append(dict(query))
        target = query.get("post_logout_redirect_uri")
        if target:
            return _Reply(HTTPStatus.FOUND, headers={"Location": target})
        return _Reply(HTTPStatus.OK, b"Signed out.", content_type="text/plain; charset=utf-8")


class _Handler(BaseHTTPRequestHandler):
    provider: ClassVar[MockOidcProvider]
    server_version = "MockOIDC/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        provider = self.provider
        parts = urlsplit(self.path)
        query = _single(parse_qs(parts.query))
        record = RecordedRequest(method, parts.path, query)
        provider.requests.append(record)
        try:
            reply = self._route(method, parts.path, query)
        except OidcError as error:
            provider.errors.append(f"{method} {parts.path}: {error}")
            body = json.dumps({"error": error.error, "error_description": error.description}).encode()
            headers = {"WWW-Authenticate": "Basic"} if error.status == HTTPStatus.UNAUTHORIZED else {}
            reply = _Reply(error.status, body, headers=headers)
        record.status = reply.status
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _route(self, method: str, path: str, query: dict[str, str]) -> _Reply:
        provider = self.provider
        if method == "GET" and path == "/.well-known/openid-configuration":
            return _Reply(HTTPStatus.OK, json.dumps(provider.metadata()).encode())
        if method == "GET" and path == "/jwks":
            return _Reply(HTTPStatus.OK, json.dumps(provider.jwks()).encode())
        if method == "GET" and path == "/authorize":
            return provider.authorize(query)
        if method == "POST" and path == "/token":
            return provider.token(self._form(), self.headers.get("Authorization"))
        if path == "/userinfo":
            return provider.userinfo(self.headers.get("Authorization"))
        if method == "GET" and path == "/logout":
            return provider.logout(query)
        raise OidcError("not_found", f"{method} {path} is not an endpoint", HTTPStatus.NOT_FOUND)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        return _single(parse_qs(raw))

    def log_message(self, format: str, *args: Any) -> None:  # the name is the base class's
        """Quiet: requests are recorded in ``provider.requests`` instead of printed."""
