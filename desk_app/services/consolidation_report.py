"""What consolidation found and did: the report shown to the user (and returned by a dry run)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from desk_app.i18n import _


@dataclass(frozen=True)
class Conflict:
    case_number: str
    complaint_id: uuid.UUID
    reason: str
    hq_version: int
    hq_updated_at: datetime
    branch_version: int
    branch_updated_at: datetime


@dataclass
class ConsolidationReport:
    source: str
    source_kind: str
    dry_run: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    hq_newer: int = 0
    branches_created: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    records_written: dict[str, int] = field(default_factory=dict)
    grumbles_new: int = 0
    grumbles_unlinked: int = 0
    """New grumbles whose complaint is neither in the file nor at headquarters (taken without the link)."""
    opportunities_new: int = 0

    @property
    def imported(self) -> bool:
        return not self.dry_run and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        lines = [_("Source: {source} ({kind}){dry}").format(
            source=self.source, kind=self.source_kind, dry=_(" — dry run, nothing written") if self.dry_run else "")]
        if self.manifest:
            lines.append(_("Exported {at} by {user}; branches {branches}; personal data {pd}.").format(
                at=self.manifest.get("exported_at", "?"), user=self.manifest.get("exported_by", "?"),
                branches=self.manifest.get("branches", "?"), pd=self.manifest.get("personal_data", "?")))
        if self.problems:
            lines.append(_("The file failed validation; nothing was imported ({n} problems):").format(
                n=len(self.problems)))
            lines += [f"  - {p}" for p in self.problems]
            return "\n".join(lines)
        lines.append(_("Cases: {ins} new, {upd} updated, {same} unchanged, {newer} newer at HQ, {conf} in conflict."
                       ).format(ins=self.inserted, upd=self.updated, same=self.unchanged, newer=self.hq_newer,
                                conf=len(self.conflicts)))
        if self.grumbles_new or self.opportunities_new:
            lines.append(_("Grumbles: {g} new; opportunities: {o} new.").format(g=self.grumbles_new,
                                                                              o=self.opportunities_new))
        if self.grumbles_unlinked:
            lines.append(_("{n} grumble(s) became a complaint that headquarters does not hold yet; the link comes "
                           "with the file that holds the case.").format(n=self.grumbles_unlinked))
        if self.branches_created:
            lines.append(_("Branches created: {codes}").format(codes=", ".join(self.branches_created)))
        if self.users_created:
            lines.append(_("Staff added as inactive accounts: {names}").format(names=", ".join(self.users_created)))
        if self.conflicts:
            lines.append(_("Conflicts (changed at the branch and at HQ; HQ's version kept):"))
            for c in self.conflicts:
                lines.append(_("  {number}: HQ version {hv} ({hat}) · branch version {bv} ({bat}) — {reason}").format(
                    number=c.case_number, hv=c.hq_version, hat=c.hq_updated_at.isoformat(timespec="minutes"),
                    bv=c.branch_version, bat=c.branch_updated_at.isoformat(timespec="minutes"), reason=c.reason))
        return "\n".join(lines)


