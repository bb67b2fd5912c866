"""Typed errors: the user's problem (UserError and subclasses) versus our bug (BugError).

Every message is already translated when raised, so a presenter can show ``str(exc)`` as it is.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error the core raises on purpose."""


class UserError(DeskError):
    """A condition the user can understand and act on (bad input, a conflict, a missing record)."""


class ValidationError(UserError):
    """Input that breaks a rule; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownCodeError(ValidationError):
    """A reference code (taxonomy, request kind, resolution type…) that does not exist or is retired."""


class IllegalTransitionError(UserError):
    """A workflow move that the state machine does not allow from the current state."""


class StaleVersionError(UserError):
    """Optimistic-locking conflict: someone else saved the record since it was read."""


class NotFoundError(UserError):
    """A record that does not exist (or that the user may not see)."""


class PermissionDeniedError(UserError):
    """The user's role or branch does not allow the action."""


class OperationCancelled(UserError):
    """The user cancelled a long operation (an export, an import, consolidation, demo data); its message says
    what was left undone (no file written, nothing imported or added)."""


class DiskFullError(UserError):
    """A file could not be written because its disk is full (nothing was left under the requested name)."""


class DatabaseUnavailableError(UserError):
    """The database cannot be reached, is not a database, or is on a schema this client does not match."""


class ProtocolMismatchError(UserError):
    """The app and the desk server speak different protocol versions: one of them must be updated."""


class ServerIdentityError(DatabaseUnavailableError):
    """The desk server presented another certificate than the one pinned on this PC."""


class BugError(DeskError):
    """A condition that should never happen: a defect in the program."""
