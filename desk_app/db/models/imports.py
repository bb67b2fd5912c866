"""Imports: saved column mappings for branch registers, and a record of every import and consolidation;
plus the indexes the reports need on cases and their outcomes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, Timestamps, UuidPk, Versioned
from desk_app.db.models.complaints import Complaint
from desk_app.db.models.records import Callback, Resolution, RootCause
from desk_app.db.types import UTCDateTime, utcnow


class ImportMapping(UuidPk, Timestamps, Versioned, Base):
    """How the columns and values of one kind of branch register map onto cases (see services.imports)."""

    __tablename__ = "import_mappings"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)


class ImportBatch(UuidPk, Base):
    """One import of a file (migration) or consolidation of a branch export, with its outcome."""

    __tablename__ = "import_batches"

    kind: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Indexes for the reports (desk_app.services.statistics).
# Repeat complaints: for each case of a period, did its customer complain before? One probe per case.
Index("ix_complaints_customer_received", Complaint.customer_id, Complaint.received_at)
# The statistics (desk_app.services.statistics) read each branch's cases of a period from this covering
# index (branch first, so a branch's period is one range and no other branch is read) instead of the
# wide case rows; every column they count by is in it. Replaces ix_complaints_report (0004, period
# first), which made SQLite read every branch's rows and sort them for each GROUP BY (migration 0006).
Index("ix_complaints_branch_report", Complaint.branch_id, Complaint.received_at, Complaint.channel,
      Complaint.severity, Complaint.status, Complaint.due_on, Complaint.responded_at, Complaint.first_contact_at,
      Complaint.customer_id, Complaint.axis_a, Complaint.axis_b, Complaint.axis_c, Complaint.axis_d,
      Complaint.flag_irrational, Complaint.flag_group, Complaint.flag_media, Complaint.flag_regulator,
      Complaint.flag_litigation)
# Resolutions, callbacks and root causes are read in case-id order from their own covering indexes, and
# each is matched to its case's branch, receipt time and status (merged duplicates are left out, migration
# 0017) here: one narrow probe, no read of the case row.
Index("ix_complaints_id_branch_received", Complaint.id, Complaint.branch_id, Complaint.received_at,
      Complaint.status)
Index("ix_resolutions_outcome", Resolution.complaint_id, Resolution.approval_state, Resolution.upheld,
      Resolution.amount)
Index("ix_callbacks_score", Callback.complaint_id, Callback.satisfaction, Callback.called_at, Callback.id)
Index("ix_root_causes_cause", RootCause.complaint_id, RootCause.level, RootCause.cause_code)
