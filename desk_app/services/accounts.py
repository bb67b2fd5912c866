"""Staff accounts: sign-in (with lock-out), creating users, changing passwords, listing users.

Each public function is one unit of work. Sign-in failures are recorded *before* the error is raised,
so the failed-attempt counter survives the rollback that an exception inside a transaction would cause.
"""

from __future__ import annotations

import gzip
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, PermissionDeniedError, StaleVersionError, UserError, ValidationError
from desk_app.i18n import _, ngettext
from desk_app.paths import resources_dir
from desk_app.security import hash_password, needs_rehash, verify_password
from desk_app.services import audit
from desk_app.services.access import require

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AuthenticationError(UserError):
    """Sign-in refused: wrong user name or password (deliberately not saying which)."""


class AccountLockedError(AuthenticationError):
    """Too many failed sign-ins; the account is locked for a while."""


class AccountDisabledError(AuthenticationError):
    """The account has been deactivated by an administrator."""


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    branch_id: uuid.UUID
    branch_code: str
    active: bool
    must_change_password: bool
    last_login_at: datetime | None
    locked_until: datetime | None
    version: int = 0


def normalise_username(username: str) -> str:
    return username.strip().lower()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The deny-list: the 20,000 most common passwords (resources/passwords, lower case)."""
    with gzip.open(resources_dir() / "passwords" / "common-passwords.txt.gz", "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def _name_parts(username: str) -> list[str]:
    name = normalise_username(username)
    parts = [p for p in re.split(r"[._-]", name) if len(p) >= 4]
    return ([name] if len(name) >= 3 else []) + parts


def validate_password(password: str, username: str = "") -> None:
    """At least 8 characters with letters and digits, not a common password, not containing the user name
    (or a part of it of 4 letters or more); raises ValidationError(field="password")."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_PASSWORD_LENGTH),
            field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            _("The password must have at most {n} characters.").format(n=MAX_PASSWORD_LENGTH),
            field="password")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise ValidationError(_("The password must contain both letters and digits."), field="password")
    lowered = password.lower()
    if lowered in common_passwords():
        raise ValidationError(_("This password is one of the most common passwords, which are tried first; "
                                "choose another."), field="password")
    if any(part in lowered for part in _name_parts(username)):
        raise ValidationError(_("The password must not contain the user name."), field="password")


def validate_username(username: str) -> str:
    """Return the normalised user name or raise ValidationError(field="username")."""
    name = normalise_username(username)
    if not _USERNAME_RE.match(name):
        raise ValidationError(
            _("A user name has 2 to 64 characters: letters a–z, digits, '.', '_' or '-', "
              "starting with a letter or digit."), field="username")
    return name


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown user names, so they take as long as wrong passwords."""
    return hash_password("not-a-real-password-0")


def _wrong_credentials() -> AuthenticationError:
    return AuthenticationError(_("Wrong user name or password."))


def _locked_error(locked_until: datetime, now: datetime) -> AccountLockedError:
    minutes = max(1, -(-int((locked_until - now).total_seconds()) // 60))
    return AccountLockedError(ngettext(
        "This account is locked after too many failed sign-ins. Try again in {n} minute "
        "or ask an administrator to unlock it.",
        "This account is locked after too many failed sign-ins. Try again in {n} minutes "
        "or ask an administrator to unlock it.",
        minutes).format(n=minutes))


def _find_user(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User).where(func.lower(User.username) == normalise_username(username))
    ).one_or_none()


def actor_for(session: Session, user: User) -> Actor:
    branch = session.get_one(Branch, user.branch_id)
    return Actor(user_id=user.id, username=user.username, display_name=user.display_name,
                 role=Role(user.role), branch_id=branch.id, branch_code=branch.code,
                 is_hq=branch.is_headquarters)


def authenticate(db: Database, username: str, password: str, now: datetime | None = None, client: str = "") -> Actor:
    """Check the credentials and return the signed-in Actor, or raise an AuthenticationError.

    Audited either way, on this PC as through the desk server (``client`` names the caller there): a
    sign-in, a failed sign-in (the name tried and why), and the lock-out that a failure may cause.
    """
    now = now or utcnow()
    failure: AuthenticationError | None = None
    actor: Actor | None = None
    locked_now = False
    with db.unit_of_work() as session:
        user = _find_user(session, username)
        if user is None:
            verify_password(_dummy_hash(), password)
            failure = _wrong_credentials()
        elif user.locked_until is not None and user.locked_until > now:
            failure = _locked_error(user.locked_until, now)
        elif not verify_password(user.password_hash, password):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.failed_logins = 0
                user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
                failure = _locked_error(user.locked_until, now)
                locked_now = True
            else:
                failure = _wrong_credentials()
        elif not user.active:
            failure = AccountDisabledError(
                _("This account has been deactivated. Ask an administrator."))
        else:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            actor = actor_for(session, user)
        client = client[:200]
        if actor is not None:
            audit.record(session, actor, audit.AuditAction.SIGN_IN, detail={"client": client})
        else:
            tried = {"username": normalise_username(username)[:64], "user_id": user.id if user else None}
            audit.record(session, None, audit.AuditAction.SIGN_IN_FAILED,
                         detail={**tried, "reason": type(failure).__name__, "client": client})
            if locked_now and user is not None:
                audit.record(session, None, audit.AuditAction.LOCKED_OUT,
                             detail={**tried, "until": user.locked_until, "client": client})
    if failure is not None or actor is None:
        raise failure or _wrong_credentials()
    return actor


def sign_out(db: Database, actor: Actor) -> None:
    """Sign out on this PC (the desk server ends its session in ``sessions.close_session``): audited."""
    with db.unit_of_work() as session:
        audit.record(session, actor, audit.AuditAction.SIGN_OUT)


def _check_role_grant(actor: Actor, role: Role) -> None:
    """The HQ analyst role sees every branch: only an administrator at headquarters may grant it."""
    if role is Role.HQ_ANALYST and not actor.is_hq:
        raise PermissionDeniedError(_("Only an administrator at headquarters may give the HQ analyst role "
                                      "(it sees every branch)."))


def create_user(db: Database, actor: Actor, *, username: str, display_name: str, password: str,
                role: Role, branch_id: uuid.UUID | None = None,
                must_change_password: bool = True) -> UserInfo:
    """Create a staff account (administrators only; an HQ administrator may choose any branch)."""
    require(actor, Permission.ADMINISTER)
    name = validate_username(username)
    display = display_name.strip()
    if not display:
        raise ValidationError(_("Enter the person's display name."), field="display_name")
    validate_password(password, name)
    _check_role_grant(actor, Role(role))
    target_branch = branch_id or actor.branch_id
    if target_branch != actor.branch_id and not actor.is_hq:
        raise PermissionDeniedError(_("You may only create accounts for your own branch."))
    with db.unit_of_work() as session:
        branch = session.get(Branch, target_branch)
        if branch is None:
            raise NotFoundError(_("The branch does not exist."))
        if _find_user(session, name) is not None:
            raise ValidationError(_("The user name {name} is already taken.").format(name=name),
                                  field="username")
        user = User(username=name, display_name=display, password_hash=hash_password(password),
                    role=Role(role).value, branch_id=branch.id, active=True,
                    must_change_password=must_change_password, failed_logins=0)
        session.add(user)
        session.flush()
        audit.record(session, actor, audit.AuditAction.USER_CREATED, None, {
            "operation": "create_user", "username": name, "role": Role(role).value, "branch": branch.code})
        return _info(user, branch.code)


def change_password(db: Database, actor: Actor, old: str, new: str) -> None:
    """Change the signed-in user's own password after checking the current one."""
    if new == old:
        raise ValidationError(_("The new password must differ from the current one."), field="password")
    validate_password(new, actor.username)
    with db.unit_of_work() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFoundError(_("Your account no longer exists."))
        if not verify_password(user.password_hash, old):
            raise ValidationError(_("The current password is wrong."), field="old_password")
        user.password_hash = hash_password(new)
        user.must_change_password = False


def must_change_password(db: Database, actor: Actor) -> bool:
    """True for an initial or reset password, which must be changed before work starts."""
    with db.unit_of_work() as session:
        user = session.get(User, actor.user_id)
        return bool(user and user.must_change_password)


def list_users(db: Database) -> list[UserInfo]:
    """Every account, ordered by branch code then user name."""
    with db.unit_of_work() as session:
        rows = session.execute(
            select(User, Branch.code).join(Branch, Branch.id == User.branch_id)
            .order_by(Branch.code, User.username)
        ).all()
        return [_info(user, code) for user, code in rows]


def _info(user: User, branch_code: str) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                    role=Role(user.role), branch_id=user.branch_id, branch_code=branch_code,
                    active=user.active, must_change_password=user.must_change_password,
                    last_login_at=user.last_login_at, locked_until=user.locked_until, version=user.version)


# --- administration: edit, disable, reset, unlock ----------------------------------------------------------

TEMPORARY_PASSWORD_LENGTH = 10
_TEMP_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """A random password that passes ``validate_password`` and is easy to read out (no 0/O, 1/l/I)."""
    while True:
        candidate = "".join(secrets.choice(_TEMP_ALPHABET) for _i in range(max(length, MIN_PASSWORD_LENGTH)))
        if any(c.isalpha() for c in candidate) and any(c.isdigit() for c in candidate):
            return candidate


def _managed_user(session: Session, actor: Actor, user_id: uuid.UUID, version: int | None = None) -> User:
    """The account an administrator acts on: it exists, lies in the actor's scope and is not stale."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(_("The user account does not exist."))
    if user.branch_id != actor.branch_id and not actor.is_hq:
        raise PermissionDeniedError(_("You may only manage accounts of your own branch."))
    if version is not None and user.version != version:
        raise StaleVersionError(_("This account was changed by someone else since you opened it. "
                                  "Reload and try again."))
    return user


def _other_active_admins(session: Session, user: User) -> int:
    """How many active administrators there are besides ``user`` (rows locked on PostgreSQL)."""
    ids = session.scalars(
        select(User.id).where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True)).with_for_update()
    ).all()
    return sum(1 for uid in ids if uid != user.id)


def update_user(db: Database, actor: Actor, user_id: uuid.UUID, *, display_name: str | None = None,
                role: Role | None = None, branch_id: uuid.UUID | None = None, active: bool | None = None,
                version: int | None = None) -> UserInfo:
    """Change an account's display name, role, branch or active flag (only the arguments given).

    Refused: non-administrators; a branch administrator touching another branch; an administrator
    disabling or demoting themselves; anything that would leave no active administrator.
    """
    require(actor, Permission.ADMINISTER)
    with db.unit_of_work() as session:
        user = _managed_user(session, actor, user_id, version)
        changes: dict[str, list[object]] = {}
        if display_name is not None:
            display = display_name.strip()
            if not display:
                raise ValidationError(_("Enter the person's display name."), field="display_name")
            if len(display) > 100:
                raise ValidationError(_("A display name has at most 100 characters."), field="display_name")
            if display != user.display_name:
                changes["display_name"] = [user.display_name, display]
                user.display_name = display
        new_role = Role(role) if role is not None else Role(user.role)
        new_active = user.active if active is None else bool(active)
        if user.id == actor.user_id and not new_active:
            raise ValidationError(_("You cannot disable your own account."), field="active")
        if user.id == actor.user_id and new_role is not Role.ADMINISTRATOR:
            raise ValidationError(_("You cannot remove your own administrator role; ask another administrator."),
                                  field="role")
        was_admin = user.active and user.role == Role.ADMINISTRATOR.value
        stays_admin = new_active and new_role is Role.ADMINISTRATOR
        if was_admin and not stays_admin and _other_active_admins(session, user) == 0:
            raise ValidationError(_("{name} is the last active administrator; make someone else an "
                                    "administrator first.").format(name=user.username), field="role")
        if new_role.value != user.role:
            _check_role_grant(actor, new_role)
            changes["role"] = [user.role, new_role.value]
            user.role = new_role.value
        if new_active != user.active:
            changes["active"] = [user.active, new_active]
            user.active = new_active
        branch = session.get_one(Branch, user.branch_id)
        if branch_id is not None and branch_id != user.branch_id:
            if not actor.is_hq:
                raise PermissionDeniedError(_("You may only manage accounts of your own branch."))
            target = session.get(Branch, branch_id)
            if target is None:
                raise NotFoundError(_("The branch does not exist."))
            if not target.active:
                raise ValidationError(_("Branch {code} is closed; choose an open branch.").format(code=target.code),
                                      field="branch")
            changes["branch"] = [branch.code, target.code]
            user.branch_id, branch = target.id, target
        if changes:
            session.flush()
            action = audit.AuditAction.ROLE_CHANGED if "role" in changes else audit.AuditAction.USER_CHANGED
            audit.record(session, actor, action, None, {
                "operation": "update_user", "username": user.username, "changes": changes})
        return _info(user, branch.code)


def reset_password(db: Database, actor: Actor, user_id: uuid.UUID, temporary_password: str) -> UserInfo:
    """Set a temporary password that must be changed at the next sign-in; this also lifts a lock-out."""
    require(actor, Permission.ADMINISTER)
    with db.unit_of_work() as session:
        user = _managed_user(session, actor, user_id)
        validate_password(temporary_password, user.username)
        user.password_hash = hash_password(temporary_password)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        session.flush()
        audit.record(session, actor, audit.AuditAction.PASSWORD_RESET, None, {
            "operation": "reset_password", "username": user.username})
        return _info(user, session.get_one(Branch, user.branch_id).code)


def unlock_user(db: Database, actor: Actor, user_id: uuid.UUID) -> UserInfo:
    """Lift a lock-out after too many failed sign-ins (the password stays as it is)."""
    require(actor, Permission.ADMINISTER)
    with db.unit_of_work() as session:
        user = _managed_user(session, actor, user_id)
        if user.locked_until is not None or user.failed_logins:
            user.failed_logins = 0
            user.locked_until = None
            session.flush()
            audit.record(session, actor, audit.AuditAction.USER_UNLOCKED, None, {
                "operation": "unlock_user", "username": user.username})
        return _info(user, session.get_one(Branch, user.branch_id).code)


def is_locked(info: UserInfo, now: datetime | None = None) -> bool:
    """Whether the account is locked out right now."""
    return info.locked_until is not None and info.locked_until > (now or utcnow())
