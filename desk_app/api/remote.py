"""The client side of the desk server: use cases over HTTPS with the signed-in user's session token.

httpx is the HTTP client (connection pooling, timeouts, thread-safe ``Client``); the TLS context trusts
only the certificate pinned for this server (``desk_app.api.pinning``). A call sends its arguments,
encoded from the service function's type hints, and the token of the actor it runs as; the actor itself
is never sent, the server reads it from its session.
"""

from __future__ import annotations

import contextlib
import ssl
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Concatenate

import httpx
import msgspec

from desk_app import __version__, i18n
from desk_app.api import wire
from desk_app.api.backend import P, R
from desk_app.api.jobs import (
    JOB_PREFIX,
    MAX_UPLOAD,
    NDJSON,
    BoundJob,
    Done,
    Failed,
    Frame,
    Progress,
    frame_decoder,
    job_for,
    path_decoder,
    upload_too_large,
)
from desk_app.api.messages import Health, SignInRequest, SignInResult
from desk_app.api.pinning import ServerCertificate, normalise_url, pinned_context
from desk_app.api.protocol import API_PREFIX, JSON, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.api.registry import call_for
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.errors import DatabaseUnavailableError, DeskError, ServerIdentityError, ValidationError
from desk_app.files import atomic_path, write_bytes_atomic
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
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code >= 400:
            raise wire.decode_error(response.content, response.status_code)
        return response.content

    def _transport_error(self, exc: httpx.TransportError) -> DatabaseUnavailableError:
        if isinstance(exc, httpx.ConnectError) and (isinstance(exc.__context__, ssl.SSLCertVerificationError)
                                                    or "CERTIFICATE_VERIFY_FAILED" in str(exc)):
            return ServerIdentityError(_(
                "The desk server {server} presented another certificate than the one confirmed on this PC. "
                "Nothing was sent. Ask IT whether the server's certificate was renewed.").format(server=self.url))
        return self._unreachable(exc)

    def _unreachable(self, exc: Exception) -> DatabaseUnavailableError:
        return DatabaseUnavailableError(
            _("The desk server {server} cannot be reached: {error}").format(server=self.url, error=exc) + "\n"
            + _("The last action was not completed. Try again when the connection is back."))

    # --- Backend --------------------------------------------------------------------------------------

    def health(self) -> Health:
        body = self._answer(lambda: self._client.get("/health"))
        return msgspec.json.decode(body, type=Health)

    def sign_in(self, username: str, password: str) -> Actor:
        """Open a session for ``username``. Signing in again as a user this backend already holds a session
        for (unlocking the screen) replaces that session: the old one is closed on the server once the new
        one exists, instead of staying open until it expires."""
        request = SignInRequest(username, password, client=f"complaint-desk/{__version__}")
        result = msgspec.json.decode(self._post("/sign-in", wire.encode(request)), type=SignInResult)
        with self._lock:
            previous = self._tokens.get(result.actor.user_id)
            self._tokens[result.actor.user_id] = result.token
            self._current = result.token
        if previous is not None and previous != result.token:
            with contextlib.suppress(SessionExpiredError):  # it ended meanwhile: nothing left to close
                self._post("/sign-out", b"{}", previous)
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
        job = job_for(fn)
        if job is not None:
            outcome: R = self._job(self._token(actor), job.bind(args, kwargs))
            return outcome
        result: R = self._call(self._token(actor), fn, args, kwargs)
        return result

    def read(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._call(self._token(None), fn, args, kwargs)
        return result

    # --- jobs (desk_app.api.jobs: one streaming request each) -------------------------------------------

    def _job(self, token: str, job: BoundJob) -> Any:
        """Run a job on the server: upload its input file, relay progress, poll the caller's Cancel (closing
        the connection cancels the job there), write its output atomically here."""
        size = 0
        if job.input_file is not None:
            try:
                size = job.input_file.stat().st_size
            except OSError as exc:
                raise ValidationError(_("There is no file {path}.").format(path=job.input_file)) from exc
            if size > MAX_UPLOAD:
                raise upload_too_large(size)
        folder = job.output if job.job.job.output_folder is not None else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        if job.is_cancelled():
            return job.cancel_outcome()
        head = job.head()
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(head) + size),
                   "Accept-Language": i18n.current_language(), "Authorization": f"Bearer {token}",
                   "Accept": NDJSON}

        def body() -> Iterator[bytes]:
            yield head
            if job.input_file is None:
                return
            left = size
            with job.input_file.open("rb") as fh:
                while left > 0 and (chunk := fh.read(min(_CHUNK, left))):
                    if job.is_cancelled():
                        raise _JobCancelled
                    left -= len(chunk)
                    yield chunk

        answered = False
        try:
            with self._client.stream("POST", API_PREFIX + JOB_PREFIX + job.job.name, content=body(),
                                     headers=headers) as response:
                answered = True
                if response.status_code >= 400:
                    raise wire.decode_error(response.read(), response.status_code)
                return self._job_answer(job, _Frames(response.iter_bytes(), self._lost))
        except _JobCancelled:
            return job.cancel_outcome()
        except httpx.TransportError as exc:
            raise (self._lost() if answered else self._transport_error(exc)) from exc

    def _lost(self) -> DatabaseUnavailableError:
        return DatabaseUnavailableError(_(
            "The connection to the desk server {server} was lost before the action finished. It may have been "
            "completed on the server: check before you try again.").format(server=self.url))

    def _job_answer(self, job: BoundJob, frames: _Frames) -> Any:
        def check() -> None:
            if job.is_cancelled():
                raise _JobCancelled

        spec = job.job.job
        while True:
            check()
            frame = frames.frame()
            if isinstance(frame, Progress):
                if job.progress is not None:
                    job.progress(frame.done, frame.total)
            elif isinstance(frame, Failed):
                raise wire.decode_error(bytes(frame.body), frame.status)
            elif isinstance(frame, Done):
                break
        target = job.output
        if target is None:
            return self._result(job, frame, path_decoder(Path()))
        if spec.output_file is not None:
            result = self._result(job, frame, path_decoder(target.parent, target))
            with atomic_path(target) as tmp, tmp.open("wb") as fh:
                frames.copy(frame.size, fh.write, check)
            return result
        result = self._result(job, frame, path_decoder(target))
        with tempfile.TemporaryFile(prefix="desk-job-") as spool:
            frames.copy(frame.size, spool.write, check)
            spool.seek(0)
            _unpack(spool, target)
        return result

    @staticmethod
    def _result(job: BoundJob, frame: Done, dec_hook: Callable[[type, Any], Any]) -> Any:
        try:
            return job.job.call.decode_result(bytes(frame.result), dec_hook=dec_hook)
        except msgspec.DecodeError as exc:
            raise _Frames.not_understood() from exc


class _JobCancelled(Exception):
    """The caller's ``cancelled()`` turned True."""


_CHUNK = 1024 * 1024
#: The longest line a job's answer may have (a dry run's preview of hundreds of rows is well below).
_MAX_LINE = 64 * 1024 * 1024


class _Frames:
    """A job's answer: NDJSON lines, then raw bytes, read from the response's chunks."""

    def __init__(self, chunks: Iterator[bytes], lost: Callable[[], DeskError]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._lost = lost

    def _more(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is None:
            raise self._lost()
        self._buffer += chunk

    def frame(self) -> Frame:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > _MAX_LINE:
                raise self.not_understood()
            self._more()
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        try:
            return frame_decoder.decode(line)
        except msgspec.DecodeError as exc:
            raise self.not_understood() from exc

    def copy(self, size: int, write: Callable[[bytes], object], check: Callable[[], None]) -> None:
        """Pass the next ``size`` bytes to ``write``, calling ``check`` between chunks."""
        left = size
        while left > 0:
            if not self._buffer:
                check()
                self._more()
            piece = bytes(self._buffer[:left])
            del self._buffer[:left]
            write(piece)
            left -= len(piece)

    @staticmethod
    def not_understood() -> DeskError:
        return DatabaseUnavailableError(_("The desk server gave an answer this app does not understand."))


def _unpack(archive_file: IO[bytes], folder: Path) -> None:
    """Each file of a job's zip into ``folder``, all or nothing per file (a full disk is a DiskFullError)."""
    with zipfile.ZipFile(archive_file) as archive:
        decode = path_decoder(folder)
        for info in archive.infolist():
            if not info.is_dir():
                write_bytes_atomic(decode(Path, info.filename), archive.read(info))
