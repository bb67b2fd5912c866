"""The reminder digest by e-mail, sent by the desk server (``desk-server digest``, e.g. from cron each morning).

Each active user with an e-mail address gets one message listing the reminders they have not been told of
yet (desk_app.services.notifications): being told by e-mail counts as being told, so a reminder is announced
once, by mail or on the desk, never both. Users without new reminders get no message. SMTP settings live in
the server's configuration (``smtp_*`` in server.toml), never on a counter PC.
"""

from __future__ import annotations

import re
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import select

from desk_app.db.models import Branch, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import PermissionDeniedError, UserError, ValidationError
from desk_app.i18n import _
from desk_app.services.access import require_branch
from desk_app.services.notifications import Notification, current_notifications

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = ""
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class DigestReport:
    sent: int
    users_without_news: int
    failed: tuple[str, ...] = ()
    """User names whose message the mail server refused."""


def set_email_address(db: Database, actor: Actor, user_id: uuid.UUID, email: str) -> str:
    """Set where a user's digest goes (empty: no digest). A user sets their own; an administrator anyone's in
    their scope. Returns the address stored."""
    address = email.strip()
    if address and (len(address) > 254 or not _ADDRESS.match(address)):
        raise ValidationError(_("{address} is not an e-mail address.").format(address=address), "email")
    with db.unit_of_work() as session:
        user = session.get(User, user_id)
        if user is None:
            raise ValidationError(_("There is no such user."), "user_id")
        if user.id != actor.user_id:
            if not has_permission(actor.role, Permission.ADMINISTER):
                raise PermissionDeniedError(_("Only an administrator may set another person's e-mail address."))
            require_branch(actor, user.branch_id)
        user.email = address
        return address


def my_email_address(db: Database, actor: Actor) -> str:
    """Where the signed-in user's digest goes (empty: none)."""
    with db.unit_of_work() as session:
        return session.get_one(User, actor.user_id).email


def _actor(user: User, branch: Branch) -> Actor:
    return Actor(user.id, user.username, user.display_name, Role(user.role), branch.id, branch.code,
                 branch.is_headquarters)


def _line(item: Notification) -> str:
    when = (item.due_on.isoformat() if item.due_on is not None
            else (item.due_at or item.happened_at or utcnow()).strftime("%Y-%m-%d %H:%M UTC"))
    detail = f" — {item.detail}" if item.detail else ""
    return f"• {item.label}: {item.case_number} ({when}){detail}"


def compose(user_name: str, address: str, items: list[Notification], sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _("Complaint Desk: {n} new reminders").format(n=len(items))
    message["From"] = sender
    message["To"] = formataddr((user_name, address))
    lines = [_("Hello {name},").format(name=user_name), "",
             _("These reminders are new for you since the last digest or sign-in:"), ""]
    lines += [_line(item) for item in items]
    lines += ["", _("Open Complaint Desk to see them; they are also listed under Reminders on the status bar.")]
    message.set_content("\n".join(lines))
    return message


def send_digests(db: Database, settings: SmtpSettings, at: datetime | None = None) -> DigestReport:
    """Send every active user with an e-mail address the reminders new to them (one message each)."""
    if not settings.host:
        raise UserError(_("No mail server is configured: set smtp_host in the server configuration."))
    with db.unit_of_work() as session:
        people = [(_actor(user, branch), user.email) for user, branch in session.execute(
            select(User, Branch).join(Branch, Branch.id == User.branch_id)
            .where(User.active.is_(True), User.email != "").order_by(User.username))]
    sender = settings.sender or f"complaint-desk@{settings.host}"
    sent, quiet, failed = 0, 0, []
    try:  # connect before anyone's reminders are marked told: an unreachable server loses none
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
    except (OSError, smtplib.SMTPException) as exc:
        raise UserError(_("The mail server {host}:{port} could not be reached: {error}").format(
            host=settings.host, port=settings.port, error=exc)) from exc
    with smtp:
        for actor, address in people:
            new = [n for n in current_notifications(db, actor, at) if n.new]
            if not new:
                quiet += 1
                continue
            try:
                smtp.send_message(compose(actor.display_name, address, new, sender))
                sent += 1
            except (OSError, smtplib.SMTPException):
                failed.append(actor.username)
    return DigestReport(sent, quiet, tuple(failed))
