"""Encoding on the wire, driven by type hints (msgspec): call arguments, results and typed errors.

msgspec was chosen over cattrs and pydantic because it (de)serialises the services' existing frozen
dataclasses, UUIDs, Decimals, dates and enums as they are, checks types strictly while decoding, and is
the fastest of the three; nothing is written per call.
"""

from __future__ import annotations

from typing import Any

import msgspec

from desk_app import errors
from desk_app.i18n import _
from desk_app.services.accounts import AuthenticationError


class ErrorBody(msgspec.Struct, frozen=True):
    """A refused call as the server reports it: the error class's name, its translated message and the
    offending field (validation errors)."""

    kind: str
    message: str
    field: str | None = None


class ErrorEnvelope(msgspec.Struct, frozen=True):
    error: ErrorBody


_encoder = msgspec.json.Encoder(decimal_format="string")
_error_decoder = msgspec.json.Decoder(ErrorEnvelope)


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def _subclasses(cls: type[errors.DeskError]) -> list[type[errors.DeskError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


def error_classes() -> dict[str, type[errors.DeskError]]:
    """Every DeskError subclass by class name (the registry imports every service, so all are defined)."""
    return {cls.__name__: cls for cls in _subclasses(errors.DeskError)}


#: HTTP status for each kind of refusal; anything else that is a UserError is 400.
STATUS_OF: dict[type[errors.DeskError], int] = {
    errors.ValidationError: 422,
    errors.PermissionDeniedError: 403,
    errors.NotFoundError: 404,
    errors.StaleVersionError: 409,
    errors.IllegalTransitionError: 409,
    errors.DatabaseUnavailableError: 503,
    errors.ProtocolMismatchError: 426,
    AuthenticationError: 401,
}


def status_for(exc: errors.DeskError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400 if isinstance(exc, errors.UserError) else 500


def error_body(exc: errors.DeskError) -> bytes:
    field = exc.field if isinstance(exc, errors.ValidationError) else None
    return encode(ErrorEnvelope(ErrorBody(type(exc).__name__, str(exc), field)))


def decode_error(body: bytes, status: int) -> errors.DeskError:
    """The exception the server raised, as the same class with the same (already translated) message."""
    try:
        envelope = _error_decoder.decode(body)
    except msgspec.DecodeError:
        return errors.DatabaseUnavailableError(
            _("The desk server gave an answer this app does not understand (HTTP {status}).").format(status=status))
    info = envelope.error
    cls = error_classes().get(info.kind)
    if cls is None:
        cls = errors.UserError if status < 500 else errors.BugError
    if issubclass(cls, errors.ValidationError):
        if cls.__init__ is errors.ValidationError.__init__:
            return cls(info.message, info.field)
        # another constructor (LetterContentError takes the kind and the missing elements): the same class
        # with the message and field as sent, without re-running a constructor meant for the server's side
        exc = cls.__new__(cls)
        errors.ValidationError.__init__(exc, info.message, info.field)
        return exc
    try:
        return cls(info.message)
    except TypeError:  # an error class with another constructor: keep the message and the family
        return errors.UserError(info.message)
