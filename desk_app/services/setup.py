"""First run: reference data, the holiday table, the first branch and its administrator — one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, Role
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.security import hash_password
from desk_app.services.accounts import validate_password, validate_username
from desk_app.services.calendar import seed_calendar
from desk_app.services.checklists import seed_checklists
from desk_app.services.complaints import regime_for_institution
from desk_app.services.legal import seed_legal_reference
from desk_app.services.reference import seed_reference_data
from desk_app.services.risk_signals import seed_word_lists


@dataclass(frozen=True)
class SetupRequest:
    branch_code: str
    branch_name: str
    institution_type: InstitutionType
    admin_username: str
    admin_display_name: str
    admin_password: str
    branch_address: str = ""
    branch_hotline: str = ""
    superior_institution: str = ""
    superior_contact: str = ""
    is_headquarters: bool = False
    analyst_username: str = ""
    """At headquarters, the HQ analyst's account made with the administrator (empty: none yet)."""
    analyst_display_name: str = ""
    analyst_password: str = ""


def seed_guidance(session: Session) -> None:
    """The bundled checklists, word lists and legal reference (idempotent: only what the database lacks)."""
    seed_checklists(session)
    seed_word_lists(session)
    seed_legal_reference(session)


def is_initialised(db: Database) -> bool:
    with db.unit_of_work() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))


def validate_branch_code(code: str) -> str:
    code = code.strip().upper()
    if not code or len(code) > 16 or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationError(_("A branch code is 1–16 letters or digits, e.g. SH01."), "branch_code")
    return code


def validate_superior(institution: str, contact: str) -> None:
    """Decision letters name the superior institution a customer may ask to review the case, with its
    contact (REGULATION.md): the wizard asks for both, or the first decision letter would be refused later
    (other set-ups, e.g. tests, may leave them for the branch dialog)."""
    if not institution.strip():
        raise ValidationError(_("Enter the superior institution that reviews complaints (printed on decision "
                                "letters)."), "superior_institution")
    if not contact.strip():
        raise ValidationError(_("Enter how customers reach the superior institution (address or telephone)."),
                              "superior_contact")


def validate_analyst(request: SetupRequest, admin_username: str) -> str:
    """The HQ analyst's user name, or "" when none is to be made; only headquarters has HQ analysts."""
    if not request.analyst_username.strip():
        return ""
    if not request.is_headquarters:
        raise ValidationError(_("Only headquarters has HQ analysts."), "analyst_username")
    name = validate_username(request.analyst_username)
    if name == admin_username:
        raise ValidationError(_("The HQ analyst needs a user name of their own."), "analyst_username")
    validate_password(request.analyst_password)
    return name


def initialise(db: Database, request: SetupRequest) -> Actor:
    """Create what a new database needs; refused if the database already has users."""
    code = validate_branch_code(request.branch_code)
    if not request.branch_name.strip():
        raise ValidationError(_("The branch name is required."), "branch_name")
    username = validate_username(request.admin_username)
    validate_password(request.admin_password)
    analyst = validate_analyst(request, username)
    with db.unit_of_work() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise ValidationError(_("This database is already set up."))
        seed_reference_data(session)
        seed_calendar(session)
        seed_guidance(session)
        branch = Branch(
            code=code, name=request.branch_name.strip(), institution_type=request.institution_type.value,
            regime=regime_for_institution(request.institution_type).value,
            is_headquarters=request.is_headquarters, address=request.branch_address.strip(),
            hotline=request.branch_hotline.strip(), superior_institution=request.superior_institution.strip(),
            superior_contact=request.superior_contact.strip(),
        )
        session.add(branch)
        session.flush()
        admin = User(
            username=username, display_name=request.admin_display_name.strip() or username,
            password_hash=hash_password(request.admin_password), role=Role.ADMINISTRATOR.value,
            branch_id=branch.id, must_change_password=False,
        )
        session.add(admin)
        if analyst:
            session.add(User(username=analyst, display_name=request.analyst_display_name.strip() or analyst,
                             password_hash=hash_password(request.analyst_password), role=Role.HQ_ANALYST.value,
                             branch_id=branch.id, must_change_password=True))
        session.flush()
        return Actor(admin.id, admin.username, admin.display_name, Role.ADMINISTRATOR, branch.id, branch.code,
                     branch.is_headquarters)
