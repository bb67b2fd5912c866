"""The client side of the desk server: use cases over HTTPS with the signed-in user's session token.

httpx is the HTTP client (connection pooling, timeouts, thread-safe ``Client``); the TLS context trusts
only the certificate pinned for this server (``desk_app.api.pinning``). A call sends its arguments,
encoded from the service function's type hints, and the token of the actor it runs as; the actor itself
is never sent, the server reads it from its session.
"""

from __future__ import annotations

import ssl
import threading
import uuid
from collections.abc import Callable
from typing import Any, Concatenate

import httpx
import msgspec

from desk_app import __version__, i18n
from desk_app.api import wire
from desk_app.api.backend import P, R
from desk_app.api.messages import Health, SignInRequest, SignInResult
from desk_app.api.pinning import ServerCertificate, normalise_url, pinned_context
from desk_app.api.protocol import API_PREFIX, JSON, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.api.registry import call_for
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.errors import DatabaseUnavailableError, ServerIdentityError
from desk_app.i18n import _
from desk_app.services.sessions import SessionExpiredError


class RemoteBackend:
    """Use cases on a desk server. One instance per server; it may hold several users' sessions (switch
    user keeps nothing of the previous one once it signs out)."""

    def __init__(self, url: str, certificate: ServerCertificate, *, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = normalise_url(url)
        self.certificate = certificate
        self._client = httpx.Client(
            base_url=self.url, verify=pinned_context(certificate), timeout=timeout, transport=transport,
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "User-Agent": f"complaint-desk/{__version__}"})
        self._tokens: dict[uuid.UUID, str] = {}
        self._current: str | None = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self.url

    def close(self) -> None:
        self._client.close()

    # --- transport ------------------------------------------------------------------------------------

    def _post(self, path: str, body: bytes, token: str | None = None) -> bytes:
        headers = {"Content-Type": JSON, "Accept-Language": i18n.current_language()}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self._answer(lambda: self._client.post(API_PREFIX + path, content=body, headers=headers))

    def _answer(self, send: Callable[[], httpx.Response]) -> bytes:
        try:
            response = send()
        except httpx.ConnectError as exc:
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise ServerIdentityError(_(
                    "The desk server {server} presented another certificate than the one confirmed on this PC. "
                    "Nothing was sent. Ask IT whether the server's certificate was renewed.").format(
                        server=self.url)) from exc
            raise self._unreachable(exc) from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            raise wire.decode_error(response.content, response.status_code)
        return response.content

    def _unreachable(self, exc: Exception) -> DatabaseUnavailableError:
        return DatabaseUnavailableError(
            _("The desk server {server} cannot be reached: {error}").format(server=self.url, error=exc) + "\n"
            + _("The last action was not completed. Try again when the connection is back."))

    # --- Backend --------------------------------------------------------------------------------------

    def health(self) -> Health:
        body = self._answer(lambda: self._client.get("/health"))
        return msgspec.json.decode(body, type=Health)

    def sign_in(self, username: str, password: str) -> Actor:
        request = SignInRequest(username, password, client=f"complaint-desk/{__version__}")
        result = msgspec.json.decode(self._post("/sign-in", wire.encode(request)), type=SignInResult)
        with self._lock:
            self._tokens[result.actor.user_id] = result.token
            self._current = result.token
        return result.actor

    def sign_out(self, actor: Actor) -> None:
        with self._lock:
            token = self._tokens.pop(actor.user_id, None)
            if token == self._current:
                self._current = None
        if token is not None:
            self._post("/sign-out", b"{}", token)

    def _token(self, actor: Actor | None) -> str:
        with self._lock:
            token = self._current if actor is None else self._tokens.get(actor.user_id)
        if token is None:
            raise SessionExpiredError(_("Your session has ended. Please sign in again."))
        return token

    def _call(self, token: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = call_for(fn)
        body = self._post(f"/call/{call.name}", call.encode_params(args, kwargs), token)
        return call.decode_result(body)

    def call(self, actor: Actor, fn: Callable[Concatenate[Database, Actor, P], R], /,
             *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._call(self._token(actor), fn, args, kwargs)
        return result

    def read(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._call(self._token(None), fn, args, kwargs)
        return result
