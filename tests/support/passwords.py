"""The passwords the test staff sign in with (one place, so a stricter password rule is one edit)."""

from __future__ import annotations

#: Every member of staff made by ``tests.support.staff.make_staff`` (and the GUI tests' clerks).
PASSWORD = "counter2026"
#: The administrator ``make_staff`` sets the database up with.
ADMIN_PASSWORD = "admin2026"
#: The counter clerk of the intake and switch-user GUI tests.
CLERK_PASSWORD = "counter2026!"
#: The administrator of the GUI tests' set-up database (tests/gui/conftest.py's ``set_up``, desk_steps' desk);
#: some tests type it into the sign-in dialog key by key.
GUI_ADMIN_PASSWORD = "admin12345"
