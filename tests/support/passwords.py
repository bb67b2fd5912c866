"""The passwords the test staff sign in with (one place, so a stricter password rule is one edit)."""

from __future__ import annotations

#: Every member of staff made by ``tests.support.staff.make_staff`` (and the GUI tests' clerks).
PASSWORD = "counter2026"
#: The administrator ``make_staff`` sets the database up with.
ADMIN_PASSWORD = "admin2026"
#: The counter clerk of the intake and switch-user GUI tests.
CLERK_PASSWORD = "counter2026!"
