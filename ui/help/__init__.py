"""The in-app user guide: ``show_help(parent, section)`` and ``install_f1(widget, section)``."""

from ui.help.help_browser import HelpWindow, help_sections, install_f1, section_for, show_help

__all__ = ["HelpWindow", "help_sections", "install_f1", "section_for", "show_help"]
