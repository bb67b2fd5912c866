"""Dialogs used at start-up and from the menus."""
