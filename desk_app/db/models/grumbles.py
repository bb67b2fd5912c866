"""The grumble log (抱怨登记) and the opportunities (投诉经营) that cases and grumbles carry."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class Grumble(UuidPk, Base):
    """Dissatisfaction settled (or not) on the spot: no case number and no statutory clock. ``complaint_id``
    is set when it was turned into a formal complaint."""

    __tablename__ = "grumbles"

    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(20))
    axis_b: Mapped[str] = mapped_column(String(12))
    axis_c: Mapped[str] = mapped_column(String(12))
    #: What the customer was unhappy about, in a few words (optional).
    remark: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text)
    settled: Mapped[bool] = mapped_column(Boolean)
    customer_name: Mapped[str] = mapped_column(String(100), default="")
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), nullable=True,
                                                          unique=True)

    __table_args__ = (
        Index("ix_grumbles_branch_recorded", "branch_id", "recorded_at"),
        Index("ix_grumbles_recorded_at", "recorded_at"),
    )


class Opportunity(UuidPk, Base):
    """A suggestion or business opportunity heard in a case or a grumble (exactly one of the two)."""

    __tablename__ = "opportunities"

    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"))
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), nullable=True,
                                                          index=True)
    grumble_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("grumbles.id"), nullable=True,
                                                        index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: The product: a B axis (business type) code.
    product: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
