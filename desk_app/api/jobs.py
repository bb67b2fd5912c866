"""Jobs: the long service calls that take a file and progress/cancel callbacks, run on a desk server.

A job is a service function ``fn(db, actor, …)`` like the exposed calls (``desk_app.api.registry``), but
one of its parameters is a file on the client: an input file the server must read (uploaded), or an output
file or folder the server writes (downloaded), and it may take ``progress(done, total)`` and
``cancelled()`` callbacks. ``JOBS`` declares, for each job, which parameter is which; every other parameter
travels as the registry's calls do (a msgspec struct made from the type hints, unknown fields refused).
The GUI and ``desk-cli`` call a job like any use case, ``backend.call(actor, detail_export.export_detail, scope,
path, progress=p, cancelled=c)``; ``RemoteBackend`` sees that it is a job and runs it as below.

One job is ONE streaming HTTP request, so any worker behind any load balancer can serve it and nothing is
kept between requests:

``POST /api/v1/job/{module.function}`` with the session token, protocol and language headers of every call.
    The body is one line, the ``JobRequest`` as JSON (the call's arguments and the input or output file's
    name), a newline, then the input file's bytes (nothing for a job without an input file). The arguments
    travel in the body rather than a header because a batch of letters is more than the 8–16 KiB of
    headers that proxies accept. The body is at most ``MAX_UPLOAD`` bytes of file (a bigger one is refused
    with ``UploadTooLargeError``, HTTP 413; the client checks the size before sending anything).

A refusal before the job has run a moment (protocol, session, unknown job, malformed arguments, a role
without the right) is an ordinary error answer: HTTP 4xx with the typed error body of every call. Otherwise
the answer is HTTP 200, ``application/x-ndjson``: one JSON object a line, told apart by ``type``:

``{"type": "progress", "done": 120, "total": 4000}``
    the service called ``progress``; only the latest is sent, at most ten a second.
``{"type": "alive"}``
    nothing new for half a second (lets the client look at its Cancel button, and the server notice a
    client that has gone).
``{"type": "error", "status": 403, "body": {"error": {…}}}``
    the job failed: ``body`` is the typed error body of every call (``desk_app.api.wire``), raised on the
    client as the same exception class. The last line.
``{"type": "done", "result": …, "size": N}``
    the job's result (encoded from the return type hint; a path in it is relative to the output file's
    folder or the output folder), then exactly N raw bytes: the output file, or for an output folder a
    zip of its files (N is 0 for a job without output). The last line.

Closing the connection cancels the job: the server's ``cancelled()`` then returns True, the service stops
at its next check and rolls back, and the server removes its temporary files (always, whatever happens).
The client raises the error the service raises on a cancel (``OperationCancelled``; a batch of letters
returns its result marked cancelled, as locally). A cancel
that arrives after the service's last check cannot stop it: the work is then done although the client
reports the cancel — as when Cancel is pressed a moment too late on this PC.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePath
from typing import Any

import msgspec

from desk_app.api.registry import Call, Codec, Tagged, _describe, _from_wire, _to_wire, wire_module
from desk_app.documents.content import LetterInputs
from desk_app.domain.enums import LetterKind
from desk_app.errors import BugError, OperationCancelled, UserError, ValidationError
from desk_app.i18n import _
from desk_app.services import attachments, consolidation, detail_export, imports, letters, statistics

#: The largest input file a job takes (a branch export of a few hundred thousand cases fits).
MAX_UPLOAD = 200 * 1024 * 1024
#: The largest first line of a job's body (the arguments).
MAX_ARGUMENTS = 1024 * 1024
JOB_PREFIX = "/job/"
NDJSON = "application/x-ndjson"

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class UploadTooLargeError(UserError):
    """An input file over the desk server's limit (HTTP 413)."""


def upload_too_large(size: int | None = None) -> UploadTooLargeError:
    limit = MAX_UPLOAD // (1024 * 1024)
    if size is None:
        return UploadTooLargeError(_("The file is larger than the desk server accepts ({limit} MiB); nothing was "
                                     "done.").format(limit=limit))
    return UploadTooLargeError(_("The file is {size} MiB, larger than the desk server accepts ({limit} MiB); "
                                 "nothing was sent.").format(size=round(size / (1024 * 1024)), limit=limit))


# --- the wire -------------------------------------------------------------------------------------

class JobRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The first line of a job's body."""

    arguments: msgspec.Raw
    file_name: str = ""


class Progress(msgspec.Struct, frozen=True, tag="progress"):
    done: int
    total: int


class Alive(msgspec.Struct, frozen=True, tag="alive"):
    pass


class Failed(msgspec.Struct, frozen=True, tag="error"):
    status: int
    body: msgspec.Raw


class Done(msgspec.Struct, frozen=True, tag="done"):
    result: msgspec.Raw
    size: int = 0


Frame = Progress | Alive | Failed | Done
frame_decoder = msgspec.json.Decoder(Frame)


def safe_file_name(name: str, fallback: str = "file") -> str:
    """The last part of a client's file name, without any folder (``..``, ``/`` or ``\\`` cannot escape)."""
    printable = "".join(ch for ch in name if ch.isprintable())
    last = PurePath(printable.replace("\\", "/")).name.strip()
    if last in ("", ".", "..") or last.startswith("."):
        last = fallback + (PurePath(last).suffix if last.startswith(".") else "")
    return last[-200:]


def path_encoder(base: Path) -> Callable[[Any], Any]:
    """msgspec ``enc_hook``: a path in a result travels relative to ``base`` (the output's folder on the
    server), never as a server path."""

    def hook(value: Any) -> Any:
        if isinstance(value, PurePath):
            try:
                return Path(value).relative_to(base).as_posix()
            except ValueError:
                return PurePath(value).name
        raise NotImplementedError(f"{type(value).__name__} cannot travel in a job's result")

    return hook


def path_decoder(base: Path, file: Path | None = None) -> Callable[[type, Any], Any]:
    """msgspec ``dec_hook``: a relative path in a result, placed under ``base`` on the client (only plain
    names and sub-folders; a ``..`` is refused). With ``file`` (a job's output file) every path is that file:
    the server wrote it under a name of its own."""

    def hook(kind: type, value: Any) -> Any:
        if isinstance(kind, type) and issubclass(kind, PurePath):
            if not isinstance(value, str):
                raise TypeError(f"Expected a path, got {type(value).__name__}")  # msgspec: a ValidationError
            if file is not None:
                return file
            parts = PurePath(value).parts
            if not parts or any(p in ("..", "/") or "\\" in p for p in parts) or PurePath(value).is_absolute():
                raise ValidationError(_("The desk server named a file outside the chosen folder: {name}").format(
                    name=value))
            return base.joinpath(*parts)
        raise NotImplementedError(f"{kind} cannot travel in a job's result")

    return hook


# --- letters in a batch: ids, due letters and requests in one list --------------------------------------

class _BatchItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One item of ``letters.render_batch``: exactly one of an issued letter's id, a due letter, or a
    request (case, kind and optional inputs, the inputs tagged with their class)."""

    letter_id: uuid.UUID | None = None
    due: letters.DueLetter | None = None
    complaint_id: uuid.UUID | None = None
    kind: LetterKind | None = None
    inputs: Tagged | None = None


def _batch_to_wire(items: Sequence[letters.BatchItem]) -> list[_BatchItem]:
    wired = []
    for item in items:
        if isinstance(item, letters.DueLetter):
            wired.append(_BatchItem(due=item))
        elif isinstance(item, letters.LetterRequest):
            wired.append(_BatchItem(complaint_id=item.complaint_id, kind=item.kind,
                                    inputs=_to_wire(LetterInputs | None, item.inputs)))
        else:
            wired.append(_BatchItem(letter_id=item))
    return wired


def _batch_from_wire(items: list[_BatchItem]) -> list[letters.BatchItem]:
    decoded: list[letters.BatchItem] = []
    for item in items:
        if item.letter_id is not None and item.due is None and item.complaint_id is None:
            decoded.append(item.letter_id)
        elif item.due is not None and item.letter_id is None and item.complaint_id is None:
            decoded.append(item.due)
        elif item.complaint_id is not None and item.kind is not None and item.letter_id is None and item.due is None:
            decoded.append(letters.LetterRequest(item.complaint_id, item.kind,
                                                 _from_wire(LetterInputs | None, item.inputs)))
        else:
            raise ValidationError(_("A letter of the batch is neither an issued letter, a due letter nor a "
                                    "request."), "items")
    return decoded


BATCH_ITEMS = Codec(list[_BatchItem], _batch_to_wire, _batch_from_wire)


# --- the table ------------------------------------------------------------------------------------

def _raise(error: Callable[[], UserError]) -> Callable[[Mapping[str, Any]], Any]:
    def cancel(_arguments: Mapping[str, Any]) -> Any:
        raise error()

    return cancel


def _batch_cancelled(arguments: Mapping[str, Any]) -> letters.BatchResult:
    # The letters issued before the cancel are stored on the server; they are listed as issued and can be
    # saved again (reprinted). Their files did not reach this PC: the zip comes at the end.
    return letters.BatchResult((), (), (), True, len(arguments["items"]))


@dataclass(frozen=True)
class Job:
    """Which parameters of a job's function are its file and its callbacks (None: it has none)."""

    input_file: str | None = None
    """A local file the server reads: uploaded as the body."""
    output_file: str | None = None
    """A local file the server writes: downloaded after the result, written atomically here."""
    output_folder: str | None = None
    """A local folder the server writes files into: downloaded as a zip, each file written atomically."""
    progress: str | None = None
    cancelled: str | None = None
    server_decides: tuple[str, ...] = ()
    """Parameters that do not travel: a client's value is dropped and the server uses the default (server
    paths, worker processes)."""
    codecs: Mapping[str, Codec] = field(default_factory=dict)
    on_cancel: Callable[[Mapping[str, Any]], Any] | None = None
    """What a local call does on a cancel, given the bound arguments: raise the service's error or return its
    cancelled result."""

    @property
    def not_travelling(self) -> tuple[str, ...]:
        named = (self.input_file, self.output_file, self.output_folder, self.progress, self.cancelled)
        return tuple(n for n in named if n is not None) + self.server_decides


#: Every job, by module (a name is ``module.function`` on the wire, as for the exposed calls).
JOBS: dict[Any, dict[str, Job]] = {
    attachments: {"attach_file": Job(input_file="path"), "save_attachment": Job(output_file="path")},
    statistics: {"export_statistics": Job(output_file="path")},
    detail_export: {
        "export_detail": Job(output_file="path", progress="progress", cancelled="cancelled",
                             on_cancel=_raise(lambda: OperationCancelled(
                                 _("The export was cancelled; no file was written.")))),
    },
    imports: {
        "dry_run": Job(input_file="path"),
        "import_file": Job(input_file="path", progress="progress", cancelled="cancelled",
                           on_cancel=_raise(lambda: OperationCancelled(
                               _("The import was cancelled; nothing was imported.")))),
    },
    consolidation: {
        "consolidate": Job(input_file="path", progress="progress", cancelled="cancelled",
                           on_cancel=_raise(lambda: OperationCancelled(
                               _("Consolidation was cancelled; nothing was imported.")))),
    },
    letters: {
        "render_batch": Job(output_folder="out_dir", progress="progress", cancelled="cancelled",
                            server_decides=("templates_dir", "workers"), codecs={"items": BATCH_ITEMS},
                            on_cancel=_batch_cancelled),
    },
}


@dataclass(frozen=True)
class BoundJob:
    """A job call on the client: its encoded arguments, its local file or folder and the caller's callbacks."""

    job: JobCall
    arguments: dict[str, Any]
    body: bytes
    input_file: Path | None
    output: Path | None
    progress: ProgressFn | None
    cancelled: CancelFn | None

    def head(self) -> bytes:
        """The first line of the request body."""
        name = self.input_file or self.output
        request = JobRequest(msgspec.Raw(self.body), name.name if name is not None else "")
        return msgspec.json.encode(request) + b"\n"

    def is_cancelled(self) -> bool:
        return self.cancelled is not None and bool(self.cancelled())

    def cancel_outcome(self) -> Any:
        """The local call's cancel: raises the service's cancel error, or returns its cancelled result."""
        if self.job.job.on_cancel is None:
            raise BugError(f"{self.job.name} cannot be cancelled")
        return self.job.job.on_cancel(self.arguments)


@dataclass(frozen=True)
class JobCall:
    name: str
    job: Job
    call: Call
    """The travelling parameters and the result type, as for an exposed call."""

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> BoundJob:
        """The client's arguments sorted into the file, the callbacks and the rest (encoded)."""
        bound = inspect.signature(self.call.fn).bind(None, None, *args, **kwargs)
        values = dict(list(bound.arguments.items())[2:])
        job = self.job

        def path(name: str | None) -> Path | None:
            return Path(values[name]) if name is not None and values.get(name) is not None else None

        travelling = {k: v for k, v in values.items() if k not in job.not_travelling}
        return BoundJob(self, values, self.call.encode_arguments(travelling), path(job.input_file),
                        path(job.output_file) or path(job.output_folder),
                        values.get(job.progress) if job.progress else None,
                        values.get(job.cancelled) if job.cancelled else None)


def _check(name: str, call: Call, job: Job) -> None:
    parameters = inspect.signature(call.fn).parameters
    missing = [p for p in job.not_travelling if p not in parameters]
    if missing or sum(p is not None for p in (job.input_file, job.output_file, job.output_folder)) > 1:
        raise TypeError(f"the job table's entry for {name} does not match its function ({missing})")


@cache
def job_calls() -> dict[str, JobCall]:
    """Every job by wire name."""
    table: dict[str, JobCall] = {}
    for module, jobs in JOBS.items():
        for function_name, job in jobs.items():
            call = _describe(wire_module(module), getattr(module, function_name), skip=job.not_travelling,
                             codecs=job.codecs)
            _check(call.name, call, job)
            table[call.name] = JobCall(call.name, job, call)
    return table


@cache
def _by_function() -> dict[Callable[..., Any], JobCall]:
    return {job.call.fn: job for job in job_calls().values()}


def job_for(fn: Callable[..., Any]) -> JobCall | None:
    """The job of a service function, or None when it is an ordinary call."""
    return _by_function().get(fn)
