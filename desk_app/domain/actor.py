"""Who is acting: passed to every service call that changes or reads protected data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from desk_app.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    username: str
    display_name: str
    role: Role
    branch_id: uuid.UUID
    branch_code: str
    is_hq: bool = False
