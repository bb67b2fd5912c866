"""Reports in the GUI: the dashboard page (and the export and import dialogs)."""
