"""The desk server's side of jobs: one streaming request per job (the framing is in ``desk_app.api.jobs``).

A job request is checked as every call is (protocol, session → the user as the database says now, language;
the helpers of ``desk_app.server.app``), its input file is written to a private temporary folder, and the
service runs in a worker thread with a ``progress`` callback that records the latest figures and a
``cancelled`` callback that turns True once the client has gone. The answer streams NDJSON lines, polled ten
times a second from what the worker recorded, then the result and the output's bytes. Nothing is kept
between requests: any worker of any host can serve any job. The temporary folder is removed when the
request ends, however it ends (after the worker thread has stopped).

A refusal found before the body is read (protocol, session, unknown job, malformed arguments) is answered
after reading and discarding the body up to the limit, so that the client, which sends its whole body before
it reads the answer, gets the answer rather than a reset connection.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from desk_app import i18n
from desk_app.api.jobs import (
    MAX_ARGUMENTS,
    MAX_UPLOAD,
    NDJSON,
    Alive,
    Done,
    Failed,
    JobCall,
    JobRequest,
    Progress,
    job_calls,
    path_encoder,
    safe_file_name,
    upload_too_large,
)
from desk_app.domain.actor import Actor
from desk_app.errors import BugError, DiskFullError, ValidationError
from desk_app.files import DISK_FULL_ERRNOS
from desk_app.i18n import _
from desk_app.server.app import _bearer, _check_protocol, _json, _language, _refusal, log
from desk_app.services import sessions

if TYPE_CHECKING:
    from desk_app.server.app import DeskServer

#: How often the stream looks at what the worker recorded, and how long it stays silent at most.
POLL = 0.1
HEARTBEAT = 0.5
#: How long a job may run before the 200 answer starts: a refusal within it is an ordinary error answer.
FIRST_WAIT = 1.0
CHUNK = 1024 * 1024
#: Where each job's temporary folder is made (None: the system's temporary folder).
TEMP_ROOT: Path | None = None


class _ClientGone(Exception):
    """The client closed the connection."""


@dataclass(frozen=True)
class _Outcome:
    result: bytes = b""
    output: Path | None = None
    size: int = 0
    error: tuple[bytes, int] | None = None


class _State:
    """What the worker thread and the stream share."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: tuple[int, int] | None = None
        self.cancel = threading.Event()
        self.outcome: _Outcome | None = None

    def report(self, done: int, total: int) -> None:
        with self._lock:
            self._progress = (int(done), int(total))

    @property
    def progress(self) -> tuple[int, int] | None:
        with self._lock:
            return self._progress

    def cancelled(self) -> bool:
        return self.cancel.is_set()


def _line(frame: msgspec.Struct) -> bytes:
    return msgspec.json.encode(frame) + b"\n"


def _disk_full() -> DiskFullError:
    return DiskFullError(_("The desk server has no room for this file; nothing was done. Tell IT."))


class JobResponse(Response):
    """Serves one job: an ASGI response that reads the upload, runs the job and streams its answer."""

    def __init__(self, server: DeskServer, request: Request) -> None:
        super().__init__()
        self.server = server
        self.request = request
        self.name = str(request.path_params["name"])
        self.language = _language(request)
        self.started = time.perf_counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="desk-job-", dir=TEMP_ROOT))
        try:
            with i18n.request_language(self.language):  # this task's context, and the threads it starts
                await self._serve(workdir, receive, send)
        except _ClientGone:
            log.info("client gone", extra={"event": self.name,
                                           "ms": round((time.perf_counter() - self.started) * 1000, 1)})
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    # --- before the job -------------------------------------------------------------------------------

    def _in_language(self, work: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with i18n.request_language(self.language):
                return work()

        return run

    def _session(self) -> tuple[Actor, JobCall]:
        _check_protocol(self.request)
        actor = sessions.actor_for_token(self.server.db, _bearer(self.request), self.server.limits)
        job = job_calls().get(self.name)
        if job is None:
            raise ValidationError(_("The desk server does not offer this action: {name}.").format(name=self.name))
        return actor, job

    async def _refuse(self, exc: Exception, body: _Body, send: Send) -> None:
        answer, status = _refusal(exc, self.language, self.name, self.started)
        await body.drain()
        await _json(answer, status)(self.request.scope, _no_receive, send)

    async def _serve(self, workdir: Path, receive: Receive, send: Send) -> None:
        body = _Body(receive)
        try:
            actor, job = await run_in_threadpool(self._in_language(self._session))
        except Exception as exc:
            await self._refuse(exc, body, send)
            return
        declared = self.request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPLOAD + MAX_ARGUMENTS:
            await self._refuse_too_large(upload_too_large(), send)
            return
        chunks = body.chunks()
        try:
            head, rest = await _first_line(chunks)
            request = msgspec.json.decode(head, type=JobRequest)
            arguments = job.call.decode_params(request.arguments)
        except (msgspec.DecodeError, ValidationError) as exc:
            await self._refuse(exc if isinstance(exc, ValidationError) else ValidationError(
                _("The request is malformed: {error}").format(error=exc)), body, send)
            return
        spec = job.job
        file_name = safe_file_name(request.file_name, "upload" if spec.input_file else "output")
        if spec.input_file is not None:
            arguments[spec.input_file] = path = workdir / file_name
            try:
                await _receive_file(chunks, rest, path)
            except _TooLarge:
                await self._refuse_too_large(upload_too_large(), send)
                return
            except OSError as exc:
                await self._refuse(_disk_full() if exc.errno in DISK_FULL_ERRNOS else exc, body, send)
                return
        elif rest or await _has_more(chunks):
            await self._refuse(ValidationError(_("This action takes no file.")), body, send)
            return
        base = workdir
        if spec.output_file is not None:
            arguments[spec.output_file] = workdir / file_name
        if spec.output_folder is not None:
            arguments[spec.output_folder] = base = workdir / "output"
            base.mkdir()
        await self._run(job, actor, arguments, workdir, base, receive, send)

    async def _refuse_too_large(self, error: Exception, send: Send) -> None:
        body, _status = _refusal(error, self.language, self.name, self.started)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    # --- the job ----------------------------------------------------------------------------------------

    def _work(self, job: JobCall, actor: Actor, arguments: dict[str, Any], workdir: Path, base: Path,
              state: _State) -> _Outcome:
        spec = job.job
        if spec.progress is not None:
            arguments[spec.progress] = state.report
        if spec.cancelled is not None:
            arguments[spec.cancelled] = state.cancelled
        with i18n.request_language(self.language):
            try:
                result = job.call.invoke(self.server.db, actor, arguments)
                output: Path | None = None
                if spec.output_file is not None:
                    output = arguments[spec.output_file]
                    if not output.is_file():
                        raise BugError(f"{job.name} wrote no file")
                elif spec.output_folder is not None:
                    output = _zip_folder(base, workdir / "output.zip")
                body = job.call.encode_result(result, enc_hook=path_encoder(base))
            except Exception as exc:
                return _Outcome(error=_refusal(exc, self.language, self.name, self.started))
        log.info("ok", extra={"event": self.name, "status": 200,
                              "ms": round((time.perf_counter() - self.started) * 1000, 1)})
        return _Outcome(body, output, output.stat().st_size if output is not None else 0)

    async def _run(self, job: JobCall, actor: Actor, arguments: dict[str, Any], workdir: Path, base: Path,
                   receive: Receive, send: Send) -> None:
        state = _State()

        async def work() -> None:
            state.outcome = await anyio.to_thread.run_sync(self._work, job, actor, arguments, workdir, base, state)

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            state.cancel.set()

        gone = False
        async with anyio.create_task_group() as group:
            group.start_soon(work)
            group.start_soon(watch)
            try:
                await self._stream(state, send)
            except _ClientGone:
                gone = True
            finally:
                state.cancel.set()  # the client has gone, or everything was sent: stop the worker if it runs
                group.cancel_scope.cancel()  # stops the watcher; the worker's thread is waited for
        if gone:
            raise _ClientGone

    async def _stream(self, state: _State, send: Send) -> None:
        deadline = time.monotonic() + FIRST_WAIT
        started = False
        sent: tuple[int, int] | None = None
        last = time.monotonic()
        while True:
            outcome = state.outcome
            if outcome is None and state.cancel.is_set():
                raise _ClientGone
            if not started:
                if outcome is not None and outcome.error is not None:
                    body, status = outcome.error
                    await _json(body, status)(self.request.scope, _no_receive, send)
                    return
                if outcome is None and state.progress is None and time.monotonic() < deadline:
                    await anyio.sleep(POLL)
                    continue
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", NDJSON.encode()), (b"cache-control", b"no-store")]})
                started = True
            progress = state.progress
            if progress is not None and progress != sent:
                await _send(send, state, _line(Progress(*progress)))
                sent, last = progress, time.monotonic()
            elif outcome is None and time.monotonic() - last >= HEARTBEAT:
                await _send(send, state, _line(Alive()))
                last = time.monotonic()
            if outcome is not None:
                await self._finish(outcome, state, send)
                return
            await anyio.sleep(POLL)

    async def _finish(self, outcome: _Outcome, state: _State, send: Send) -> None:
        if outcome.error is not None:
            body, status = outcome.error
            await _send(send, state, _line(Failed(status, msgspec.Raw(body))))
        else:
            await _send(send, state, _line(Done(msgspec.Raw(outcome.result), outcome.size)))
            if outcome.output is not None:
                with outcome.output.open("rb") as fh:
                    while chunk := await anyio.to_thread.run_sync(fh.read, CHUNK):
                        await _send(send, state, chunk)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


# --- helpers ------------------------------------------------------------------------------------------

class _TooLarge(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _send(send: Send, state: _State, data: bytes) -> None:
    if state.cancel.is_set():
        raise _ClientGone
    try:
        await send({"type": "http.response.body", "body": data, "more_body": True})
    except OSError as exc:
        state.cancel.set()
        raise _ClientGone from exc


class _Body:
    """The request body's chunks as they arrive (_ClientGone when the client closes the connection)."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.finished = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.finished:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            self.finished = not message.get("more_body", False)
            chunk = message.get("body", b"")
            if chunk:
                yield chunk

    async def drain(self) -> None:
        """Read and drop the rest (up to the upload limit), so that the client can read the answer."""
        size = 0
        try:
            async for chunk in self.chunks():
                size += len(chunk)
                if size > MAX_UPLOAD + MAX_ARGUMENTS:
                    return
        except _ClientGone:
            return


async def _first_line(chunks: AsyncIterator[bytes]) -> tuple[bytes, bytes]:
    """The first line of the body (the JobRequest) and what followed it in the same chunk."""
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        line, newline, rest = head.partition(b"\n")
        if newline:
            return bytes(line), bytes(rest)
        if len(head) > MAX_ARGUMENTS:
            break
    raise ValidationError(_("The request is malformed: {error}").format(error=_("no arguments line")))


async def _has_more(chunks: AsyncIterator[bytes]) -> bool:
    async for _chunk in chunks:
        return True
    return False


async def _receive_file(chunks: AsyncIterator[bytes], first: bytes, path: Path) -> None:
    """Write the rest of the body to ``path`` (at most MAX_UPLOAD bytes), a megabyte at a time off the loop."""
    size = len(first)
    pending = bytearray(first)
    with path.open("wb") as fh:
        async for chunk in chunks:
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise _TooLarge
            pending += chunk
            if len(pending) >= CHUNK:
                await anyio.to_thread.run_sync(fh.write, bytes(pending))
                pending.clear()
        if size > MAX_UPLOAD:
            raise _TooLarge
        await anyio.to_thread.run_sync(fh.write, bytes(pending))


def _zip_folder(folder: Path, target: Path) -> Path:
    """The files of ``folder`` (not hidden ones: files still being written) in a zip, stored as they are
    (PDFs are compressed already)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                archive.write(path, relative.as_posix())
    return target

