"""Complaint Desk GUI (PySide6). The only package that imports Qt; it calls desk_app services."""
