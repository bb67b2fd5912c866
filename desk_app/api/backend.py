"""The one interface through which the GUI and the command line call use cases.

``call(actor, fn, …)`` runs a service function ``fn(db, actor, …)`` as the signed-in ``actor``;
``read(fn, …)`` runs a reference read ``fn(db, …)``. ``LocalBackend`` calls the function in this process
on the local database; ``RemoteBackend`` (``desk_app.api.remote``) sends the call to the desk server with
the actor's session token, never the actor itself: there the server decides who is calling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

from desk_app.domain.actor import Actor
from desk_app.domain.validation import reject_control_characters_in

if TYPE_CHECKING:  # SQLAlchemy, the models and the password hash: loaded with the first LocalBackend (start-up)
    from desk_app.db.uow import Database

P = ParamSpec("P")
R = TypeVar("R")


class Backend(Protocol):
    """Where use cases run: this process (LocalBackend) or a desk server (RemoteBackend)."""

    @property
    def label(self) -> str:
        """Where the data is, for the status bar (a file path or the server's address)."""
        ...

    def sign_in(self, username: str, password: str) -> Actor: ...

    def sign_out(self, actor: Actor) -> None: ...

    def call(self, actor: Actor, fn: Callable[Concatenate[Database, Actor, P], R], /,
             *args: P.args, **kwargs: P.kwargs) -> R: ...

    def read(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...


class LocalBackend:
    """In-process services on the local database (this PC: one user at the keyboard, an owner-only file)."""

    def __init__(self, db: Database, label: str = "") -> None:
        from desk_app.services import integrity

        self.db = db
        self._label = label or db.engine.url.render_as_string(hide_password=True)
        integrity.rekey_if_needed(db)  # a file from before 0011: its chains get the chain key, once

    @property
    def label(self) -> str:
        return self._label

    def sign_in(self, username: str, password: str) -> Actor:
        from desk_app.services import anchors
        from desk_app.services.accounts import authenticate

        actor = authenticate(self.db, username, password)
        anchors.anchor_soon(self.db)  # the daily chain heads outside the database
        return actor

    def sign_out(self, actor: Actor) -> None:
        """Nothing to end on this PC but the audit entry: the window forgets the actor."""
        from desk_app.services import accounts

        accounts.sign_out(self.db, actor)

    def call(self, actor: Actor, fn: Callable[Concatenate[Database, Actor, P], R], /,
             *args: P.args, **kwargs: P.kwargs) -> R:
        reject_control_characters_in((args, kwargs))  # as the desk server does when it decodes a call
        return fn(self.db, actor, *args, **kwargs)

    def read(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        reject_control_characters_in((args, kwargs))
        return fn(self.db, *args, **kwargs)
