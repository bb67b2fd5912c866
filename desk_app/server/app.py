"""The desk server's HTTP application (Starlette): health, sign-in, sign-out and the use-case calls.

Starlette was chosen over FastAPI because the API's types are already declared by the service functions
and their dataclasses (``desk_app.api.registry``); FastAPI's pydantic models would declare them a second
time. Every request is answered in the caller's language (``Accept-Language``); every call checks the
protocol version, resolves the bearer token to the user as the database says now, and runs the service
in a worker thread. Logs are JSON lines with ids, call names and timings, never personal data.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk_app import __version__, i18n
from desk_app.api import wire
from desk_app.api.jobs import JOB_PREFIX
from desk_app.api.messages import Health, SignInRequest, SignInResult
from desk_app.api.protocol import API_PREFIX, JSON, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.api.registry import calls
from desk_app.db.migrate import schema_state
from desk_app.db.uow import Database
from desk_app.errors import DeskError, ProtocolMismatchError, UserError, ValidationError
from desk_app.i18n import _
from desk_app.services import sessions
from desk_app.services.sessions import SessionExpiredError, SessionLimits

log = logging.getLogger("desk_server")
T = TypeVar("T")
#: Requests larger than this are refused before they are read (uploads are jobs with their own limit).
MAX_BODY = 16 * 1024 * 1024


class RequestTooLarge(UserError):
    """A request body over MAX_BODY."""


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=JSON)


def _language(request: Request) -> str:
    wanted = request.headers.get("accept-language", "")
    for part in wanted.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag in i18n.LANGUAGES:
            return tag
        if tag.lower().startswith("zh"):
            return "zh_CN"
        if tag.lower().startswith("en"):
            return "en"
    return i18n.DEFAULT_LANGUAGE


def _check_protocol(request: Request) -> None:
    raw = request.headers.get(PROTOCOL_HEADER, "")
    version = int(raw) if raw.isdigit() else 0
    if version < PROTOCOL_VERSION:
        raise ProtocolMismatchError(_(
            "This app is older than the desk server (protocol {client}, server {server}). "
            "Update the app on this PC to go on.").format(client=version, server=PROTOCOL_VERSION))
    if version > PROTOCOL_VERSION:
        raise ProtocolMismatchError(_(
            "The desk server is older than this app (protocol {server}, app {client}). "
            "Ask IT to update the desk server.").format(client=version, server=PROTOCOL_VERSION))


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SessionExpiredError(_("Please sign in first."))
    return token.strip()


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise RequestTooLarge(_("The request is too large."))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise RequestTooLarge(_("The request is too large."))
    return body


def _refusal(exc: Exception, language: str, event: str, started: float) -> tuple[bytes, int]:
    """The error body and HTTP status answering ``exc`` in the caller's language, logged: a DeskError as
    itself; anything else, a defect, as an incident number (the log has the place, never values)."""
    if isinstance(exc, DeskError):
        with i18n.request_language(language):
            body, status = wire.error_body(exc), wire.status_for(exc)
        log.info("refused", extra={"event": event, "status": status, "error": type(exc).__name__,
                                   "ms": round((time.perf_counter() - started) * 1000, 1)})
        return body, status
    incident = uuid.uuid4().hex[:12]
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in traceback.extract_tb(exc.__traceback__)]
    log.error("failed", extra={"event": event, "status": 500, "error": type(exc).__name__,
                               "incident": incident, "where": frames[-6:]})
    with i18n.request_language(language):
        message = _("The desk server could not complete this action (incident {incident}). "
                    "Nothing was changed. Tell IT the incident number.").format(incident=incident)
    return wire.error_body(DeskError(message)), 500


class DeskServer:
    """The endpoints, bound to one database and the session limits."""

    def __init__(self, db: Database, limits: SessionLimits) -> None:
        self.db = db
        self.limits = limits

    async def _run(self, request: Request, event: str, work: Callable[[], T]) -> tuple[T | None, Response | None]:
        """Run ``work`` in a worker thread in the caller's language; a DeskError becomes its wire answer."""
        language = _language(request)
        started = time.perf_counter()

        def in_language() -> T:
            with i18n.request_language(language):
                return work()

        try:
            with i18n.request_language(language):
                _check_protocol(request)
            result = await run_in_threadpool(in_language)
        except Exception as exc:
            body, status = _refusal(exc, language, event, started)
            return None, _json(body, status)
        log.info("ok", extra={"event": event, "status": 200,
                              "ms": round((time.perf_counter() - started) * 1000, 1)})
        return result, None

    async def health(self, request: Request) -> Response:
        state = await run_in_threadpool(schema_state, self.db.engine)
        return _json(wire.encode(Health("ok", PROTOCOL_VERSION, __version__, state.current)))

    async def sign_in(self, request: Request) -> Response:
        def work() -> SignInResult:
            try:
                data = msgspec.json.decode(body, type=SignInRequest)
            except msgspec.DecodeError as exc:
                raise ValidationError(_("The sign-in request is malformed: {error}").format(error=exc)) from exc
            signed = sessions.open_session(self.db, data.username, data.password, self.limits,
                                           client=data.client or request.headers.get("user-agent", ""))
            return SignInResult(signed.token, signed.actor, signed.expires_at)

        try:
            body = await _body(request)
        except RequestTooLarge as exc:
            return _json(wire.error_body(exc), 413)
        result, refused = await self._run(request, "sign_in", work)
        return refused or _json(wire.encode(result))

    async def sign_out(self, request: Request) -> Response:
        _done, refused = await self._run(
            request, "sign_out", lambda: sessions.close_session(self.db, _bearer(request), self.limits))
        return refused or _json(b"{}")

    async def call(self, request: Request) -> Response:
        name = request.path_params["name"]

        def work() -> bytes:
            entry = calls().get(name)
            actor = sessions.actor_for_token(self.db, _bearer(request), self.limits)
            if entry is None:
                raise ValidationError(_("The desk server does not offer this action: {name}.").format(name=name))
            try:
                arguments = entry.decode_params(body)
            except msgspec.DecodeError as exc:
                raise ValidationError(_("The request is malformed: {error}").format(error=exc)) from exc
            return entry.encode_result(entry.invoke(self.db, actor, arguments))

        try:
            body = await _body(request)
        except RequestTooLarge as exc:
            return _json(wire.error_body(exc), 413)
        result, refused = await self._run(request, name, work)
        return refused or _json(result or b"null")

    def routes(self) -> list[Route]:
        return [
            Route("/health", self.health, methods=["GET"]),
            Route(f"{API_PREFIX}/sign-in", self.sign_in, methods=["POST"]),
            Route(f"{API_PREFIX}/sign-out", self.sign_out, methods=["POST"]),
            Route(f"{API_PREFIX}/call/{{name}}", self.call, methods=["POST"]),
            Route(f"{API_PREFIX}{JOB_PREFIX}{{name}}", self.job, methods=["POST"]),
        ]

    async def job(self, request: Request) -> Response:
        """A long call with a file, streamed (``desk_app.server.jobs``)."""
        from desk_app.server.jobs import JobResponse

        return JobResponse(self, request)


def create_app(db: Database, limits: SessionLimits) -> Starlette:
    return Starlette(routes=DeskServer(db, limits).routes())


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, message and the structured fields a record carries."""

    FIELDS = ("event", "status", "error", "ms", "incident", "where", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                                 "logger": record.name, "msg": record.getMessage()}
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        return msgspec.json.encode(entry).decode()
