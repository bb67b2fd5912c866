"""Complaint Desk core: domain, persistence, documents and reports. Never imports Qt."""

__version__ = "0.1.0"
