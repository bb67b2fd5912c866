"""The bodies of the desk server's own endpoints (sign-in, sign-out, health): typed msgspec structs."""

from __future__ import annotations

from datetime import datetime

import msgspec

from desk_app.domain.actor import Actor


class SignInRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    username: str
    password: str
    client: str = ""


class SignInResult(msgspec.Struct, frozen=True):
    token: str
    actor: Actor
    expires_at: datetime


class Health(msgspec.Struct, frozen=True):
    status: str
    protocol: int
    version: str
    schema: str | None
