"""Administration in the GUI: users, branches and roles (系统管理), and the audit log viewer (审计日志)."""

from ui.admin.admin_page import AdminPage
from ui.admin.audit_page import AuditLogPage

__all__ = ["AdminPage", "AuditLogPage"]
