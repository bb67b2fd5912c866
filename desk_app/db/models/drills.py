"""Practice drills (模拟演练): a trainee's play of a scripted scenario and the moves picked at each step.

These tables are written only in a practice database (``database_facts.purpose = practice``, see
``desk_app.services.practice``); a real database has them, empty. The trainee is stored by id and name,
without a foreign key: the trainee signs in to the real database, not to the practice one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class PracticeDrill(UuidPk, Base):
    """One play of a scenario; the guesses and the score are set when it is finished."""

    __tablename__ = "practice_drills"

    scenario_key: Mapped[str] = mapped_column(String(80))
    scenario_version: Mapped[int] = mapped_column(Integer)
    trainee_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    trainee_name: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    type_guess: Mapped[str | None] = mapped_column(String(20), nullable=True)
    demand_guess: Mapped[str | None] = mapped_column(String(60), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    final_mood: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PracticeDrillStep(UuidPk, Base):
    """The moves picked at one of the six steps, and the customer's mood after them."""

    __tablename__ = "practice_drill_steps"

    drill_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("practice_drills.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    moves: Mapped[list[str]] = mapped_column(JSON, default=list)
    mood_after: Mapped[int] = mapped_column(Integer)
    played_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("drill_id", "position"),)
