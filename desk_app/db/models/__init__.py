"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from desk_app.db.base import Base
from desk_app.db.models.case_counts import CaseCount
from desk_app.db.models.case_links import CaseLink
from desk_app.db.models.complaints import Attachment, Complaint, ComplaintEvent, ComplaintParty, NumberCounter
from desk_app.db.models.customers import Customer
from desk_app.db.models.drills import PracticeDrill, PracticeDrillStep
from desk_app.db.models.governance import AuditEntry, ChecklistDefinition, DatabaseFact, WordListVersion
from desk_app.db.models.grumbles import Grumble, Opportunity
from desk_app.db.models.imports import ImportBatch, ImportMapping
from desk_app.db.models.library import LibraryCase
from desk_app.db.models.notifications import NotificationReceipt
from desk_app.db.models.org import Branch, User
from desk_app.db.models.quality import QualitySample
from desk_app.db.models.records import (
                                           Callback,
                                           ChecklistRun,
                                           ChecklistTick,
                                           ImprovementAction,
                                           Letter,
                                           Portrait,
                                           Resolution,
                                           RootCause,
                                           improvement_action_cases,
)
from desk_app.db.models.reference import (
                                           CalendarEntry,
                                           CalendarYear,
                                           ChangeToken,
                                           ReferenceItem,
                                           ReferenceVersion,
                                           TaxonomyCode,
)
from desk_app.db.models.sessions import ApiSession

__all__ = [
                                           "ApiSession",
                                           "Attachment",
                                           "AuditEntry",
                                           "Base",
                                           "Branch",
                                           "CalendarEntry",
                                           "CalendarYear",
                                           "Callback",
                                           "CaseCount",
                                           "CaseLink",
                                           "ChangeToken",
                                           "ChecklistDefinition",
                                           "ChecklistRun",
                                           "ChecklistTick",
                                           "Complaint",
                                           "ComplaintEvent",
                                           "ComplaintParty",
                                           "Customer",
                                           "DatabaseFact",
                                           "Grumble",
                                           "ImportBatch",
                                           "ImportMapping",
                                           "ImprovementAction",
                                           "Letter",
                                           "LibraryCase",
                                           "NotificationReceipt",
                                           "NumberCounter",
                                           "Opportunity",
                                           "Portrait",
                                           "PracticeDrill",
                                           "PracticeDrillStep",
                                           "QualitySample",
                                           "ReferenceItem",
                                           "ReferenceVersion",
                                           "Resolution",
                                           "RootCause",
                                           "TaxonomyCode",
                                           "User",
                                           "WordListVersion",
                                           "improvement_action_cases",
]
