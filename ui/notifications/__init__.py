"""The reminder centre: a badge in the status bar, the list of reminders (``dialog``), opening their cases."""

from ui.notifications.centre import NotificationCentre

__all__ = ["NotificationCentre"]
